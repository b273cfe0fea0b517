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
 * Sets up the header. `tree` resolves to the category tree (or [] when it could not be
 * loaded: the menu then only links home); `markCategory(slug, exact)` highlights the
 * menu entry of that category's section.
 */
export function initLayout() {
  searchBox(document.querySelector("form[role=search]"));
  document.querySelector(".api-docs")?.setAttribute("href", apiUrl("/docs"));
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
