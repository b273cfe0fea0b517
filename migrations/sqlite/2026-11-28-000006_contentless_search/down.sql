DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
