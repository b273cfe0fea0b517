//! Integration tests: the real app over HTTP, one fresh database per test.

mod categories;
mod errors;
mod helpers;
mod tags;
