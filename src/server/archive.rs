//! `GET /api/v1/log`: the log archive (`proto_events::archive`) streamed as it is written, so an
//! auditor downloads the ledger and verifies it offline (`letopis log verify`) without trusting
//! this server: every byte is a stored record, and the chain either checks or names the seq.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use proto_events::Seq;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;

use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiQuery, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::AppState;

/// Bytes per streamed chunk.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks buffered between the writer thread and the connection.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Query of `GET /api/v1/log`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// First seq (inclusive), default 1; a later range chains onto the hash before it.
    #[param(minimum = 0, example = 1)]
    pub from: Option<u64>,
    /// Last seq (inclusive), default the head when the download starts.
    #[param(minimum = 0, example = 100)]
    pub to: Option<u64>,
}

/// The ledger (or a seq range of it) as a log archive (auditor, ministry): header, every stored
/// record byte for byte, and a trailer with the head it was cut at. Verify it offline with
/// `letopis log verify --archive <file> [--checkpoint SEQ:HASH]`.
#[utoipa::path(get, path = "/api/v1/log", params(LogQuery),
    responses((status = 200, description = "Log archive (ENCODING.md, \"Log archive\")", content_type = "application/octet-stream", body = crate::server::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn log(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Response, ApiError> {
    log_response(state, &principal, query)
}

/// The archive response of `log` for `principal`: the API's and the dashboard's download.
pub(crate) fn log_response(
    state: AppState,
    principal: &Principal,
    query: LogQuery,
) -> Result<Response, ApiError> {
    policy::check(principal, Action::Verify)?;
    let store = state.ledger.store().clone();
    // Checked before the body starts: after that, an error can only cut the archive short.
    let (from, to) =
        match crate::archive::bounds(&store, Seq(query.from.unwrap_or(1)), query.to.map(Seq)) {
            Ok((from, to)) => (from.0, to.0),
            Err(crate::archive::ArchiveWriteError::Range { from, to, head }) => {
                return Err(ApiError::InvalidParameter {
                    field: "from".into(),
                    value: from.to_string(),
                    rule: format!("диапазон {from}–{to} вне журнала (последнее событие №{head})"),
                })
            }
            Err(error) => return Err(ApiError::Internal(error.to_string())),
        };
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter { buffer: Vec::with_capacity(CHUNK_BYTES), sender };
        let result = crate::archive::write(&store, Seq(from), Some(Seq(to)), &mut out, 0, |_| {});
        if let Err(error) = result {
            // The client sees the body end with an error: the archive has no trailer and
            // `log verify` reports it cut short, never a silently shorter log.
            let _ = out.sender.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    let filename = format!("attachment; filename=\"letopis-{from}-{to}.log\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response())
}

/// Buffers the archive into chunks and hands them to the connection (blocking on a slow one).
struct ChunkWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk =
            Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES)));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}
