-- Full-text index over folded text (đ→d, marks dropped, lower-cased by bantin before
-- indexing; FTS5's own remove_diacritics does not fold đ). rowid = articles.id.
-- Rows are written by the store in the same transaction as the article; rows missing
-- after this migration are filled in at start.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
