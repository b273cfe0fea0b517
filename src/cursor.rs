//! Opaque keyset cursors: base64url of a small JSON naming the sort, the last sort
//! value and the last id. A cursor from another sort, or one that does not decode,
//! is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::articles::SortValue;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    /// The sort it belongs to, e.g. `-published_at`.
    s: String,
    /// The last row's sort value.
    v: serde_json::Value,
    /// The last row's id.
    i: i32,
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Encodes the position after (`value`, `id`) in `sort`.
pub fn encode(sort: &str, value: &SortValue, id: i32) -> String {
    let v = match value {
        SortValue::Time(Some(time)) => serde_json::Value::String(time.format(TIME_FORMAT).to_string()),
        SortValue::Time(None) => serde_json::Value::Null,
        SortValue::Text(text) => serde_json::Value::String(text.clone()),
        SortValue::Int(n) => serde_json::Value::from(*n),
        SortValue::Float(x) => serde_json::Value::from(*x),
    };
    let payload = Payload { s: sort.to_owned(), v, i: id };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default())
}

/// What a cursor must hold for a sort field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A time, or null for undated rows.
    Time,
    Text,
    Int,
    /// A search rank.
    Float,
}

/// Decodes `cursor` for `sort`, whose values are of `kind`; `None` if it is not a
/// cursor this server made for this sort.
pub fn decode(cursor: &str, sort: &str, kind: ValueKind) -> Option<(SortValue, i32)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let payload: Payload = serde_json::from_slice(&bytes).ok()?;
    if payload.s != sort || payload.i < 1 {
        return None;
    }
    let value = match (kind, payload.v) {
        (ValueKind::Time, serde_json::Value::Null) => SortValue::Time(None),
        (ValueKind::Time, serde_json::Value::String(s)) => {
            SortValue::Time(Some(NaiveDateTime::parse_from_str(&s, TIME_FORMAT).ok()?))
        }
        (ValueKind::Text, serde_json::Value::String(s)) => SortValue::Text(s),
        (ValueKind::Int, serde_json::Value::Number(n)) => SortValue::Int(n.as_i64()?),
        (ValueKind::Float, serde_json::Value::Number(n)) => SortValue::Float(n.as_f64()?),
        _ => return None,
    };
    Some((value, payload.i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn cursors_round_trip_for_each_kind() {
        let time = NaiveDate::from_ymd_opt(2020, 4, 22).and_then(|d| d.and_hms_opt(8, 30, 0)).expect("time");
        let cases = [
            ("-published_at", SortValue::Time(Some(time)), ValueKind::Time),
            ("published_at", SortValue::Time(None), ValueKind::Time),
            ("title", SortValue::Text("Thi đua \"x\"".to_owned()), ValueKind::Text),
            ("-view_count", SortValue::Int(1001), ValueKind::Int),
            ("relevance:0a1b2c3d", SortValue::Float(-2.718_281_9e-7), ValueKind::Float),
        ];
        for (sort, value, kind) in cases {
            let cursor = encode(sort, &value, 42);
            assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{cursor}");
            assert_eq!(decode(&cursor, sort, kind), Some((value, 42)), "{sort}");
        }
    }

    #[test]
    fn foreign_and_tampered_cursors_are_refused() {
        let cursor = encode("-published_at", &SortValue::Time(None), 7);
        assert_eq!(decode(&cursor, "title", ValueKind::Text), None, "another sort");
        assert_eq!(decode(&cursor, "published_at", ValueKind::Time), None, "another direction");
        for garbage in ["x", "!!!", "eyJzIjoxfQ", &format!("{cursor}AA"), ""] {
            assert_eq!(decode(garbage, "-published_at", ValueKind::Time), None, "{garbage}");
        }
        let wrong_kind = encode("-view_count", &SortValue::Text("a".to_owned()), 7);
        assert_eq!(decode(&wrong_kind, "-view_count", ValueKind::Int), None);
        let bad_id = encode("title", &SortValue::Text("a".to_owned()), 0);
        assert_eq!(decode(&bad_id, "title", ValueKind::Text), None);
    }
}
