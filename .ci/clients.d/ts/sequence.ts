// The scripted sequence of an integrator, through a TypeScript client: types generated
// by openapi-typescript from openapi/openapi.json (generated/schema.d.ts, not
// committed) and openapi-fetch. The same steps as ../sequence.py. Every call goes
// through the typed client; `tsc` (strict) checks every path, parameter and field used
// here against the spec before anything runs. Exits non-zero at the first failed step.
//
// Usage: BANTIN_BASE=http://127.0.0.1:PORT BANTIN_TOKEN=<editor token> node build/sequence.js

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
type CategoryNode = Schemas["CategoryNode"];
type ListMeta = Schemas["ListMeta"];
type CategoryListing = Schemas["CategoryListing"];

const PER_PAGE = 5;
// A visitor's browser: views from User-Agents of bots and HTTP libraries don't count.
const VISITOR_UA =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 bantin-clients-typescript";

const base = required("BANTIN_BASE");
const token = required("BANTIN_TOKEN");
const publicApi = createClient<paths>({ baseUrl: base });
const visitor = createClient<paths>({ baseUrl: base, headers: { "User-Agent": VISITOR_UA } });
const editor = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });

function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
}

class Failed extends Error {}

function check(condition: boolean, message: string): asserts condition {
    if (!condition) throw new Failed(message);
}

/** The typed body of an answer that must have this status. */
function answered<T>(answer: { data?: T; error?: unknown; response: Response }, status: number): T {
    if (answer.response.status !== status || answer.data === undefined) {
        throw new Failed(`expected ${status}, got ${answer.response.status}: ${JSON.stringify(answer.error)}`);
    }
    return answer.data;
}

/** What a whole object or list looks like: ids present (the sparse shapes of `fields=` have every field optional). */
type WholeShape = { id: number } | { data: { id: number }[] };
/**
 * Reads that take `fields=` answer `anyOf: [whole, sparse]`; without `fields=` the answer is
 * the whole representation, the first choice. Other answers stay as they are.
 */
type Whole<T> = [Extract<T, WholeShape>] extends [never] ? T : Extract<T, WholeShape>;

/** The typed body of an answer read without `fields=`, checked to be whole. */
function ok<T>(answer: { data?: T; error?: unknown; response: Response }, status: number): Whole<T> {
    const data: unknown = answered(answer, status);
    if (typeof data === "object" && data !== null && "data" in data && Array.isArray(data.data)) {
        check(data.data.every((item: unknown) => typeof item === "object" && item !== null && "id" in item), "a list item without its id");
    }
    return data as Whole<T>;
}

function step(name: string): void {
    console.log(`typescript: ${name}`);
}

function isCursorMeta(meta: ListMeta): meta is Schemas["CursorMeta"] {
    return "next_cursor" in meta;
}

function isPageMeta(meta: ListMeta): meta is Schemas["PageMeta"] {
    return "page" in meta;
}

function isTree(listing: CategoryListing): listing is Schemas["CategoryTree"] {
    return !("page" in listing.meta);
}

function* walk(nodes: CategoryNode[]): Generator<CategoryNode> {
    for (const node of nodes) {
        yield node;
        yield* walk(node.children);
    }
}

async function main(): Promise<void> {
    // 1. Categories, page mode.
    step("list categories");
    const listed = await publicApi.GET("/api/v1/categories", { params: { query: { per_page: 100 } } });
    const categoryListing = ok(listed, 200);
    check(!isTree(categoryListing), "a page of categories came back as a tree");
    const categories = categoryListing;
    check(categories.meta.total === categories.data.length && categories.data.length >= 2, `categories: ${categories.meta.total}`);
    check(listed.response.headers.get("X-Total-Count") === String(categories.meta.total), "X-Total-Count differs from meta.total");
    const chosen = categories.data.reduce((a, b) => (b.article_count > a.article_count ? b : a));
    check(chosen.article_count > PER_PAGE, `the biggest category has only ${chosen.article_count} articles`);

    // 2. One category by slug.
    step(`get category ${chosen.slug}`);
    const category = ok(await publicApi.GET("/api/v1/categories/slug/{slug}", { params: { path: { slug: chosen.slug } } }), 200);
    check(category.id === chosen.id && category.name === chosen.name, "the category by slug is another one");
    check(category.article_count === chosen.article_count, "article_count differs between list and show");
    const total = category.article_count;

    // 3. Its articles, page mode: every page.
    step(`list articles in ${category.slug}, page mode`);
    const pagedIds: number[] = [];
    for (let page = 1; ; page++) {
        const listing = ok(
            await publicApi.GET("/api/v1/articles", { params: { query: { category: category.slug, page, per_page: PER_PAGE } } }),
            200,
        );
        const meta = listing.meta;
        check(isPageMeta(meta), `page mode answered meta ${JSON.stringify(meta)}`);
        check(meta.page === page && meta.per_page === PER_PAGE, `meta ${JSON.stringify(meta)} for page ${page}`);
        check(meta.total === total, `page-mode total ${meta.total}, category says ${total}`);
        for (const item of listing.data) {
            check(item.category != null, `article ${item.id} has no category`);
            check(item.status === "published", `the public sees article ${item.id} with status ${item.status}`);
        }
        pagedIds.push(...listing.data.map((item) => item.id));
        if (page >= meta.total_pages) break;
    }
    check(pagedIds.length === total, `page mode gave ${pagedIds.length} articles`);

    // 4. Cursor mode, "load more": `cursor=` empty first, then next_cursor until null.
    step(`load more over ${category.slug}, cursor mode`);
    const cursorIds: number[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
        const listing: Schemas["ArticleList"] = ok(
            await publicApi.GET("/api/v1/articles", { params: { query: { category: category.slug, cursor, per_page: PER_PAGE } } }),
            200,
        );
        const meta = listing.meta;
        check(isCursorMeta(meta), `cursor mode answered meta ${JSON.stringify(meta)}`);
        check(meta.per_page === PER_PAGE && listing.data.length <= PER_PAGE, `cursor page of ${listing.data.length}`);
        cursorIds.push(...listing.data.map((item) => item.id));
        pages++;
        check(pages <= total + 1, "the cursor walk does not end");
        check(meta.next_cursor !== "", "an empty next_cursor");
        cursor = meta.next_cursor;
    }
    check(pages >= 2, `the cursor walk took ${pages} page(s)`);
    check(new Set(cursorIds).size === cursorIds.length, "the cursor walk repeated articles");
    check(cursorIds.length === total, `the cursor walk gave ${cursorIds.length} articles, page mode ${total}`);
    check(JSON.stringify(cursorIds) === JSON.stringify(pagedIds), "cursor mode and page mode disagree on the order");

    // 4b. The same list with `fields=`: only the fields asked for, each item.
    step("list with fields=id,slug,title,published_at");
    const sparse = answered(
        await publicApi.GET("/api/v1/articles", {
            params: { query: { category: category.slug, per_page: PER_PAGE, fields: ["id", "slug", "title", "published_at"] } },
        }),
        200,
    );
    check(sparse.data.length === Math.min(PER_PAGE, total), `fields= answered ${sparse.data.length} items`);
    for (const item of sparse.data) {
        check(JSON.stringify(Object.keys(item)) === JSON.stringify(["id", "slug", "title", "published_at"]), `fields= item ${JSON.stringify(item)}`);
    }

    // 5. Search with highlights, unaccented query finding accented text.
    step("search q=thi dua");
    const hits = ok(await publicApi.GET("/api/v1/articles", { params: { query: { q: "thi dua", per_page: PER_PAGE } } }), 200);
    check(isPageMeta(hits.meta) && hits.meta.total >= 1 && hits.data.length >= 1, "the search found nothing");
    let marked = "";
    for (const hit of hits.data) {
        const highlight = hit.highlight;
        check(highlight != null, `hit ${hit.id} has no highlight`);
        check((highlight.title + highlight.snippet).includes("<mark>"), `hit ${hit.id}: nothing marked`);
        marked += `${highlight.title} ${highlight.snippet} `;
    }
    check(marked.includes("đua</mark>"), "highlights are not built from the accented text");

    // 6. One article by slug.
    const firstId = pagedIds[0];
    check(firstId !== undefined, "no first article");
    const first = ok(await publicApi.GET("/api/v1/articles/{id}", { params: { path: { id: firstId } } }), 200);
    step(`get article ${first.slug}`);
    const shown = await publicApi.GET("/api/v1/articles/slug/{slug}", { params: { path: { slug: first.slug } } });
    const article = ok(shown, 200);
    check(article.id === firstId && typeof article.body === "string" && article.body !== "", "the article by slug is wrong");
    check(article.category?.id === category.id, "the article's category is wrong");
    const etag = shown.response.headers.get("ETag");
    check(etag !== null && etag !== "", "no ETag on the article");

    // 7. Related articles.
    step("related");
    const related = ok(
        await publicApi.GET("/api/v1/articles/{id}/related", { params: { path: { id: article.id }, query: { limit: 4 } } }),
        200,
    );
    check(related.data.length <= 4 && related.meta.total === related.data.length, `related: ${related.data.length} items`);
    check(related.data.every((item) => item.id !== article.id), "an article is related to itself");

    // 8. A view, then its count once flushed.
    step("record a view");
    const before = article.view_count;
    const recorded = ok(await visitor.POST("/api/v1/articles/{id}/views", { params: { path: { id: article.id } } }), 202);
    check(recorded.counted === true, "a first view of a browser was not counted");
    const deadline = Date.now() + 10_000;
    for (;;) {
        const now = ok(await publicApi.GET("/api/v1/articles/{id}", { params: { path: { id: article.id } } }), 200);
        if (now.view_count >= before + 1) break;
        check(Date.now() < deadline, `view_count stayed ${now.view_count} (was ${before}) for 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // 9. Popular today in the category: the viewed article is there, most viewed first.
    step("popular");
    const popular = ok(
        await publicApi.GET("/api/v1/articles/popular", { params: { query: { window: "day", limit: 100, category: category.slug } } }),
        200,
    );
    const counts = popular.data.map((item) => item.window_views);
    check(JSON.stringify(counts) === JSON.stringify([...counts].sort((a, b) => b - a)), `popular is not sorted: ${counts}`);
    const mine = popular.data.filter((item) => item.id === article.id);
    check(mine.length === 1 && mine[0] !== undefined && mine[0].window_views >= 1, "the viewed article is not popular today");

    // 10. PATCH with the editor token and If-Match; a stale ETag is refused.
    step("patch the article");
    const summary = `Cập nhật qua client TypeScript: “${article.title}” — đã kiểm tra`;
    const patchedAnswer = await editor.PATCH("/api/v1/articles/{id}", {
        params: { path: { id: article.id }, header: { "If-Match": etag } },
        body: { summary },
    });
    const patched = ok(patchedAnswer, 200);
    check(patched.version === article.version + 1, `version ${article.version} → ${patched.version}`);
    check(patched.summary === summary, `summary came back as ${JSON.stringify(patched.summary)}`);
    const newEtag = patchedAnswer.response.headers.get("ETag");
    check(newEtag !== null && newEtag !== etag, "the ETag did not change");
    const stale = await editor.PATCH("/api/v1/articles/{id}", {
        params: { path: { id: article.id }, header: { "If-Match": etag } },
        body: { summary: "stale" },
    });
    check(stale.response.status === 412 && stale.error?.code === "precondition_failed", `stale If-Match: ${stale.response.status}`);
    const again = ok(await publicApi.GET("/api/v1/articles/slug/{slug}", { params: { path: { slug: article.slug } } }), 200);
    check(again.version === patched.version && again.summary === summary, "the public does not see the PATCH");

    // 11. The category tree.
    step("category tree");
    const treeListing = ok(await publicApi.GET("/api/v1/categories", { params: { query: { tree: true } } }), 200);
    check(isTree(treeListing), "tree=true did not answer a tree");
    const nodes = [...walk(treeListing.data)];
    check(
        treeListing.meta.total === nodes.length && nodes.length === categories.meta.total,
        `tree: meta ${treeListing.meta.total}, ${nodes.length} nodes, ${categories.meta.total} categories`,
    );
    check(treeListing.data.every((node) => node.parent_id == null), "a top-level node has a parent");
    for (const node of nodes) {
        for (const child of node.children) {
            check(child.parent_id === node.id, `category ${child.slug} sits under ${node.slug} but has parent_id ${child.parent_id}`);
        }
    }
    check(treeListing.data.some((node) => node.children.length > 0), "the demo tree has no nesting");
    check(nodes.some((node) => node.id === category.id && node.article_count === total), "the category is not in the tree");

    console.log(`typescript: the sequence passed (${total} articles, ${pages} cursor pages, ${hits.meta.total} hits)`);
}

main().catch((error: unknown) => {
    console.error(`typescript: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
});
