// Tác giả: tac-gia.html?slug=… — who they are and what they wrote, with "Xem thêm".
import { bySlug } from "../api.js";
import { h, links, mainReady, param } from "../dom.js";
import { formatCount } from "../format.js";
import { failurePage, home, listingPage } from "../feed.js";
import { initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
const slug = param("slug");
initLayout();
renderMostRead(document.querySelector(".sidebar"));

function avatar(author) {
  const initials = author.name.split(/\s+/).slice(-2).map((word) => word[0]).join("");
  const box = h("div", { class: "avatar", "data-initials": initials });
  if (author.avatar_url) {
    const img = h("img", { src: author.avatar_url, alt: `Ảnh ${author.name}`, width: 96, height: 96, decoding: "async" });
    img.addEventListener("error", () => img.remove(), { once: true });
    box.append(img);
  }
  return box;
}

try {
  const author = await bySlug("authors", slug);
  await listingPage(main, {
    crumbs: [home, { name: author.name, href: links.author(author.slug) }],
    eyebrow: "Tác giả",
    title: author.name,
    intro: [
      avatar(author),
      author.bio ? h("p", { class: "page-head__intro" }, author.bio) : null,
      h("p", { class: "page-head__count" }, `${formatCount(author.article_count)} bài viết`),
    ],
    filters: { author_slug: slug },
    empty: "Tác giả này chưa có bài viết.",
  });
} catch (error) {
  failurePage(main, error, "Không tìm thấy tác giả");
} finally {
  mainReady(main);
}
