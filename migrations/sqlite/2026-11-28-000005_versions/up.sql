-- A version per category and tag, for ETags and If-Match (updated_at has only
-- one-second resolution, too coarse to detect a lost update).
ALTER TABLE categories ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
