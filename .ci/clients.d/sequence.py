"""The scripted sequence of an integrator, through the Python client that
openapi-python-client generated from openapi/openapi.json (package `bantin_client`).

The same steps as ts/sequence.ts. Every call goes through the generated client; the
assertions are on its typed models. Exits non-zero at the first failed step.

Usage: BANTIN_BASE=http://127.0.0.1:PORT BANTIN_TOKEN=<editor token> python sequence.py
"""

import os
import time
from collections.abc import Iterator
from typing import Any, TypeVar

from bantin_client import AuthenticatedClient, Client
from bantin_client.api.articles import (
    articles_list,
    articles_related,
    articles_show,
    articles_show_by_slug,
    articles_update,
)
from bantin_client.api.categories import categories_list, categories_show_by_slug
from bantin_client.api.views import views_popular, views_record
from bantin_client.models import (
    Article,
    ArticleList,
    ArticlesListFieldsItem,
    ArticlePatch,
    Category,
    CategoryNode,
    CategoryTree,
    CursorMeta,
    Highlight,
    PagedCategory,
    PageMeta,
    PopularList,
    Problem,
    Recorded,
    RelatedList,
    ViewsPopularWindow,
)
from bantin_client.types import Response

T = TypeVar("T")

PER_PAGE = 5
# A visitor's browser: views from User-Agents of bots and HTTP libraries don't count.
VISITOR_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 bantin-clients-python"

base = os.environ["BANTIN_BASE"]
token = os.environ["BANTIN_TOKEN"]
public = Client(base_url=base, raise_on_unexpected_status=True, timeout=None)
visitor = Client(base_url=base, raise_on_unexpected_status=True, headers={"User-Agent": VISITOR_UA})
editor = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def parsed(response: Response[Any], status: int, kind: type[T]) -> T:
    """The typed body of an answer that must have this status and model."""
    if response.status_code != status:
        detail = response.parsed.detail if isinstance(response.parsed, Problem) else response.content[:300]
        raise Failed(f"expected {status}, got {int(response.status_code)}: {detail!r}")
    check(isinstance(response.parsed, kind), f"expected a {kind.__name__}, got {type(response.parsed).__name__}")
    return response.parsed


def step(name: str) -> None:
    print(f"python: {name}", flush=True)


def walk(nodes: list[CategoryNode]) -> Iterator[CategoryNode]:
    for node in nodes:
        yield node
        yield from walk(node.children)


# 1. Categories, page mode.
step("list categories")
answer = categories_list.sync_detailed(client=public, per_page=100)
categories = parsed(answer, 200, PagedCategory)
check(categories.meta.total == len(categories.data) >= 2, f"categories: {categories.meta.total} of {len(categories.data)}")
check(answer.headers.get("X-Total-Count") == str(categories.meta.total), "X-Total-Count differs from meta.total")
chosen = max(categories.data, key=lambda c: c.article_count)
check(chosen.article_count > PER_PAGE, f"the biggest category has only {chosen.article_count} articles")

# 2. One category by slug.
step(f"get category {chosen.slug}")
category = parsed(categories_show_by_slug.sync_detailed(chosen.slug, client=public), 200, Category)
check(category.id == chosen.id and category.name == chosen.name, "the category by slug is another one")
check(category.article_count == chosen.article_count, "article_count differs between list and show")

# 3. Its articles, page mode: every page.
step(f"list articles in {category.slug}, page mode")
paged_ids: list[int] = []
page = 1
while True:
    listing = parsed(articles_list.sync_detailed(client=public, category=category.slug, page=page, per_page=PER_PAGE), 200, ArticleList)
    meta = listing.meta
    check(isinstance(meta, PageMeta), f"page mode answered meta {type(meta).__name__}")
    assert isinstance(meta, PageMeta)
    check(meta.page == page and meta.per_page == PER_PAGE, f"meta {meta.to_dict()} for page {page}")
    check(meta.total == category.article_count, f"page-mode total {meta.total}, category says {category.article_count}")
    for item in listing.data:
        check(item.category is not None, f"article {item.id} has no category")
        check(item.status == "published", f"the public sees article {item.id} with status {item.status}")
    paged_ids += [item.id for item in listing.data]
    if page >= meta.total_pages:
        break
    page += 1
check(len(paged_ids) == category.article_count, f"page mode gave {len(paged_ids)} articles")
total = category.article_count

# 4. Cursor mode, "load more": `cursor=` empty first, then next_cursor until null.
step(f"load more over {category.slug}, cursor mode")
cursor_ids: list[int] = []
cursor: str | None = ""
pages = 0
while cursor is not None:
    listing = parsed(articles_list.sync_detailed(client=public, category=category.slug, cursor=cursor, per_page=PER_PAGE), 200, ArticleList)
    meta = listing.meta
    check(isinstance(meta, CursorMeta), f"cursor mode answered meta {type(meta).__name__}")
    assert isinstance(meta, CursorMeta)
    check(meta.per_page == PER_PAGE and len(listing.data) <= PER_PAGE, f"cursor page of {len(listing.data)}")
    cursor_ids += [item.id for item in listing.data]
    pages += 1
    check(pages <= total + 1, "the cursor walk does not end")
    next_cursor = meta.next_cursor
    check(next_cursor is None or isinstance(next_cursor, str) and next_cursor != "", f"next_cursor {next_cursor!r}")
    cursor = next_cursor if isinstance(next_cursor, str) else None
check(pages >= 2, f"the cursor walk took {pages} page(s)")
check(len(cursor_ids) == len(set(cursor_ids)), "the cursor walk repeated articles")
check(len(cursor_ids) == total, f"the cursor walk gave {len(cursor_ids)} articles, page mode {total}")

# 4b. The same list with `fields=`: only the fields asked for, in each item.
step("list with fields=id,slug,title,published_at")
wanted = ["id", "slug", "title", "published_at"]
answer = articles_list.sync_detailed(
    client=public, category=category.slug, per_page=PER_PAGE, fields=[ArticlesListFieldsItem(name) for name in wanted]
)
check(answer.status_code == 200, f"fields= answered {int(answer.status_code)}")
check(not isinstance(answer.parsed, ArticleList), "a sparse list parsed as the whole ArticleList")
items = answer.parsed.to_dict()["data"]
check(len(items) == min(PER_PAGE, total), f"fields= answered {len(items)} items")
check(all(list(item) == wanted for item in items), f"fields= items {items}")
check(cursor_ids == paged_ids, "cursor mode and page mode disagree on the order")

# 5. Search with highlights, unaccented query finding accented text.
step("search q=thi dua")
hits = parsed(articles_list.sync_detailed(client=public, q="thi dua", per_page=PER_PAGE), 200, ArticleList)
check(isinstance(hits.meta, PageMeta) and hits.meta.total >= 1, "the search found nothing")
check(len(hits.data) >= 1, "the search answered no items")
for hit in hits.data:
    check(isinstance(hit.highlight, Highlight), f"hit {hit.id} has no highlight")
    assert isinstance(hit.highlight, Highlight)
    check("<mark>" in hit.highlight.title + hit.highlight.snippet, f"hit {hit.id}: nothing marked")
marked = " ".join(hit.highlight.title + " " + hit.highlight.snippet for hit in hits.data if isinstance(hit.highlight, Highlight))
check("đua</mark>" in marked, "highlights are not built from the accented text")

# 6. One article by slug.
first_id = paged_ids[0]
first = parsed(articles_show.sync_detailed(first_id, client=public), 200, Article)
step(f"get article {first.slug}")
answer = articles_show_by_slug.sync_detailed(first.slug, client=public)
article = parsed(answer, 200, Article)
check(article.id == first_id and isinstance(article.body, str) and article.body != "", "the article by slug is wrong")
check(article.category is not None and article.category.id == category.id, "the article's category is wrong")
etag = answer.headers.get("ETag")
check(bool(etag), "no ETag on the article")
assert etag is not None

# 7. Related articles.
step("related")
related = parsed(articles_related.sync_detailed(article.id, client=public, limit=4), 200, RelatedList)
check(len(related.data) <= 4 and related.meta.total == len(related.data), f"related: {len(related.data)} items, meta {related.meta.total}")
check(all(item.id != article.id for item in related.data), "an article is related to itself")

# 8. A view, then its count once flushed.
step("record a view")
before = article.view_count
recorded = parsed(views_record.sync_detailed(article.id, client=visitor), 202, Recorded)
check(recorded.counted is True, "a first view of a browser was not counted")
deadline = time.monotonic() + 10
while True:
    now = parsed(articles_show.sync_detailed(article.id, client=public), 200, Article)
    if now.view_count >= before + 1:
        break
    check(time.monotonic() < deadline, f"view_count stayed {now.view_count} (was {before}) for 10 s")
    time.sleep(0.1)

# 9. Popular today in the category: the viewed article is there, most viewed first.
step("popular")
popular = parsed(
    views_popular.sync_detailed(client=public, window=ViewsPopularWindow.DAY, limit=100, category=category.slug), 200, PopularList
)
counts = [item.window_views for item in popular.data]
check(counts == sorted(counts, reverse=True), f"popular is not sorted by window_views: {counts}")
mine = [item for item in popular.data if item.id == article.id]
check(len(mine) == 1 and mine[0].window_views >= 1, "the viewed article is not popular today")

# 10. PATCH with the editor token and If-Match; a stale ETag is refused.
step("patch the article")
summary = f"Cập nhật qua client Python: “{article.title}” — đã kiểm tra"
answer = articles_update.sync_detailed(article.id, client=editor, body=ArticlePatch(summary=summary), if_match=etag)
patched = parsed(answer, 200, Article)
check(patched.version == article.version + 1, f"version {article.version} → {patched.version}")
check(patched.summary == summary, f"summary came back as {patched.summary!r}")
new_etag = answer.headers.get("ETag")
check(bool(new_etag) and new_etag != etag, "the ETag did not change")
stale = articles_update.sync_detailed(article.id, client=editor, body=ArticlePatch(summary="stale"), if_match=etag)
problem = parsed(stale, 412, Problem)
check(problem.code == "precondition_failed", f"stale If-Match: code {problem.code}")
again = parsed(articles_show_by_slug.sync_detailed(article.slug, client=public), 200, Article)
check(again.version == patched.version and again.summary == summary, "the public does not see the PATCH")

# 11. The category tree.
step("category tree")
tree = parsed(categories_list.sync_detailed(client=public, tree=True), 200, CategoryTree)
nodes = list(walk(tree.data))
check(tree.meta.total == len(nodes) == categories.meta.total, f"tree: meta {tree.meta.total}, {len(nodes)} nodes, {categories.meta.total} categories")
check(all(node.parent_id is None for node in tree.data), "a top-level node has a parent")
for node in nodes:
    for child in node.children:
        check(child.parent_id == node.id, f"category {child.slug} sits under {node.slug} but has parent_id {child.parent_id}")
check(any(node.children for node in tree.data), "the demo tree has no nesting")
check(any(node.id == category.id and node.article_count == category.article_count for node in nodes), "the category is not in the tree")

print(f"python: the sequence passed ({total} articles, {pages} cursor pages, {hits.meta.total} hits)")
