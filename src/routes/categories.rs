//! `/api/v1/categories`: the nested menu.

use std::collections::HashMap;

use actix_web::{delete, get, patch, post, put, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::articles::CategoryRef;
use super::resource::{check_named, slug_of, Resource, Tally, Writable};
use super::{counted, CountMeta, Listing, PageParams, Paged};
use crate::db;
use crate::db::categories::{self as store, CategoryFields, CategoryRow, ParentFilter};
use crate::db::Conn;
use crate::error::{ApiError, FieldError};
use crate::extract::double_option;
use crate::routes::Answer;

/// A category of articles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    /// Id, slug and name: what an article shows of it.
    #[serde(flatten)]
    pub head: CategoryRef,
    /// Description, if any.
    #[schema(required = true, example = "Tin tức thời sự trong tỉnh")]
    pub description: Option<String>,
    /// Parent category id; `null` at the top level.
    #[schema(required = true)]
    pub parent_id: Option<i32>,
    /// Menu order among siblings (lower first).
    #[schema(example = 0)]
    pub position: i32,
    /// Its use and history.
    #[serde(flatten)]
    pub tally: Tally,
}

impl Resource for Category {
    type Row = CategoryRow;
    const KIND: &'static str = "category";
    const LETTER: char = 'c';
    const PATH: &'static str = "/api/v1/categories";

    /// With its count of visible articles, descendants included.
    fn load(conn: &mut Conn, row: CategoryRow) -> Result<Self, ApiError> {
        let count = store::article_count(conn, row.id, db::now())?;
        Ok(Category::from_row(row, count))
    }

    fn id(&self) -> i32 {
        self.head.id
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

impl Category {
    fn from_row(row: CategoryRow, article_count: i64) -> Self {
        let tally = Tally::of(&row, article_count);
        let CategoryFields { slug, name, description, parent_id, position } = row.fields;
        Self { head: CategoryRef { id: row.id, slug, name }, description, parent_id, position, tally }
    }
}

/// A category with its sub-categories, for `tree=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryNode {
    /// The category.
    #[serde(flatten)]
    pub category: Category,
    /// Its children, in menu order.
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

/// The whole category tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryTree {
    /// Top-level categories with nested `children`.
    pub data: Vec<CategoryNode>,
    /// `{"total": n}`: categories in the tree.
    pub meta: CountMeta,
}

/// The category list: a page, or with `tree=true` the whole tree.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CategoryListing {
    Page(Paged<Category>),
    Tree(CategoryTree),
}

/// Filters of the category list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryFilters {
    /// Only children of the category with this slug; empty (`parent=`) for top level.
    pub parent: Option<String>,
    /// `true`: the whole tree with nested `children`, without pagination.
    pub tree: Option<bool>,
}

/// Body of POST and PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Thời sự", "description": "Tin tức thời sự trong tỉnh", "parent_id": null, "position": 1}))]
pub struct CategoryInput {
    /// Display name, at most 200 characters, not blank.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: String,
    /// Slug; generated from the name when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// Description, at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Parent category id; absent or `null` for the top level. It must exist (422).
    #[schema(minimum = 1, maximum = 2147483647)]
    pub parent_id: Option<i32>,
    /// Menu order among siblings; default 0.
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub position: Option<i32>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"position": 2}))]
pub struct CategoryPatch {
    /// Display name, at most 200 characters, not blank; `null` leaves it unchanged.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: Option<String>,
    /// Slug; `null` leaves it unchanged.
    pub slug: Option<String>,
    /// Description; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    /// Parent id; `null` moves the category to the top level.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 2147483647)]
    pub parent_id: Option<Option<i32>>,
    /// Menu order; `null` leaves it unchanged.
    #[schema(minimum = -2147483648, maximum = 2147483647)]
    pub position: Option<i32>,
}

fn build_tree(rows: Vec<CategoryRow>, counts: &HashMap<i32, i64>) -> Vec<CategoryNode> {
    let mut by_parent: HashMap<Option<i32>, Vec<Category>> = HashMap::new();
    for row in rows {
        let count = counts.get(&row.id).copied().unwrap_or(0);
        by_parent.entry(row.parent_id).or_default().push(Category::from_row(row, count));
    }
    fn attach(parent: Option<i32>, by_parent: &mut HashMap<Option<i32>, Vec<Category>>) -> Vec<CategoryNode> {
        let children = by_parent.remove(&parent).unwrap_or_default();
        children
            .into_iter()
            .map(|category| {
                let children = attach(Some(category.head.id), by_parent);
                CategoryNode { category, children }
            })
            .collect()
    }
    attach(None, &mut by_parent)
}

/// List categories.
///
/// Sorted by `position`, then `name`. `parent` narrows to one level; `tree=true`
/// answers the whole tree at once, unpaginated.
#[utoipa::path(
    tag = "categories",
    params(PageParams, CategoryFilters),
    responses(
        (status = 200, description = "A page of categories, or the whole tree with `tree=true` (then `data` holds `CategoryNode`s and `meta` is `{\"total\"}`).", body = CategoryListing,
            headers(("X-Total-Count" = i64, description = "Items matching, over all pages"),
                    ("Link" = String, description = "first, prev, next and last pages (RFC 8288)"))),
    )
)]
#[get("/categories")]
pub async fn list(list: Listing<CategoryFilters>) -> Answer {
    let filters = list.filters.clone();
    if filters.tree == Some(true) {
        let tree = db::run(&list.state.pool, |conn| {
            let rows = store::all(conn)?;
            let counts = store::article_counts(conn, db::now())?;
            let total = rows.len() as i64;
            Ok(CategoryTree { data: build_tree(rows, &counts), meta: CountMeta { total } })
        })
        .await?;
        return Ok(HttpResponse::Ok().insert_header(("X-Total-Count", tree.meta.total.to_string())).json(tree));
    }
    list.page_of(move |conn, offset, limit| {
        let parent = match filters.parent.as_deref().map(str::trim) {
            None => ParentFilter::Any,
            Some("") => ParentFilter::TopLevel,
            Some(slug) => ParentFilter::ChildrenOf(store::find_by_slug(conn, slug)?.map_or(-1, |p| p.id)),
        };
        let (rows, total) = store::page(conn, parent, offset, limit)?;
        let counts = store::article_counts(conn, db::now())?;
        Ok((counted(rows, &counts, Category::from_row), total))
    })
    .await
}

impl Writable for Category {
    type Input = CategoryInput;
    type Patch = CategoryPatch;

    fn patched(current: &CategoryRow, patch: CategoryPatch) -> CategoryInput {
        CategoryInput {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            slug: patch.slug,
            description: patch.description.unwrap_or_else(|| current.description.clone()),
            parent_id: patch.parent_id.unwrap_or(current.parent_id),
            position: Some(patch.position.unwrap_or(current.position)),
        }
    }

    /// Also 422 for an unknown parent or one that would make a cycle.
    fn check(conn: &mut Conn, current: Option<&CategoryRow>, input: CategoryInput) -> Result<CategoryFields, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let texts = [("description", &input.description)];
        let name = check_named(&mut errors, &input.name, 200, input.slug.as_deref(), &texts);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        if let Some(parent) = input.parent_id {
            store::check_parent(conn, current.map(|row| row.id), parent)?;
        }
        let slug = slug_of::<Category>(conn, current, input.slug, &name)?;
        let (description, parent_id, position) = (input.description, input.parent_id, input.position.unwrap_or(0));
        Ok(CategoryFields { slug, name, description, parent_id, position })
    }

    /// Only an empty category can go.
    fn delete(conn: &mut Conn, row: &CategoryRow) -> Result<(), ApiError> {
        let (articles, children) = store::contents(conn, row.id)?;
        if articles > 0 || children > 0 {
            return Err(ApiError::Conflict(format!(
                "the category still holds {articles} article(s) and {children} child categor{}; move or delete them first",
                if children == 1 { "y" } else { "ies" }
            )));
        }
        store::delete(conn, row.id)?;
        Ok(())
    }
}

crate::crud_routes! {
    resource: Category, input: CategoryInput, patch: CategoryPatch, tag: "categories",
    paths: ("/categories", "/categories/{id}", "/categories/slug/{slug}"),
    id: "Category id", slug: ("Category slug", "thoi-su"),
    found: "The category",
    docs: ("Get a category by id.", "Get a category by slug.", "Create a category.", "Update some fields of a category."),
    replace_doc: [
        "Replace a category.",
        "",
        "A full replace: absent optional fields are cleared (`description`, `parent_id`,",
        "`position` back to 0), except `slug`, which stays when absent."
    ],
    remove_doc: [
        "Delete a category.",
        "",
        "Only an empty category can go: one that still holds articles (of any status) or",
        "child categories answers 409 saying how many, and nothing is deleted."
    ],
    location: "URL of the new category", conflict: "The slug is taken",
    invalid: (
        "Invalid fields, unknown parent, or unknown fields",
        "Invalid fields, unknown parent, a parent cycle, or unknown fields"
    ),
    remove_refusal: [(status = 409, description = "The category still holds articles or child categories")]
}
