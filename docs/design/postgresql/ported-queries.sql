-- bantin's raw SQL, ported, on sample rows.
BEGIN;
INSERT INTO categories (id, slug, name, created_at, updated_at) VALUES (1, 'thoi-su', 'Thời sự', LOCALTIMESTAMP, LOCALTIMESTAMP);
INSERT INTO tags (id, slug, name, name_folded, created_at, updated_at) VALUES
 (1, 'a', 'Ánh', 'anh', LOCALTIMESTAMP, LOCALTIMESTAMP), (2, 'b', 'Bão', 'bao', LOCALTIMESTAMP, LOCALTIMESTAMP);
INSERT INTO media (id, file, mime_type, width, height, bytes, variants, created_at, updated_at)
 VALUES (1, 'abc.jpg', 'image/jpeg', 10, 10, 100, '[{"width":5,"height":5,"url":"/media/x"}]', LOCALTIMESTAMP, LOCALTIMESTAMP);
INSERT INTO articles (id, slug, title, body, status, published_at, category_id, created_at, updated_at, cover_image_id)
SELECT i, 's' || i, 'T' || i, 'body ' || i, 'published', (LOCALTIMESTAMP - (i || ' hours')::interval)::timestamp(0),
       CASE WHEN i % 2 = 0 THEN 1 END, LOCALTIMESTAMP, LOCALTIMESTAMP, CASE WHEN i = 1 THEN 1 END
FROM generate_series(1, 5) i;
INSERT INTO articles (id, slug, title, status, published_at, created_at, updated_at)
VALUES (6, 'later', 'Scheduled', 'published', LOCALTIMESTAMP + interval '1 hour', LOCALTIMESTAMP, LOCALTIMESTAMP);
INSERT INTO article_tags VALUES (1, 1), (2, 1), (3, 2), (1, 2);
INSERT INTO article_daily_views VALUES (1, CURRENT_DATE, 5), (2, CURRENT_DATE, 7), (2, CURRENT_DATE - 1, 1);
COMMIT;

\echo '--- announced_at trigger: published & due -> set; scheduled -> NULL'
SELECT id, announced_at IS NOT NULL AS announced FROM articles ORDER BY id;

\echo '--- refs_sql (articles.rs:116-160): category/tags/author/cover as JSON text'
SELECT a.id,
 (SELECT json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) FROM categories c WHERE c.id = a.category_id)::text AS category_json,
 (SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY t.name_folded, t.id)
    FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id)::text AS tags_json,
 (SELECT json_build_object('id', m.id, 'url', '/media/' || m.file, 'width', m.width, 'height', m.height,
         'alt', m.alt, 'variants', m.variants::json) FROM media m WHERE m.id = a.cover_image_id)::text AS cover_json
FROM articles a WHERE a.id IN (1, 4) ORDER BY a.id;

\echo '--- related (articles.rs:681): $n placeholders, IS NOT DISTINCT FROM'
PREPARE related(int, int, timestamp, bigint) AS
SELECT a.id, r.shared FROM (
    SELECT c.id, SUM(c.shared) AS shared FROM (
        SELECT t.article_id AS id, 1 AS shared FROM article_tags t
        WHERE t.tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = $1)
        UNION ALL
        SELECT x.id, 0 FROM articles x WHERE $2::int IS NOT NULL AND x.category_id = $2
    ) c WHERE c.id <> $1 GROUP BY c.id
) r JOIN articles a ON a.id = r.id
WHERE a.status = 'published' AND a.published_at <= $3 AND a.trashed_at IS NULL
ORDER BY r.shared DESC, (a.category_id IS NOT DISTINCT FROM $2) DESC, a.published_at DESC, a.id DESC
LIMIT $4;
EXECUTE related(2, 1, LOCALTIMESTAMP, 10);

\echo '--- popular (views.rs:186): SUM(bigint)::bigint, json list'
PREPARE popular(date, timestamp, text, bigint) AS
SELECT a.id, w.views AS window_views, pg_typeof(w.views) FROM (
    SELECT article_id, SUM(views)::bigint AS views FROM article_daily_views WHERE day >= $1 GROUP BY article_id
) w JOIN articles a ON a.id = w.article_id
WHERE a.status = 'published' AND a.trashed_at IS NULL AND a.published_at <= $2
  AND ($3::text IS NULL OR a.category_id IN (SELECT value::int FROM json_array_elements_text($3::json)))
ORDER BY w.views DESC, a.published_at DESC, a.id DESC LIMIT $4;
EXECUTE popular(CURRENT_DATE - 7, LOCALTIMESTAMP, NULL, 10);
EXECUTE popular(CURRENT_DATE - 7, LOCALTIMESTAMP, '[1]', 10);

\echo '--- article_files (feeds.rs:78): alias on the subquery, GREATEST'
PREPARE files(timestamp, bigint) AS
SELECT COUNT(*) AS urls, MAX(modified) AS lastmod FROM (
    SELECT (ROW_NUMBER() OVER (ORDER BY id) - 1) / $2 AS file, GREATEST(updated_at, published_at) AS modified
    FROM articles WHERE status = 'published' AND trashed_at IS NULL AND published_at <= $1
) f GROUP BY file ORDER BY file;
EXECUTE files(LOCALTIMESTAMP, 2);

\echo '--- next_id (articles.rs:299): GREATEST instead of MAX(a, b)'
SELECT GREATEST(COALESCE((SELECT MAX(id) FROM articles), 0), COALESCE((SELECT floor FROM article_id_floor WHERE id = 1), 0)) + 1 AS id;

\echo '--- announce_due (webhooks.rs:293) as one claim: no INDEXED BY; two processes cannot both take a row'
UPDATE articles SET published_at = LOCALTIMESTAMP - interval '1 second' WHERE id = 6;  -- came due; trigger sets announced_at
UPDATE articles SET announced_at = NULL WHERE id = 6;                                 -- as if it came due by time
EXPLAIN (COSTS OFF) SELECT id FROM articles WHERE status = 'published' AND trashed_at IS NULL AND announced_at IS NULL AND published_at <= LOCALTIMESTAMP;
PREPARE claim(timestamp) AS
UPDATE articles SET announced_at = $1 WHERE id IN (
    SELECT id FROM articles WHERE status = 'published' AND trashed_at IS NULL AND announced_at IS NULL AND published_at <= $1
    FOR UPDATE SKIP LOCKED) RETURNING id;
EXECUTE claim(LOCALTIMESTAMP);
EXECUTE claim(LOCALTIMESTAMP);

\echo '--- webhook due() with a lease (webhooks.rs:159): head per subscription, SKIP LOCKED'
INSERT INTO webhooks (url, events, secret, created_at, updated_at) VALUES ('http://127.0.0.1:9/', '["*"]', 'whsec_x', LOCALTIMESTAMP, LOCALTIMESTAMP);
INSERT INTO webhook_messages (event, body, created_at) VALUES ('e', '{}', LOCALTIMESTAMP), ('e', '{}', LOCALTIMESTAMP);
INSERT INTO webhook_deliveries (webhook_id, message_id, event, next_attempt_at, give_up_at, created_at, updated_at)
SELECT 1, m, 'e', LOCALTIMESTAMP, LOCALTIMESTAMP + interval '3 days', LOCALTIMESTAMP, LOCALTIMESTAMP FROM generate_series(1, 2) m;
PREPARE lease(timestamp, text, bigint) AS
UPDATE webhook_deliveries d SET leased_until = $1 + interval '60 seconds', leased_by = $2
WHERE d.id IN (
    SELECT d2.id FROM webhook_deliveries d2 JOIN webhooks w ON w.id = d2.webhook_id
    WHERE d2.status = 'pending' AND d2.next_attempt_at <= $1 AND w.active
      AND (d2.leased_until IS NULL OR d2.leased_until < $1)
      AND d2.id = (SELECT MIN(h.id) FROM webhook_deliveries h WHERE h.webhook_id = d2.webhook_id AND h.status = 'pending')
    ORDER BY d2.next_attempt_at LIMIT $3
    FOR UPDATE OF d2 SKIP LOCKED)
RETURNING d.id, d.webhook_id;
EXECUTE lease(LOCALTIMESTAMP, 'A', 32);
EXECUTE lease(LOCALTIMESTAMP, 'B', 32);

\echo '--- generation bump + NOTIFY in the write transaction'
LISTEN bantin_generation;
BEGIN;
SELECT pg_advisory_xact_lock(7305);  -- "immediate": the one write lock
UPDATE generations SET value = value + 1 WHERE name = 'content' RETURNING value;
SELECT pg_notify('bantin_generation', 'content:' || (SELECT value FROM generations WHERE name = 'content'));
COMMIT;
