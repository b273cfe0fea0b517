-- Drops everything up.sql creates, in reverse order (each table's indexes, constraints,
-- identity sequence and triggers go with it).
DROP TABLE generations;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_messages;
DROP TABLE webhooks;
DROP TRIGGER articles_announce_update ON articles;
DROP FUNCTION articles_announce_update();
DROP TRIGGER articles_announce_insert ON articles;
DROP FUNCTION articles_announce_insert();
DROP TRIGGER articles_id_floor_truncate ON articles;
DROP TRIGGER articles_id_floor ON articles;
DROP FUNCTION articles_id_floor();
DROP TABLE article_id_floor;
DROP TABLE outside_writes;
DROP TABLE search_changes;
DROP TABLE article_revisions;
DROP TABLE article_daily_views;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE media;
DROP TABLE authors;
DROP TABLE tags;
DROP TABLE categories;
DROP TABLE api_tokens;
