// Bài viết: bai-viet.html?slug=… — the story, its tags, four related stories; counts
// one view.
import { bySlug, recordView, related } from "../api.js";
import { articleCard, coverImage, dateLine, errorMessage, h, links, mainReady, param } from "../dom.js";
import { formatCount } from "../format.js";
import { breadcrumb, failurePage, home } from "../feed.js";
import { categoryPath, initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
const slug = param("slug");
const layout = initLayout();
renderMostRead(document.querySelector(".sidebar"));

function byline(article) {
  const profile = article.author_profile;
  const name = profile?.name ?? article.author;
  if (!name) return null;
  return h("li", { class: "story__author" }, "Tác giả: ",
    profile ? h("a", { href: links.author(profile.slug), rel: "author" }, name) : name);
}

function story(article) {
  const cover = coverImage(article, { sizes: "(min-width: 64rem) 44rem, 100vw", eager: true });
  return h("article", { class: "story" },
    h("header", { class: "story__head" },
      h("h1", { class: "story__title" }, article.title),
      h("ul", { class: "story__meta" },
        h("li", {}, "Ngày: ", dateLine(article.published_at)),
        h("li", {}, "Lượt xem: ", h("span", { class: "story__views" }, formatCount(article.view_count))),
        byline(article),
        article.reading_time_minutes ? h("li", {}, `${article.reading_time_minutes} phút đọc`) : null),
      article.summary ? h("p", { class: "story__summary" }, article.summary) : null),
    cover ? h("figure", { class: "story__cover" }, cover) : null,
    body(article.body),
    article.tags.length > 0
      ? h("footer", { class: "story__foot" },
        h("p", { class: "story__tags-label", id: "tu-khoa-bai" }, "Từ khóa:"),
        h("ul", { class: "chips", "aria-labelledby": "tu-khoa-bai" },
          article.tags.map((tag) => h("li", {}, h("a", { href: links.tag(tag.slug), rel: "tag" }, tag.name)))))
      : null);
}

function body(html) {
  const element = h("div", { class: "story__body" });
  // The API sanitizes bodies on write (no scripts, handlers or javascript: URLs).
  element.innerHTML = html ?? "";
  for (const img of element.querySelectorAll("img")) {
    img.loading = "lazy";
    if (!img.hasAttribute("alt")) img.alt = "";
  }
  return element;
}

async function relatedSection(article) {
  const section = h("section", { class: "related", "aria-labelledby": "lien-quan" },
    h("h2", { id: "lien-quan", class: "section-title" }, "Bài Viết Liên Quan"));
  main.append(section);
  try {
    const { data } = await related(article.id, 4);
    if (data.length === 0) section.remove();
    section.append(h("ul", { class: "cards cards--grid" },
      data.map((item) => h("li", {}, articleCard(item, { level: 3, summary: false, sizes: "(min-width: 48rem) 12rem, 50vw" })))));
  } catch (error) {
    section.append(errorMessage(error, "Không tải được bài liên quan"));
  }
}

// A prerendered page is not a view until the reader actually opens it.
function whenShown(callback) {
  if (document.prerendering) document.addEventListener("prerenderingchange", callback, { once: true });
  else callback();
}

try {
  const article = await bySlug("articles", slug);
  document.title = `${article.title} – Bản tin`;
  document.querySelector('meta[name="description"]')?.setAttribute("content", article.summary ?? "");
  const path = article.category ? categoryPath(await layout.tree, article.category.slug) : [];
  if (article.category) layout.markCategory(article.category.slug);
  const crumbs = (path.length > 0 ? path : [article.category].filter(Boolean))
    .map((node) => ({ name: node.name, href: links.category(node.slug) }));
  main.replaceChildren(
    breadcrumb([home, ...crumbs], { current: false }),
    story(article));
  whenShown(() => recordView(article.id));
  await relatedSection(article);
} catch (error) {
  failurePage(main, error, "Không tìm thấy bài viết");
} finally {
  mainReady(main);
}
