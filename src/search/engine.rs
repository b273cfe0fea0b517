//! Queries against the index: one Tantivy query per search (terms and every filter),
//! top-k by relevance with block-max pruning or by a fast field, and a capped count.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::Bound;

use chrono::NaiveDateTime;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use super::analysis::prefix_term;
use super::schema::{status_term, Fields};
use crate::db::articles::{ListFilter, StatusFilter};

/// Counting stops here: beyond, `total` is this and marked capped.
pub const COUNT_CAP: u64 = 10_000;

/// What narrows a search: the list's filter with its tags resolved to ids, so that
/// no database work happens while scoring (`list.tags` and `list.ids` are not read;
/// `published_after` is inclusive, `published_before` exclusive).
#[derive(Debug, Clone)]
pub struct Filters {
    pub list: ListFilter,
    /// Any of these tags; `Some(empty)` matches nothing.
    pub tags: Option<Vec<i32>>,
}

impl Filters {
    /// What the public sees, nothing else narrowed.
    pub fn visible() -> Self {
        Self { list: ListFilter::visible(crate::db::now()), tags: None }
    }
}

/// The order of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// BM25, then the newer id first.
    Relevance,
    /// A time field (then id), in either direction.
    PublishedAt {
        descending: bool,
    },
    UpdatedAt {
        descending: bool,
    },
    /// Every match, unordered (for sorts the index does not hold).
    All,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// Skip `offset` hits, take `limit`.
    Offset { offset: usize, limit: usize },
    /// Take `limit` hits after the one at `after` (score or time, and id) in the order.
    After { after: Option<(f64, i64, i32)>, limit: usize },
}

/// A matching article: id, score (relevance) and the order's time value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i32,
    pub score: Score,
    /// The sort field's value (seconds; `i64::MIN` for never), for time orders.
    pub time: i64,
    /// Where the document is, to read its stored fields.
    pub address: DocAddress,
}

/// The answer of the engine.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Matches counted, up to [`COUNT_CAP`], and whether the count stopped there.
    pub total: Option<(u64, bool)>,
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// Any of `ids` as terms of `field`; `None` when the set is empty (matches nothing).
fn any_of(field: Field, ids: &[i32]) -> Option<Box<dyn Query>> {
    match ids {
        [] => None,
        [one] => Some(term(field, &one.to_string())),
        many => Some(Box::new(BooleanQuery::new(
            many.iter().map(|id| (Occur::Should, term(field, &id.to_string()))).collect(),
        ))),
    }
}

/// The query for `terms` (every word required, the last as a prefix) in the word and
/// prefix fields given, with `filters`; `None` when the filters can match nothing.
pub fn build(
    fields: &Fields,
    words: Field,
    prefixes: Field,
    terms: &[String],
    filters: &Filters,
) -> Option<Box<dyn Query>> {
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    if let Some((last, rest)) = terms.split_last() {
        clauses.extend(rest.iter().map(|word| term(words, word)));
        clauses.push(term(prefixes, prefix_term(last)));
    }
    clauses.extend(status_term(filters.list.status).map(|v| term(fields.visibility, v)));
    // Any status but the trash.
    let not_trashed = (filters.list.status == StatusFilter::Any).then(|| term(fields.visibility, "trashed"));
    if let Some(ids) = &filters.list.categories {
        clauses.push(any_of(fields.category, ids)?);
    }
    if let Some(ids) = &filters.tags {
        clauses.push(any_of(fields.tags, ids)?);
    }
    if let Some(author) = &filters.list.author {
        clauses.push(term(fields.author, author));
    }
    if let Some(author) = filters.list.author_id {
        clauses.push(term(fields.author_id, &author.to_string()));
    }
    if let Some(featured) = filters.list.featured {
        clauses.push(term(fields.featured, if featured { "1" } else { "0" }));
    }
    if filters.list.published_after.is_some() || filters.list.published_before.is_some() {
        let at = |time: NaiveDateTime| Term::from_field_i64(fields.published_at, time.and_utc().timestamp());
        // Never-published articles (i64::MIN) have no date, so no date range holds them.
        let lower = filters
            .list
            .published_after
            .map_or(Bound::Included(Term::from_field_i64(fields.published_at, i64::MIN + 1)), |t| {
                Bound::Included(at(t))
            });
        let upper = filters.list.published_before.map_or(Bound::Unbounded, |t| Bound::Excluded(at(t)));
        clauses.push(Box::new(RangeQuery::new(lower, upper)));
    }
    // A lone clause stays itself: a single term query is pruned too.
    if clauses.len() == 1 && not_trashed.is_none() {
        return clauses.pop();
    }
    if clauses.is_empty() {
        clauses.push(Box::new(tantivy::query::AllQuery));
    }
    let mut all: Vec<(Occur, Box<dyn Query>)> = clauses.into_iter().map(|q| (Occur::Must, q)).collect();
    all.extend(not_trashed.map(|q| (Occur::MustNot, q)));
    Some(Box::new(BooleanQuery::new(all)))
}

/// A score with a total order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked(Score);

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The `k` greatest keys seen, with their hits.
struct TopK<K: Ord> {
    k: usize,
    /// Each key with the slot of its hit in `hits`; keys are unique by id, so slots
    /// never decide the order.
    heap: BinaryHeap<Reverse<(K, usize)>>,
    /// At most `k` hits: a hit pushed out leaves its slot to the one replacing it.
    hits: Vec<Hit>,
}

impl<K: Ord + Copy> TopK<K> {
    fn new(k: usize) -> Self {
        let capacity = k.min(10_000) + 1;
        Self { k, heap: BinaryHeap::with_capacity(capacity), hits: Vec::with_capacity(capacity) }
    }

    fn push(&mut self, key: K, hit: Hit) {
        if self.heap.len() < self.k {
            self.heap.push(Reverse((key, self.hits.len())));
            self.hits.push(hit);
            return;
        }
        match self.heap.peek() {
            Some(Reverse((min, _))) if key > *min => {}
            _ => return,
        }
        if let Some(Reverse((_, slot))) = self.heap.pop() {
            self.hits[slot] = hit;
            self.heap.push(Reverse((key, slot)));
        }
    }

    fn min(&self) -> Option<K> {
        (self.heap.len() == self.k).then(|| self.heap.peek().map(|Reverse((key, _))| *key)).flatten()
    }

    /// Hits, greatest key first.
    fn into_sorted(self) -> Vec<Hit> {
        let mut all: Vec<(K, usize)> = self.heap.into_iter().map(|Reverse(entry)| entry).collect();
        all.sort_by_key(|entry| Reverse(entry.0));
        all.into_iter().map(|(_, slot)| self.hits[slot]).collect()
    }
}

fn id_column(reader: &SegmentReader) -> tantivy::Result<std::sync::Arc<dyn tantivy::columnar::ColumnValues<u64>>> {
    Ok(reader.fast_fields().u64("id")?.first_or_default_col(0))
}

fn article_id(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(0)
}

/// Top hits by relevance (score, then id, greatest first) after an optional position,
/// with Tantivy's block-max pruning: documents that cannot enter the top are skipped.
fn by_relevance(
    searcher: &Searcher,
    query: &dyn Query,
    k: usize,
    after: Option<(f64, i32)>,
) -> tantivy::Result<Vec<Hit>> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut top: TopK<(Ranked, i32)> = TopK::new(k);
    let after = after.map(|(score, id)| (Ranked(score as Score), id));
    for (ord, reader) in (0u32..).zip(searcher.segment_readers()) {
        let ids = id_column(reader)?;
        // Ties on the k-th score must still come through (a newer id wins them).
        let threshold = |top: &TopK<(Ranked, i32)>| top.min().map_or(Score::MIN, |(Ranked(s), _)| s.next_down());
        let start = threshold(&top);
        weight.for_each_pruning(start, reader, &mut |doc, score| {
            if !reader.is_deleted(doc) {
                let id = article_id(ids.get_val(doc));
                let key = (Ranked(score), id);
                if after.is_none_or(|after| key < after) {
                    top.push(key, Hit { id, score, time: 0, address: DocAddress::new(ord, doc) });
                }
            }
            threshold(&top)
        })?;
    }
    Ok(top.into_sorted())
}

/// Calls `each(doc)` for every live match of `weight` in one segment, unscored, until
/// it answers false; returns whether it went to the end.
fn segment_matches(
    weight: &dyn Weight,
    reader: &SegmentReader,
    mut each: impl FnMut(DocId) -> bool,
) -> tantivy::Result<bool> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    let mut doc = scorer.doc();
    while doc != TERMINATED {
        if !reader.is_deleted(doc) && !each(doc) {
            return Ok(false);
        }
        doc = scorer.advance();
    }
    Ok(true)
}

/// Top hits by a time fast field (then id) in `descending` or ascending order, after an
/// optional position.
fn by_time(
    searcher: &Searcher,
    query: &dyn Query,
    field: &str,
    descending: bool,
    k: usize,
    after: Option<(i64, i32)>,
) -> tantivy::Result<Vec<Hit>> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    // One key type for both directions: descending keeps the greatest (time, id),
    // ascending the greatest (!time, !id) (`!` reverses the order of i64 exactly).
    let mut top: TopK<(i64, i64)> = TopK::new(k);
    let key = |time: i64, id: i32| {
        if descending {
            (time, i64::from(id))
        } else {
            (!time, !i64::from(id))
        }
    };
    let after = after.map(|(time, id)| key(time, id));
    for (ord, reader) in (0u32..).zip(searcher.segment_readers()) {
        let ids = id_column(reader)?;
        let times = reader.fast_fields().i64(field)?.first_or_default_col(i64::MIN);
        segment_matches(weight.as_ref(), reader, |doc| {
            let (id, time) = (article_id(ids.get_val(doc)), times.get_val(doc));
            let rank = key(time, id);
            if after.is_none_or(|after| rank < after) {
                top.push(rank, Hit { id, score: 0.0, time, address: DocAddress::new(ord, doc) });
            }
            true
        })?;
    }
    Ok(top.into_sorted())
}

/// How many documents match, counting at most [`COUNT_CAP`] + 1.
pub fn count(searcher: &Searcher, query: &dyn Query) -> tantivy::Result<(u64, bool)> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut n = 0u64;
    for reader in searcher.segment_readers() {
        let to_the_end = segment_matches(weight.as_ref(), reader, |_| {
            n += 1;
            n <= COUNT_CAP
        })?;
        if !to_the_end {
            break;
        }
    }
    Ok((n.min(COUNT_CAP), n > COUNT_CAP))
}

/// Every matching article id, unordered.
pub fn all_ids(searcher: &Searcher, query: &dyn Query) -> tantivy::Result<Vec<i32>> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut ids = Vec::new();
    for reader in searcher.segment_readers() {
        let column = id_column(reader)?;
        segment_matches(weight.as_ref(), reader, |doc| {
            ids.push(article_id(column.get_val(doc)));
            true
        })?;
    }
    Ok(ids)
}

/// Hits of `query` in `order` within `window`.
pub fn page(searcher: &Searcher, query: &dyn Query, order: Order, window: Window) -> tantivy::Result<Vec<Hit>> {
    let (skip, k, after) = match window {
        Window::Offset { offset, limit } => (offset, offset + limit, None),
        Window::After { after, limit } => (0, limit, after),
    };
    let hits = match order {
        Order::Relevance => by_relevance(searcher, query, k, after.map(|(score, _, id)| (score, id)))?,
        Order::PublishedAt { descending } => {
            by_time(searcher, query, "published_at", descending, k, after.map(|(_, time, id)| (time, id)))?
        }
        Order::UpdatedAt { descending } => {
            by_time(searcher, query, "updated_at", descending, k, after.map(|(_, time, id)| (time, id)))?
        }
        Order::All => all_ids(searcher, query)?
            .into_iter()
            .map(|id| Hit { id, score: 0.0, time: 0, address: DocAddress::new(0, 0) })
            .collect(),
    };
    Ok(hits.into_iter().skip(skip).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analysis::{Folded, PREFIXES, WORDS};
    use tantivy::{Index, TantivyDocument};

    /// An in-memory index of `n` documents with the same text (equal scores), ids 1..=n.
    fn index_of(n: u64) -> (Index, Fields) {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(WORDS, Folded::WORDS);
        index.tokenizers().register(PREFIXES, Folded::PREFIXES);
        let mut writer = index
            .writer_with_options(tantivy::indexer::IndexWriterOptions::builder().num_worker_threads(1).build())
            .expect("writer");
        for id in 1..=n {
            let mut doc = TantivyDocument::new();
            doc.add_u64(fields.id, id);
            doc.add_text(fields.text, "mưa lớn");
            doc.add_text(fields.prefix, "mưa lớn");
            doc.add_text(fields.visibility, "visible");
            doc.add_i64(fields.published_at, i64::try_from(id % 7).unwrap_or_default());
            doc.add_i64(fields.updated_at, 0);
            writer.add_document(doc).expect("add");
            // Several segments, as a live index has.
            if id % 4000 == 0 {
                writer.commit().expect("commit");
            }
        }
        writer.commit().expect("commit");
        (index, fields)
    }

    fn filters() -> Filters {
        Filters::visible()
    }

    #[test]
    fn the_top_k_keeps_the_greatest_keys_each_with_its_own_hit() {
        let hit = |id| Hit { id, score: 0.0, time: 0, address: DocAddress::new(0, 0) };
        let mut top = TopK::new(3);
        for id in [5, 1, 9, 3, 7, 2, 8] {
            top.push(id, hit(id));
        }
        assert_eq!(top.min(), Some(7));
        assert_eq!(top.into_sorted().iter().map(|hit| hit.id).collect::<Vec<_>>(), [9, 8, 7]);
        let mut none = TopK::new(0);
        none.push(1, hit(1));
        assert!(none.into_sorted().is_empty());
    }

    #[test]
    fn counting_stops_at_the_cap() {
        let (index, fields) = index_of(COUNT_CAP + 5);
        let searcher = index.reader().expect("reader").searcher();
        let query = build(&fields, fields.text, fields.prefix, &["mua".to_owned()], &filters()).expect("query");
        assert_eq!(count(&searcher, query.as_ref()).expect("count"), (COUNT_CAP, true));
        let few = build(&fields, fields.text, fields.prefix, &["mua".to_owned(), "lo".to_owned()], &filters());
        let few = few.expect("query");
        assert!(count(&searcher, few.as_ref()).expect("count").1);
        let none = build(&fields, fields.text, fields.prefix, &["nang".to_owned()], &filters()).expect("query");
        assert_eq!(count(&searcher, none.as_ref()).expect("count"), (0, false));
    }

    #[test]
    fn equal_scores_page_by_newer_id_without_gaps_or_repeats() {
        let (index, fields) = index_of(9000);
        let searcher = index.reader().expect("reader").searcher();
        let query = build(&fields, fields.text, fields.prefix, &["mua".to_owned()], &filters()).expect("query");
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let window = Window::After { after, limit: 1000 };
            let hits = page(&searcher, query.as_ref(), Order::Relevance, window).expect("page");
            let Some(last) = hits.last() else { break };
            after = Some((f64::from(last.score), 0, last.id));
            seen.extend(hits.iter().map(|hit| hit.id));
        }
        let expected: Vec<i32> = (1..=9000).rev().collect();
        assert_eq!(seen, expected);
        let offset = page(&searcher, query.as_ref(), Order::Relevance, Window::Offset { offset: 20, limit: 3 });
        let offset: Vec<i32> = offset.expect("page").iter().map(|hit| hit.id).collect();
        assert_eq!(offset, [8980, 8979, 8978]);
    }

    #[test]
    fn time_orders_go_both_ways_and_resume_after_a_position() {
        let (index, fields) = index_of(30);
        let searcher = index.reader().expect("reader").searcher();
        let query = build(&fields, fields.text, fields.prefix, &["mua".to_owned()], &filters()).expect("query");
        let window = Window::Offset { offset: 0, limit: 3 };
        let down = page(&searcher, query.as_ref(), Order::PublishedAt { descending: true }, window).expect("page");
        assert_eq!(down.iter().map(|h| (h.time, h.id)).collect::<Vec<_>>(), [(6, 27), (6, 20), (6, 13)]);
        let up = page(&searcher, query.as_ref(), Order::PublishedAt { descending: false }, window).expect("page");
        assert_eq!(up.iter().map(|h| (h.time, h.id)).collect::<Vec<_>>(), [(0, 7), (0, 14), (0, 21)]);
        let next = Window::After { after: Some((0.0, 0, 21)), limit: 2 };
        let more = page(&searcher, query.as_ref(), Order::PublishedAt { descending: false }, next).expect("page");
        assert_eq!(more.iter().map(|h| (h.time, h.id)).collect::<Vec<_>>(), [(0, 28), (1, 1)]);
    }
}
