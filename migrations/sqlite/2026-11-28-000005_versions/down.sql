ALTER TABLE tags DROP COLUMN version;
ALTER TABLE categories DROP COLUMN version;
