-- Back to read/write: editors and admins write; contributors only read.
CREATE TABLE api_tokens_old (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO api_tokens_old (id, name, scope, token_hash, created_at)
SELECT id, name, CASE WHEN scope IN ('editor', 'admin') THEN 'write' ELSE 'read' END, token_hash, created_at
FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
