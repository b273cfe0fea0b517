-- Roles: read < contributor < editor < admin. v1's `write` is `editor` now (the
-- server still accepts `write` when a token is created). Tokens also remember when
-- they were last used (written in batches, not on every request).
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'contributor', 'editor', 'admin')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
INSERT INTO api_tokens_new (id, name, scope, token_hash, created_at)
SELECT id, name, CASE scope WHEN 'write' THEN 'editor' ELSE scope END, token_hash, created_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
