// What every page shares: the category menu, the search box, the most-read box.
import { apiUrl, categoryTree, mostRead } from "./api.js";
import { errorMessage, h, links } from "./dom.js";
import { formatCount } from "./format.js";
import { searchBox } from "./suggest.js";

/** The chain of categories from the top down to `slug` in the tree, or []. */
export function categoryPath(tree, slug) {
  for (const node of tree) {
    if (node.slug === slug) return [node];
    const below = categoryPath(node.children ?? [], slug);
    if (below.length > 0) return [node, ...below];
  }
  return [];
}

function renderMenu(nav, tree) {
  const list = nav.querySelector("ul");
  for (const node of tree) {
    list.append(h("li", {}, h("a", { href: links.category(node.slug), "data-slug": node.slug }, node.name)));
  }
}

function markMenu(nav, path, exact) {
  for (const link of nav.querySelectorAll("a[data-slug]")) {
    if (link.dataset.slug !== path[0]?.slug) continue;
    link.classList.add("is-current");
    if (exact && path.length === 1) link.setAttribute("aria-current", "page");
  }
}

/**
 * What every page shows around its <main>: a skip link, the header with the search box
 * and the menu, the most-read box beside it, the footer and a live region. Written once
 * here; each page's HTML holds only its <main>. `home`: this is the home page.
 */
function chrome({ home }) {
  const main = document.getElementById("noi-dung");
  const header = h("header", { class: "site-header" },
    h("div", { class: "wrap site-header__bar" },
      h("a", { class: "brand", href: "./" }, "Bản", h("span", {}, "tin")),
      h("form", { class: "search", role: "search", action: "tim-kiem.html", method: "get" },
        h("label", { class: "visually-hidden", for: "tu-khoa-tim" }, "Tìm bài viết"),
        h("input", {
          id: "tu-khoa-tim", name: "q", type: "search", placeholder: "Tìm bài viết…", required: true,
          autocomplete: "off", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
          "aria-controls": "goi-y",
        }),
        h("button", { type: "submit" }, "Tìm"),
        h("ul", { id: "goi-y", class: "suggest", role: "listbox", "aria-label": "Gợi ý bài viết", hidden: true }))),
    h("nav", { class: "site-nav", "aria-label": "Chuyên mục" },
      h("ul", { class: "wrap" }, h("li", {}, h("a", { href: "./", "aria-current": home ? "page" : null }, "Trang chủ")))));
  const aside = h("aside", { class: "sidebar", "aria-labelledby": "doc-nhieu", "aria-busy": "true" },
    h("h2", { id: "doc-nhieu", class: "section-title" }, "Đọc nhiều"),
    h("ol", { class: "most-read" }));
  const layout = h("div", { class: "wrap layout" });
  main.replaceWith(layout);
  layout.append(main, aside);
  const footer = h("footer", { class: "site-footer" },
    h("div", { class: "wrap" },
      h("p", {}, h("strong", {}, "Bản tin"), " — trang mẫu dựng hoàn toàn từ API JSON của bantin."),
      h("p", {}, h("a", { class: "api-docs", href: apiUrl("/docs") }, "Tài liệu API"))));
  document.body.prepend(h("a", { class: "skip-link", href: "#noi-dung" }, "Bỏ qua đến nội dung chính"), header);
  document.body.append(footer, h("p", { id: "thong-bao", class: "visually-hidden", role: "status" }));
}

/**
 * Builds what every page shares around its <main> and sets up the header. `tree` resolves to the category tree (or [] when it could not be
 * loaded: the menu then only links home); `markCategory(slug, exact)` highlights the
 * menu entry of that category's section.
 */
export function initLayout({ home = false } = {}) {
  chrome({ home });
  searchBox(document.querySelector("form[role=search]"));
  const nav = document.querySelector(".site-nav");
  const tree = categoryTree()
    .then(({ data }) => {
      renderMenu(nav, data);
      return data;
    })
    .catch(() => []);
  return {
    tree,
    async markCategory(slug, exact = false) {
      markMenu(nav, categoryPath(await tree, slug), exact);
    },
  };
}

/** Fills the "Đọc nhiều" box: most read this week (all time while the week is empty). */
export async function renderMostRead(aside, { category } = {}) {
  const list = aside.querySelector("ol");
  try {
    const data = await mostRead({ category });
    list.replaceChildren(...data.map((article) =>
      h("li", {},
        h("a", { href: links.article(article.slug) }, article.title),
        h("span", { class: "most-read__views" }, `Lượt xem: ${formatCount(article.view_count)}`))));
    if (data.length === 0) list.replaceWith(h("p", {}, "Chưa có số liệu."));
  } catch (error) {
    list.replaceWith(errorMessage(error));
  } finally {
    aside.setAttribute("aria-busy", "false");
  }
}
