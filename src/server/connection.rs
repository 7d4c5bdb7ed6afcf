//! The server's connections: the listener `serve` hands to axum, and the wrapper of each accepted
//! socket, which holds two rules no handler can see.
//!
//! - Every refusal is our JSON error shape. hyper refuses some requests before any handler runs
//!   (headers over its buffer or over 100 fields → 431, a target over its limit → 414, a request
//!   line or header it cannot parse → 400) with a bodiless response it writes itself and then
//!   closes the connection. hyper offers no hook for that response, so the wrapper recognises it
//!   on the way out (a status line of one of those codes with `content-length: 0` and no
//!   `content-type`: none of our responses looks so, since each of our refusals has a JSON
//!   body) and writes our `ApiError` body in its place.
//! - A connection that accepts no byte for `write_stall` while we have bytes to send is closed.
//!   A change-feed subscriber that never reads would otherwise hold its socket, its task and a
//!   chunk of events forever; closing it frees them, and the client resumes with `from=` its
//!   last SSE id + 1. An idle connection (nothing to send) is never cut by this.
//!
//! HTTP/2 refusals are frames, not responses: out of reach here (the server speaks HTTP/1.1 to
//! clients that do not ask for HTTP/2).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

use crate::server::error::ApiError;

/// How long a connection may refuse every byte we have for it before it is closed.
pub const WRITE_STALL_DEFAULT: Duration = Duration::from_secs(30);

/// A listener whose connections are `Guarded`.
pub struct GuardedListener {
    listener: TcpListener,
    write_stall: Duration,
}

impl GuardedListener {
    /// Guards every connection `listener` accepts, closing those stalled for `write_stall`.
    pub fn new(listener: TcpListener, write_stall: Duration) -> GuardedListener {
        GuardedListener { listener, write_stall }
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = Guarded;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Guarded, SocketAddr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, address)) => {
                    return (Guarded::new(stream, self.write_stall), address);
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of descriptors, say: wait for some connections to close, as axum's own
                    // listener does, rather than spin.
                    eprintln!("сервер не принял соединение: {error}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// An accepted socket with the two rules of this module.
pub struct Guarded {
    stream: TcpStream,
    write_stall: Duration,
    /// Armed when a write found the socket full; reset by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
    /// Our refusal written in place of hyper's, and how much of it is written.
    replacement: Vec<u8>,
    replacement_written: usize,
}

impl Guarded {
    fn new(stream: TcpStream, write_stall: Duration) -> Guarded {
        Guarded {
            stream,
            write_stall,
            stalled: None,
            replacement: Vec::new(),
            replacement_written: 0,
        }
    }

    /// Passes `polled` on, but turns a write that stayed pending for `write_stall` into an error.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let stall = self.write_stall;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client accepted no byte for {} s", stall.as_secs()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Writes what is left of our refusal, if any.
    fn drain_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rest) = self.replacement.get(self.replacement_written..) {
            if rest.is_empty() {
                break;
            }
            let polled = Pin::new(&mut self.stream).poll_write(cx, rest);
            let written = ready!(self.watch(cx, polled))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.replacement_written = self.replacement_written.saturating_add(written);
        }
        Poll::Ready(Ok(()))
    }

    /// If `head` is one of hyper's own refusals, queues ours in its place and says so.
    fn replaces(&mut self, head: &[u8]) -> bool {
        match refusal_in_place_of(head) {
            Some(response) => {
                self.replacement = response;
                self.replacement_written = 0;
                true
            }
            None => false,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain_replacement(cx))?;
        if this.replaces(buf) {
            // hyper is told its bytes went out; ours go out from the next poll on.
            return Poll::Ready(Ok(buf.len()));
        }
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain_replacement(cx))?;
        // hyper writes a response's head as the first slice, whole.
        if let Some(head) = bufs.iter().find(|slice| !slice.is_empty()) {
            if this.replaces(head) {
                return Poll::Ready(Ok(bufs.iter().map(|slice| slice.len()).sum()));
            }
        }
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain_replacement(cx))?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain_replacement(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

/// Our whole response in place of `head`, when `head` is a bodiless refusal hyper wrote itself
/// (see the module doc); None for anything else.
pub fn refusal_in_place_of(head: &[u8]) -> Option<Vec<u8>> {
    let error = match head.get(..13)? {
        b"HTTP/1.1 400 " => ApiError::Malformed("запрос HTTP не разобран".into()),
        b"HTTP/1.1 414 " => ApiError::UriTooLong,
        b"HTTP/1.1 431 " => ApiError::HeadersTooLarge,
        _ => return None,
    };
    let end = head.windows(4).position(|window| window == b"\r\n\r\n")?;
    let fields = String::from_utf8_lossy(head.get(..end)?).to_ascii_lowercase();
    let bodiless =
        fields.contains("\r\ncontent-length: 0") && !fields.contains("\r\ncontent-type:");
    if !bodiless || head.len() != end.saturating_add(4) {
        return None;
    }
    let (status, json) = error.status_and_json();
    let mut response = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        json.len()
    )
    .into_bytes();
    response.extend_from_slice(&json);
    Some(response)
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use crate::server::connection::refusal_in_place_of;

    fn check(head: &str, expected_code: Option<&str>) {
        let replaced =
            refusal_in_place_of(head.as_bytes()).map(|bytes| String::from_utf8(bytes).unwrap());
        match (replaced, expected_code) {
            (None, None) => {}
            (Some(response), Some(code)) => {
                assert!(response.contains(&format!("\"code\":\"{code}\"")), "{response}");
                assert!(response.contains("content-type: application/json"), "{response}");
            }
            (replaced, expected) => panic!("{head:?}: {replaced:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn hyper_refusals_are_replaced_and_ours_are_not() {
        let date = "date: Thu, 03 Dec 2026 13:00:00 GMT\r\n";
        check(
            &format!(
                "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n{date}\r\n"
            ),
            Some("headers_too_large"),
        );
        check(
            &format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{date}\r\n"),
            Some("malformed_request"),
        );
        check(
            &format!("HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n{date}\r\n"),
            Some("uri_too_long"),
        );
        // Ours: a JSON body follows the head.
        check(&format!("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 80\r\n{date}\r\n"), None);
        check("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", None);
        // A head with body bytes after it is not hyper's bodiless refusal.
        check("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nx", None);
        check("HTTP/1.1 4", None);
    }
}
