//! The log's side of witnessing (issue #13, C2SP tlog-witness): `letopis serve
//! --checkpoint-every <s> --witness <url>=<verifier key>` signs a checkpoint of the head when it
//! moved (`checkpoint::sign_head`), pushes the latest checkpoint to each witness with
//! `add-checkpoint` (the size the witness cosigned last and the consistency proof from it),
//! verifies each cosignature it gets back against the witness's verifier key and keeps it beside
//! the note (`store::Checkpoints::add_cosignature`), so `/checkpoint` serves the note with every
//! cosignature gathered.
//!
//! The size a witness cosigned last is learned, not configured: the first push claims the size
//! this process last saw it cosign (0 at start), and a witness that knows better answers 409 with
//! its size (`text/x.tlog.size`), from which the push is retried once. A witness that is down or
//! refuses is reported in the log and retried at the next tick; the log itself never waits on one.
//!
//! Plain HTTP only (a witness on the same network, or behind a local TLS proxy): a TLS client
//! would bring a TLS stack into the server for this one request.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use proto_events::tlog::cosignature::{self, CosignatureVerifier};
use proto_events::tlog::note::{self, NoteSigner, NOTE_BYTES_MAX};

use crate::checkpoint::sign_head;
use crate::store::Store;

/// How long one `add-checkpoint` exchange may take, connecting included.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from a witness (cosignature lines are ~100 bytes each).
const ANSWER_BYTES_MAX: usize = 64 * 1024;
/// Pushes of one checkpoint to one witness per tick: the first, and the retry from the size a
/// 409 names.
const PUSH_ATTEMPTS_MAX: usize = 2;

/// A witness the log pushes its checkpoints to.
#[derive(Clone, Debug)]
pub struct WitnessTarget {
    /// `host:port`.
    authority: String,
    /// The path of `add-checkpoint` (the URL's path, then `/add-checkpoint`).
    path: String,
    /// The witness's verifier key.
    verifier: CosignatureVerifier,
    /// The size it cosigned last, as far as this process saw.
    cosigned: u64,
}

impl WitnessTarget {
    /// Parses `http://host:port[/prefix]=<verifier key line>`.
    pub fn parse(text: &str) -> anyhow::Result<WitnessTarget> {
        let (url, key) = text
            .split_once('=')
            .context("свидетель задаётся как <адрес>=<ключ проверки>, например http://127.0.0.1:7380=witness.example+1a2b3c4d+BA…")?;
        let rest = url.strip_prefix("http://").with_context(|| {
            format!("адрес свидетеля {url:?}: поддерживается только http:// (https — через местный прокси TLS)")
        })?;
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() || authority.contains(char::is_whitespace) {
            bail!("адрес свидетеля {url:?}: нет узла");
        }
        let prefix = prefix.trim_end_matches('/');
        let path = if prefix.is_empty() {
            "/add-checkpoint".to_string()
        } else {
            format!("/{prefix}/add-checkpoint")
        };
        let verifier = CosignatureVerifier::parse(key.trim())
            .map_err(|error| anyhow::anyhow!("ключ проверки свидетеля {url:?}: {error}"))?;
        Ok(WitnessTarget { authority: authority.to_string(), path, verifier, cosigned: 0 })
    }

    /// The witness's name and address, as the log names it.
    pub fn describe(&self) -> String {
        format!("{} (http://{}{})", self.verifier.name(), self.authority, self.path)
    }
}

/// What one tick did with one witness.
#[derive(Debug)]
pub enum PushOutcome {
    /// The witness cosigned this size (newly, or earlier in this process).
    Cosigned(u64),
    /// The push failed: why.
    Failed(String),
}

/// Signs the head if it moved (when there is a signer), then pushes the latest checkpoint to
/// every witness that has not cosigned it; one outcome per witness (none when nothing is signed).
pub async fn tick(
    store: &Store,
    signer: &Arc<NoteSigner>,
    witnesses: &mut [WitnessTarget],
) -> anyhow::Result<Vec<PushOutcome>> {
    let (size, note) = {
        let store = store.clone();
        let signer = Arc::clone(signer);
        tokio::task::spawn_blocking(move || sign_head(&store, &signer))
            .await
            .context("подпись контрольной точки прервана")??
    };
    if size == 0 {
        // An empty log: nothing for a witness to vouch for.
        return Ok(Vec::new());
    }
    let pushes = witnesses.iter_mut().map(|witness| {
        let note = note.clone();
        async move {
            if witness.cosigned == size {
                return PushOutcome::Cosigned(size);
            }
            match push(store, signer, witness, size, &note).await {
                Ok(()) => PushOutcome::Cosigned(size),
                Err(error) => PushOutcome::Failed(format!("{error:#}")),
            }
        }
    });
    Ok(futures_util::future::join_all(pushes).await)
}

/// Runs `tick` every `every` until the process ends, writing to stderr what each witness did
/// whenever that changed (a witness down at every tick is reported once until it answers).
pub async fn run(
    store: Store,
    signer: NoteSigner,
    mut witnesses: Vec<WitnessTarget>,
    every: Duration,
) {
    let signer = Arc::new(signer);
    let mut reported: Vec<Option<String>> = vec![None; witnesses.len()];
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let outcomes = match tick(&store, &signer, &mut witnesses).await {
            Ok(outcomes) => outcomes,
            Err(error) => {
                eprintln!("контрольная точка не подписана: {error:#}");
                continue;
            }
        };
        for ((witness, outcome), last) in witnesses.iter().zip(outcomes).zip(reported.iter_mut()) {
            let line = match outcome {
                PushOutcome::Cosigned(size) => {
                    format!(
                        "свидетель {} заверил контрольную точку размера {size}",
                        witness.describe()
                    )
                }
                PushOutcome::Failed(reason) => format!(
                    "свидетель {} не заверил контрольную точку: {reason}; журнал работает дальше, \
                     повтор через {} с",
                    witness.describe(),
                    every.as_secs()
                ),
            };
            if last.as_deref() != Some(line.as_str()) {
                eprintln!("{line}");
                *last = Some(line);
            }
        }
    }
}

/// Pushes the checkpoint `note` of `size` to one witness; keeps its verified cosignature.
async fn push(
    store: &Store,
    signer: &NoteSigner,
    witness: &mut WitnessTarget,
    size: u64,
    note: &[u8],
) -> anyhow::Result<()> {
    let mut old = witness.cosigned;
    for _ in 0..PUSH_ATTEMPTS_MAX {
        if old > size {
            bail!("свидетель заверил размер {old}, больше нашего {size}: журнал откатился или это чужой журнал");
        }
        let proof = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.consistency_proof(old, size))
                .await
                .context("доказательство согласованности прервано")??
        };
        let mut body = format!("old {old}\n").into_bytes();
        for hash in &proof.hashes {
            body.extend_from_slice(format!("{}\n", hash.to_base64()).as_bytes());
        }
        body.push(b'\n');
        body.extend_from_slice(note);
        let answer = tokio::time::timeout(PUSH_TIMEOUT, post(witness, &body))
            .await
            .context("свидетель не ответил вовремя")??;
        match answer.status {
            200 => {
                keep_cosignature(store, signer, witness, size, note, &answer.body).await?;
                witness.cosigned = size;
                return Ok(());
            }
            409 if answer.content_type.starts_with("text/x.tlog.size") => {
                let text = String::from_utf8_lossy(&answer.body);
                old = text.trim().parse().with_context(|| {
                    format!("свидетель ответил 409 с размером {:?}", text.trim())
                })?;
            }
            status => bail!(
                "свидетель ответил {status}: {}",
                String::from_utf8_lossy(&answer.body).trim()
            ),
        }
    }
    bail!("свидетель дважды назвал другой размер")
}

/// Verifies the witness's answer (its cosignature line(s) of `note`) and keeps its line.
async fn keep_cosignature(
    store: &Store,
    signer: &NoteSigner,
    witness: &WitnessTarget,
    size: u64,
    note: &[u8],
    answer: &[u8],
) -> anyhow::Result<()> {
    let mut cosigned = note.to_vec();
    cosigned.extend_from_slice(answer);
    if cosigned.len() > NOTE_BYTES_MAX {
        bail!("ответ свидетеля слишком велик");
    }
    let opened = note::open(&cosigned, &[signer.verifier()])
        .map_err(|error| anyhow::anyhow!("ответ свидетеля не разобран: {error}"))?;
    let verified = cosignature::verify_lines(
        &opened.text,
        &opened.unknown,
        std::slice::from_ref(&witness.verifier),
    )
    .map_err(|error| anyhow::anyhow!("подпись свидетеля не подтверждена: {error}"))?;
    if verified.is_empty() {
        bail!("в ответе свидетеля нет его подписи");
    }
    let line = String::from_utf8_lossy(answer)
        .lines()
        .find(|line| {
            line.strip_prefix("— ").and_then(|rest| rest.split(' ').next())
                == Some(witness.verifier.name().as_str())
        })
        .map(str::to_string)
        .context("в ответе свидетеля нет строки его подписи")?;
    let store = store.clone();
    let name = witness.verifier.name().as_str().to_string();
    tokio::task::spawn_blocking(move || store.checkpoints()?.add_cosignature(size, &name, &line))
        .await
        .context("запись подписи свидетеля прервана")??;
    Ok(())
}

/// A witness's answer.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// One HTTP/1.1 POST on a new connection, read to its end (a blocking socket on tokio's
/// blocking threads, each step bounded by `PUSH_TIMEOUT`).
async fn post(witness: &WitnessTarget, body: &[u8]) -> anyhow::Result<Answer> {
    let authority = witness.authority.clone();
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        witness.path,
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    tokio::task::spawn_blocking(move || exchange(&authority, &request))
        .await
        .context("обмен со свидетелем прерван")?
}

fn exchange(authority: &str, request: &[u8]) -> anyhow::Result<Answer> {
    let address = std::net::ToSocketAddrs::to_socket_addrs(authority)
        .with_context(|| format!("адрес {authority} не разрешён"))?
        .next()
        .with_context(|| format!("адрес {authority} не разрешён"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, PUSH_TIMEOUT)
        .with_context(|| format!("нет соединения с {authority}"))?;
    stream.set_read_timeout(Some(PUSH_TIMEOUT))?;
    stream.set_write_timeout(Some(PUSH_TIMEOUT))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    (&mut stream).take(ANSWER_BYTES_MAX as u64 + 1).read_to_end(&mut raw)?;
    if raw.len() > ANSWER_BYTES_MAX {
        bail!("ответ свидетеля больше {ANSWER_BYTES_MAX} байт");
    }
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> anyhow::Result<Answer> {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .context("ответ свидетеля не HTTP")?;
    let (head, rest) = raw.split_at(split);
    let body = rest.get(4..).unwrap_or_default();
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .context("ответ свидетеля без статуса")?;
    let mut content_type = String::new();
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-type") {
            content_type = value.to_string();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    Ok(Answer { status, content_type, body })
}

/// The body of a chunked answer.
fn dechunk(mut raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = raw.windows(2).position(|pair| pair == b"\r\n").context("фрагмент без длины")?;
        let (size_line, rest) = raw.split_at(end);
        let size_text = String::from_utf8_lossy(size_line);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .context("длина фрагмента не разобрана")?;
        let rest = rest.get(2..).unwrap_or_default();
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).context("фрагмент короче своей длины")?);
        raw = rest.get(size + 2..).context("фрагмент не завершён")?;
    }
}

#[cfg(test)]
mod tests {
    use proto_events::tlog::cosignature::CosignatureSigner;
    use proto_events::tlog::KeyName;

    use crate::cosigning::{dechunk, parse_answer, WitnessTarget};

    #[test]
    fn witness_addresses_and_answers_parse() {
        let name = KeyName::new("witness.example").unwrap();
        let key = CosignatureSigner::from_seed(name, [7; 32]).verifier().to_text();
        let target = WitnessTarget::parse(&format!("http://127.0.0.1:7380={key}")).unwrap();
        assert_eq!(
            (target.authority.as_str(), target.path.as_str()),
            ("127.0.0.1:7380", "/add-checkpoint")
        );
        let target = WitnessTarget::parse(&format!("http://w.example:80/w/1/={key}")).unwrap();
        assert_eq!(
            (target.authority.as_str(), target.path.as_str()),
            ("w.example:80", "/w/1/add-checkpoint")
        );
        assert!(WitnessTarget::parse(&format!("https://w.example={key}")).is_err());
        assert!(WitnessTarget::parse("http://w.example=not a key").is_err());
        assert!(WitnessTarget::parse("http://w.example").is_err());
        let answer = parse_answer(
            b"HTTP/1.1 409 Conflict\r\ncontent-type: text/x.tlog.size\r\ncontent-length: 3\r\n\r\n12\n",
        )
        .unwrap();
        assert_eq!((answer.status, answer.content_type.as_str()), (409, "text/x.tlog.size"));
        assert_eq!(answer.body, b"12\n");
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(), b"abcde");
    }
}
