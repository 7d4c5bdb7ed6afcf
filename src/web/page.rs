//! The page shell every dashboard page shares (language, skip link, landmarks, navigation by
//! role, sign-out form, footer) and the one error type of the pages, `PageError`: a page that
//! needs a session redirects to `/login` (303); an API refusal is shown with the API's status
//! and its Russian message (`ApiError::status_and_json`, so the wording and the logging of our
//! own failures are the API's).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::access::{may, Action, Role};
use crate::server::error::ApiError;
use crate::store::StoreError;
use crate::web::session::Viewer;

/// The stylesheet (screen and print), embedded in the binary.
pub const STYLE_CSS: &str = include_str!("style.css");
/// The icon of the tab, embedded in the binary.
pub const FAVICON_SVG: &str = include_str!("favicon.svg");

/// Why a page is not shown.
#[derive(Debug)]
pub enum PageError {
    /// No live session: to the sign-in page.
    SignIn,
    /// A form without the session's CSRF token (403).
    Csrf,
    /// The API's answer to the same request (403, 404, 400, 500…).
    Api(ApiError),
    /// Our failure, with what to log.
    Internal(String),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        PageError::Api(error)
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        PageError::Api(ApiError::from(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Форма устарела или пришла не со страницы Летописи: откройте страницу заново."
                    .to_string(),
            ),
            PageError::Api(error) => api_message(error),
            PageError::Internal(detail) => api_message(ApiError::Internal(detail)),
        };
        let title = match status {
            StatusCode::FORBIDDEN => "Доступ запрещён",
            StatusCode::NOT_FOUND => "Не найдено",
            StatusCode::BAD_REQUEST => "Неверный запрос",
            _ => "Ошибка",
        };
        let body = html! {
            h1 { (title) }
            p.error-message role="alert" { (message) }
            p { a href="/" { "На главную" } }
        };
        (status, shell(title, None, body)).into_response()
    }
}

/// The status and Russian message the API gives for `error`.
fn api_message(error: ApiError) -> (StatusCode, String) {
    let (status, json) = error.status_and_json();
    let message = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|body| body["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| "Внутренняя ошибка сервера.".to_string());
    (status, message)
}

/// A whole page for a signed-in viewer: header with the sections its role may open, the
/// sign-out form, `body` as the main landmark.
pub fn page(title: &str, viewer: &Viewer, current: &str, body: Markup) -> Response {
    let markup = shell(title, Some((viewer, current)), body);
    ([(header::CACHE_CONTROL, "no-store")], markup).into_response()
}

/// The sections of the navigation a role may open: (path, label).
pub fn sections(role: &Role) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("/figures", "Сводка"), ("/territory", "Территории")];
    if may(role, Action::ReadPlans) {
        out.push(("/plans", "Планы"));
    }
    out.push(("/reports", "Проверка отчётов"));
    if may(role, Action::Verify) {
        out.push(("/audit", "Аудит"));
    }
    out
}

/// The document around `body`; `viewer` adds the navigation and the sign-out form.
pub fn shell(title: &str, viewer: Option<(&Viewer, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ru" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Летопись" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
            }
            body {
                a.skip-link href="#main" { "Перейти к содержанию" }
                header.site-header {
                    div.brand { a href="/" { "Летопись" } span.subtitle { "РС НМС" } }
                    @if let Some((viewer, current)) = viewer {
                        nav aria-label="Разделы" {
                            ul {
                                @for (path, label) in sections(&viewer.principal.role) {
                                    li {
                                        @if path == current {
                                            a href=(path) aria-current="page" { (label) }
                                        } @else {
                                            a href=(path) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        div.account {
                            span.role { "Роль: " (crate::web::format::role(&viewer.principal.role)) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf_token" value=(viewer.csrf);
                                button type="submit" { "Выйти" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer.site-footer {
                    p { "Летопись — журнал событий региональной системы научно-методического сопровождения. "
                        "Все показатели вычисляются тем же кодом, что и API (" a href="/docs" { "/api/v1" } ")." }
                }
            }
        }
    }
}

/// An inline SVG, written by our own code (`web::chart`), never by a user.
pub fn svg(text: String) -> PreEscaped<String> {
    PreEscaped(text)
}
