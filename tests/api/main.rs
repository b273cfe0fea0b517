//! Integration tests: the real app over HTTP, one fresh database per test.

mod article_lists;
mod articles;
mod categories;
mod cursor_walks;
mod data;
mod errors;
mod feeds;
mod fields;
mod helpers;
mod http;
mod media;
mod media_data;
mod newsroom;
mod query_counts;
mod roles;
mod search;
mod search_index;
mod seo;
mod shutdown;
mod site;
mod spec;
mod storage;
mod tags;
mod views;
mod webhooks;
mod wordpress;
