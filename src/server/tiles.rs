//! The log as C2SP tlog-tiles, read-only and without a token (ARCHITECTURE.md "Witnesses" says
//! why): `/checkpoint` (the latest signed note with every cosignature gathered),
//! `/tile/<L>/<N>[.p/<W>]` (hash tiles of height 8) and `/tile/entries/<N>[.p/<W>]` (entry
//! bundles: each leaf's data, the event's 32-byte stored hash, with its 16-bit big-endian
//! length). A generic tiles client fetches these and computes any proof itself; the paths are
//! `proto_events::tlog::tile`'s, the bytes the store's (`Store::tile`).
//!
//! A tile (full or partial) never changes once the tree has it, so it is served as immutable; a
//! tile the tree does not have yet is 404.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use proto_events::tlog::tile::{TileKind, TilePath};

use crate::server::error::{ApiError, ApiPath, ErrorBody};
use crate::server::proofs;
use crate::server::AppState;

/// The content type of tiles and entry bundles.
const TILE_CONTENT_TYPE: &str = "application/octet-stream";
/// A tile's caching: immutable (the specification asks for long-lived caching).
const TILE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The latest signed checkpoint with every witness cosignature gathered (C2SP tlog-tiles
/// `<prefix>/checkpoint`).
#[utoipa::path(get, path = "/checkpoint",
    responses((status = 200, description = "The signed note (C2SP tlog-checkpoint)", content_type = "text/plain", body = String),
        (status = 404, body = ErrorBody, description = "The log has signed no checkpoint yet")),
    tag = "transparency")]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    proofs::latest_note(&state).await
}

/// A hash tile: the 256 (or `W`) hashes of tree level `8·L` from index `N·256` (C2SP
/// tlog-tiles `<prefix>/tile/<L>/<N>[.p/<W>]`).
#[utoipa::path(get, path = "/tile/{level}/{index}",
    params(("level" = u8, Path, description = "Tile level L, 0 … 63"),
        ("index" = String, Path, description = "Tile index N in groups of three digits, all but the last prefixed x (x001/x234/067; the slashes are part of the path), then .p/<W> for a partial tile of W hashes")),
    responses((status = 200, description = "W × 32 bytes of hashes", content_type = "application/octet-stream"),
        (status = 400, body = ErrorBody, description = "Not a tile path"),
        (status = 404, body = ErrorBody, description = "The tree has no such tile yet")),
    tag = "transparency")]
pub async fn hashes(
    State(state): State<AppState>,
    ApiPath((level, index)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    serve_tile(state, &format!("{level}/{index}")).await
}

/// An entry bundle: the leaves' data from leaf `N·256`, each the event's 32-byte stored hash
/// after its length as 16-bit big-endian (C2SP tlog-tiles `<prefix>/tile/entries/<N>[.p/<W>]`).
#[utoipa::path(get, path = "/tile/entries/{index}",
    params(("index" = String, Path, description = "Bundle index N as in hash tiles, then .p/<W> for a partial bundle")),
    responses((status = 200, description = "W × 34 bytes: 0x0020 and the event's hash", content_type = "application/octet-stream"),
        (status = 400, body = ErrorBody, description = "Not a tile path"),
        (status = 404, body = ErrorBody, description = "The tree has no such bundle yet")),
    tag = "transparency")]
pub async fn entries(
    State(state): State<AppState>,
    ApiPath(index): ApiPath<String>,
) -> Result<Response, ApiError> {
    serve_tile(state, &format!("entries/{index}")).await
}

async fn serve_tile(state: AppState, path: &str) -> Result<Response, ApiError> {
    let tile = TilePath::parse(path).map_err(|error| ApiError::InvalidParameter {
        field: match error {
            proto_events::tlog::tile::TilePathError::BadLevel => "level".into(),
            _ => "index".into(),
        },
        value: path.to_string(),
        rule: error.to_string(),
    })?;
    let store = state.ledger.store().clone();
    let bytes = tokio::task::spawn_blocking(move || store.tile(tile))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))??;
    match bytes {
        Some(bytes) => Ok((
            [
                (header::CONTENT_TYPE, TILE_CONTENT_TYPE),
                (header::CACHE_CONTROL, TILE_CACHE_CONTROL),
            ],
            bytes,
        )
            .into_response()),
        None => Err(ApiError::NotFound(match tile.kind {
            TileKind::Hashes { .. } => format!("плитка дерева tile/{}", tile.to_path()),
            TileKind::Entries => format!("пакет записей tile/{}", tile.to_path()),
        })),
    }
}
