-- Bumped by every command-line write of content (imports), so that a server serving
-- the same database reloads what it keeps in memory (view totals, published times)
-- and outdates its cached answers.
CREATE TABLE outside_writes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO outside_writes (id, generation) VALUES (1, 0);
