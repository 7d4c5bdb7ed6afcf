//! The witness's HTTP interface (axum), its own small router beside the API's: `POST
//! /add-checkpoint` of C2SP tlog-witness. Bodies are the protocol's: cosignature lines on
//! success, the cosigned size as `text/x.tlog.size` on an old-size conflict; other refusals
//! carry a Russian sentence for the operator who reads the log's side.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use proto_events::tlog::note::NOTE_BYTES_MAX;

use crate::witness::request::PROOF_LINES_MAX;
use crate::witness::{Refusal, Witness};

/// Largest request body: the note and the proof lines (45 bytes each with the newline).
pub const BODY_BYTES_MAX: usize = NOTE_BYTES_MAX + 64 + PROOF_LINES_MAX * 45;
/// The content type of the 409 body that tells the client the size last cosigned.
pub const TLOG_SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";
const TEXT: &str = "text/plain; charset=utf-8";

/// The router of a witness.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body)).await;
    match answer {
        Ok(Ok(lines)) => (StatusCode::OK, [(header::CONTENT_TYPE, TEXT)], lines).into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(error) => Refusal::Internal(anyhow::anyhow!("the add-checkpoint task failed: {error}"))
            .into_response(),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = match &self {
            Refusal::Malformed(_) | Refusal::BadCheckpoint(_) | Refusal::OldBeyondSize { .. } => {
                StatusCode::BAD_REQUEST
            }
            Refusal::UnknownOrigin(_) => StatusCode::NOT_FOUND,
            Refusal::BadSignature(_) => StatusCode::FORBIDDEN,
            Refusal::OldSizeMismatch { known } => {
                let body = format!("{known}\n");
                return (
                    StatusCode::CONFLICT,
                    [(header::CONTENT_TYPE, TLOG_SIZE_CONTENT_TYPE)],
                    body,
                )
                    .into_response();
            }
            Refusal::SplitView { .. } => StatusCode::CONFLICT,
            Refusal::BadProof(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Internal(error) => {
                eprintln!("свидетель: внутренняя ошибка: {error:#}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, [(header::CONTENT_TYPE, TEXT)], format!("{self}\n")).into_response()
    }
}
