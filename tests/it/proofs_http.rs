//! Proof for outsiders over HTTP (issue #13), driven through the `Router` with `oneshot`:
//! inclusion proofs by seq and by id, consistency proofs and signed checkpoints under `/api/v1`
//! (who may ask, every bad size refused naming its parameter, a scoped token told nothing of an
//! event outside its scope), and the log as C2SP tlog-tiles (`/checkpoint`, `/tile/…`) read by a
//! small tiles client written here from the specification alone: it recomputes the root from
//! the tiles and builds inclusion proofs from them, at sizes that make partial tiles.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::checkpoint::{generate_key, sign_head};
use letopis::commands::open_ledger;
use letopis::cosigning::{tick, PushOutcome, WitnessTarget};
use letopis::server::auth::{create_token, Role};
use letopis::server::{router, AppState};
use letopis::store::AppendRequest;
use letopis::witness::Witness;
use proto_events::tlog::checkpoint::{self, Checkpoint};
use proto_events::tlog::cosignature::{self, CosignatureSigner, CosignatureVerifier};
use proto_events::tlog::{
    verify_inclusion, ConsistencyProof, InclusionProof, KeyName, LeafIndex, NoteSigner, TreeHash,
    TreeSize,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::support::{event, FixedClock, StepClock, TempLedger};

const ORIGIN: &str = "region.example/letopis";

/// A server over a ledger, and the log's signing key.
struct Log {
    ledger: TempLedger,
    router: Router,
    signer: NoteSigner,
}

/// One answer: status, content type, body.
struct Answer {
    status: StatusCode,
    content_type: String,
    cache_control: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Log {
    /// A log with the command gate, as `letopis serve` runs it.
    fn gated() -> Log {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
        Log::over(TempLedger { dir, ledger })
    }

    /// A log without a gate (test facts), for many events.
    fn plain() -> Log {
        Log::over(TempLedger::new())
    }

    fn over(ledger: TempLedger) -> Log {
        let signer = generate_key(ledger.dir.path(), ORIGIN).unwrap();
        let router = router(AppState::new(ledger.ledger.clone()));
        Log { ledger, router, signer }
    }

    fn token(&self, role: &str) -> String {
        create_token(self.ledger.store(), role.parse::<Role>().unwrap()).unwrap().0
    }

    fn sign(&self) -> Vec<u8> {
        sign_head(self.ledger.store(), &self.signer).unwrap().1
    }

    fn root(&self, size: u64) -> TreeHash {
        self.ledger.store().tree_root(size).unwrap()
    }

    /// Appends test facts until the log has `size` events.
    async fn grow_to(&self, size: u64) {
        let head = self.ledger.store().head().seq.0;
        let events: Vec<_> =
            (head..size).map(|n| event(&format!("teacher/t-{n}"), &format!("fact {n}"))).collect();
        for chunk in events.chunks(100) {
            self.ledger.ledger.append(AppendRequest::new(chunk.to_vec())).await.unwrap();
        }
        assert_eq!(self.ledger.store().head().seq.0, size);
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response =
            self.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|value: &header::HeaderValue| value.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let cache_control = header_text(header::CACHE_CONTROL);
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer { status, content_type, cache_control, body }
    }

    async fn post(&self, token: &str, command: Value) -> Value {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/commands")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(command.to_string()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

fn registered(kind: &str, payload: Value) -> Value {
    json!({ "kind": kind, "payload": payload, "effective": "2020-01-01" })
}

/// Two municipalities, a school in each; the ids and seqs of the two schools' events.
async fn two_municipalities(log: &Log) -> ((String, u64), (String, u64)) {
    let operator = log.token("operator");
    for code in ["38-12", "38-13"] {
        let payload = json!({ "municipality": code, "name": format!("Район {code}") });
        log.post(&operator, registered("municipality_registered", payload)).await;
    }
    let mut schools = Vec::new();
    for (school, code) in [("org-own", "38-12"), ("org-other", "38-13")] {
        let payload = json!({ "kind": "general", "municipality": code, "name": "Школа",
            "organisation": school });
        let answer = log.post(&operator, registered("organisation_registered", payload)).await;
        schools.push((
            answer["ids"][0].as_str().unwrap().to_string(),
            answer["seqs"][0].as_u64().unwrap(),
        ));
    }
    let other = schools.pop().unwrap();
    (schools.pop().unwrap(), other)
}

fn inclusion(answer: &Answer) -> InclusionProof {
    assert_eq!(answer.status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer.body));
    serde_json::from_slice(&answer.body).unwrap()
}

/// Given a bad parameter, then 400 `invalid_parameter` naming it.
fn check_refused(answer: &Answer, field: &str) {
    let body = answer.json();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{field}: {body}");
    assert_eq!(body["code"], "invalid_parameter", "{field}: {body}");
    assert_eq!(body["field"], field, "{body}");
}

#[tokio::test]
async fn region_wide_roles_get_proofs_that_verify_against_the_signed_checkpoints() {
    let log = Log::gated();
    let ((own_id, own_seq), _) = two_municipalities(&log).await;
    let old_note = log.sign();
    let (old, _) = checkpoint::open(&old_note, &log.signer.verifier()).unwrap();
    log.post(
        &log.token("operator"),
        registered(
            "municipality_registered",
            json!({ "municipality": "38-14", "name": "Район 38-14" }),
        ),
    )
    .await;
    let note = log.sign();
    let (new, _) = checkpoint::open(&note, &log.signer.verifier()).unwrap();
    for role in ["ministry", "auditor", "operator"] {
        let token = log.token(role);
        let size = new.size.0;
        let by_seq = log
            .get(&format!("/api/v1/proofs/inclusion?seq={own_seq}&size={size}"), Some(&token))
            .await;
        let by_id = log
            .get(&format!("/api/v1/proofs/inclusion?id={own_id}&size={size}"), Some(&token))
            .await;
        let at_head =
            log.get(&format!("/api/v1/proofs/inclusion?seq={own_seq}"), Some(&token)).await;
        let proof = inclusion(&by_seq);
        assert_eq!(proof, inclusion(&by_id), "{role}");
        assert_eq!(proof, inclusion(&at_head), "{role}");
        assert_eq!(proof.leaf_index, own_seq - 1);
        proof.verify(&new.root).unwrap();
        // The JSON is the CLI's: exactly these four fields.
        let fields: Vec<String> = by_seq.json().as_object().unwrap().keys().cloned().collect();
        assert_eq!(fields, ["hashes", "leaf_hash", "leaf_index", "tree_size"]);
        let answer = log
            .get(&format!("/api/v1/proofs/consistency?from={}&to={size}", old.size.0), Some(&token))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{role}");
        let proof: ConsistencyProof = serde_json::from_slice(&answer.body).unwrap();
        proof.verify(&old.root, &new.root).unwrap();
        let latest = log.get("/api/v1/checkpoints/latest", Some(&token)).await;
        assert_eq!((latest.status, latest.body.clone()), (StatusCode::OK, note.clone()), "{role}");
        assert_eq!(latest.content_type, "text/plain; charset=utf-8");
        let earlier = log.get(&format!("/api/v1/checkpoints/{}", old.size.0), Some(&token)).await;
        assert_eq!((earlier.status, earlier.body), (StatusCode::OK, old_note.clone()), "{role}");
        let unsigned = log.get("/api/v1/checkpoints/2", Some(&token)).await;
        assert_eq!(unsigned.status, StatusCode::NOT_FOUND, "{role}");
    }
}

/// A municipality (or a school) gets inclusion proofs of the events it may read; an event of
/// another municipality answers exactly as an unknown one (404, the same body but for what it
/// names), by id and by seq. Consistency proofs and checkpoints name no event: every role.
#[tokio::test]
async fn secrecy_3_a_scoped_token_gets_no_proof_of_an_event_outside_its_scope() {
    let log = Log::gated();
    let ((own_id, own_seq), (other_id, other_seq)) = two_municipalities(&log).await;
    log.sign();
    let unknown = uuid::Uuid::now_v7().to_string();
    for role in ["municipality:38-12", "organisation:org-own"] {
        let token = log.token(role);
        let own = log.get(&format!("/api/v1/proofs/inclusion?id={own_id}"), Some(&token)).await;
        inclusion(&own).verify(&log.root(log.ledger.store().head().seq.0)).unwrap();
        let own = log.get(&format!("/api/v1/proofs/inclusion?seq={own_seq}"), Some(&token)).await;
        assert_eq!(own.status, StatusCode::OK, "{role}");
        let outside =
            log.get(&format!("/api/v1/proofs/inclusion?id={other_id}"), Some(&token)).await;
        let missing =
            log.get(&format!("/api/v1/proofs/inclusion?id={unknown}"), Some(&token)).await;
        assert_eq!(outside.status, StatusCode::NOT_FOUND, "{role}");
        assert_eq!(
            outside.json(),
            json!({"code": "not_found", "message": format!("Не найдено: событие {other_id}.")})
        );
        assert_eq!(
            missing.json(),
            json!({"code": "not_found", "message": format!("Не найдено: событие {unknown}.")})
        );
        // The same words as reading the event itself.
        let read = log.get(&format!("/api/v1/events/{other_id}"), Some(&token)).await;
        assert_eq!((read.status, read.json()), (outside.status, outside.json()), "{role}");
        let by_seq =
            log.get(&format!("/api/v1/proofs/inclusion?seq={other_seq}"), Some(&token)).await;
        assert_eq!(by_seq.status, StatusCode::NOT_FOUND, "{role}");
        assert_eq!(
            by_seq.json(),
            json!({"code": "not_found", "message": format!("Не найдено: событие №{other_seq}.")})
        );
        let consistency = log.get("/api/v1/proofs/consistency?from=1&to=2", Some(&token)).await;
        assert_eq!(consistency.status, StatusCode::OK, "{role}");
        let latest = log.get("/api/v1/checkpoints/latest", Some(&token)).await;
        assert_eq!(latest.status, StatusCode::OK, "{role}");
    }
    // Without a token: nothing.
    for path in [
        "/api/v1/proofs/inclusion?seq=1",
        "/api/v1/proofs/consistency?from=1",
        "/api/v1/checkpoints/latest",
        "/api/v1/checkpoints/1",
    ] {
        assert_eq!(log.get(path, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn bad_sizes_are_refused_naming_the_parameter() {
    let log = Log::plain();
    let token = log.token("auditor");
    // An empty log: no tree to prove anything in, no checkpoint yet.
    check_refused(&log.get("/api/v1/proofs/inclusion?seq=1", Some(&token)).await, "size");
    check_refused(&log.get("/api/v1/proofs/consistency?from=1", Some(&token)).await, "to");
    let none = log.get("/api/v1/checkpoints/latest", Some(&token)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    log.grow_to(5).await;
    let id = log.ledger.store().get(proto_events::Seq(4)).unwrap().unwrap().id.to_string();
    let refused = [
        ("/api/v1/proofs/inclusion?seq=1&size=0", "size"),
        ("/api/v1/proofs/inclusion?seq=1&size=6", "size"),
        ("/api/v1/proofs/inclusion?seq=0", "seq"),
        ("/api/v1/proofs/inclusion?seq=4&size=3", "seq"),
        ("/api/v1/proofs/inclusion?seq=6", "seq"),
        (&format!("/api/v1/proofs/inclusion?id={id}&size=3"), "size"),
        ("/api/v1/proofs/inclusion?size=3", "seq"),
        (&format!("/api/v1/proofs/inclusion?seq=4&id={id}"), "seq"),
        ("/api/v1/proofs/inclusion?id=not-a-uuid", "id"),
        ("/api/v1/proofs/consistency", "from"),
        ("/api/v1/proofs/consistency?from=0&to=3", "from"),
        ("/api/v1/proofs/consistency?from=4&to=3", "from"),
        ("/api/v1/proofs/consistency?from=1&to=6", "to"),
        ("/api/v1/proofs/consistency?from=1&to=0", "to"),
        ("/api/v1/checkpoints/6", "size"),
        ("/api/v1/checkpoints/five", "size"),
    ];
    for (path, field) in refused {
        check_refused(&log.get(path, Some(&token)).await, field);
    }
    // Equal sizes: the empty proof.
    let equal = log.get("/api/v1/proofs/consistency?from=5&to=5", Some(&token)).await;
    assert_eq!(equal.json(), json!({"from": 5, "to": 5, "hashes": []}));
    // The head by default.
    let proof: ConsistencyProof = serde_json::from_slice(
        &log.get("/api/v1/proofs/consistency?from=3", Some(&token)).await.body,
    )
    .unwrap();
    assert_eq!(proof.to, 5);
    proof.verify(&log.root(3), &log.root(5)).unwrap();
}

// ---- A tiles client written from the C2SP tlog-tiles specification alone. ----

/// What the client fetched and verified: tiles by path.
struct TilesClient<'a> {
    log: &'a Log,
    size: u64,
    tiles: BTreeMap<String, Vec<[u8; 32]>>,
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// `N` as the specification writes it: 1234067 is `x001/x234/067`.
fn tile_index(index: u64) -> String {
    let digits = format!("{index:03}");
    let digits = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
    let groups: Vec<String> =
        digits.as_bytes().chunks(3).map(|g| String::from_utf8(g.to_vec()).unwrap()).collect();
    let last = groups.len() - 1;
    groups
        .iter()
        .enumerate()
        .map(|(n, g)| if n < last { format!("x{g}") } else { g.clone() })
        .collect::<Vec<_>>()
        .join("/")
}

impl<'a> TilesClient<'a> {
    /// Fetches `/checkpoint` and checks its signature; the checkpoint.
    async fn open(log: &'a Log) -> (TilesClient<'a>, Checkpoint) {
        let answer = log.get("/checkpoint", None).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.content_type, "text/plain; charset=utf-8");
        let (checkpoint, _) = checkpoint::open(&answer.body, &log.signer.verifier()).unwrap();
        (TilesClient { log, size: checkpoint.size.0, tiles: BTreeMap::new() }, checkpoint)
    }

    /// The tile at `level` holding hash `index` of tree level `8·level`, fetched once.
    async fn tile(&mut self, level: u32, index: u64) -> Vec<[u8; 32]> {
        let tile = index / 256;
        let available = self.size >> (8 * level);
        let width = (available - tile * 256).min(256);
        let mut path = format!("/tile/{level}/{}", tile_index(tile));
        if width < 256 {
            path.push_str(&format!(".p/{width}"));
        }
        if let Some(hashes) = self.tiles.get(&path) {
            return hashes.clone();
        }
        let answer = self.log.get(&path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.content_type, "application/octet-stream", "{path}");
        assert!(answer.cache_control.contains("immutable"), "{path}");
        assert_eq!(answer.body.len() as u64, width * 32, "{path}");
        let hashes: Vec<[u8; 32]> =
            answer.body.chunks(32).map(|hash| hash.try_into().unwrap()).collect();
        self.tiles.insert(path, hashes.clone());
        hashes
    }

    /// The hash of the complete subtree of height `height` at `index`: read from a tile when
    /// the height is a tile level, else hashed from the two halves below.
    async fn subtree(&mut self, height: u32, index: u64) -> [u8; 32] {
        if height % 8 == 0 {
            let hashes = self.tile(height / 8, index).await;
            return hashes[(index % 256) as usize];
        }
        let left = Box::pin(self.subtree(height - 1, 2 * index)).await;
        let right = Box::pin(self.subtree(height - 1, 2 * index + 1)).await;
        sha256(&[&[1], &left, &right])
    }

    /// `MTH(D[start : start + n])`, RFC 6962 §2.1, from complete subtrees.
    async fn range(&mut self, start: u64, n: u64) -> [u8; 32] {
        if n.is_power_of_two() && start % n == 0 {
            return self.subtree(n.trailing_zeros(), start / n).await;
        }
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        let left = Box::pin(self.range(start, k)).await;
        let right = Box::pin(self.range(start + k, n - k)).await;
        sha256(&[&[1], &left, &right])
    }

    /// `PATH(m, D[start : start + n])`, RFC 6962 §2.1.1.
    async fn path(&mut self, m: u64, start: u64, n: u64, proof: &mut Vec<TreeHash>) {
        if n <= 1 {
            return;
        }
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        if m < k {
            Box::pin(self.path(m, start, k, proof)).await;
            proof.push(TreeHash(self.range(start + k, n - k).await));
        } else {
            Box::pin(self.path(m - k, start + k, n - k, proof)).await;
            proof.push(TreeHash(self.range(start, k).await));
        }
    }
}

/// The log at sizes that make partial tiles at level 0 and 1 (1, 255, 256, 257, 600): the
/// client recomputes the checkpoint's root from the tiles, checks every hash of the level-0
/// tiles against the entry bundles (each entry the event's stored hash, length 32 prefixed),
/// builds inclusion proofs from the tiles alone and verifies them, and equals the API's proofs.
#[tokio::test]
async fn a_tiles_client_recomputes_the_root_and_proves_inclusion_from_tiles_alone() {
    let log = Log::plain();
    assert_eq!(log.get("/checkpoint", None).await.status, StatusCode::NOT_FOUND);
    for size in [1u64, 255, 256, 257, 600] {
        log.grow_to(size).await;
        log.sign();
        let (mut client, checkpoint) = TilesClient::open(&log).await;
        assert_eq!(checkpoint.size.0, size);
        let root = client.range(0, size).await;
        assert_eq!(TreeHash(root), checkpoint.root, "root from the tiles at {size}");
        // Entry bundles: every entry hashes to its leaf in the level-0 tile.
        for bundle in 0..size.div_ceil(256) {
            let width = (size - bundle * 256).min(256);
            let mut path = format!("/tile/entries/{}", tile_index(bundle));
            if width < 256 {
                path.push_str(&format!(".p/{width}"));
            }
            let answer = log.get(&path, None).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            assert_eq!(answer.body.len() as u64, width * 34, "{path}");
            let leaves = client.tile(0, bundle * 256).await;
            for (n, entry) in answer.body.chunks(34).enumerate() {
                assert_eq!(&entry[..2], &[0, 32], "{path}");
                let seq = proto_events::Seq(bundle * 256 + n as u64 + 1);
                let stored = log.ledger.store().get(seq).unwrap().unwrap();
                assert_eq!(&entry[2..], &stored.hash.0, "{path}");
                assert_eq!(sha256(&[&[0], &entry[2..]]), leaves[n], "{path}");
            }
        }
        for leaf in [0, size / 2, size - 1] {
            let mut proof = Vec::new();
            client.path(leaf, 0, size, &mut proof).await;
            let leaf_hash = TreeHash(client.tile(0, leaf).await[(leaf % 256) as usize]);
            verify_inclusion(&leaf_hash, LeafIndex(leaf), TreeSize(size), &proof, &checkpoint.root)
                .unwrap();
            let token = log.token("auditor");
            let api = log
                .get(
                    &format!("/api/v1/proofs/inclusion?seq={}&size={size}", leaf + 1),
                    Some(&token),
                )
                .await;
            assert_eq!(inclusion(&api).hashes, proof, "leaf {leaf} of {size}");
        }
    }
}

#[tokio::test]
async fn tiles_the_tree_does_not_have_are_404_and_malformed_paths_400() {
    let log = Log::plain();
    log.grow_to(257).await;
    let check = |path: &'static str, status: StatusCode| {
        let log = &log;
        async move {
            let answer = log.get(path, None).await;
            assert_eq!(answer.status, status, "{path}: {}", String::from_utf8_lossy(&answer.body));
        }
    };
    check("/tile/0/000", StatusCode::OK).await;
    check("/tile/0/000.p/7", StatusCode::OK).await;
    check("/tile/0/001.p/1", StatusCode::OK).await;
    check("/tile/1/000.p/1", StatusCode::OK).await;
    check("/tile/entries/001.p/1", StatusCode::OK).await;
    check("/tile/0/001.p/2", StatusCode::NOT_FOUND).await;
    check("/tile/0/001", StatusCode::NOT_FOUND).await;
    check("/tile/1/000", StatusCode::NOT_FOUND).await;
    check("/tile/1/000.p/2", StatusCode::NOT_FOUND).await;
    check("/tile/2/000.p/1", StatusCode::NOT_FOUND).await;
    check("/tile/entries/002", StatusCode::NOT_FOUND).await;
    check("/tile/0/1", StatusCode::BAD_REQUEST).await;
    check("/tile/0/x000/001", StatusCode::BAD_REQUEST).await;
    check("/tile/64/000", StatusCode::BAD_REQUEST).await;
    check("/tile/0/000.p/256", StatusCode::BAD_REQUEST).await;
    check("/tile/entries/000.p/0", StatusCode::BAD_REQUEST).await;
    // A partial tile is a prefix of the full one.
    let full = log.get("/tile/0/000", None).await.body;
    let partial = log.get("/tile/0/000.p/7", None).await.body;
    assert_eq!(&full[..7 * 32], &partial[..]);
}

// ---- The log pushes its checkpoints to witnesses (`serve --checkpoint-every --witness`). ----

/// A witness (`letopis witness serve`'s router) on a real socket; its verifier key line.
async fn running_witness(dir: &std::path::Path, name: &str, log: &NoteSigner) -> (String, String) {
    let key = CosignatureSigner::from_seed(KeyName::new(name).unwrap(), [33; 32]);
    let clock = FixedClock::at_noon(proto_events::Date::from_ymd(2026, 12, 3).unwrap());
    let witness = Witness::open(dir, key.clone(), vec![log.verifier()], clock).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, letopis::witness::http::router(Arc::new(witness))).await.unwrap();
    });
    (format!("http://{address}"), key.verifier().to_text())
}

/// A port nobody listens on.
async fn dead_address() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

fn cosigned_sizes(outcomes: &[PushOutcome]) -> Vec<Option<u64>> {
    outcomes
        .iter()
        .map(|outcome| match outcome {
            PushOutcome::Cosigned(size) => Some(*size),
            PushOutcome::Failed(_) => None,
        })
        .collect()
}

/// Two witnesses, one down: each tick signs the head when it moved and the live witness
/// cosigns it (from the size it cosigned before, with the consistency proof); the down one is a
/// reason, never a stop. `/checkpoint` serves the note with the cosignature, which verifies with
/// the witness's key. A log process that forgot what the witness cosigned (a restart) learns it
/// from the witness's 409 and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_pushes_each_new_checkpoint_to_its_witnesses_and_serves_their_cosignatures() {
    let log = Log::plain();
    let witness_dir = tempfile::tempdir().unwrap();
    let (url, vkey) =
        running_witness(witness_dir.path(), "witness.minobr.example", &log.signer).await;
    let dead = dead_address().await;
    let dead_key =
        CosignatureSigner::from_seed(KeyName::new("witness.down.example").unwrap(), [44; 32]);
    let targets = || {
        vec![
            WitnessTarget::parse(&format!("{url}={vkey}")).unwrap(),
            WitnessTarget::parse(&format!("{dead}={}", dead_key.verifier().to_text())).unwrap(),
        ]
    };
    let mut witnesses = targets();
    let signer = Arc::new(log.signer.clone());
    let store = log.ledger.store().clone();
    let witness_vkey = CosignatureVerifier::parse(&vkey).unwrap();
    let check_served = |size: u64| {
        let log = &log;
        let witness_vkey = witness_vkey.clone();
        async move {
            let served = log.get("/checkpoint", None).await;
            let (checkpoint, opened) =
                checkpoint::open(&served.body, &log.signer.verifier()).unwrap();
            assert_eq!(checkpoint.size.0, size);
            let cosigned =
                cosignature::verify_lines(&opened.text, &opened.unknown, &[witness_vkey]).unwrap();
            assert_eq!(cosigned.len(), 1, "{}", String::from_utf8_lossy(&served.body));
            let at_size =
                log.get(&format!("/api/v1/checkpoints/{size}"), Some(&log.token("auditor"))).await;
            assert_eq!(at_size.body, served.body);
        }
    };
    // An empty log: nothing to push.
    assert!(tick(&store, &signer, &mut witnesses).await.unwrap().is_empty());
    log.grow_to(5).await;
    let outcomes = tick(&store, &signer, &mut witnesses).await.unwrap();
    assert_eq!(cosigned_sizes(&outcomes), [Some(5), None]);
    let PushOutcome::Failed(reason) = &outcomes[1] else { unreachable!() };
    assert!(reason.contains("нет соединения"), "{reason}");
    check_served(5).await;
    log.grow_to(9).await;
    let outcomes = tick(&store, &signer, &mut witnesses).await.unwrap();
    assert_eq!(cosigned_sizes(&outcomes), [Some(9), None]);
    check_served(9).await;
    // A restarted log process: it claims size 0, the witness answers 409 with 9, the push
    // is retried from 9.
    log.grow_to(12).await;
    let mut restarted = targets();
    let outcomes = tick(&store, &signer, &mut restarted).await.unwrap();
    assert_eq!(cosigned_sizes(&outcomes), [Some(12), None]);
    check_served(12).await;
    // The log kept appending throughout, and the down witness never held it up.
    assert_eq!(log.ledger.store().head().seq.0, 12);
}

/// A child process that is killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The lines a child writes to stderr, as they come, for at most 60 seconds in all.
fn stderr_lines(child: &mut Child) -> std::sync::mpsc::IntoIter<String> {
    use std::io::BufRead;
    let stderr = child.0.stderr.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let (forward, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while let Ok(line) =
            receive.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            if forward.send(line).is_err() {
                break;
            }
        }
    });
    lines.into_iter()
}

/// `letopis serve --checkpoint-every 1` with a witness (`letopis witness serve`) and a witness
/// nobody runs: the server says at start what it signs and pushes to, then that the live
/// witness cosigned and that the dead one did not, and keeps serving.
#[test]
fn serve_signs_on_its_schedule_and_says_in_its_log_that_a_witness_is_down() {
    use std::process::{Command, Stdio};

    let data = tempfile::tempdir().unwrap();
    let witness_data = tempfile::tempdir().unwrap();
    {
        let store = letopis::store::Store::open(data.path()).unwrap();
        let ledger = letopis::store::Ledger::start(
            store,
            Box::new(letopis::store::NoGate),
            StepClock::new(),
        );
        let events = (0..3).map(|n| event(&format!("teacher/t-{n}"), "fact")).collect();
        ledger.append_blocking(AppendRequest::new(events)).unwrap();
        ledger.shutdown();
    }
    let letopis = env!("CARGO_BIN_EXE_letopis");
    let data_dir = data.path().to_str().unwrap();
    // No key yet: the server says so clearly at start.
    let port = free_port();
    let mut server = Child(
        Command::new(letopis)
            .args(["serve", "--data", data_dir, "--addr", &format!("127.0.0.1:{port}")])
            .args(["--checkpoint-every", "1"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = stderr_lines(&mut server);
    let mut lines = lines;
    let warned = lines.by_ref().take(10).find(|line| line.contains("НЕ подписываются"));
    assert!(warned.is_some_and(|line| line.contains("letopis key generate")));
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(300));

    let key = Command::new(letopis)
        .args(["key", "generate", "--data", data_dir, "--origin", ORIGIN])
        .output()
        .unwrap();
    let log_vkey = String::from_utf8(key.stdout).unwrap().trim().to_string();
    let witness_key = Command::new(letopis)
        .args(["witness", "key", "generate", "--data", witness_data.path().to_str().unwrap()])
        .args(["--name", "witness.minobr.example"])
        .output()
        .unwrap();
    let witness_vkey = String::from_utf8(witness_key.stdout).unwrap().trim().to_string();
    let witness_port = free_port();
    let _witness = Child(
        Command::new(letopis)
            .args(["witness", "serve", "--data", witness_data.path().to_str().unwrap()])
            .args(["--listen", &format!("127.0.0.1:{witness_port}"), "--log-vkey", &log_vkey])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let dead_key =
        CosignatureSigner::from_seed(KeyName::new("witness.down.example").unwrap(), [5; 32]);
    let port = free_port();
    let mut server = Child(
        Command::new(letopis)
            .args(["serve", "--data", data_dir, "--addr", &format!("127.0.0.1:{port}")])
            .args(["--checkpoint-every", "1"])
            .args(["--witness", &format!("http://127.0.0.1:{witness_port}={witness_vkey}")])
            .args([
                "--witness",
                &format!("http://127.0.0.1:{}={}", free_port(), dead_key.verifier().to_text()),
            ])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = stderr_lines(&mut server);
    let (mut cosigned, mut down, mut seen) = (false, false, Vec::new());
    for line in lines {
        cosigned |= line.contains("witness.minobr.example")
            && line.contains("заверил контрольную точку размера 3");
        down |= line.contains("witness.down.example")
            && line.contains("не заверил")
            && line.contains("журнал работает дальше");
        seen.push(line);
        if cosigned && down {
            break;
        }
    }
    assert!(cosigned && down, "{seen:#?}");
    assert!(seen.iter().any(|line| line.contains("подпись каждые 1 с")), "{seen:#?}");
    // The server still answers, with the cosigned checkpoint.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("— witness.minobr.example "), "{answer}");
}
