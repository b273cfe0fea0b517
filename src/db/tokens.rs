//! API tokens: created from the command line, stored only as a SHA-256 hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Conn;
use crate::schema::api_tokens;

/// Prefix of every token, so leaked tokens are easy to recognise in logs and scanners.
const TOKEN_PREFIX: &str = "bantin_";

/// A stored token (without its secret).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    /// Row id.
    pub id: i32,
    /// Unique name.
    pub name: String,
    /// `read`, `contributor`, `editor` or `admin`.
    pub scope: String,
    /// SHA-256 of the secret, hex.
    pub token_hash: String,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// When it was last used (to the last batch written).
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
struct NewToken<'a> {
    name: &'a str,
    scope: &'a str,
    token_hash: &'a str,
    created_at: NaiveDateTime,
}

/// SHA-256 of a token secret, hex-encoded. Tokens carry 256 random bits, so a plain
/// hash cannot be brute-forced and lookups stay a single indexed equality.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes a fresh secret: the prefix and 32 random bytes, hex-encoded.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Creates a token named `name` with `scope`; returns the secret, which is not stored.
pub fn create(conn: &mut Conn, name: &str, scope: &str) -> QueryResult<String> {
    Ok(create_row(conn, name, scope)?.1)
}

/// Creates a token; returns its row and its secret, which is not stored.
pub fn create_row(conn: &mut Conn, name: &str, scope: &str) -> QueryResult<(TokenRow, String)> {
    let secret = new_secret();
    // `write` is v1's name of `editor`.
    let scope = if scope == "write" { "editor" } else { scope };
    let row = crate::on_backend!(conn, c => diesel::insert_into(api_tokens::table)
        .values(NewToken { name, scope, token_hash: &hash_token(&secret), created_at: super::now() })
        .returning(TokenRow::as_returning())
        .get_result(c))?;
    Ok((row, secret))
}

/// All tokens, oldest first.
pub fn list(conn: &mut Conn) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table.order(api_tokens::id).select(TokenRow::as_select()).load(conn)
}

/// The token with `id`.
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<TokenRow>> {
    api_tokens::table.find(id).select(TokenRow::as_select()).first(conn).optional()
}

/// A page of tokens, oldest first, with the total.
pub fn page(conn: &mut Conn, offset: i64, limit: i64) -> QueryResult<(Vec<TokenRow>, i64)> {
    let rows =
        api_tokens::table.order(api_tokens::id).offset(offset).limit(limit).select(TokenRow::as_select()).load(conn)?;
    Ok((rows, api_tokens::table.count().get_result(conn)?))
}

/// Deletes the token with `id`; returns whether one existed.
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    Ok(diesel::delete(api_tokens::table.find(id)).execute(conn)? > 0)
}

/// Records when tokens were last used: `(id, time)`.
pub fn set_last_used(conn: &mut Conn, times: &[(i32, NaiveDateTime)]) -> QueryResult<()> {
    for (id, at) in times {
        // Only forward: another process sharing the database may have noted a later use.
        diesel::update(
            api_tokens::table.find(id).filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(at))),
        )
        .set(api_tokens::last_used_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

/// Deletes the token named `name`; returns whether one existed.
pub fn revoke(conn: &mut Conn, name: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(api_tokens::table.filter(api_tokens::name.eq(name))).execute(conn)?;
    Ok(deleted > 0)
}

/// Whether no token exists at all.
pub fn none_exist(conn: &mut Conn) -> QueryResult<bool> {
    let count: i64 = api_tokens::table.count().get_result(conn)?;
    Ok(count == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hash_stably() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), a);
    }
}
