//! Unknown routes (404) and known routes with the wrong method (405 with `Allow`).
//! The route table is read from the OpenAPI document, which is built from the
//! registered handlers, so the two cannot disagree.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;
use crate::openapi::METHODS;

/// Every route template with the methods it answers.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    /// The routes of `api`.
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .keys()
            .map(|path| {
                let methods = METHODS
                    .into_iter()
                    .filter(|(method, ..)| api.paths.get_path_operation(path, method.clone()).is_some())
                    .map(|(_, method, _)| method)
                    .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .chain([
                (ResourceDef::new("/docs/{tail}*"), vec![Method::GET]),
                (ResourceDef::new("/docs"), vec![Method::GET]),
            ])
            .collect();
        Self { routes }
    }

    /// The methods `path` answers, when it is a known route. Literal routes win over
    /// templates (`/articles/popular` over `/articles/{id}`).
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let matching: Vec<&(ResourceDef, Vec<Method>)> =
            self.routes.iter().filter(|(def, _)| def.is_match(path)).collect();
        let fewest_params = matching.iter().map(|(def, _)| dynamic_segments(def)).min()?;
        let mut methods: Vec<Method> = Vec::new();
        for (_, route_methods) in matching.iter().filter(|(def, _)| dynamic_segments(def) == fewest_params) {
            for method in route_methods {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
        }
        Some(methods)
    }
}

fn dynamic_segments(def: &ResourceDef) -> usize {
    def.pattern().map_or(0, |p| p.matches('{').count())
}

/// The default service: 405 with `Allow` for a known path, 404 otherwise.
pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) if !allow.is_empty() => ApiError::MethodNotAllowed { method: req.method().clone(), allow },
        _ => ApiError::NotFound(format!("no route {} {}", req.method(), req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(paths: &[(&str, &[Method])]) -> RouteTable {
        RouteTable { routes: paths.iter().map(|(p, m)| (ResourceDef::new(*p), m.to_vec())).collect() }
    }

    #[test]
    fn literal_routes_win_over_templates() {
        let table = table(&[
            ("/api/v1/articles/{id}", &[Method::GET, Method::PUT, Method::DELETE]),
            ("/api/v1/articles/popular", &[Method::GET]),
        ]);
        assert_eq!(table.allowed("/api/v1/articles/popular"), Some(vec![Method::GET]));
        assert_eq!(table.allowed("/api/v1/articles/7"), Some(vec![Method::GET, Method::PUT, Method::DELETE]));
        assert_eq!(table.allowed("/api/v1/nothing"), None);
    }
}
