// Article lists that grow with "Xem thêm": cursor mode, so a story published meanwhile
// neither repeats nor hides one, and the button goes away at the last page.
import { articles } from "./api.js";
import { announce, articleCard, errorMessage, h } from "./dom.js";

/**
 * Wires `button` to append the next page of `filters` to `list`; returns the function
 * that loads a page (the caller awaits the first). Stories in `exclude` (already shown
 * elsewhere on the page) are left out.
 */
export function articleFeed({ list, button, filters = {}, perPage = 10, exclude = [], level = 2, empty = "Chưa có bài viết nào." }) {
  let cursor = "";
  const seen = new Set(exclude);
  let shown = 0;

  async function more() {
    button.disabled = true;
    list.setAttribute("aria-busy", "true");
    try {
      const page = await articles(filters, cursor, perPage);
      const fresh = page.data.filter((article) => !seen.has(article.id));
      for (const article of fresh) seen.add(article.id);
      list.append(...fresh.map((article) => h("li", {}, articleCard(article, { level }))));
      shown += fresh.length;
      cursor = page.meta.next_cursor;
      button.hidden = cursor === null;
      if (shown === 0 && cursor === null) list.replaceWith(h("p", { class: "notice" }, empty));
      return fresh.length;
    } finally {
      button.disabled = false;
      list.setAttribute("aria-busy", "false");
    }
  }

  button.addEventListener("click", async () => {
    button.parentElement.querySelector(".notice--error")?.remove();
    try {
      const added = await more();
      announce(`Đã tải thêm ${added} bài viết.`);
    } catch (error) {
      button.before(errorMessage(error, "Không tải thêm được"));
    }
  });
  return more;
}

/** A breadcrumb trail: `[{name, href}]`; the last one is this page unless `current` is false. */
export function breadcrumb(items, { current = true } = {}) {
  return h("nav", { class: "breadcrumb", "aria-label": "Vị trí trang" },
    h("ol", {}, items.map((item, index) =>
      h("li", {}, h("a", { href: item.href, "aria-current": current && index === items.length - 1 ? "page" : null }, item.name)))));
}

/**
 * A category, tag, author or search page: its heading block, then the stories of
 * `filters` with "Xem thêm".
 */
export async function listingPage(main, { crumbs, eyebrow, title, intro = [], filters, perPage = 8, empty }) {
  const list = h("ul", { class: "cards" });
  const button = h("button", { type: "button", class: "more", hidden: true }, "Xem thêm");
  main.replaceChildren(
    crumbs ? breadcrumb(crumbs) : "",
    h("header", { class: "page-head" },
      eyebrow ? h("p", { class: "page-head__eyebrow" }, eyebrow) : null,
      h("h1", {}, title),
      ...intro),
    h("section", { class: "listing", "aria-label": `Bài viết: ${title}` }, list, button));
  document.title = `${title} – Bản tin`;
  await articleFeed({ list, button, filters, perPage, empty })();
}

/** The page in place of one that could not be shown: 404s say so, other errors too. */
export function failurePage(main, error, notFound) {
  const missing = error.status === 404;
  const title = missing ? notFound : "Không tải được trang";
  document.title = `${title} – Bản tin`;
  main.replaceChildren(
    h("h1", {}, title),
    errorMessage(error),
    h("p", {}, h("a", { href: "./" }, "Về trang chủ")));
}

export const home = { name: "Trang chủ", href: "./" };
