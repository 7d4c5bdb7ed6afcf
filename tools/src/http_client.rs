//! A minimal HTTP/1.1 client with keep-alive connections, for loopback benchmarks: a blocking
//! `Connection`, and `exchange` for many connections on one async thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use anyhow::{bail, Context};

/// Largest response body read, bytes (a region's plans run to megabytes).
const RESPONSE_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Bytes read per socket read.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// The bytes of one request.
pub fn request(method: &str, path: &str, host: SocketAddr, token: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` on a keep-alive connection and reads the whole response (into `buffer`);
/// returns its status.
pub async fn exchange(
    stream: &tokio::net::TcpStream,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> anyhow::Result<u16> {
    let mut written = 0;
    while written < request.len() {
        stream.writable().await?;
        match stream.try_write(request.get(written..).unwrap_or_default()) {
            Ok(count) => written += count,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
    }
    buffer.clear();
    let mut chunk = [0u8; READ_CHUNK_BYTES];
    loop {
        if let Some((status, length)) = parse_head(buffer)? {
            if buffer.len() >= length {
                return Ok(status);
            }
        }
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(0) => bail!("connection closed mid-response"),
            Ok(count) => buffer.extend_from_slice(chunk.get(..count).unwrap_or_default()),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// The status and the whole response's length, once the head is in `buffer`.
fn parse_head(buffer: &[u8]) -> anyhow::Result<Option<(u16, usize)>> {
    let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(buffer.get(..end).unwrap_or_default())?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("bad response head {head:?}"))?;
    let mut length = 0usize;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse()?;
            }
        }
    }
    if length > RESPONSE_BYTES_MAX {
        bail!("response of {length} bytes");
    }
    Ok(Some((status, end + 4 + length)))
}

pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: SocketAddr,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let writer = TcpStream::connect(addr).with_context(|| format!("connecting {addr}"))?;
        writer.set_nodelay(true)?;
        let reader = BufReader::new(writer.try_clone()?);
        Ok(Connection { reader, writer, host: addr })
    }

    /// GETs `path`; returns the status and the body's length after reading it all.
    pub fn get(&mut self, path: &str, token: &str) -> anyhow::Result<(u16, usize)> {
        self.get_with(path, &format!("Authorization: Bearer {token}"))
    }

    /// GETs `path` with one more header (`Name: value`, e.g. a dashboard session's `Cookie`);
    /// returns the status and the body's length after reading it all.
    pub fn get_with(&mut self, path: &str, header: &str) -> anyhow::Result<(u16, usize)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{header}\r\n\r\n", self.host);
        self.writer.write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                bail!("connection closed in headers");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse()?;
                }
            }
        }
        if length > RESPONSE_BYTES_MAX {
            bail!("response of {length} bytes");
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, length))
    }
}
