// Building blocks for pages. All text goes in through textContent; the only HTML the
// site inserts is an article body (sanitized by the server) and search highlights
// (reduced to text and <mark>).
import { ApiError, apiUrl } from "./api.js";
import { formatDate } from "./format.js";

/** `h("a", {href: "x", class: "y"}, "text", child)`: an element with attributes and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

export const links = {
  article: (slug) => `bai-viet.html?slug=${encodeURIComponent(slug)}`,
  category: (slug) => `chuyen-muc.html?slug=${encodeURIComponent(slug)}`,
  tag: (slug) => `tu-khoa.html?slug=${encodeURIComponent(slug)}`,
  author: (slug) => `tac-gia.html?slug=${encodeURIComponent(slug)}`,
  search: (q) => `tim-kiem.html?q=${encodeURIComponent(q)}`,
};

/** The `slug` (or another) parameter of this page's address. */
export function param(name) {
  return new URLSearchParams(location.search).get(name)?.trim() ?? "";
}

/** Highlighted text from the API ("… <mark>thi đua</mark> …") as DOM: text and <mark> only. */
export function highlighted(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  const fragment = document.createDocumentFragment();
  for (const node of parsed.childNodes) {
    if (node.nodeName === "MARK") fragment.append(h("mark", {}, node.textContent));
    else fragment.append(node.textContent);
  }
  return fragment;
}

export function dateLine(timestamp) {
  return h("time", { datetime: timestamp }, formatDate(timestamp));
}

/**
 * An article's cover: the uploaded image with every variant in `srcset`, or the outside
 * `cover_image_url`; null when it has neither. An image that fails to load gives way to
 * a plain tinted box, not a broken-image icon.
 */
export function coverImage(article, { sizes, eager = false } = {}) {
  const media = article.cover_image;
  let img;
  if (media) {
    const candidates = [...media.variants, { url: media.url, width: media.width }]
      .map((variant) => `${apiUrl(variant.url)} ${variant.width}w`);
    img = h("img", {
      loading: eager ? "eager" : "lazy",
      decoding: "async",
      src: apiUrl((media.variants.find((v) => v.width >= 640) ?? media).url),
      srcset: candidates.join(", "),
      sizes,
      width: media.width,
      height: media.height,
      alt: media.alt || article.title,
    });
  } else if (article.cover_image_url) {
    img = h("img", {
      loading: eager ? "eager" : "lazy",
      decoding: "async",
      src: article.cover_image_url,
      alt: article.title,
    });
  } else {
    return null;
  }
  img.addEventListener("error", () => img.parentElement?.classList.add("is-missing"), { once: true });
  return img;
}

/** A story in a list: picture, title (heading of `level`), category, date, summary. */
export function articleCard(article, { level = 3, sizes = "(min-width: 48rem) 14rem, 7rem", summary = true, eager = false } = {}) {
  const href = links.article(article.slug);
  const cover = coverImage(article, { sizes, eager });
  const heading = h(`h${level}`, { class: "card__title" });
  heading.append(h("a", { href }, article.highlight ? highlighted(article.highlight.title) : article.title));
  const snippet = article.highlight?.snippet ? highlighted(article.highlight.snippet) : article.summary;
  return h("article", { class: "card", "data-id": article.id },
    cover ? h("a", { class: "card__media", href, tabindex: "-1", "aria-hidden": "true" }, cover) : null,
    h("div", { class: "card__text" },
      heading,
      h("p", { class: "card__meta" },
        article.category ? h("a", { href: links.category(article.category.slug) }, article.category.name) : null,
        article.published_at ? dateLine(article.published_at) : null),
      summary && snippet ? h("p", { class: "card__summary" }, snippet) : null));
}

/** A message in place of content that could not be loaded (or, on a bug, shown). */
export function errorMessage(error, what) {
  let message = error.message;
  if (!(error instanceof ApiError)) {
    console.error(error);
    message = "Đã có lỗi khi hiển thị nội dung.";
  }
  return h("div", { class: "notice notice--error", role: "alert" },
    h("p", {}, what ? `${what}: ${message}` : message));
}

/** Tells screen-reader users what just changed (e.g. "Đã tải thêm 8 bài"). */
export function announce(text) {
  const region = document.getElementById("thong-bao");
  if (region) region.textContent = text;
}

/** `<main>` is busy until the page has rendered what it came for (or failed to). */
export function mainReady(main) {
  main.setAttribute("aria-busy", "false");
}
