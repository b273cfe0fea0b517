// Chuyên mục: chuyen-muc.html?slug=… — its stories (sub-categories included) with
// "Xem thêm", links to its sub-categories, and its own most-read box.
import { bySlug } from "../api.js";
import { h, links, mainReady, param } from "../dom.js";
import { failurePage, home, listingPage } from "../feed.js";
import { categoryPath, initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
const slug = param("slug");
const layout = initLayout();
layout.markCategory(slug, true);
renderMostRead(document.querySelector(".sidebar"), { category: slug || undefined });

try {
  const category = await bySlug("categories", slug);
  const path = categoryPath(await layout.tree, slug);
  const children = path.at(-1)?.children ?? [];
  await listingPage(main, {
    crumbs: [home, ...(path.length > 0 ? path : [category]).map((node) => ({ name: node.name, href: links.category(node.slug) }))],
    eyebrow: "Chuyên mục",
    title: category.name,
    intro: [
      category.description ? h("p", { class: "page-head__intro" }, category.description) : null,
      children.length > 0
        ? h("ul", { class: "chips", "aria-label": "Chuyên mục con" },
          children.map((child) => h("li", {}, h("a", { href: links.category(child.slug) }, child.name))))
        : null,
    ],
    filters: { category: slug },
    empty: "Chuyên mục này chưa có bài viết.",
  });
} catch (error) {
  failurePage(main, error, "Không tìm thấy chuyên mục");
} finally {
  mainReady(main);
}
