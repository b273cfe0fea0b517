-- The media library: uploaded images, stored by content hash in BANTIN_MEDIA_DIR.
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The cleaned original's file name: <sha256 of its bytes>.<ext>.
    file TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    -- JSON [{"width", "height", "url"}], narrowest first.
    variants TEXT NOT NULL,
    alt TEXT,
    caption TEXT,
    credit TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX media_file ON media (file);

ALTER TABLE articles ADD COLUMN cover_image_id INTEGER REFERENCES media (id);
CREATE INDEX articles_cover_image ON articles (cover_image_id) WHERE cover_image_id IS NOT NULL;
