//! The single writer: group commit of appends with optimistic concurrency, idempotency, limits
//! and a validation gate, all decided in one place so there is no check-then-act race. A request
//! is checked in this order: limits, idempotency, the gate's `screen`, the caller's own refusal
//! kept for after the screen (`AppendRequest::refused_after_screen`), expected versions, seal, the
//! gate's `admit` (its `check`, absorbing nothing, for a request refused all the same because it
//! reused the id of another actor's event under `Idempotency::OwnEvents`).
//!
//! The writer knows nothing of roles, scopes or wording: the gate is a plain validation hook, how
//! far the idempotency check looks is a field of the request, and its errors are data (their
//! `Display` is English, for logs and developers; `commands::wording` words them for people).
//!
//! Appenders send requests over a channel and await a reply. The writer thread takes the first
//! request, drains whatever else is queued (up to `GROUP_EVENTS_MAX` events; when the previous
//! group had `COMMIT_SIBLINGS_MIN` appenders or more and this one has fewer, it waits
//! `COMMIT_DELAY` once and drains again, as PostgreSQL's `commit_delay`/`commit_siblings` do, so a
//! busy ledger flushes once for many appenders and a lone one never waits), stages each request
//! against the state left by the ones before it, writes every accepted request in one atomic
//! sled batch, flushes, publishes the new head and only then answers. A request that fails any
//! check is answered with its error and leaves no trace. If the write or flush itself fails, the
//! writer stops accepting appends (fail-stop): the process must be restarted, and reopening the
//! store re-checks the tail.
//!
//! The writer writes no index to sled: after the flush it adds each durable group to the store's
//! in-memory indexes (see `index`), before it publishes the head, so its own checks and every
//! reader find what is durable.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::thread::JoinHandle;

use proto_events::envelope::{Assigned, LimitError};
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::{Envelope, EventId, NewEvent, Seq, StreamName};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::store::index::Entry;
use crate::store::mirror::Mirror;
use crate::store::{keys, Clock, Head, Store, StoreError};

/// Most events written in one group commit (one sled batch and flush).
pub const GROUP_EVENTS_MAX: usize = 20_000;
/// A group commit waits `COMMIT_DELAY` for more appenders only when the previous group had at
/// least this many (so a lone appender's latency is untouched).
pub const COMMIT_SIBLINGS_MIN: usize = 8;
/// How long a group waits for appenders still on their way (see `COMMIT_SIBLINGS_MIN`).
pub const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_micros(100);
/// Requests that may wait in the writer's queue before appenders are slowed down.
pub const QUEUE_REQUESTS_MAX: usize = 4_096;

/// What a stream must look like for an append to go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// No check.
    Any,
    /// The stream must have no events.
    NoStream,
    /// The stream's current version must be exactly this.
    Exact(u64),
}

impl Expected {
    /// The expectation as `AppendError::Conflict` and the API's `expected` name it: `any`,
    /// `no stream`, `version N`.
    pub fn code(self) -> String {
        match self {
            Expected::Any => "any".to_string(),
            Expected::NoStream => "no stream".to_string(),
            Expected::Exact(version) => format!("version {version}"),
        }
    }
}

/// One append: a batch of events, all or nothing, with optional per-stream expectations.
#[derive(Clone, Debug)]
pub struct AppendRequest {
    /// Events in order.
    pub events: Vec<NewEvent>,
    /// Expected versions; streams not listed are `Any`.
    pub expected: BTreeMap<StreamName, Expected>,
    /// A refusal the caller decided before the ledger but that must not be answered before the
    /// gate's `screen` had its say, as it could tell what the screen keeps from the actor: the
    /// writer answers it right after the screen admits the request, before the expected
    /// versions are compared (the command layer keeps here a scoped actor's expected versions
    /// that disagree about a stream, since the refusal names the stream).
    pub refused_after_screen: Option<Rejection>,
    /// How far the idempotency check looks for an event id the request reuses.
    pub idempotency: Idempotency,
}

/// How far the idempotency check looks for a reused event id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Idempotency {
    /// Every recorded event: a clean retry of any event returns its seq; an id with other
    /// content is refused naming the seq.
    #[default]
    Ledger,
    /// Only events recorded by the same actor (role and id) as the request's event: an id of
    /// another actor's event is taken as a fresh one, so the request is checked in full as it
    /// would be under a fresh id (`Gate::check` standing in for `admit`) and refused with what
    /// the checks say, or, when they would accept it, as a reused id naming nothing but the id
    /// (an id is recorded once). No answer names a seq. For callers that must tell an actor
    /// nothing of the ledger beyond what it recorded itself.
    OwnEvents,
}

impl AppendRequest {
    /// A request with no expectations.
    pub fn new(events: Vec<NewEvent>) -> AppendRequest {
        AppendRequest::expecting(events, BTreeMap::new())
    }

    /// A request with these expectations.
    pub fn expecting(
        events: Vec<NewEvent>,
        expected: BTreeMap<StreamName, Expected>,
    ) -> AppendRequest {
        AppendRequest {
            events,
            expected,
            refused_after_screen: None,
            idempotency: Idempotency::Ledger,
        }
    }
}

/// A successful append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The seq of each event, in request order.
    pub seqs: Vec<Seq>,
    /// The ids (generated where the client gave none).
    pub ids: Vec<EventId>,
    /// True when every event already existed with identical content (an idempotent retry).
    pub duplicate: bool,
    /// The durable head after the append.
    pub head: Seq,
}

/// What a gate's refusal is about, set by whoever refuses, so that callers answer by the class
/// (the API: 422 `invalid_field`, 422 `unknown_reference`, 403 `forbidden`) and never by the
/// wording of the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectionClass {
    /// The data breaks a rule: uniqueness, a code outside its catalogue, a date, a stream.
    Invalid,
    /// The data refers to something that does not exist: an id not registered, an event not in
    /// the ledger.
    UnknownReference,
    /// The actor's role or scope does not allow it, whatever the data.
    Forbidden,
}

/// A gate's refusal: its class, the field, the value and the rule, for the event at
/// `event_index`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {event_index} of the batch, field {field} = {value:?}: {rule}")]
pub struct Rejection {
    /// Index of the offending event in the request.
    pub event_index: usize,
    /// What the refusal is about.
    pub class: RejectionClass,
    /// Dotted path of the offending field.
    pub field: String,
    /// The offending value.
    pub value: String,
    /// The rule it breaks.
    pub rule: String,
}

/// Validation against current state, run by the writer in the same step as the append.
///
/// `admit` sees a request's events sealed in order (seq and stream versions assigned). It either
/// accepts them, updating its own state to include them, or rejects them leaving its state as it
/// was. The writer calls it for every request, with the state including earlier requests of the
/// same group.
///
/// `screen` sees the request's events before the writer compares their streams with the
/// expected versions (after the idempotency check), so that a refusal which must not depend on
/// what a stream holds comes first; it changes nothing.
pub trait Gate: Send + 'static {
    /// Refuse a request before its expected versions are checked; the default admits it.
    fn screen(&self, events: &[NewEvent]) -> Result<(), Rejection> {
        let _ = events;
        Ok(())
    }

    /// Accept (and absorb) or reject a request's events.
    fn admit(&mut self, events: &[Envelope]) -> Result<(), Rejection>;

    /// What `admit` would answer, the state left as it was.
    fn check(&mut self, events: &[Envelope]) -> Result<(), Rejection>;
}

/// A gate that admits everything (raw ledger use: tests, benchmarks).
pub struct NoGate;

impl Gate for NoGate {
    fn admit(&mut self, _events: &[Envelope]) -> Result<(), Rejection> {
        Ok(())
    }

    fn check(&mut self, _events: &[Envelope]) -> Result<(), Rejection> {
        Ok(())
    }
}

/// Why an append was refused. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The request has no events.
    #[error("empty batch")]
    EmptyBatch,
    /// Too many events in one request.
    #[error("{events} events in the batch, at most {max} allowed")]
    BatchTooLarge {
        /// Events in the request.
        events: usize,
        /// The limit.
        max: usize,
    },
    /// An event exceeds a size limit.
    #[error(
        "event {event_index} of the batch: field {} is {} bytes, at most {} allowed",
        source.field,
        source.value,
        source.max
    )]
    Limit {
        /// Index in the request.
        event_index: usize,
        /// Which limit.
        source: LimitError,
    },
    /// The stream is not at the expected version.
    #[error("version conflict on stream {stream}: expected {expected}, actual version {actual}")]
    Conflict {
        /// The stream.
        stream: StreamName,
        /// What was expected.
        expected: String,
        /// Its actual version.
        actual: u64,
    },
    /// The id exists with different content.
    #[error("event id {id} is already recorded{} with other content", at_seq(*.seq))]
    IdReused {
        /// The id.
        id: EventId,
        /// Where it is; None under `Idempotency::OwnEvents`.
        seq: Option<Seq>,
    },
    /// Some ids of the request exist and some do not: not a clean retry.
    #[error("event id {id} is already recorded{} and other events of the batch are not: a retry must be the same batch", at_seq(*.seq))]
    PartialRetry {
        /// The existing id.
        id: EventId,
        /// Where it is; None under `Idempotency::OwnEvents`.
        seq: Option<Seq>,
    },
    /// The same id twice in one request.
    #[error("event id {id} occurs twice in the batch")]
    DuplicateInBatch {
        /// The id.
        id: EventId,
    },
    /// The gate refused the events.
    #[error("refused: {0}")]
    Rejected(#[from] Rejection),
    /// The event could not be sealed.
    #[error("event {event_index} of the batch could not be encoded: {reason}")]
    Encoding {
        /// Index in the request.
        event_index: usize,
        /// Why.
        reason: String,
    },
    /// The writer is stopped (shut down, or fail-stopped after a storage error).
    #[error("the ledger takes no appends: {0}")]
    Unavailable(Unavailable),
    /// A storage failure while staging (reading indexes).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the writer takes no appends.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// The writer was shut down (or its thread is gone).
    #[error("the writer is stopped")]
    Stopped,
    /// A write or flush failed: the writer stopped accepting appends (fail-stop) and the process
    /// must be restarted.
    #[error("storage failure, restart needed: {0}")]
    Failed(String),
}

/// " (seq N)" after a reused id, when its seq is told.
fn at_seq(seq: Option<Seq>) -> String {
    seq.map_or_else(String::new, |seq| format!(" (seq {seq})"))
}

type Reply = oneshot::Sender<Result<AppendOutcome, AppendError>>;

struct Job {
    request: AppendRequest,
    reply: Reply,
}

enum Message {
    Append(Job),
    Stop,
}

/// The write handle: appends go through here. Cloning is cheap; the writer stops when the last
/// clone is dropped or `shutdown` is called.
#[derive(Clone)]
pub struct Ledger {
    store: Store,
    clock: Arc<dyn Clock>,
    sender: mpsc::Sender<Message>,
    heads: watch::Receiver<Seq>,
    threads: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

impl Ledger {
    /// Starts the writer thread over an open store, with its mirror when the store keeps one
    /// (`Mirror::is_kept`). A mirror that cannot be opened leaves the writer stopped (every
    /// append answers `Unavailable` with the reason); to refuse at start instead, open the mirror
    /// first and call `start_with`.
    pub fn start(store: Store, gate: Box<dyn Gate>, clock: Arc<dyn Clock>) -> Ledger {
        if !Mirror::is_kept(store.path()) {
            return Ledger::start_with(store, None, gate, clock);
        }
        match Mirror::open(&store) {
            Ok((mirror, _)) => Ledger::start_with(store, Some(mirror), gate, clock),
            Err(error) => {
                let failed = format!("the log mirror cannot be opened: {error}");
                Ledger::spawn(store, None, gate, clock, Some(Unavailable::Failed(failed)))
            }
        }
    }

    /// Starts the writer thread over an open store and, unless None, its open mirror: each
    /// durable group is written to sled, then to the mirror, then answered.
    pub fn start_with(
        store: Store,
        mirror: Option<Mirror>,
        gate: Box<dyn Gate>,
        clock: Arc<dyn Clock>,
    ) -> Ledger {
        Ledger::spawn(store, mirror, gate, clock, None)
    }

    fn spawn(
        store: Store,
        mirror: Option<Mirror>,
        gate: Box<dyn Gate>,
        clock: Arc<dyn Clock>,
        failed: Option<Unavailable>,
    ) -> Ledger {
        let (sender, receiver) = mpsc::channel(QUEUE_REQUESTS_MAX);
        let (head_sender, heads) = watch::channel(store.head().seq);
        let writer = Writer {
            store: store.clone(),
            gate,
            clock: clock.clone(),
            head: store.head(),
            heads: head_sender,
            failed,
            mirror,
        };
        let mut threads = Vec::new();
        if let Ok(thread) = std::thread::Builder::new()
            .name("letopis-writer".into())
            .spawn(move || writer.run(receiver))
        {
            threads.push(thread);
        }
        Ledger { store, clock, sender, heads, threads: Arc::new(std::sync::Mutex::new(threads)) }
    }

    /// The read side.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock the writer stamps `recorded_at` with: every "now" and "today" of the processes
    /// over this ledger (the server's default valid date, its "employed today") reads it too, so
    /// they agree with the ledger and a test can pin them.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Follows the durable head (for change feeds).
    pub fn subscribe(&self) -> watch::Receiver<Seq> {
        self.heads.clone()
    }

    /// Appends and waits until the events are durable.
    pub async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Message::Append(Job { request, reply }))
            .await
            .map_err(|_| AppendError::Unavailable(Unavailable::Stopped))?;
        answer.await.map_err(|_| AppendError::Unavailable(Unavailable::Stopped))?
    }

    /// Appends from synchronous code (not from inside an async runtime).
    pub fn append_blocking(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .blocking_send(Message::Append(Job { request, reply }))
            .map_err(|_| AppendError::Unavailable(Unavailable::Stopped))?;
        answer.blocking_recv().map_err(|_| AppendError::Unavailable(Unavailable::Stopped))?
    }

    /// Stops the writer: requests queued before the stop are committed and answered (each after
    /// its flush), later ones get `Unavailable`; waits for the writer to finish.
    /// Works while other clones are alive (they see `Unavailable` afterwards).
    pub async fn shutdown_async(self) {
        let _ = self.sender.send(Message::Stop).await;
        let threads = self.threads.clone();
        let _ = tokio::task::spawn_blocking(move || join_all(&threads)).await;
    }

    /// `shutdown_async` for synchronous callers (not from inside an async runtime).
    pub fn shutdown(self) {
        let _ = self.sender.blocking_send(Message::Stop);
        join_all(&self.threads);
    }
}

fn join_all(threads: &std::sync::Mutex<Vec<JoinHandle<()>>>) {
    let taken: Vec<JoinHandle<()>> = match threads.lock() {
        Ok(mut slot) => slot.drain(..).collect(),
        Err(poisoned) => poisoned.into_inner().drain(..).collect(),
    };
    for thread in taken {
        let _ = thread.join();
    }
}

struct Writer {
    store: Store,
    gate: Box<dyn Gate>,
    clock: Arc<dyn Clock>,
    head: Head,
    heads: watch::Sender<Seq>,
    failed: Option<Unavailable>,
    mirror: Option<Mirror>,
}

/// State of a group being assembled: what earlier accepted requests of the group changed.
struct Staged {
    head: Head,
    stream_versions: HashMap<StreamName, u64>,
    ids: HashMap<EventId, Seq>,
    /// The accepted events, sealed, in seq order, and beside each its stored record.
    events: Vec<Envelope>,
    records: Vec<Vec<u8>>,
}

enum StageResult {
    Appended(Vec<Seq>, Vec<EventId>),
    Duplicate(Vec<Seq>, Vec<EventId>),
}

impl Writer {
    fn run(mut self, mut receiver: mpsc::Receiver<Message>) {
        let mut last_group_jobs = 0usize;
        while let Some(Message::Append(first)) = receiver.blocking_recv() {
            let mut jobs = vec![first];
            let mut events = jobs.first().map_or(0, |job| job.request.events.len());
            let mut stop = drain(&mut receiver, &mut jobs, &mut events);
            // Commit delay (PostgreSQL's commit_delay with commit_siblings): when the last group
            // had many appenders and this one has fewer, they are probably still on their way;
            // waiting a moment lets one flush serve them all. A lone appender never waits.
            if !stop
                && last_group_jobs >= COMMIT_SIBLINGS_MIN
                && jobs.len() < last_group_jobs
                && events < GROUP_EVENTS_MAX
            {
                std::thread::sleep(COMMIT_DELAY);
                stop = drain(&mut receiver, &mut jobs, &mut events);
            }
            last_group_jobs = jobs.len();
            self.commit_group(jobs);
            if stop {
                break;
            }
        }
        // Answer whatever is still queued: the ledger is closed.
        receiver.close();
        while let Ok(message) = receiver.try_recv() {
            if let Message::Append(job) = message {
                let _ = job.reply.send(Err(AppendError::Unavailable(Unavailable::Stopped)));
            }
        }
    }

    fn commit_group(&mut self, mut jobs: Vec<Job>) {
        if let Some(reason) = &self.failed {
            for job in jobs {
                let _ = job.reply.send(Err(AppendError::Unavailable(reason.clone())));
            }
            return;
        }
        let mut staged = Staged {
            head: self.head,
            stream_versions: HashMap::new(),
            ids: HashMap::new(),
            events: Vec::new(),
            records: Vec::new(),
        };
        let mut results = Vec::with_capacity(jobs.len());
        for job in &mut jobs {
            results.push(self.stage(&mut job.request, &mut staged));
        }
        if !staged.records.is_empty() {
            if let Err(error) = self.write(&staged) {
                let reason = Unavailable::Failed(error.to_string());
                self.failed = Some(reason.clone());
                for job in jobs {
                    let _ = job.reply.send(Err(AppendError::Unavailable(reason.clone())));
                }
                return;
            }
            self.head = staged.head;
            let entries: Vec<Entry<'_>> = staged
                .events
                .iter()
                .map(|event| Entry {
                    seq: event.seq,
                    id: event.id,
                    stream: &event.stream,
                    version: event.stream_version,
                })
                .collect();
            self.store.index_group(&entries);
            self.store.publish(self.head);
            let _ = self.heads.send(self.head.seq);
        }
        let head = self.head.seq;
        for (job, result) in jobs.into_iter().zip(results) {
            let answer = result.map(|stage| match stage {
                StageResult::Appended(seqs, ids) => {
                    AppendOutcome { seqs, ids, duplicate: false, head }
                }
                StageResult::Duplicate(seqs, ids) => {
                    AppendOutcome { seqs, ids, duplicate: true, head }
                }
            });
            let _ = job.reply.send(answer);
        }
        // After the answers: a compaction's cost does not land on this group's latency.
        self.store.compact_index();
    }

    fn write(&mut self, staged: &Staged) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (event, stored) in staged.events.iter().zip(&staged.records) {
            batch.insert(&keys::event(event.seq)[..], stored.as_slice());
        }
        batch.insert(keys::HEAD, &keys::encode_head(&staged.head)[..]);
        // The Merkle tree's tiles go in the same batch, so they survive exactly as the events do;
        // the writer's edge of the tree moves only once they are durable.
        let edge = self.store.merkle_stage(&mut batch, staged.events.iter().map(|e| &e.hash))?;
        self.store.tree().apply_batch(batch)?;
        self.store.db().flush()?;
        self.store.merkle_commit(edge);
        // The mirror second: a crash between the two leaves sled ahead, and the next open
        // catches the mirror up; the group is answered only once both copies are durable.
        if let Some(mirror) = &mut self.mirror {
            mirror
                .append(&staged.records, staged.head)
                .map_err(|error| StoreError::Storage(format!("log mirror: {error}")))?;
        }
        Ok(())
    }

    /// A stream's version including the group so far (the store's in-memory index holds every
    /// durable version, so there is nothing to cache here).
    fn current_version(&self, staged: &Staged, stream: &StreamName) -> Result<u64, StoreError> {
        if let Some(version) = staged.stream_versions.get(stream) {
            return Ok(*version);
        }
        self.store.stream_version(stream)
    }

    fn existing_seq(&self, staged: &Staged, id: &EventId) -> Result<Option<Seq>, StoreError> {
        if let Some(seq) = staged.ids.get(id) {
            return Ok(Some(*seq));
        }
        self.store.seq_of(id)
    }

    fn stored_envelope(&self, staged: &Staged, seq: Seq) -> Result<Option<Envelope>, StoreError> {
        if seq > self.head.seq {
            return Ok(staged.events.iter().find(|event| event.seq == seq).cloned());
        }
        match self.store.tree().get(keys::event(seq))? {
            Some(bytes) => Envelope::open(&bytes)
                .map(Some)
                .map_err(|source| StoreError::Corrupt { seq: seq.0, source }),
            None => Ok(None),
        }
    }

    /// Checks and seals one request against the group so far; takes its events (no copies).
    fn stage(
        &mut self,
        request: &mut AppendRequest,
        staged: &mut Staged,
    ) -> Result<StageResult, AppendError> {
        check_shape(&request.events)?;
        let taken = match self.retry(request, staged)? {
            Retry::Duplicate(seqs, ids) => return Ok(StageResult::Duplicate(seqs, ids)),
            Retry::Fresh { taken } => taken,
        };
        // What must be refused before a version conflict could tell what a stream holds.
        self.gate.screen(&request.events)?;
        if let Some(rejection) = request.refused_after_screen.take() {
            return Err(AppendError::Rejected(rejection));
        }
        self.check_expected(&request.expected, staged)?;
        let sealed = self.seal(std::mem::take(&mut request.events), staged)?;
        if let Some(id) = taken {
            // Checked in full as under a fresh id; refused all the same, as the id is recorded.
            self.gate.check(&sealed.events)?;
            return Err(AppendError::IdReused { id, seq: None });
        }
        self.gate.admit(&sealed.events)?;

        let seqs: Vec<Seq> = sealed.events.iter().map(|event| event.seq).collect();
        let ids: Vec<EventId> = sealed.events.iter().map(|event| event.id).collect();
        for event in &sealed.events {
            staged.ids.insert(event.id, event.seq);
        }
        staged.stream_versions.extend(sealed.versions);
        staged.events.extend(sealed.events);
        staged.records.extend(sealed.records);
        staged.head = sealed.head;
        Ok(StageResult::Appended(seqs, ids))
    }

    /// Idempotency: a clean retry (every id exists with the same content) returns the original
    /// seqs; a reused id with other content, or a half-existing batch, is refused. Under
    /// `Idempotency::OwnEvents` another actor's event is not looked at: its id is `taken`, and
    /// the request goes on as under a fresh id.
    fn retry(&self, request: &AppendRequest, staged: &Staged) -> Result<Retry, AppendError> {
        let own_only = request.idempotency == Idempotency::OwnEvents;
        let mut existing = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut taken = None;
        for event in &request.events {
            let Some(id) = event.id else { continue };
            if !seen.insert(id) {
                return Err(AppendError::DuplicateInBatch { id });
            }
            let Some(seq) = self.existing_seq(staged, &id)? else { continue };
            let stored = self.stored_envelope(staged, seq)?;
            let own = stored.as_ref().is_some_and(|stored| stored.actor == event.actor);
            if own_only && !own {
                taken.get_or_insert(id);
                continue;
            }
            let seq_told = (!own_only).then_some(seq);
            if !stored.is_some_and(|stored| event.same_content_as(&stored)) {
                return Err(AppendError::IdReused { id, seq: seq_told });
            }
            existing.push((id, seq, seq_told));
        }
        match existing.first() {
            None => Ok(Retry::Fresh { taken }),
            Some(&(id, _, seq)) if existing.len() != request.events.len() => {
                Err(AppendError::PartialRetry { id, seq })
            }
            Some(_) => {
                let (ids, seqs) = existing.into_iter().map(|(id, seq, _)| (id, seq)).unzip();
                Ok(Retry::Duplicate(seqs, ids))
            }
        }
    }

    /// Optimistic concurrency: every expected version holds, counting the group so far.
    fn check_expected(
        &self,
        expected: &BTreeMap<StreamName, Expected>,
        staged: &Staged,
    ) -> Result<(), AppendError> {
        for (stream, expected) in expected {
            let actual = self.current_version(staged, stream)?;
            let ok = match expected {
                Expected::Any => true,
                Expected::NoStream => actual == 0,
                Expected::Exact(version) => actual == *version,
            };
            if !ok {
                let expected = expected.code();
                return Err(AppendError::Conflict { stream: stream.clone(), expected, actual });
            }
        }
        Ok(())
    }

    /// Seals `events` in order after the group so far, on a scratch copy of its state.
    fn seal(&self, events: Vec<NewEvent>, staged: &Staged) -> Result<Sealed, AppendError> {
        let mut head = staged.head;
        let mut versions: HashMap<StreamName, u64> = HashMap::new();
        let mut sealed = Vec::with_capacity(events.len());
        let mut records = Vec::with_capacity(events.len());
        let now = self.clock.now();
        let recorded_at = match head.recorded_at {
            Some(last) if last > now => last,
            _ => now,
        };
        for (event_index, event) in events.into_iter().enumerate() {
            let version = match versions.get_mut(&event.stream) {
                Some(version) => {
                    *version = version.saturating_add(1);
                    *version
                }
                None => {
                    let version = self.current_version(staged, &event.stream)?.saturating_add(1);
                    versions.insert(event.stream.clone(), version);
                    version
                }
            };
            let seq = Seq(head.seq.0.saturating_add(1));
            let id = event.id.unwrap_or_else(|| EventId(Uuid::now_v7()));
            let assigned =
                Assigned { id, seq, stream_version: version, recorded_at, prev_hash: head.hash };
            let (envelope, stored) = Envelope::seal(event, assigned).map_err(|error| {
                AppendError::Encoding { event_index, reason: error.to_string() }
            })?;
            // Pair the write with a read-back check: what we store must open to what we sealed.
            debug_assert_eq!(Envelope::open(&stored).ok().as_ref(), Some(&envelope));
            head = Head { seq, hash: envelope.hash, recorded_at: Some(recorded_at) };
            records.push(stored);
            sealed.push(envelope);
        }
        Ok(Sealed { events: sealed, records, versions, head })
    }
}

/// A request's size limits: not empty, not over `BATCH_EVENTS_MAX`, each event within its own.
fn check_shape(events: &[NewEvent]) -> Result<(), AppendError> {
    if events.is_empty() {
        return Err(AppendError::EmptyBatch);
    }
    if events.len() > BATCH_EVENTS_MAX {
        return Err(AppendError::BatchTooLarge { events: events.len(), max: BATCH_EVENTS_MAX });
    }
    for (event_index, event) in events.iter().enumerate() {
        event.check_limits().map_err(|source| AppendError::Limit { event_index, source })?;
    }
    Ok(())
}

/// What the idempotency check found.
enum Retry {
    /// Every event already exists with the same content: their seqs and ids.
    Duplicate(Vec<Seq>, Vec<EventId>),
    /// A fresh request; `taken` is another actor's id it reuses (`Idempotency::OwnEvents`).
    Fresh { taken: Option<EventId> },
}

/// One request's events sealed after the group so far, not yet part of it.
struct Sealed {
    events: Vec<Envelope>,
    records: Vec<Vec<u8>>,
    versions: HashMap<StreamName, u64>,
    head: Head,
}

/// Moves queued appends into the group until it is full or the queue is empty; true when a
/// stop was received.
fn drain(receiver: &mut mpsc::Receiver<Message>, jobs: &mut Vec<Job>, events: &mut usize) -> bool {
    while *events < GROUP_EVENTS_MAX {
        match receiver.try_recv() {
            Ok(Message::Append(job)) => {
                *events += job.request.events.len();
                jobs.push(job);
            }
            Ok(Message::Stop) => return true,
            Err(_) => return false,
        }
    }
    false
}
