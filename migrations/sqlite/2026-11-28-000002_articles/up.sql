CREATE TABLE articles (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT,
    body TEXT NOT NULL DEFAULT '',
    author TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    category_id INTEGER REFERENCES categories (id),
    cover_image_url TEXT,
    featured BOOLEAN NOT NULL DEFAULT 0,
    view_count BIGINT NOT NULL DEFAULT 0,
    reading_time_minutes INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The public list: visible published articles, newest first (keyset on published_at, id).
CREATE INDEX articles_status_published ON articles (status, published_at, id);
CREATE INDEX articles_category_published ON articles (category_id, status, published_at, id);
CREATE INDEX articles_updated ON articles (updated_at, id);
CREATE INDEX articles_views ON articles (view_count, id);
CREATE INDEX articles_title ON articles (title, id);
CREATE INDEX articles_author ON articles (author);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);
