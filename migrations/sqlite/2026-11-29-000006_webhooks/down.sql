DROP TRIGGER articles_announce_update;
DROP TRIGGER articles_announce_insert;
DROP INDEX articles_unannounced;
ALTER TABLE articles DROP COLUMN announced_at;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_messages;
DROP TABLE webhooks;
