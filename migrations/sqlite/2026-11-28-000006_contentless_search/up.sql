-- The index keeps no copy of the text (content=''): highlights are built from the
-- articles table, so a second copy of every title, summary and body only costs space
-- (about 30 % of the database). contentless_delete lets the store delete by rowid.
-- The new table starts empty; the server indexes every article at start.
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
