\echo '--- 1. collation: byte order (C) vs a linguistic one (ICU und); SQLite BINARY = C'
SELECT string_agg(w, ' ' ORDER BY w COLLATE "C") AS c_order, string_agg(w, ' ' ORDER BY w COLLATE "und-x-icu") AS icu_order
FROM (VALUES ('Đà Nẵng'), ('Zebra'), ('apple'), ('Dung'), ('éclair')) v(w);
\echo '--- prefix range with U+10FFFF under C and ICU'
SELECT count(*) FILTER (WHERE w COLLATE "C" BETWEEN 'da' AND 'da' || U&'\+10FFFF') AS c_hits,
       count(*) FILTER (WHERE w COLLATE "und-x-icu" BETWEEN 'da' AND 'da' || U&'\+10FFFF') AS icu_hits
FROM (VALUES ('da nang'), ('dap'), ('db'), ('daz')) v(w);
\echo '--- 2. LIKE is case-sensitive on PostgreSQL (SQLite: ASCII case-insensitive)'
SELECT 'Alpha' LIKE 'alpha' AS pg_like, 'Alpha' ILIKE 'alpha' AS pg_ilike;
\echo '--- 3. SUM(bigint) is numeric; COUNT is bigint; SUM(int) is bigint'
SELECT pg_typeof(SUM(x::bigint)) AS sum_bigint, pg_typeof(SUM(x::int)) AS sum_int, pg_typeof(COUNT(*)) AS count FROM (VALUES (1)) v(x);
\echo '--- 4. subquery in FROM without alias (feeds.rs article_files) on PG 15'
SELECT COUNT(*) FROM (SELECT 1 AS file) GROUP BY file;
\echo '--- 5. scalar MAX(a,b) (feeds.rs, articles.rs next_id) vs GREATEST'
SELECT MAX(1, 2);
SELECT GREATEST(1, 2), GREATEST(NULL::int, 2) AS greatest_ignores_null;
\echo '--- 6. "a IS ?" with a parameter (articles.rs related) vs IS NOT DISTINCT FROM'
PREPARE p(int) AS SELECT (NULL::int IS $1) AS x; 
PREPARE q(int) AS SELECT (NULL::int IS NOT DISTINCT FROM $1) AS x; EXECUTE q(NULL);
\echo '--- 7. json: json_object/json_group_array -> json_build_object/json_agg; empty agg is NULL'
SELECT json_build_object('id', 1, 'slug', 's', 'name', 'n')::text AS obj,
       (SELECT json_agg(x ORDER BY x) FROM (VALUES (1)) v(x) WHERE false) AS empty_agg,
       (SELECT COALESCE(json_agg(x ORDER BY x), '[]'::json)::text FROM (VALUES (1)) v(x) WHERE false) AS coalesced;
\echo '--- 8. json_each(?) list binding -> json_array_elements_text($1::json)'
PREPARE l(text) AS SELECT count(*) FROM (VALUES (1),(2),(3)) v(id) WHERE id IN (SELECT value::int FROM json_array_elements_text($1::json));
EXECUTE l('[1,3]'); EXECUTE l('[]');
\echo '--- 9. booleans: SQLite 0/1 literals'
SELECT true = 1;
\echo '--- 10. timestamps: now() is transaction start, clock_timestamp() is the real time; UTC naive'
SELECT pg_typeof(now()) AS now_type, pg_typeof(now() AT TIME ZONE 'UTC') AS utc_naive, pg_typeof(LOCALTIMESTAMP) AS localts;
\echo '--- 11. "at" as a table alias (tags.rs visible_count)'
SELECT COUNT(*) FROM article_tags at JOIN articles a ON a.id = at.article_id;
\echo '--- 12. integer overflow: INTEGER is 4 bytes on PG (SQLite INTEGER is 8)'
SELECT 2147483647::int + 1;
\echo '--- 13. sqlite_sequence -> the identity sequence'
SELECT pg_get_serial_sequence('search_changes', 'seq') AS seq_name;
SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('search_changes', 'seq')::regclass), 0) AS last_seq;
\echo '--- 14. numbered placeholders ?1 are not PostgreSQL syntax'
PREPARE z AS SELECT ?1;
