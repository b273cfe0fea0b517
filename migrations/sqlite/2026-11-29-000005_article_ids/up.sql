-- Article ids are never reused: SQLite gives a new row max(id) + 1, so deleting the
-- newest article (for good, or by the trash purge) handed its id to the next one, with
-- its buffered views and its ETags. The highest id ever deleted is kept here, and
-- inserts take an id above it.
CREATE TABLE article_id_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    floor INTEGER NOT NULL
);
INSERT INTO article_id_floor (id, floor) VALUES (1, COALESCE((SELECT MAX(id) FROM articles), 0));
CREATE TRIGGER articles_id_floor AFTER DELETE ON articles BEGIN
    UPDATE article_id_floor SET floor = MAX(floor, OLD.id) WHERE id = 1;
END;
