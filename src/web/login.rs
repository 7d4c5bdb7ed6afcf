//! Sign-in with an API token and sign-out. `GET /login` is the form (field `token`, hidden
//! `csrf_token`); `POST /login` checks the form token and that the request did not come from
//! another site (`Sec-Fetch-Site`, else `Origin` against `Host`), authenticates the token through
//! the API's own path, opens a session (`web::session`) and answers 303 with the session cookie
//! (HttpOnly, SameSite=Strict, Path=/, and `Secure` when a TLS proxy says the browser came over
//! TLS: `session::over_tls`). `POST /logout` with the session's CSRF token ends it.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use crate::server::AppState;
use crate::web::page::{shell, PageError};
use crate::web::session::{cleared_cookie, csrf_matches, over_tls, session_cookie, Viewer};

/// Longest token accepted in the form, bytes (a token is `lt_` and 64 hex digits).
const TOKEN_BYTES_MAX: usize = 256;

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// The API token.
    #[serde(default)]
    pub token: String,
    /// The form's CSRF token.
    #[serde(default)]
    pub csrf_token: String,
}

/// The sign-out form's field.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf_token: String,
}

/// `GET /login`: the sign-in form.
pub async fn form(State(state): State<AppState>) -> Result<Response, PageError> {
    login_page(&state, StatusCode::OK, None)
}

/// `POST /login`: a session for a known token, else the form again with the reason.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    if cross_site(&headers) {
        return Err(PageError::Csrf);
    }
    let Ok(Form(form)) = form else {
        return login_page(&state, StatusCode::BAD_REQUEST, Some("Форма входа не разобрана."));
    };
    let now = state.clock.now();
    if !state.sessions.login_token_valid(&form.csrf_token, now)? {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            Some("Форма входа устарела: введите токен ещё раз."),
        );
    }
    let secret = form.token.trim();
    let principal = if secret.len() > TOKEN_BYTES_MAX {
        None
    } else {
        state.tokens.authenticate(state.ledger.store(), secret)?
    };
    if principal.is_none() {
        return login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("Токен не подошёл: проверьте, что он скопирован целиком и не отозван."),
        );
    }
    let id = state.sessions.open(secret, now)?;
    let mut response = Redirect::to("/").into_response();
    let cookie = session_cookie(&id, over_tls(&headers))
        .parse()
        .map_err(|_| PageError::Internal("cookie".into()))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /logout`: ends the session (with the session's CSRF token) and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(form)) = form else { return Err(PageError::Csrf) };
    if !csrf_matches(&viewer, &form.csrf_token) {
        return Err(PageError::Csrf);
    }
    state.sessions.close(&viewer.session);
    let mut response = Redirect::to("/login").into_response();
    let cookie = cleared_cookie(over_tls(&headers))
        .parse()
        .map_err(|_| PageError::Internal("cookie".into()))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Whether the browser says the request came from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok());
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    match (origin, host) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin_host != host
        }
        _ => false,
    }
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    problem: Option<&str>,
) -> Result<Response, PageError> {
    let csrf = state.sessions.login_token(state.clock.now())?;
    let body = html! {
        h1 { "Вход" }
        p { "Войдите с токеном доступа к API, который выдал администратор Летописи "
            "(" code { "letopis token create" } "). Токен хранится только на время сеанса в памяти сервера." }
        @if let Some(problem) = problem {
            div.error-summary role="alert" aria-labelledby="error-title" {
                h2 #error-title { "Не удалось войти" }
                p { (problem) }
            }
        }
        form.login method="post" action="/login" {
            input type="hidden" name="csrf_token" value=(csrf);
            div.field {
                label for="token" { "Токен доступа" }
                p.hint #token-hint { "Начинается с «lt_»." }
                input #token type="password" name="token" autocomplete="off" required
                    aria-describedby="token-hint" spellcheck="false";
            }
            button type="submit" { "Войти" }
        }
    };
    let headers = [(header::CACHE_CONTROL, "no-store")];
    Ok((status, headers, shell("Вход", None, body)).into_response())
}
