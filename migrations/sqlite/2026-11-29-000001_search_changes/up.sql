-- Search moves to a Tantivy index beside the database (derived data, rebuilt from
-- the articles table whenever it is missing). FTS5 goes.
DROP TABLE articles_fts;
-- Every change of an article, in commit order, written in the same transaction as
-- the change. Each server's indexer follows it from the last sequence number its
-- index has applied, so any number of processes can follow one database; rows are
-- kept a day (a follower further behind rebuilds its index).
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX search_changes_changed_at ON search_changes (changed_at);
