// Trang chủ: featured stories, the latest ones with "Xem thêm", the most-read box.
import { list } from "../api.js";
import { articleCard, errorMessage, h, mainReady } from "../dom.js";
import { articleFeed } from "../feed.js";
import { initLayout, renderMostRead } from "../layout.js";

const main = document.getElementById("noi-dung");
initLayout({ home: true });
renderMostRead(document.querySelector(".sidebar"));

async function render() {
  const featured = await list("/articles", { featured: true, per_page: 3 });
  const grid = main.querySelector(".featured__grid");
  if (featured.data.length === 0) grid.closest("section").remove();
  grid.append(...featured.data.map((article, index) => articleCard(article, {
    level: 3,
    eager: index === 0,
    summary: index === 0,
    sizes: index === 0 ? "(min-width: 64rem) 40rem, 100vw" : "(min-width: 64rem) 20rem, 50vw",
  })));

  await articleFeed({
    list: main.querySelector(".listing .cards"),
    button: main.querySelector(".listing .more"),
    perPage: 10,
    level: 3,
    exclude: featured.data.map((article) => article.id),
  })();
}

try {
  await render();
} catch (error) {
  for (const section of main.querySelectorAll("section")) section.remove();
  main.append(errorMessage(error, "Không tải được tin tức"));
} finally {
  mainReady(main);
}
