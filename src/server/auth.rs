//! Bearer tokens: creating, listing and revoking tokens, and turning an
//! `Authorization` header into a `Principal` that handlers check against (its role is `access::Role`, the one role type).
//!
//! Only `blake3(token)` is stored (the store's room `store::Tokens`, outside the hash chain): the
//! secret itself is printed once and never kept; a record is kept there as JSON. The token id is
//! pseudonymous and becomes the actor id of every event written with the token.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use proto_events::Actor;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

pub use crate::access::Role;
use crate::server::error::ApiError;
use crate::server::AppState;
use crate::store::{Clock, Store, StoreError, SystemClock};

/// Prefix of every token, so that leaked secrets are recognisable by scanners.
pub const TOKEN_PREFIX: &str = "lt_";
/// Random bytes in a token.
const TOKEN_RANDOM_BYTES: usize = 32;
/// Longest `Authorization` value we look at, bytes.
const AUTHORIZATION_BYTES_MAX: usize = 256;
/// Verified tokens kept in memory per server; the cache is emptied when it is full.
const TOKEN_CACHE_ENTRIES_MAX: usize = 4096;

/// Bumped by every change of the tokens room in this process (create, revoke), so a server's
/// cache of verified tokens never outlives a revocation. The store locks its directory, so no
/// other process changes the room while a server has it open.
static TOKENS_GENERATION: AtomicU64 = AtomicU64::new(0);

/// Tokens already verified against the tokens room, by `blake3(secret)`: a request then costs
/// one hash and a map lookup instead of a store read and a JSON decode.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: RwLock<(u64, BTreeMap<[u8; 32], Principal>)>,
}

impl TokenCache {
    /// The principal of a presented secret, from the cache or the store.
    pub fn authenticate(
        &self,
        store: &Store,
        secret: &str,
    ) -> Result<Option<Principal>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let key = *blake3::hash(secret.as_bytes()).as_bytes();
        let generation = TOKENS_GENERATION.load(Ordering::Acquire);
        if let Ok(entries) = self.entries.read() {
            if entries.0 == generation {
                if let Some(principal) = entries.1.get(&key) {
                    return Ok(Some(principal.clone()));
                }
            }
        }
        let found = authenticate(store, secret)?;
        if let (Some(principal), Ok(mut entries)) = (&found, self.entries.write()) {
            if entries.0 != generation || entries.1.len() >= TOKEN_CACHE_ENTRIES_MAX {
                entries.1.clear();
                entries.0 = generation;
            }
            entries.1.insert(key, principal.clone());
        }
        Ok(found)
    }
}

/// What is stored per token (under the key `blake3(token)`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Pseudonymous token id: the actor id of events written with it.
    pub id: String,
    /// Role and scope.
    pub role: Role,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// blake3 of the secret, hex (compared in constant time on every request).
    pub hash: String,
}

/// The caller of a request, as its token says.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Token id.
    pub token_id: String,
    /// Role and scope.
    pub role: Role,
}

impl Principal {
    /// The actor written into events.
    pub fn actor(&self) -> Actor {
        Actor { role: self.role.actor_role(), id: self.token_id.clone() }
    }
}

/// Creates a token for `role`; returns the secret (shown once) and its record.
pub fn create_token(store: &Store, role: Role) -> Result<(String, TokenRecord), StoreError> {
    let random = random_bytes::<TOKEN_RANDOM_BYTES>()?;
    let secret = format!("{TOKEN_PREFIX}{}", hex::encode(random));
    let id_bytes = random_bytes::<8>()?;
    let hash = blake3::hash(secret.as_bytes());
    let record = TokenRecord {
        id: format!("tok-{}", hex::encode(id_bytes)),
        role,
        // The one clock of the binary (`store::SystemClock`), like every other time we write.
        created_at: SystemClock
            .now()
            .to_datetime()
            .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        hash: hash.to_hex().to_string(),
    };
    let value = serde_json::to_vec(&record).map_err(|e| StoreError::Storage(e.to_string()))?;
    store.tokens()?.put(hash.as_bytes(), &value)?;
    TOKENS_GENERATION.fetch_add(1, Ordering::AcqRel);
    Ok((secret, record))
}

/// Every token record (never the secrets), in key order.
pub fn list_tokens(store: &Store) -> Result<Vec<TokenRecord>, StoreError> {
    let mut out = Vec::new();
    for value in store.tokens()?.records()? {
        out.push(decode_record(&value)?);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Revokes the token with this id; false when there is none.
pub fn revoke_token(store: &Store, id: &str) -> Result<bool, StoreError> {
    let removed = store
        .tokens()?
        .remove_where(|value| decode_record(value).is_ok_and(|record| record.id == id))?;
    TOKENS_GENERATION.fetch_add(1, Ordering::AcqRel);
    Ok(removed > 0)
}

/// Looks a presented secret up; None when unknown.
pub fn authenticate(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let hash = blake3::hash(secret.as_bytes());
    let Some(value) = store.tokens()?.get(hash.as_bytes())? else {
        return Ok(None);
    };
    let record = decode_record(&value)?;
    // The key lookup found it; compare the stored hash in constant time all the same, so a
    // corrupted or hand-edited entry can never authenticate another secret.
    let stored = hex::decode(&record.hash).unwrap_or_default();
    if !bool::from(stored.as_slice().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    Ok(Some(Principal { token_id: record.id, role: record.role }))
}

/// A stored token record, as `create_token` wrote it.
fn decode_record(value: &[u8]) -> Result<TokenRecord, StoreError> {
    serde_json::from_slice(value)
        .map_err(|_| StoreError::BadIndex { what: "токены доступа" })
}

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .map_err(|error| StoreError::Storage(format!("чтение /dev/urandom: {error}")))?;
    Ok(bytes)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header =
            parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(ApiError::Unauthorized)?;
        if header.len() > AUTHORIZATION_BYTES_MAX {
            return Err(ApiError::Unauthorized);
        }
        let text = header.to_str().map_err(|_| ApiError::Unauthorized)?;
        let secret = text.strip_prefix("Bearer ").ok_or(ApiError::Unauthorized)?.trim();
        state.tokens.authenticate(state.ledger.store(), secret)?.ok_or(ApiError::Unauthorized)
    }
}
