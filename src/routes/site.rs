//! `--site DIR`: a static frontend served at `/` beside the API, for a one-command look
//! at a site built from it (`bantin serve --demo --site examples/site`).
//!
//! The API, `/media`, `/docs`, feeds and operations are registered first and win; only
//! `GET`/`HEAD` outside `/api/` reach the files, and whatever the folder does not hold
//! is the usual problem+json 404.

use std::path::{Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{guard, web, HttpRequest, HttpResponse};

use crate::error::ApiError;

/// The site folder, as the handler sees it.
struct Site(PathBuf);

/// The files of `dir` at `/`, `index.html` for a folder.
pub fn configure(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config.service(
            web::resource("/{file:.*}")
                .app_data(web::Data::new(Site(dir)))
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .guard(guard::fn_guard(|ctx| !ctx.head().uri.path().starts_with("/api/")))
                .to(file),
        );
    }
}

/// One file of the site, revalidated on every load (`no-cache`: an edit shows at once,
/// an unchanged file answers 304).
async fn file(req: HttpRequest, site: web::Data<Site>, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::NotFound(format!("no page at {}", req.path()));
    let relative = relative_path(&name).ok_or_else(missing)?;
    let mut path = site.0.join(relative);
    if path.is_dir() {
        path.push("index.html");
    }
    let opened = actix_files::NamedFile::open_async(&path).await.map_err(|_| missing())?;
    let mut response = opened.use_last_modified(true).into_response(&req);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The relative path `name` stands for, when every segment is a plain file name:
/// letters, digits, `-`, `_` and `.`, never starting with a dot (no `..`, no hidden
/// files).
fn relative_path(name: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for segment in name.split('/') {
        if segment.is_empty() {
            continue;
        }
        let plain = segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !plain || segment.starts_with('.') {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// The site folder of the `--site` setting, checked at start: a folder with an
/// `index.html`, so a typo fails loudly instead of serving 404s.
pub fn folder(dir: &Path) -> Result<PathBuf, String> {
    let dir = dir.canonicalize().map_err(|e| format!("--site {}: {e}", dir.display()))?;
    if !dir.join("index.html").is_file() {
        return Err(format!("--site {}: no index.html in that folder", dir.display()));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_reach_the_folder() {
        assert_eq!(relative_path(""), Some(PathBuf::new()));
        assert_eq!(relative_path("js/app.js"), Some(PathBuf::from("js/app.js")));
        assert_eq!(relative_path("css//site.css"), Some(PathBuf::from("css/site.css")));
        for refused in ["../etc/passwd", "js/../../x", ".env", "a/.git/config", "a b.html", "/etc\\passwd", "%2e"] {
            assert_eq!(relative_path(refused), None, "{refused}");
        }
    }
}
