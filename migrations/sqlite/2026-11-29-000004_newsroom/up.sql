-- The newsroom: trash, revisions and authors.

-- Trash: a trashed article keeps its status (restored as it was) and its slug;
-- trashed_at says it is in the trash. The public's indexes cover untrashed rows
-- only, so visible lists stay index-only scans.
ALTER TABLE articles ADD COLUMN trashed_at TIMESTAMP;
CREATE INDEX articles_trashed ON articles (trashed_at) WHERE trashed_at IS NOT NULL;
DROP INDEX articles_status_published;
CREATE INDEX articles_status_published ON articles (status, published_at, id) WHERE trashed_at IS NULL;
DROP INDEX articles_category_published;
CREATE INDEX articles_category_published ON articles (category_id, status, published_at, id) WHERE trashed_at IS NULL;

-- Revisions: who wrote the current version (a token name; NULL for the command
-- line), and every earlier version of an article's content as JSON.
ALTER TABLE articles ADD COLUMN editor TEXT;
CREATE TABLE article_revisions (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    editor TEXT,
    content TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;

-- Authors: profiles ("Tác giả") that articles may point to.
CREATE TABLE authors (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    bio TEXT,
    avatar_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX authors_name_folded ON authors (name_folded);
ALTER TABLE articles ADD COLUMN author_id INTEGER REFERENCES authors (id);
CREATE INDEX articles_author_id ON articles (author_id);
