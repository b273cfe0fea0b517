-- Views per article per UTC day, for history and "most read" windows.
CREATE TABLE article_daily_views (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (article_id, day)
) WITHOUT ROWID;
CREATE INDEX article_daily_views_day ON article_daily_views (day, article_id);
