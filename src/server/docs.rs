//! The interactive API documentation at `/docs`: Swagger UI (vendored from the npm package
//! `swagger-ui-dist`, see `docs/README.md`) over `/openapi.json`, embedded in the binary so that
//! nothing is fetched from the internet. No token is needed to read it; the page has the bearer
//! token box (kept in the browser between visits) for trying requests.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::error::{ApiError, ApiPath, ErrorBody};

/// The page and its assets: name under `/docs/`, content type, bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("docs/index.html")),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("docs/swagger-ui-bundle.js"),
    ),
    ("swagger-ui.css", "text/css; charset=utf-8", include_bytes!("docs/swagger-ui.css")),
    ("LICENSE", "text/plain; charset=utf-8", include_bytes!("docs/LICENSE")),
];

/// The interactive documentation (Swagger UI).
#[utoipa::path(get, path = "/docs",
    responses((status = 200, description = "The documentation page", content_type = "text/html")),
    tag = "ops")]
pub async fn page() -> Response {
    asset_response("index.html")
}

/// A file of the documentation page: its script, its styles, the licence of Swagger UI.
#[utoipa::path(get, path = "/docs/{file}",
    params(("file" = String, Path, description = "A file of the page",
        example = "swagger-ui.css",
        pattern = "^(index\\.html|swagger-ui-bundle\\.js|swagger-ui\\.css|LICENSE)$")),
    responses((status = 200, description = "The file, with its content type",
            content((String = "text/javascript"), (String = "text/css"), (String = "text/html"),
                (String = "text/plain"))),
        (status = 404, body = ErrorBody)),
    tag = "ops")]
pub async fn asset(ApiPath(file): ApiPath<String>) -> Response {
    asset_response(&file)
}

fn asset_response(name: &str) -> Response {
    match ASSETS.iter().find(|(asset, _, _)| *asset == name) {
        Some((_, content_type, bytes)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")],
            *bytes,
        )
            .into_response(),
        None => ApiError::NotFound(format!("файл документации {name}")).into_response(),
    }
}
