//! The store's contract: durable appends with seqs, optimistic concurrency, idempotency, limits,
//! reads, and verification that catches every kind of tampering.

use std::collections::BTreeMap;

use letopis::commands::wording;
use letopis::store::{AppendError, AppendRequest, Expected, StoreError};
use proto_events::chain::VerifyFailure;
use proto_events::limits::{BATCH_EVENTS_MAX, PAYLOAD_BYTES_MAX};
use proto_events::{Hash, Seq, StreamName};

use crate::support::{event, open_after_shutdown, TempLedger};

fn append(
    ledger: &TempLedger,
    events: Vec<proto_events::NewEvent>,
) -> Result<Vec<u64>, AppendError> {
    ledger
        .ledger
        .append_blocking(AppendRequest::new(events))
        .map(|o| o.seqs.iter().map(|s| s.0).collect())
}

fn verify_failure(ledger: &TempLedger) -> (u64, VerifyFailure) {
    match ledger.store().verify(false, 0, |_| {}) {
        Err(StoreError::Integrity(error)) => (error.seq, error.failure),
        other => panic!("expected an integrity failure, got {other:?}"),
    }
}

fn filled(count: usize) -> TempLedger {
    let ledger = TempLedger::new();
    for index in 0..count {
        append(&ledger, vec![event(&format!("teacher/t-{}", index % 3), &format!("fact {index}"))])
            .unwrap();
    }
    ledger
}

#[test]
fn appends_get_gapless_seqs_and_stream_versions_and_read_back() {
    let ledger = TempLedger::new();
    assert_eq!(
        append(&ledger, vec![event("teacher/a", "1"), event("teacher/b", "2")]).unwrap(),
        vec![1, 2]
    );
    assert_eq!(append(&ledger, vec![event("teacher/a", "3")]).unwrap(), vec![3]);
    let store = ledger.store();
    assert_eq!(store.head().seq, Seq(3));
    let stream = store.stream(&StreamName::new("teacher/a").unwrap(), 1).unwrap();
    assert_eq!(
        stream.iter().map(|e| (e.seq.0, e.stream_version)).collect::<Vec<_>>(),
        vec![(1, 1), (3, 2)]
    );
    let third = store.get(Seq(3)).unwrap().unwrap();
    assert_eq!(third.payload, b"3");
    assert_eq!(store.get_by_id(&third.id).unwrap().unwrap(), third);
    assert_eq!(third.prev_hash, store.get(Seq(2)).unwrap().unwrap().hash);
    assert_eq!(store.get(Seq(1)).unwrap().unwrap().prev_hash, Hash::ZERO);
    assert!(store.get(Seq(4)).unwrap().is_none());
    let all: Vec<u64> = store.range(Seq(1), Seq(u64::MAX)).map(|e| e.unwrap().seq.0).collect();
    assert_eq!(all, vec![1, 2, 3]);
}

#[test]
fn recorded_time_is_assigned_by_the_ledger_and_never_goes_back() {
    let ledger = filled(5);
    let times: Vec<_> =
        ledger.store().range(Seq(1), Seq(5)).map(|e| e.unwrap().recorded_at).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[test]
fn wrong_expected_version_is_a_conflict_naming_stream_and_versions_and_writes_nothing() {
    let ledger = filled(3);
    let stream = StreamName::new("teacher/t-0").unwrap();
    let mut expected = BTreeMap::new();
    expected.insert(stream.clone(), Expected::Exact(5));
    let error = ledger
        .ledger
        .append_blocking(AppendRequest::expecting(vec![event("teacher/t-0", "x")], expected))
        .unwrap_err();
    // The code stays as the API names it; what people read is in Russian (the command layer
    // words the store's refusals).
    let message = wording::append_error(&error);
    assert_eq!(
        message,
        "конфликт версий потока teacher/t-0: ожидалось: версия 5, текущая версия 1"
    );
    match error {
        AppendError::Conflict { stream: s, expected, actual } => {
            assert_eq!(s, stream);
            assert_eq!(expected, "version 5");
            assert_eq!(actual, 1);
        }
        other => panic!("expected a conflict, got {other}"),
    }
    for (code, words) in
        [(Expected::Any, "любая версия"), (Expected::NoStream, "поток без событий")]
    {
        assert_eq!(wording::expected_in_words(&code.code()), words);
    }
    assert_eq!(ledger.store().head().seq, Seq(3));

    let mut expected = BTreeMap::new();
    expected.insert(stream.clone(), Expected::Exact(1));
    let ok = ledger
        .ledger
        .append_blocking(AppendRequest::expecting(vec![event("teacher/t-0", "y")], expected));
    assert_eq!(ok.unwrap().seqs, vec![Seq(4)]);

    let mut expected = BTreeMap::new();
    expected.insert(stream, Expected::NoStream);
    let error = ledger
        .ledger
        .append_blocking(AppendRequest::expecting(vec![event("teacher/t-0", "z")], expected));
    assert!(matches!(error, Err(AppendError::Conflict { actual: 2, .. })));
}

#[test]
fn retry_with_same_id_and_content_returns_original_seq_and_different_content_is_refused() {
    let ledger = filled(2);
    let first = event("teacher/x", "payload");
    let seqs = append(&ledger, vec![first.clone()]).unwrap();
    let retry = ledger.ledger.append_blocking(AppendRequest::new(vec![first.clone()])).unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.seqs.iter().map(|s| s.0).collect::<Vec<_>>(), seqs);
    assert_eq!(ledger.store().head().seq, Seq(3));

    let mut changed = first.clone();
    changed.payload = b"other".to_vec();
    assert!(matches!(
        append(&ledger, vec![changed]),
        Err(AppendError::IdReused { seq: Some(Seq(3)), .. })
    ));

    let fresh = event("teacher/x", "new");
    assert!(matches!(
        append(&ledger, vec![fresh, first.clone()]),
        Err(AppendError::PartialRetry { .. })
    ));
    assert!(matches!(
        append(&ledger, vec![first.clone(), first]),
        Err(AppendError::DuplicateInBatch { .. })
    ));
    assert_eq!(ledger.store().head().seq, Seq(3));
}

#[test]
fn limits_are_named_and_nothing_is_written() {
    let ledger = filled(1);
    let big = event("teacher/x", &"я".repeat(PAYLOAD_BYTES_MAX));
    match append(&ledger, vec![event("teacher/x", "ok"), big]) {
        Err(AppendError::Limit { event_index: 1, source }) => {
            assert_eq!(source.limit, "PAYLOAD_BYTES_MAX");
            assert_eq!(source.value, PAYLOAD_BYTES_MAX * 2);
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
    let many = (0..=BATCH_EVENTS_MAX).map(|i| event("teacher/x", &i.to_string())).collect();
    assert!(
        matches!(append(&ledger, many), Err(AppendError::BatchTooLarge { events, .. }) if events == BATCH_EVENTS_MAX + 1)
    );
    assert!(matches!(append(&ledger, vec![]), Err(AppendError::EmptyBatch)));
    assert_eq!(ledger.store().head().seq, Seq(1));
}

#[test]
fn a_failed_request_in_a_group_does_not_affect_the_others() {
    let ledger = filled(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for index in 0..50 {
            let handle = ledger.ledger.clone();
            tasks.push(tokio::spawn(async move {
                let mut request =
                    AppendRequest::new(vec![event("teacher/t-0", &index.to_string())]);
                if index % 5 == 0 {
                    request
                        .expected
                        .insert(StreamName::new("teacher/t-0").unwrap(), Expected::NoStream);
                }
                handle.append(request).await
            }));
        }
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 10);
    assert_eq!(ledger.store().head().seq, Seq(41));
    ledger.store().verify(true, 0, |_| {}).unwrap();
}

#[test]
fn reopen_after_drop_keeps_everything_and_verifies() {
    let ledger = filled(30);
    let head = ledger.store().head();
    let ledger = ledger.reopen();
    assert_eq!(ledger.store().head(), head);
    let summary = ledger.store().verify(true, 0, |_| {}).unwrap();
    assert_eq!(summary.events, 30);
    assert_eq!(summary.streams, 3);
    assert_eq!(append(&ledger, vec![event("teacher/t-0", "after")]).unwrap(), vec![31]);
    let last = ledger.store().get(Seq(31)).unwrap().unwrap();
    assert_eq!(last.stream_version, 11);
}

#[test]
fn verify_detects_a_changed_payload_byte() {
    let ledger = filled(10);
    let mut raw = ledger.store().get_raw(Seq(5)).unwrap().unwrap();
    let index = raw.len() - 40;
    raw[index] ^= 0x20;
    ledger.store().tamper_put_raw(Seq(5), Some(&raw)).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 5);
    assert!(matches!(failure, VerifyFailure::HashMismatch { .. }), "{failure}");
}

#[test]
fn verify_detects_a_deleted_event() {
    let ledger = filled(10);
    ledger.store().tamper_put_raw(Seq(4), None).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 5);
    assert_eq!(failure, VerifyFailure::SeqGap { expected: 4, found: 5 });
}

#[test]
fn verify_detects_a_reordered_pair() {
    let ledger = filled(10);
    let store = ledger.store();
    let four = store.get_raw(Seq(4)).unwrap().unwrap();
    let five = store.get_raw(Seq(5)).unwrap().unwrap();
    store.tamper_put_raw(Seq(4), Some(&five)).unwrap();
    store.tamper_put_raw(Seq(5), Some(&four)).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 4);
    assert_eq!(failure, VerifyFailure::KeyMismatch { key: 4, inside: 5 });
}

#[test]
fn verify_detects_a_replaced_hash_even_when_recomputed() {
    let ledger = filled(10);
    let store = ledger.store();
    // Replace the stored hash with garbage.
    let mut raw = store.get_raw(Seq(6)).unwrap().unwrap();
    let len = raw.len();
    raw[len - 1] ^= 0xff;
    store.tamper_put_raw(Seq(6), Some(&raw)).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 6);
    assert!(matches!(failure, VerifyFailure::HashMismatch { .. }));
}

#[test]
fn verify_detects_a_forged_event_with_a_recomputed_hash_at_the_next_link() {
    let ledger = filled(10);
    let store = ledger.store();
    let mut forged = store.get(Seq(6)).unwrap().unwrap();
    forged.payload = b"forged".to_vec();
    let bytes = forged.to_stored().unwrap();
    store.tamper_put_raw(Seq(6), Some(&bytes)).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 7);
    assert!(matches!(failure, VerifyFailure::BrokenLink { .. }), "{failure}");
}

#[test]
fn verify_and_open_detect_a_truncated_tail() {
    let ledger = filled(10);
    ledger.store().tamper_put_raw(Seq(10), None).unwrap();
    let (seq, failure) = verify_failure(&ledger);
    assert_eq!(seq, 10);
    assert!(matches!(failure, VerifyFailure::HeadMismatch { head_seq: 10, last_seq: 9, .. }));
    let dir = ledger.dir.path().to_path_buf();
    let TempLedger { dir: keep, ledger } = ledger;
    ledger.shutdown();
    assert!(matches!(open_after_shutdown(&dir), Err(StoreError::Integrity(_))));
    drop(keep);
}

#[test]
fn opening_a_store_held_by_another_handle_is_a_clear_error() {
    let ledger = filled(1);
    // sled locks the directory per process with a file lock; a second open from this process
    // must not hang or corrupt. Another process is covered by the crash test's writer.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["verify", "--data"])
        .arg(ledger.dir.path())
        .output()
        .unwrap();
    assert_eq!(child.status.code(), Some(4), "stderr: {}", String::from_utf8_lossy(&child.stderr));
    assert!(String::from_utf8_lossy(&child.stderr).contains("занято другим процессом"));
}

#[test]
fn ids_and_streams_are_found_right_after_append_and_after_reopen() {
    let ledger = filled(12);
    let store = ledger.store().clone();
    let events: Vec<_> = store.range(Seq(1), Seq(12)).map(|e| e.unwrap()).collect();
    let stream = StreamName::new("teacher/t-1").unwrap();
    let check = |store: &letopis::store::Store| {
        for event in &events {
            assert_eq!(store.seq_of(&event.id).unwrap(), Some(event.seq));
        }
        let seqs: Vec<u64> = store.stream(&stream, 2).unwrap().iter().map(|e| e.seq.0).collect();
        assert_eq!(seqs, vec![5, 8, 11]);
        assert_eq!(store.stream_version(&stream).unwrap(), 4);
        assert!(store.index_memory_bytes() > 0);
    };
    check(&store);
    drop(store);

    // Reopening rebuilds both indexes from the event headers.
    let ledger = ledger.reopen();
    check(ledger.store());
    assert_eq!(append(&ledger, vec![event("teacher/t-1", "next")]).unwrap(), vec![13]);
    let thirteenth = ledger.store().get(Seq(13)).unwrap().unwrap();
    assert_eq!(thirteenth.stream_version, 5);
    assert_eq!(ledger.store().seq_of(&thirteenth.id).unwrap(), Some(Seq(13)));
    // After the rebuild the writer still refuses a reused id and accepts a clean retry.
    let mut reused = event("teacher/t-1", "other");
    reused.id = Some(events[3].id);
    let result = append(&ledger, vec![reused]);
    assert!(matches!(result, Err(AppendError::IdReused { seq: Some(Seq(4)), .. })), "{result:?}");
    let fourth = &events[3];
    let mut retry = event(fourth.stream.as_str(), "fact 3");
    retry.id = Some(fourth.id);
    retry.effective = fourth.effective;
    assert_eq!(append(&ledger, vec![retry]).unwrap(), vec![4]);
}
