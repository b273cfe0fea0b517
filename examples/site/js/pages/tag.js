// Từ khóa: tu-khoa.html?slug=… — the stories carrying one tag, with "Xem thêm".
import { bySlug } from "../api.js";
import { h, links, mainReady, param } from "../dom.js";
import { formatCount } from "../format.js";
import { failurePage, home, listingPage } from "../feed.js";
import { initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
const slug = param("slug");
initLayout();
renderMostRead(document.querySelector(".sidebar"));

try {
  const tag = await bySlug("tags", slug);
  await listingPage(main, {
    crumbs: [home, { name: tag.name, href: links.tag(tag.slug) }],
    eyebrow: "Từ khóa",
    title: tag.name,
    intro: [
      tag.description ? h("p", { class: "page-head__intro" }, tag.description) : null,
      h("p", { class: "page-head__count" }, `${formatCount(tag.article_count)} bài viết`),
    ],
    filters: { tag: slug },
  });
} catch (error) {
  failurePage(main, error, "Không tìm thấy từ khóa");
} finally {
  mainReady(main);
}
