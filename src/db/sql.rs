//! SQL pieces that diesel may keep prepared.
//!
//! Diesel keeps a statement prepared per connection (keyed by its SQL text) unless a
//! piece of it says it is unsafe to: `diesel::dsl::sql` and `eq_any` over a list both
//! do, so every query using them was parsed and planned again on each run, a quarter
//! of a list page's CPU. The pieces here are fixed SQL text, with at most one bound
//! value, so the same query shape always has the same text and stays prepared.

use std::marker::PhantomData;

use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, SqlType, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use super::MultiBackend;

/// Fixed SQL text of type `ST`: like `diesel::dsl::sql`, but cacheable; written once
/// per dialect where the two differ.
#[derive(Debug, Clone, Copy)]
pub struct Fixed<ST> {
    sqlite: &'static str,
    pg: &'static str,
    kind: PhantomData<ST>,
}

/// `text` as an expression of type `ST`, the same in both dialects.
pub fn fixed<ST>(text: &'static str) -> Fixed<ST> {
    Fixed { sqlite: text, pg: text, kind: PhantomData }
}

/// An expression of type `ST` written `sqlite` for SQLite and `pg` for PostgreSQL.
pub fn fixed_per_dialect<ST>(sqlite: &'static str, pg: &'static str) -> Fixed<ST> {
    Fixed { sqlite, pg, kind: PhantomData }
}

impl<ST: SqlType + diesel::expression::TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Sqlite> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(self.sqlite);
        Ok(())
    }
}

impl<ST> QueryFragment<Pg> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.pg);
        Ok(())
    }
}

impl<ST> QueryFragment<MultiBackend> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

// No static query id: two `Fixed` values of one type can hold different text, so
// diesel must key them by their SQL.
impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST, QS> SelectableExpression<QS> for Fixed<ST> where Self: AppearsOnTable<QS> {}

impl<ST, QS> AppearsOnTable<QS> for Fixed<ST> where Self: Expression {}

/// What a bound list holds, which PostgreSQL must be told when it reads the items
/// back out of JSON text.
pub trait ListItem: serde::Serialize {
    /// The SQL type of one item.
    const SQL_TYPE: &'static str;
}

impl ListItem for i32 {
    const SQL_TYPE: &'static str = "integer";
}

impl ListItem for String {
    const SQL_TYPE: &'static str = "text";
}

/// `{head} IN (the items){tail}` with the items bound as one JSON text parameter (read
/// in SQL with SQLite's `json_each`, PostgreSQL's `json_array_elements_text`): the text
/// is the same whatever the list's length.
#[derive(Debug, Clone)]
pub struct WithList {
    head: &'static str,
    list: String,
    item_type: &'static str,
    tail: &'static str,
}

/// A condition `{head} IN (items){tail}`, with `items` bound as one JSON array.
pub fn with_list<T: ListItem>(head: &'static str, items: &[T], tail: &'static str) -> WithList {
    // Serializing numbers and strings cannot fail; an empty list matches nothing.
    let list = serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned());
    WithList { head, list, item_type: T::SQL_TYPE, tail }
}

impl Expression for WithList {
    type SqlType = Bool;
}

impl QueryFragment<Sqlite> for WithList {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(self.head);
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.list)?;
        out.push_sql("))");
        out.push_sql(self.tail);
        Ok(())
    }
}

impl QueryFragment<Pg> for WithList {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.head);
        out.push_sql(" IN (SELECT CAST(json_array_elements_text(CAST(");
        out.push_bind_param::<Text, String>(&self.list)?;
        out.push_sql(" AS json)) AS ");
        out.push_sql(self.item_type);
        out.push_sql("))");
        out.push_sql(self.tail);
        Ok(())
    }
}

impl QueryFragment<MultiBackend> for WithList {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

impl QueryId for WithList {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<GB> ValidGrouping<GB> for WithList {
    type IsAggregate = is_aggregate::Never;
}

impl<QS> SelectableExpression<QS> for WithList {}

impl<QS> AppearsOnTable<QS> for WithList {}

#[cfg(test)]
mod tests {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::prelude::*;
    use diesel::sql_types::Integer;
    use diesel::sqlite::SqliteConnection;

    use super::*;

    /// Counts statements prepared (cache misses) on a connection.
    #[derive(Default)]
    struct Prepares(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Instrumentation for Prepares {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { .. } = event {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn fixed_text_and_lists_keep_one_prepared_statement_per_shape() -> Result<(), Box<dyn std::error::Error>> {
        let mut conn = SqliteConnection::establish(":memory:")?;
        let prepares = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        conn.set_instrumentation(Prepares(prepares.clone()));
        diesel::sql_query("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)").execute(&mut conn)?;
        diesel::sql_query("INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)").execute(&mut conn)?;
        diesel::table! { t (id) { id -> Integer, n -> Integer, } }
        let before = prepares.load(std::sync::atomic::Ordering::SeqCst);
        for ids in [vec![1], vec![1, 3], vec![2, 3, 4, 5]] {
            let found: Vec<(i32, i32)> = t::table
                .into_boxed()
                .filter(with_list("t.id", &ids, ""))
                .select((t::id, fixed::<Integer>("t.n * 2")))
                .order(t::id)
                .load(&mut conn)?;
            let expected: Vec<(i32, i32)> = ids.iter().filter(|id| **id <= 3).map(|id| (*id, id * 20)).collect();
            assert_eq!(found, expected);
        }
        assert_eq!(prepares.load(std::sync::atomic::Ordering::SeqCst) - before, 1, "one shape, one prepare");
        Ok(())
    }
}
