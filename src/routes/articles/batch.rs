//! `POST /api/v1/articles/batch`: many article writes in one transaction, all or
//! nothing.

use actix_web::{post, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::write::{in_the_trash, patch_article, remove_article, restore_article, ArticlePatch};
use super::{reload, Article};
use crate::auth::{Editor, TokenInfo};
use crate::db;
use crate::db::Conn;
use crate::error::{ApiError, FieldError};
use crate::etag::IfMatch;
use crate::extract::{from_document, ApiJson};
use crate::feeds::Site;
use crate::routes::{Answer, State};

/// Most operations in one batch.
pub const MAX_OPERATIONS: usize = 100;

/// What an operation does to its article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// What `PATCH /api/v1/articles/{id}` does with `body`.
    Patch,
    /// What `DELETE /api/v1/articles/{id}` does: to the trash (never for good).
    Delete,
    /// What `POST /api/v1/articles/{id}/restore` does: out of the trash.
    Restore,
}

/// One write of a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// `patch` (as `PATCH /api/v1/articles/{id}`), `delete` (to the trash, as
    /// `DELETE /api/v1/articles/{id}`) or `restore` (out of the trash, as
    /// `POST /api/v1/articles/{id}/restore`).
    pub op: Op,
    /// The article's id.
    #[schema(minimum = 1, maximum = 2147483647, example = 12)]
    pub id: i32,
    /// An `ETag` read before, compared as the `If-Match` header is: a stale one fails
    /// this operation with 412 (and so the batch).
    #[schema(example = "W/\"a12-v3.0\"")]
    pub if_match: Option<String>,
    /// `patch` only, and required there: the fields to change, as
    /// `PATCH /api/v1/articles/{id}` takes them.
    #[schema(value_type = Option<ArticlePatch>)]
    pub body: Option<serde_json::Value>,
}

/// Body of a batch write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"operations": [
    {"op": "patch", "id": 12, "if_match": "W/\"a12-v3.0\"", "body": {"status": "published"}},
    {"op": "delete", "id": 13},
    {"op": "restore", "id": 14}
]}))]
pub struct BatchInput {
    /// 1 to 100 operations, applied in this order.
    #[schema(min_items = 1, max_items = 100)]
    pub operations: Vec<Operation>,
}

/// What one operation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationResult {
    /// The operation's position in `operations`, counted from 0.
    #[schema(example = 0)]
    pub index: usize,
    /// What it did.
    pub op: Op,
    /// The article's id.
    #[schema(example = 12)]
    pub id: i32,
    /// Always 200: the operation succeeded.
    #[schema(example = 200)]
    pub status: u16,
    /// The article's `ETag` right after this operation, for the `If-Match` of a later
    /// write.
    #[schema(example = "W/\"a12-v4.0\"")]
    pub etag: String,
    /// The article right after this operation, as `PATCH` answers it; after `delete`,
    /// the trashed article (`status: trashed`).
    pub article: Article,
}

/// Answer of a batch write.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResults {
    /// One result per operation, in order.
    pub results: Vec<OperationResult>,
}

/// Write many articles at once, all or nothing.
///
/// The operations run in order in one transaction, each exactly as its own request
/// would (checks, revisions, webhook events, search), and each sees the ones before
/// it. If any fails, none is applied: the answer is 412 when every failure is a stale
/// `if_match`, else 422, and its `errors` name each failing operation by `index`
/// (counted from 0; the `message` counts from 1: index 6 is "operation 7"), with the
/// `field` at fault (`id`, `if_match`, `body`, `body.<field>`) and the `status` and
/// `code` the operation would have answered on its own (404, 409, 412, 422). A body
/// with no operation or more than 100 is a 422 that names `operations`. The whole
/// request is at most 2 MiB.
#[utoipa::path(
    tag = "articles",
    request_body = BatchInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every operation applied, in order", body = BatchResults),
        (status = 412, description = "Every failing operation had a stale `if_match`; nothing changed"),
        (status = 422, description = "Invalid body, no or over 100 operations, or failing operations (each named in `errors` by `index`); nothing changed"),
    )
)]
#[post("/articles/batch")]
pub async fn batch(state: State, editor: Editor, input: ApiJson<BatchInput>) -> Answer {
    let operations = input.0.operations;
    if operations.is_empty() || operations.len() > MAX_OPERATIONS {
        return Err(ApiError::invalid(
            "operations",
            format!("must hold 1 to {MAX_OPERATIONS} operations; this holds {}", operations.len()),
        ));
    }
    let mut ids: Vec<i32> = operations.iter().map(|o| o.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let keep = state.revisions_keep;
    let views = state.views.clone();
    let writer = editor.0;
    let site = state.feeds.site.clone();
    let results = db::run(&state.pool, move |conn| {
        let done = db::immediate(conn, |conn| apply(conn, &writer, keep, operations, site.as_deref()));
        // As the single writes do, committed or not (a full disk shows at COMMIT).
        for id in ids {
            views.sync(conn, id)?;
        }
        done
    })
    .await?;
    Ok(HttpResponse::Ok().json(BatchResults { results }))
}

/// Applies `operations` in order, each in a savepoint of the caller's transaction so
/// that a failing one leaves nothing for the next ones to see; goes on after a failure
/// to name every failing operation, then fails with all of them.
fn apply(
    conn: &mut Conn,
    writer: &TokenInfo,
    keep: u32,
    operations: Vec<Operation>,
    site: Option<&Site>,
) -> Result<Vec<OperationResult>, ApiError> {
    let mut results = Vec::with_capacity(operations.len());
    let mut failures = Vec::new();
    for (index, operation) in operations.into_iter().enumerate() {
        let (op, id) = (operation.op, operation.id);
        match db::transaction(conn, false, |conn| apply_one(conn, writer, keep, operation, site)) {
            Ok(article) => results.push(OperationResult { index, op, id, status: 200, etag: article.etag(), article }),
            Err(error) => failures.extend(failure(index, op, id, error)?),
        }
    }
    if failures.is_empty() {
        Ok(results)
    } else {
        Err(ApiError::BatchFailed(failures))
    }
}

/// One operation, through the same code as its own request; the article after it.
fn apply_one(
    conn: &mut Conn,
    writer: &TokenInfo,
    keep: u32,
    operation: Operation,
    site: Option<&Site>,
) -> Result<Article, ApiError> {
    let Operation { op, id, if_match, body } = operation;
    let if_match = IfMatch::from(if_match);
    match (op, body) {
        (Op::Patch, Some(body)) if body.is_object() => {
            let patch = from_document(body).map_err(within_body)?;
            patch_article(conn, writer, keep, id, &if_match, patch, site).map_err(within_body)?;
        }
        (Op::Patch, Some(_)) => return Err(ApiError::invalid("body", "must be a JSON object")),
        (Op::Patch, None) => {
            return Err(ApiError::invalid("body", "is required with patch: the fields to change, as PATCH takes them"))
        }
        (_, Some(_)) => return Err(ApiError::invalid("body", "is only taken with patch")),
        (Op::Delete, None) => remove_article(conn, id, &if_match, false, site)?,
        (Op::Restore, None) => {
            restore_article(conn, id, &if_match, site)?;
        }
    }
    reload(conn, id, site)
}

/// A patch's error with its fields named within the operation (`body.title`).
fn within_body(error: ApiError) -> ApiError {
    match error {
        ApiError::Validation(fields) => ApiError::Validation(
            fields.into_iter().map(|f| FieldError { field: format!("body.{}", f.field), ..f }).collect(),
        ),
        other => other,
    }
}

/// The `errors` entries of operation `index` (`op` of article `id`) that failed
/// with `error`. What is no fault of the operation (the database failing) fails the
/// whole batch as it is.
fn failure(index: usize, op: Op, id: i32, error: ApiError) -> Result<Vec<FieldError>, ApiError> {
    let entry = |field: &str, message: &str, error: &ApiError| FieldError {
        field: field.to_owned(),
        message: format!("operation {}: {message}", index + 1),
        index: Some(index),
        status: Some(actix_web::ResponseError::status_code(error).as_u16()),
        code: Some(error.code().to_owned()),
    };
    let field = match &error {
        ApiError::Validation(fields) => {
            return Ok(fields.iter().map(|f| entry(&f.field, &f.message, &error)).collect());
        }
        ApiError::PreconditionFailed(_) => "if_match",
        ApiError::NotFound(_) => "id",
        // A patch's conflict is its slug, unless the article is in the trash.
        ApiError::Conflict(message) if op == Op::Patch && *message != in_the_trash(id).to_string() => "body.slug",
        ApiError::Conflict(_) => "id",
        _ => return Err(error),
    };
    Ok(vec![entry(field, &error.to_string(), &error)])
}
