-- Webhooks: subscriptions, the messages changes produce (written in the same
-- transaction as the change), and one delivery per message and subscription.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    -- JSON array of event names, or ["*"].
    events TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    -- whsec_<base64>: kept to sign, shown once.
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    -- The exact body sent: {"type", "timestamp", "data"}.
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    -- pending, succeeded or failed.
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMP,
    -- Retries stop (failed) after this.
    give_up_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The head of each webhook's queue, and its log newest first.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, status, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);

-- When an article last became publicly visible (NULL while it is not). Triggers keep
-- it for every write, the API's, imports' and the command line's alike; an article
-- that becomes visible by its time coming (scheduled) is left NULL until the
-- announcer marks it and sends article.published, exactly once.
ALTER TABLE articles ADD COLUMN announced_at TIMESTAMP;
UPDATE articles SET announced_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE status = 'published' AND trashed_at IS NULL
      AND published_at <= strftime('%Y-%m-%d %H:%M:%f', 'now');
CREATE INDEX articles_unannounced ON articles (published_at)
    WHERE status = 'published' AND trashed_at IS NULL AND announced_at IS NULL;

CREATE TRIGGER articles_announce_insert AFTER INSERT ON articles
WHEN NEW.status = 'published' AND NEW.trashed_at IS NULL
 AND NEW.published_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')
BEGIN
    UPDATE articles SET announced_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;

CREATE TRIGGER articles_announce_update AFTER UPDATE OF status, published_at, trashed_at ON articles
BEGIN
    UPDATE articles SET announced_at =
        CASE WHEN NEW.status = 'published' AND NEW.trashed_at IS NULL
                  AND NEW.published_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')
             THEN COALESCE(NEW.announced_at, strftime('%Y-%m-%d %H:%M:%f', 'now'))
             ELSE NULL END
    WHERE id = NEW.id;
END;
