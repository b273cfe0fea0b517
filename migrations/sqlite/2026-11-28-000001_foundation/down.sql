DROP TABLE tags;
DROP TABLE categories;
DROP TABLE api_tokens;
