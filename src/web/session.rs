//! Dashboard sessions: a signed-in browser holds a random session id in a cookie; the server
//! keeps, in memory only, the token it was opened with, its CSRF token and its times.
//!
//! Sessions are not written anywhere: a restart signs everyone out, and nothing about them
//! outlives the process. Every request re-authenticates the session's token through the API's
//! own path (`server::auth::TokenCache`), so a revoked token ends its sessions at their next
//! request; a session also ends after `SESSION_IDLE_MICROS` without a request and
//! `SESSION_LIFETIME_MICROS` after sign-in, whichever comes first.
//!
//! The sign-in form carries its own CSRF token (`login_token`): a keyed BLAKE3 MAC of the minute
//! it was issued, with a key drawn at the first sign-in form, valid `LOGIN_TOKEN_MINUTES_MAX`.
//! It needs no cookie before sign-in; what stops a cross-site sign-in is the browser's
//! `Sec-Fetch-Site`/`Origin` (checked by `web::login`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use proto_events::Timestamp;
use subtle::ConstantTimeEq;

use crate::server::auth::Principal;
use crate::server::documents::PlanForm;
use crate::server::AppState;
use crate::web::page::PageError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "letopis_session";
/// A session ends after this long without a request: 30 minutes.
pub const SESSION_IDLE_MICROS: i64 = 30 * 60 * 1_000_000;
/// A session ends this long after sign-in, however busy: 8 hours, a working day.
pub const SESSION_LIFETIME_MICROS: i64 = 8 * 60 * 60 * 1_000_000;
/// Sessions kept at once; past it, the least recently used one is ended.
pub const SESSIONS_MAX: usize = 10_000;
/// A sign-in form is accepted this long after it was served.
pub const LOGIN_TOKEN_MINUTES_MAX: i64 = 120;
/// Plan uploads kept for their confirmation at once (each up to the upload limit, 16 MiB);
/// past it the oldest is dropped and its confirmation asks for the file again.
pub const PENDING_UPLOADS_MAX: usize = 8;
/// A kept upload is confirmed within this long, or dropped: 30 minutes, the idle limit.
pub const PENDING_UPLOAD_MICROS: i64 = SESSION_IDLE_MICROS;
/// Random bytes of a session id and of a CSRF token.
const SESSION_RANDOM_BYTES: usize = 32;
/// Longest cookie header looked at, bytes.
const COOKIE_BYTES_MAX: usize = 4096;

/// Every open session, by id.
#[derive(Default)]
pub struct Sessions {
    entries: Mutex<BTreeMap<String, Session>>,
    login_key: Mutex<Option<[u8; 32]>>,
    /// Plan uploads previewed and waiting for their confirmation, oldest first.
    pending: Mutex<Vec<PendingUpload>>,
}

/// A plan upload whose dry run was shown, kept for the session that sent it until confirmed.
struct PendingUpload {
    session: String,
    /// Random: the confirmation form names it.
    key: String,
    kept_at: Timestamp,
    form: PlanForm,
}

/// One signed-in browser.
#[derive(Clone)]
struct Session {
    /// The API token it signed in with (checked again on every request).
    secret: String,
    /// The token every form of the session carries.
    csrf: String,
    signed_in: Timestamp,
    last_seen: Timestamp,
}

/// The signed-in caller of a dashboard page.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Who the token says it is: the API's principal, checked by the API's rules.
    pub principal: Principal,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// The session id (to end it).
    pub session: String,
}

impl Sessions {
    /// Opens a session for a token already authenticated; returns its id.
    pub fn open(&self, secret: &str, now: Timestamp) -> Result<String, PageError> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        let mut entries = self.lock();
        entries.retain(|_, session| alive(session, now));
        if entries.len() >= SESSIONS_MAX {
            let oldest = entries
                .iter()
                .min_by_key(|(_, session)| session.last_seen.micros())
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        let session = Session { secret: secret.to_string(), csrf, signed_in: now, last_seen: now };
        entries.insert(id.clone(), session);
        Ok(id)
    }

    /// Ends a session (sign-out, a revoked token), dropping its kept upload.
    pub fn close(&self, id: &str) {
        self.lock().remove(id);
        self.lock_pending().retain(|pending| pending.session != id);
    }

    /// Keeps a previewed upload for `session` (its earlier one is dropped); returns the key the
    /// confirmation form carries.
    pub(crate) fn keep_upload(
        &self,
        session: &str,
        form: PlanForm,
        now: Timestamp,
    ) -> Result<String, PageError> {
        let key = random_hex()?;
        let mut pending = self.lock_pending();
        pending.retain(|kept| kept.session != session && fresh(kept, now));
        if pending.len() >= PENDING_UPLOADS_MAX {
            pending.remove(0);
        }
        pending.push(PendingUpload {
            session: session.to_string(),
            key: key.clone(),
            kept_at: now,
            form,
        });
        Ok(key)
    }

    /// Takes the upload `key` kept for `session`, if it is still there.
    pub(crate) fn take_upload(&self, session: &str, key: &str, now: Timestamp) -> Option<PlanForm> {
        let mut pending = self.lock_pending();
        pending.retain(|kept| fresh(kept, now));
        let index = pending.iter().position(|kept| {
            kept.session == session && bool::from(kept.key.as_bytes().ct_eq(key.as_bytes()))
        })?;
        Some(pending.remove(index).form)
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<PendingUpload>> {
        match self.pending.lock() {
            Ok(pending) => pending,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The number of open sessions (tests, metrics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The token and CSRF token of a live session, touching it; an expired one is ended.
    fn touch(&self, id: &str, now: Timestamp) -> Option<(String, String)> {
        let mut entries = self.lock();
        let session = entries.get_mut(id)?;
        if !alive(session, now) {
            entries.remove(id);
            return None;
        }
        session.last_seen = now;
        Some((session.secret.clone(), session.csrf.clone()))
    }

    /// A fresh CSRF token of the sign-in form, for the minute `now`.
    pub fn login_token(&self, now: Timestamp) -> Result<String, PageError> {
        let minute = now.micros().div_euclid(60_000_000);
        Ok(format!("{minute}.{}", self.login_mac(minute)?))
    }

    /// Whether `token` is a sign-in form token issued less than `LOGIN_TOKEN_MINUTES_MAX` ago.
    pub fn login_token_valid(&self, token: &str, now: Timestamp) -> Result<bool, PageError> {
        let Some((minute, mac)) = token.split_once('.') else { return Ok(false) };
        let Ok(minute) = minute.parse::<i64>() else { return Ok(false) };
        let age = now.micros().div_euclid(60_000_000).saturating_sub(minute);
        if !(0..=LOGIN_TOKEN_MINUTES_MAX).contains(&age) {
            return Ok(false);
        }
        Ok(bool::from(self.login_mac(minute)?.as_bytes().ct_eq(mac.as_bytes())))
    }

    fn login_mac(&self, minute: i64) -> Result<String, PageError> {
        let mut slot = match self.login_key.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = match *slot {
            Some(key) => key,
            None => {
                let key = random_bytes()?;
                *slot = Some(key);
                key
            }
        };
        let mut input = b"letopis login form ".to_vec();
        input.extend_from_slice(&minute.to_be_bytes());
        Ok(blake3::keyed_hash(&key, &input).to_hex().to_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Session>> {
        match self.entries.lock() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Whether `presented` is the session's CSRF token (constant time).
pub fn csrf_matches(viewer: &Viewer, presented: &str) -> bool {
    bool::from(viewer.csrf.as_bytes().ct_eq(presented.as_bytes()))
}

/// The `Set-Cookie` value of a new session; `Secure` when the browser reached us over TLS.
pub fn session_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

/// Whether the browser reached us over TLS. `letopis serve` speaks plain HTTP only, so TLS is a
/// reverse proxy's, which says so in `X-Forwarded-Proto: https` (or `Forwarded: proto=https`,
/// RFC 7239). The header is trusted without a list of proxies because all it can do is add
/// `Secure`: a client that forges it over plain HTTP only keeps its own browser from sending
/// the cookie back. Behind a proxy that sends neither header the cookie has no `Secure`.
pub fn over_tls(headers: &header::HeaderMap) -> bool {
    let forwarded_proto = headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split([',', ';']))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name.trim().eq_ignore_ascii_case("proto")
                && value.trim().trim_matches('"').eq_ignore_ascii_case("https")
        });
    forwarded_proto || forwarded
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let id = session_id(parts).ok_or(PageError::SignIn)?;
        let now = state.clock.now();
        let (secret, csrf) = state.sessions.touch(&id, now).ok_or(PageError::SignIn)?;
        // The API's own check of the token, so a revoked token ends the session here.
        let principal = state.tokens.authenticate(state.ledger.store(), &secret)?;
        let Some(principal) = principal else {
            state.sessions.close(&id);
            return Err(PageError::SignIn);
        };
        Ok(Viewer { principal, csrf, session: id })
    }
}

/// The session id of the request's cookie, if it has one of the right shape.
fn session_id(parts: &Parts) -> Option<String> {
    for value in parts.headers.get_all(header::COOKIE) {
        if value.len() > COOKIE_BYTES_MAX {
            continue;
        }
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, id)) = pair.trim().split_once('=') {
                let shaped = id.len() == SESSION_RANDOM_BYTES * 2
                    && id.bytes().all(|byte| byte.is_ascii_hexdigit());
                if name == SESSION_COOKIE && shaped {
                    return Some(id.to_string());
                }
            }
        }
    }
    None
}

fn fresh(kept: &PendingUpload, now: Timestamp) -> bool {
    now.micros().saturating_sub(kept.kept_at.micros()) < PENDING_UPLOAD_MICROS
}

fn alive(session: &Session, now: Timestamp) -> bool {
    let idle = now.micros().saturating_sub(session.last_seen.micros());
    let age = now.micros().saturating_sub(session.signed_in.micros());
    idle < SESSION_IDLE_MICROS && age < SESSION_LIFETIME_MICROS
}

fn random_bytes() -> Result<[u8; SESSION_RANDOM_BYTES], PageError> {
    let mut bytes = [0u8; SESSION_RANDOM_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| PageError::Internal(format!("случайные байты сеанса: {error}")))?;
    Ok(bytes)
}

fn random_hex() -> Result<String, PageError> {
    Ok(hex::encode(random_bytes()?))
}

#[cfg(test)]
mod tests {
    use proto_events::Timestamp;

    use crate::web::session::{Sessions, SESSION_IDLE_MICROS, SESSION_LIFETIME_MICROS};

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_micros(1_736_935_200_000_000 + micros)
    }

    #[test]
    fn a_session_ends_when_idle_and_at_its_lifetime() {
        let sessions = Sessions::default();
        let id = sessions.open("lt_x", at(0)).unwrap();
        assert!(sessions.touch(&id, at(SESSION_IDLE_MICROS - 1)).is_some());
        assert!(sessions.touch(&id, at(2 * SESSION_IDLE_MICROS - 2)).is_some());
        assert!(sessions.touch(&id, at(3 * SESSION_IDLE_MICROS)).is_none(), "idle");
        let busy = sessions.open("lt_x", at(0)).unwrap();
        let mut now = 0;
        while now + SESSION_IDLE_MICROS / 2 < SESSION_LIFETIME_MICROS {
            now += SESSION_IDLE_MICROS / 2;
            assert!(sessions.touch(&busy, at(now)).is_some());
        }
        assert!(sessions.touch(&busy, at(SESSION_LIFETIME_MICROS)).is_none(), "lifetime");
        assert!(sessions.is_empty());
    }

    #[test]
    fn the_cookie_is_secure_when_a_proxy_says_the_browser_came_over_tls() {
        use axum::http::{HeaderMap, HeaderValue};

        use crate::web::session::{over_tls, session_cookie};

        let with = |name: &'static str, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            over_tls(&headers)
        };
        assert!(!over_tls(&HeaderMap::new()));
        assert!(with("x-forwarded-proto", "https"));
        assert!(with("x-forwarded-proto", "HTTPS, http"));
        assert!(!with("x-forwarded-proto", "http"));
        assert!(with("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"));
        assert!(with("forwarded", "proto=\"https\""));
        assert!(!with("forwarded", "for=192.0.2.60;proto=http"));
        assert!(session_cookie("ab", true).ends_with("; Path=/; Secure"));
        assert!(!session_cookie("ab", false).contains("Secure"));
    }

    #[test]
    fn a_login_form_token_is_accepted_for_two_hours_and_only_as_issued() {
        let sessions = Sessions::default();
        let token = sessions.login_token(at(0)).unwrap();
        assert!(sessions.login_token_valid(&token, at(60 * 60 * 1_000_000)).unwrap());
        assert!(!sessions.login_token_valid(&token, at(3 * 60 * 60 * 1_000_000)).unwrap());
        let forged = format!("{}0", &token[..token.len() - 1]);
        assert!(!sessions.login_token_valid(&forged, at(0)).unwrap() || forged == token);
        assert!(!sessions.login_token_valid("garbage", at(0)).unwrap());
        assert!(!Sessions::default().login_token_valid(&token, at(0)).unwrap(), "another key");
    }
}
