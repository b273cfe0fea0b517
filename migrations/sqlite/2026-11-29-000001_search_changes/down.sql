DROP TABLE search_changes;
-- The FTS5 index as migration 000006 left it; the server of that version fills it at start.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
