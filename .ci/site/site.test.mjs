// examples/site in headless Chromium against a running `bantin serve --demo`: every page
// renders from the API, "Xem thêm" pages without repeats, the article page counts a view
// and shows it after a flush, suggestions appear while typing; no console error, no failed
// request, no HTTP error but the ones a check asks for. Screenshots of each page.
//
// Usage: node site.test.mjs --site URL --api URL --shots DIR [--label NAME]
//   --site  where the pages are served (bantin itself, or another origin)
//   --api   the bantin server the pages talk to (its origin is the API base)
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: options } = parseArgs({
  options: {
    site: { type: "string" },
    api: { type: "string" },
    shots: { type: "string" },
    label: { type: "string", default: "site" },
  },
});
const site = new URL(options.site);
const api = new URL(options.api).origin;
const crossOrigin = site.origin !== api;
const label = options.label;
const shots = options.shots;
const WAIT_MS = 15_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// The whole run has a deadline: a hung page fails the check instead of stalling CI.
const watchdog = setTimeout(() => {
  console.error(`${label}: still running after 100 s, giving up`);
  process.exit(1);
}, 100_000);

const pageUrl = (path) => new URL(path, site).href;
const isLocal = (url) => { const { origin } = new URL(url); return origin === site.origin || origin === api; };

/** The API read directly (no browser cache), to know what the pages must show. */
async function apiGet(path) {
  const response = await fetch(`${api}/api/v1${path}`, { headers: { "Cache-Control": "no-cache" } });
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}

// The date as the site must show it: the calendar day in Vietnam (UTC+7, no DST),
// computed here without Intl so the check does not share the page's formatter.
function vietnameseDate(timestamp) {
  const d = new Date(Date.parse(timestamp) + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}
const viewCount = (n) => (n >= 10_000 ? n.toLocaleString("de-DE") : String(n));

// ---- the browser, its visitors and what they must not see ----------------------------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    // Only loopback: the site must not need the internet (no CDN, no outside pictures).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});
const chromeMajor = browser.version().split(".")[0];

const problems = [];
// A failed assertion often has its cause here (a CORS refusal, a 500): show both.
process.on("exit", (code) => {
  if (code !== 0 && problems.length > 0) console.error(`${label}: problems seen:\n  ${problems.join("\n  ")}`);
});
/** Failures a check asks for: `{status, url}` patterns, removed when the check ends. */
const expected = new Set();
const isExpected = (status, url) => [...expected].some((e) => e.status === status && url.includes(e.url));
const suggestRequests = [];
const apiResponses = [];

/** A new visitor: own cookies and cache, own User-Agent (a normal Chrome: no bot). */
async function visitor(name, viewport = DESKTOP) {
  const context = await browser.newContext({
    viewport,
    isMobile: viewport === PHONE,
    hasTouch: viewport === PHONE,
    deviceScaleFactor: 1,
    locale: "vi-VN",
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajor}.0.0.0 Safari/537.36 Khach/${label}-${name}`,
  });
  // Records fetch() options, to see that the view is sent with keepalive.
  await context.addInitScript(() => {
    const original = window.fetch;
    window.__fetches = [];
    window.fetch = (input, init = {}) => {
      window.__fetches.push({ url: String(input), method: init.method ?? "GET", keepalive: Boolean(init.keepalive) });
      return original(input, init);
    };
  });
  context.on("weberror", (error) => problems.push(`${name}: page error: ${error.error().message}`));
  context.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location().url ?? "";
    if ([...expected].some((e) => where.includes(e.url))) return;
    problems.push(`${name}: console error: ${message.text()} (${where})`);
  });
  context.on("requestfailed", (request) => {
    const url = request.url();
    const failure = request.failure()?.errorText ?? "";
    // Stale suggestions are aborted on purpose (AbortController).
    if (failure === "net::ERR_ABORTED" && url.includes("/articles/suggest")) return;
    problems.push(`${name}: request failed: ${request.method()} ${url} ${failure}`);
  });
  context.on("request", (request) => {
    if (!isLocal(request.url())) {
      problems.push(`${name}: outside request: ${request.url()}`);
      return;
    }
    if (request.url().includes("/api/v1/articles/suggest")) suggestRequests.push(request.url());
  });
  context.on("response", (response) => {
    const url = response.url();
    if (response.status() >= 400 && !isExpected(response.status(), url)) {
      problems.push(`${name}: HTTP ${response.status()} for ${response.request().method()} ${url}`);
    }
    if (url.startsWith(`${api}/api/`)) apiResponses.push({ url, allowOrigin: response.headers()["access-control-allow-origin"] });
  });
  return context;
}

function assertNoProblems(step) {
  assert.deepEqual(problems, [], `${step}: the page had problems`);
}

/** Opens `path` and waits until <main> is no longer busy. */
async function open(page, path) {
  await page.goto(pageUrl(path));
  await ready(page);
}

/**
 * Opens an article page and waits for the view it records. A reader who moves on
 * at once is fine (the POST is keepalive), but a test that navigates before the
 * answer sees the request torn down with the page, so every opening waits for it.
 */
async function openArticle(page, path) {
  const posted = page.waitForResponse((r) => /\/api\/v1\/articles\/\d+\/views$/.test(r.url()) && r.request().method() === "POST", { timeout: WAIT_MS });
  await open(page, path);
  return posted;
}

async function ready(page) {
  await page.waitForSelector("main[aria-busy=false]", { timeout: WAIT_MS });
  await page.waitForSelector("aside[aria-busy=false]", { timeout: WAIT_MS });
}

/** Lets lazy pictures load (or fail), then the network go quiet. */
async function settle(page) {
  await page.evaluate(async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await frame();
    }
  });
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: WAIT_MS });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForLoadState("networkidle", { timeout: WAIT_MS });
}

/** Follows a link and waits for the page it opens to be ready. */
async function follow(page, link, url) {
  await Promise.all([page.waitForURL(url, { timeout: WAIT_MS }), link.click()]);
  await ready(page);
}

async function shoot(page, name) {
  await settle(page);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Landmarks, one h1, headings without skipped levels, alt text, names on links. */
async function assertAccessible(page, what) {
  const report = await page.evaluate(() => {
    const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]));
    const skips = levels.filter((level, i) => i > 0 && level > levels[i - 1] + 1);
    return {
      lang: document.documentElement.lang,
      title: document.title,
      h1: document.querySelectorAll("h1").length,
      firstHeading: levels[0],
      skips,
      banner: document.querySelectorAll("body > header").length,
      nav: document.querySelectorAll("nav").length,
      main: document.querySelectorAll("main").length,
      aside: document.querySelectorAll("aside").length,
      contentinfo: document.querySelectorAll("body > footer").length,
      noAlt: [...document.images].filter((img) => !img.getAttribute("alt")?.trim()).map((img) => img.src),
      unnamedLinks: [...document.querySelectorAll("a[href]")]
        .filter((a) => !a.textContent.trim() && !a.querySelector("img[alt]:not([alt=''])") && !a.getAttribute("aria-label"))
        .map((a) => a.href),
      overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
  });
  assert.equal(report.lang, "vi", `${what}: <html lang>`);
  assert.ok(report.title.includes("Bản tin"), `${what}: <title> "${report.title}"`);
  assert.equal(report.h1, 1, `${what}: exactly one h1`);
  assert.equal(report.firstHeading, 1, `${what}: the first heading is the h1`);
  assert.deepEqual(report.skips, [], `${what}: heading levels skipped`);
  for (const landmark of ["banner", "main", "aside", "contentinfo"]) assert.equal(report[landmark], 1, `${what}: one ${landmark}`);
  assert.ok(report.nav >= 1, `${what}: a nav`);
  assert.deepEqual(report.noAlt, [], `${what}: images without alt text`);
  assert.deepEqual(report.unnamedLinks, [], `${what}: links without a name`);
  assert.ok(report.overflow <= 0, `${what}: wider than the screen by ${report.overflow}px`);
}

const cardLinks = (page, scope) => page.$$eval(`${scope} .card__title a`, (links) => links.map((a) => new URL(a.href).searchParams.get("slug")));
const text = (page, selector) => page.$eval(selector, (element) => element.textContent.trim());

// ---- the checks ----------------------------------------------------------------------

await mkdir(shots, { recursive: true });
const started = Date.now();
const reader = await visitor("reader");
const page = await reader.newPage();

// Home: featured, latest (no story twice), "Xem thêm", most read, the category menu.
{
  const tree = (await apiGet("/categories?tree=true")).data;
  await open(page, "./");
  await assertAccessible(page, "home");
  const featured = await cardLinks(page, ".featured");
  let latest = await cardLinks(page, ".listing");
  assert.ok(featured.length >= 1, "home: featured stories");
  assert.ok(latest.length >= 5, `home: the latest stories (${latest.length})`);
  assert.deepEqual(featured.filter((slug) => latest.includes(slug)), [], "home: a featured story repeated in the latest");
  const menu = await page.$$eval(".site-nav a[data-slug]", (links) => links.map((a) => a.textContent));
  assert.deepEqual(menu, tree.map((category) => category.name), "home: the menu lists the top categories");
  assert.equal(await page.locator(".most-read li").count(), 5, "home: five most-read stories");
  await page.getByRole("button", { name: "Xem thêm" }).click();
  await page.waitForFunction((n) => document.querySelectorAll(".listing .card").length > n, latest.length, { timeout: WAIT_MS });
  latest = await cardLinks(page, ".listing");
  assert.equal(new Set([...latest, ...featured]).size, latest.length + featured.length, "home: no story twice after Xem thêm");
  await shoot(page, "home");
  assertNoProblems("home");
}

// Category: reached from the menu; "Xem thêm" to the end, no repeats, the button gone.
{
  const tree = (await apiGet("/categories?tree=true")).data;
  const category = tree.reduce((a, b) => (b.article_count > a.article_count ? b : a));
  const everything = (await apiGet(`/articles?category=${category.slug}&per_page=100`)).data.map((a) => a.slug);
  await follow(page, page.locator(".site-nav").getByRole("link", { name: category.name, exact: true }), /chuyen-muc\.html/);
  await assertAccessible(page, "category");
  assert.equal(await text(page, "main h1"), category.name, "category: h1");
  assert.equal(await page.locator(`.site-nav a[aria-current=page]`).textContent(), category.name, "category: aria-current in the menu");
  const firstPage = (await cardLinks(page, ".listing")).length;
  assert.ok(firstPage > 0 && firstPage < everything.length, `category: a first page (${firstPage} of ${everything.length})`);
  const more = page.getByRole("button", { name: "Xem thêm" });
  let clicks = 0;
  while (await more.isVisible()) {
    const before = await page.locator(".listing .card").count();
    await more.click();
    clicks += 1;
    await page.waitForFunction((n) => document.querySelectorAll(".listing .card").length > n, before, { timeout: WAIT_MS });
    assert.ok(clicks < 20, "category: Xem thêm never ends");
  }
  const shown = await cardLinks(page, ".listing");
  assert.equal(new Set(shown).size, shown.length, "category: a story shown twice");
  assert.deepEqual([...shown].sort(), [...everything].sort(), "category: every story of the category, once");
  assert.equal(shown.length, category.article_count, "category: as many as article_count");
  assert.ok(clicks >= 1, "category: Xem thêm was needed");
  assert.equal(await page.locator(".listing .more").isHidden(), true, "category: Xem thêm hidden at the end");
  await shoot(page, "category");
  assertNoProblems("category");
}

// Article: title, date, views, byline, cover with srcset, body, tags, four related; one
// view recorded with keepalive.
const listed = (await apiGet("/articles?per_page=50")).data;
const target = listed.find((a) => a.cover_image && a.author_profile && a.tags.length > 0);
assert.ok(target, "the demo has an article with a cover image, an author and tags");
const articlePath = `bai-viet.html?slug=${target.slug}`;
let shownViews;
{
  const article = await apiGet(`/articles/slug/${target.slug}`);
  const relatedIds = (await apiGet(`/articles/${article.id}/related?limit=4`)).data.map((a) => a.slug);
  const posted = await openArticle(page, articlePath);
  assert.equal(posted.url(), `${api}/api/v1/articles/${article.id}/views`, "article: the view is posted for this article");
  assert.equal(posted.status(), 202, "article: the view is accepted");
  assert.deepEqual(await posted.json(), { counted: true }, "article: a new reader's view counts");
  const sent = await page.evaluate(() => window.__fetches.filter((f) => f.method === "POST"));
  assert.deepEqual(sent.map((f) => f.keepalive), [true], "article: one POST, with keepalive");
  await assertAccessible(page, "article");
  assert.equal(await text(page, "main h1"), article.title, "article: h1");
  const meta = await page.$$eval(".story__meta li", (items) => items.map((li) => li.textContent.trim()));
  assert.ok(meta.includes(`Ngày: ${vietnameseDate(article.published_at)}`), `article: date in ${JSON.stringify(meta)}`);
  shownViews = article.view_count;
  assert.ok(meta.includes(`Lượt xem: ${viewCount(article.view_count)}`), `article: views ${article.view_count} in ${JSON.stringify(meta)}`);
  assert.ok(meta.includes(`Tác giả: ${article.author_profile.name}`), `article: byline in ${JSON.stringify(meta)}`);
  const cover = await page.$eval(".story__cover img", (img) => ({
    alt: img.alt, srcset: img.srcset, current: img.currentSrc, width: img.naturalWidth,
  }));
  assert.equal(cover.alt, article.cover_image.alt || article.title, "article: the cover's alt text");
  for (const variant of article.cover_image.variants) {
    assert.ok(cover.srcset.includes(`${api}${variant.url} ${variant.width}w`), `article: srcset has the ${variant.width}w variant`);
  }
  await page.waitForFunction(() => document.querySelector(".story__cover img").naturalWidth > 0, null, { timeout: WAIT_MS });
  assert.ok((await page.$eval(".story__cover img", (img) => img.currentSrc)).startsWith(`${api}/media/`), "article: the cover comes from the API's /media");
  const firstParagraph = article.body.match(/<p>(.*?)<\/p>/)?.[1];
  assert.equal(await text(page, ".story__body p"), firstParagraph, "article: the body");
  const tags = await page.$$eval(".story__foot a[rel=tag]", (links) => links.map((a) => a.textContent));
  assert.deepEqual(tags, article.tags.map((t) => t.name), "article: tags");
  assert.equal(await text(page, ".related h2"), "Bài Viết Liên Quan", "article: related heading");
  const related = await cardLinks(page, ".related");
  assert.equal(related.length, 4, "article: four related stories");
  assert.deepEqual(related, relatedIds, "article: the related stories of the API, in order");
  await shoot(page, "article");
  assertNoProblems("article");
}

// Views: a second visitor's view counts; after a flush a third sees a higher number; the
// first one reloading is the same visitor and does not count again.
{
  const second = await visitor("second");
  const secondPage = await second.newPage();
  const counted = await openArticle(secondPage, articlePath);
  assert.deepEqual(await counted.json(), { counted: true }, "views: a second visitor counts");
  const deadline = Date.now() + WAIT_MS;
  let total = shownViews;
  while (total < shownViews + 2) {
    assert.ok(Date.now() < deadline, `views: ${shownViews} + 2 views never flushed (at ${total})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    total = (await apiGet(`/articles/slug/${target.slug}`)).view_count;
  }
  const third = await visitor("third");
  const thirdPage = await third.newPage();
  await openArticle(thirdPage, articlePath);
  const later = await text(thirdPage, ".story__views");
  assert.ok(Number(later.replace(/\./g, "")) >= shownViews + 2, `views: shown ${later} after a flush, was ${shownViews}`);
  const again = page.waitForResponse((r) => r.url().endsWith("/views") && r.request().method() === "POST", { timeout: WAIT_MS });
  await page.reload();
  await ready(page);
  assert.deepEqual(await (await again).json(), { counted: false }, "views: the same visitor does not count twice");
  await settle(thirdPage);
  await settle(secondPage);
  await second.close();
  await third.close();
  assertNoProblems("views");
}

// Tag and author pages, reached from the article.
{
  const tag = target.tags[0];
  await follow(page, page.locator(".story__foot").getByRole("link", { name: tag.name, exact: true }), /tu-khoa\.html/);
  await assertAccessible(page, "tag");
  assert.equal(await text(page, "main h1"), tag.name, "tag: h1");
  const tagged = (await apiGet(`/articles?tag=${tag.slug}&per_page=8`)).data.map((a) => a.slug);
  assert.deepEqual(await cardLinks(page, ".listing"), tagged, "tag: the tag's stories");
  await shoot(page, "tag");

  await openArticle(page, articlePath);
  await follow(page, page.locator(".story__author a"), /tac-gia\.html/);
  await assertAccessible(page, "author");
  assert.equal(await text(page, "main h1"), target.author_profile.name, "author: h1");
  const written = (await apiGet(`/articles?author_slug=${target.author_profile.slug}&per_page=8`)).data.map((a) => a.slug);
  assert.deepEqual(await cardLinks(page, ".listing"), written, "author: the author's stories");
  await shoot(page, "author");
  assertNoProblems("tag and author");
}

// Search: suggestions while typing "thi d" (debounced), chosen with the keyboard; then
// the search page with marked matches.
{
  await open(page, "./");
  const box = page.getByRole("combobox", { name: "Tìm bài viết" });
  suggestRequests.length = 0;
  await box.pressSequentially("thi d", { delay: 40 });
  const listbox = page.getByRole("listbox");
  await listbox.waitFor({ state: "visible", timeout: WAIT_MS });
  assert.equal(await box.getAttribute("aria-expanded"), "true", "search: aria-expanded");
  const suggestions = await listbox.getByRole("option").allTextContents();
  assert.ok(suggestions.length >= 1, "search: suggestions for 'thi d'");
  // Every word must match, the last as a prefix: "thi" and a word starting with d or đ.
  const titles = await listbox.locator(".suggest__title").allTextContents();
  for (const title of titles) {
    const words = title.toLowerCase().split(/\s+/);
    assert.ok(words.includes("thi") && words.some((w) => /^[dđ]/.test(w)), `search: "${title}" matches "thi d"`);
  }
  assert.ok(titles.some((title) => title.toLowerCase().includes("thi đua")), "search: a story about thi đua");
  assert.ok(suggestRequests.length >= 1 && suggestRequests.length < 4, `search: typing 5 keys sent ${suggestRequests.length} requests`);
  assert.ok(await listbox.locator("mark").count() >= 1, "search: matches marked in suggestions");
  await page.screenshot({ path: join(shots, "suggestions.png") });
  await box.press("ArrowDown");
  const active = await box.getAttribute("aria-activedescendant");
  assert.equal(await page.locator(`#${active}`).getAttribute("aria-selected"), "true", "search: the active option");
  const chosen = await page.locator(`#${active} .suggest__title`).textContent();
  await box.press("Enter");
  await page.waitForURL(/bai-viet\.html/, { timeout: WAIT_MS });
  await ready(page);
  assert.equal(await text(page, "main h1"), chosen, "search: Enter opens the chosen story");

  await box.fill("thi dua");
  await box.press("Enter");
  await page.waitForURL(/tim-kiem\.html\?q=thi\+dua/, { timeout: WAIT_MS });
  await ready(page);
  await assertAccessible(page, "search");
  const hits = (await apiGet("/articles?q=thi%20dua&per_page=8")).data.map((a) => a.slug);
  assert.deepEqual(await cardLinks(page, ".listing"), hits, "search: the API's hits, by relevance");
  assert.ok(await page.locator(".listing mark").count() >= hits.length, "search: matches marked");
  await shoot(page, "search");
  assertNoProblems("search");
}

// A story that does not exist: a Vietnamese message, not a blank page.
{
  const missing = "/api/v1/articles/slug/khong-co-bai-nay";
  const expectation = { status: 404, url: missing };
  expected.add(expectation);
  await open(page, "bai-viet.html?slug=khong-co-bai-nay");
  assert.equal(await text(page, "main h1"), "Không tìm thấy bài viết", "missing: h1");
  assert.match(await text(page, "main [role=alert]"), /Không tìm thấy/, "missing: the message");
  await settle(page);
  expected.delete(expectation);
  assertNoProblems("missing");
}

// A phone-sized screen.
{
  const phone = await visitor("phone", PHONE);
  const phonePage = await phone.newPage();
  await open(phonePage, "./");
  await assertAccessible(phonePage, "home on a phone");
  await shoot(phonePage, "home-phone");
  await openArticle(phonePage, articlePath);
  await assertAccessible(phonePage, "article on a phone");
  await shoot(phonePage, "article-phone");
  await phone.close();
  assertNoProblems("phone");
}

// Article lists ask only for what a card shows (sparse fields, issue 18).
const articleLists = apiResponses.filter((r) => /\/api\/v1\/articles(\/popular|\/\d+\/related)?\?/.test(r.url));
assert.ok(articleLists.length > 0, "the pages listed articles");
const whole = articleLists.filter((r) => !new URL(r.url).searchParams.get("fields"));
assert.deepEqual(whole.map((r) => r.url), [], "article lists read without fields=");

// Cross-origin: every API answer carried this site's origin in CORS; none came from the site.
if (crossOrigin) {
  assert.ok(apiResponses.length > 0, "cross-origin: the pages called the API");
  const refused = apiResponses.filter((r) => r.allowOrigin !== site.origin);
  assert.deepEqual(refused.map((r) => r.url), [], `cross-origin: answers without Access-Control-Allow-Origin: ${site.origin}`);
}

await reader.close();
await browser.close();
clearTimeout(watchdog);
console.log(`${label}: every check passed in ${((Date.now() - started) / 1000).toFixed(1)} s`
  + ` (${apiResponses.length} API answers); screenshots in ${shots}`);
