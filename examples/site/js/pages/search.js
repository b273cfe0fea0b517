// Tìm kiếm: tim-kiem.html?q=… — results by relevance, matches marked, "Xem thêm".
import { h, links, mainReady, param } from "../dom.js";
import { failurePage, home, listingPage } from "../feed.js";
import { initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
const q = param("q");
initLayout();
renderMostRead(document.querySelector(".sidebar"));
document.querySelector("form[role=search] input[name=q]").value = q;

try {
  if (q === "") {
    document.title = "Tìm kiếm – Bản tin";
    main.replaceChildren(h("h1", {}, "Tìm kiếm"), h("p", {}, "Nhập từ khóa vào ô tìm kiếm ở đầu trang."));
  } else {
    await listingPage(main, {
      crumbs: [home, { name: "Tìm kiếm", href: links.search(q) }],
      title: "Kết quả tìm kiếm",
      intro: [h("p", { class: "page-head__intro" }, `Từ khóa: “${q}”`)],
      filters: { q },
      empty: `Không tìm thấy bài viết nào phù hợp với “${q}”.`,
    });
  }
} catch (error) {
  failurePage(main, error, "Không tìm thấy");
} finally {
  mainReady(main);
}
