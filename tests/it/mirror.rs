//! The log mirror (issue #20, "nothing acknowledged is lost to a broken store"): every
//! acknowledged event is in it, each segment is an archive the auditor's verifier reads alone,
//! opening reconciles it with sled in both directions, and `log restore --from-mirror` brings
//! the log back when sled is gone.

use std::path::{Path, PathBuf};
use std::process::Command;

use letopis::store::{
    AppendError, AppendRequest, Ledger, Mirror, MirrorError, MirrorRecords, NoGate, Store,
    MIRROR_DIR,
};
use proto_events::archive::verify_archive;
use proto_events::{Hash, Seq};

use crate::support::{event, open_after_shutdown, StepClock};

/// Small segments, so a few hundred events make several.
const SEGMENT_BYTES_SMALL: u64 = 16 * 1024;

/// Appends `batches` batches of `per_batch` events to the store at `dir` (mirrored with small
/// segments) and closes it; returns the head (seq, hash).
fn fill(dir: &Path, batches: usize, per_batch: usize) -> (Seq, Hash) {
    let store = open_after_shutdown(dir).unwrap();
    let (mirror, _) = Mirror::open(&store).unwrap();
    let mirror = mirror.with_segment_bytes_max(SEGMENT_BYTES_SMALL);
    let ledger = Ledger::start_with(store, Some(mirror), Box::new(NoGate), StepClock::new());
    for batch in 0..batches {
        let events = (0..per_batch)
            .map(|index| event(&format!("teacher/t-{}", index % 5), &format!("{batch}/{index}")))
            .collect();
        ledger.append_blocking(AppendRequest::new(events)).unwrap();
    }
    let head = ledger.store().head();
    ledger.shutdown();
    (head.seq, head.hash)
}

/// The mirror's segments in order.
fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join(MIRROR_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "archive"))
        .collect();
    found.sort();
    found
}

/// Walks the whole mirror: its last (seq, hash) and why it stopped early, if it did.
fn walk(dir: &Path) -> ((Seq, Hash), Option<String>) {
    let mut records = MirrorRecords::open(dir, true).unwrap();
    let mut record = Vec::new();
    while records.next_record(&mut record).unwrap().is_some() {}
    (records.last(), records.tail().map(str::to_string))
}

/// Runs `letopis args paths…`; exit 4 (the store still held by this process's closing sled) is
/// retried for up to a second.
fn letopis(args: &[&str], paths: &[&Path]) -> (Option<i32>, String) {
    for _ in 0..100 {
        let output =
            Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).args(paths).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.code() != Some(4) {
            return (output.status.code(), text);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the store stayed locked");
}

pub fn restore_from_mirror(mirror: &Path, target: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["log", "restore", "--from-mirror"])
        .arg(mirror)
        .arg("--data")
        .arg(target)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[test]
fn every_acknowledged_event_is_in_the_mirror_and_each_segment_is_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 40, 7);
    assert_eq!(head.0, Seq(280));
    assert_eq!(walk(dir.path()), (head, None));
    let segments = segments(dir.path());
    assert!(segments.len() >= 3, "{} segments", segments.len());
    let mut next = 1;
    for segment in &segments {
        let file = std::io::BufReader::new(std::fs::File::open(segment).unwrap());
        let summary = verify_archive(file, true, &[], 0, |_| {}).unwrap();
        assert_eq!(summary.header.first_seq, Seq(next), "{}", segment.display());
        next = summary.chain.last_seq.0 + 1;
        let (code, text) = letopis(&["log", "verify", "--archive"], &[segment]);
        assert_eq!(code, Some(0), "{text}");
    }
    assert_eq!(next, 281);
    let (code, text) = letopis(&["verify", "--data"], &[dir.path()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Зеркало журнала цело"), "{text}");
}

/// The checks that repeat as the log grows (the crash loop's rounds) read from a point verified
/// before: from any seq, at a segment's edge or inside one, the mirror's walk and the store's
/// chain give exactly the events after it; a point whose hash is not the log's is refused.
#[test]
fn checks_from_a_verified_point_read_exactly_what_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 40, 7);
    let store = Store::open(dir.path()).unwrap();
    let hash_at = |seq: u64| store.get(Seq(seq)).unwrap().map_or(Hash::ZERO, |event| event.hash);
    let starts: Vec<u64> = (0..=head.0 .0).step_by(13).chain([head.0 .0 - 1, head.0 .0]).collect();
    for after in starts {
        let mut records =
            MirrorRecords::open_after(dir.path(), false, (Seq(after), hash_at(after))).unwrap();
        let mut record = Vec::new();
        let mut read = Vec::new();
        while let Some(seq) = records.next_record(&mut record).unwrap() {
            read.push(seq.0);
        }
        assert_eq!(read, (after + 1..=head.0 .0).collect::<Vec<_>>(), "after {after}");
        assert_eq!((records.last(), records.tail()), (head, None), "after {after}");
        let summary = store.verify_after((Seq(after), hash_at(after))).unwrap();
        assert_eq!(summary.events, head.0 .0 - after, "after {after}");
    }
    let wrong = (Seq(100), hash_at(101));
    assert!(store.verify_after(wrong).is_err());
    let mut records = MirrorRecords::open_after(dir.path(), false, wrong).unwrap();
    let mut record = Vec::new();
    let refused = loop {
        match records.next_record(&mut record) {
            Ok(Some(_)) => continue,
            Ok(None) => break records.tail().is_some(),
            Err(_) => break true,
        }
    };
    assert!(refused, "a wrong hash at the verified point went unnoticed");
}

/// The mirror is kept once started: a writer started plainly keeps a store's mirror, and a store
/// without one gets none until it is started (`serve --mirror`).
#[test]
fn a_mirror_once_started_is_kept_by_every_writer() {
    let dir = tempfile::tempdir().unwrap();
    let plain = |dir: &Path| {
        let ledger =
            Ledger::start(open_after_shutdown(dir).unwrap(), Box::new(NoGate), StepClock::new());
        ledger.append_blocking(AppendRequest::new(vec![event("teacher/t-1", "x")])).unwrap();
        let head = ledger.store().head();
        ledger.shutdown();
        (head.seq, head.hash)
    };
    plain(dir.path());
    assert!(!dir.path().join(MIRROR_DIR).exists());
    fill(dir.path(), 1, 1);
    let head = plain(dir.path());
    assert_eq!(walk(dir.path()), (head, None));
}

#[test]
fn a_store_ahead_of_its_mirror_catches_the_mirror_up_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 10, 3);
    // A store written before the mirror existed, or one restored from an archive.
    std::fs::remove_dir_all(dir.path().join(MIRROR_DIR)).unwrap();
    let (code, text) = letopis(&["verify", "--data"], &[dir.path()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Зеркало журнала не ведётся"), "{text}");
    let store = Store::open(dir.path()).unwrap();
    let (mirror, reconciled) = Mirror::open(&store).unwrap();
    assert_eq!(reconciled.caught_up_events, 30);
    assert_eq!(mirror.head(), head);
    drop((mirror, store));
    let more = fill(dir.path(), 2, 2);
    assert_eq!(walk(dir.path()), (more, None));
}

#[test]
fn a_torn_tail_is_cut_on_open_and_the_mirror_caught_up_from_sled() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 5, 4);
    // The last group's write cut short: its trailer overwritten by half a frame.
    let last = segments(dir.path()).pop().unwrap();
    let length = std::fs::metadata(&last).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    file.set_len(length - 44 - 100).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&file, &[0, 0, 1, 0, 7, 7, 7], length - 144).unwrap();
    drop(file);
    let (walked, tail) = walk(dir.path());
    assert!(walked.0 < head.0 && tail.is_some(), "{walked:?} {tail:?}");
    let (code, text) = letopis(&["verify", "--data"], &[dir.path()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("отстаёт"), "{text}");

    let store = Store::open(dir.path()).unwrap();
    let (mirror, reconciled) = Mirror::open(&store).unwrap();
    assert!(reconciled.torn_bytes > 0 && reconciled.caught_up_events > 0, "{reconciled:?}");
    assert_eq!(mirror.head(), head);
    drop((mirror, store));
    assert_eq!(walk(dir.path()), (head, None));
}

/// The mirror ahead of sled: sled lost acknowledged events. The writer is refused (nothing
/// would be acknowledged twice under one seq), `verify --data` says so, and the restore from the
/// mirror brings back every event.
#[test]
fn a_mirror_ahead_of_the_store_refuses_the_writer_and_restores_every_event() {
    let original = tempfile::tempdir().unwrap();
    fill(original.path(), 7, 1);
    let behind = tempfile::tempdir().unwrap();
    copy_dir(original.path(), behind.path());
    let head = fill(original.path(), 3, 1);
    std::fs::remove_dir_all(behind.path().join(MIRROR_DIR)).unwrap();
    copy_dir(&original.path().join(MIRROR_DIR), &behind.path().join(MIRROR_DIR));

    let store = Store::open(behind.path()).unwrap();
    assert_eq!(store.head().seq, Seq(7));
    assert!(matches!(
        Mirror::open(&store),
        Err(MirrorError::Ahead { store_head: 7, mirror_head: 10 })
    ));
    let ledger = Ledger::start(store, Box::new(NoGate), StepClock::new());
    let refused = ledger.append_blocking(AppendRequest::new(vec![event("teacher/t-9", "x")]));
    assert!(matches!(refused, Err(AppendError::Unavailable(_))), "{refused:?}");
    ledger.shutdown();

    let (code, text) = letopis(&["verify", "--data"], &[behind.path()]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("--from-mirror"), "{text}");

    let target = tempfile::tempdir().unwrap();
    let restored = target.path().join("restored");
    let (code, text) = restore_from_mirror(behind.path(), &restored);
    assert_eq!(code, Some(0), "{text}");
    let store = Store::open(&restored).unwrap();
    assert_eq!((store.head().seq, store.head().hash), head);
    assert_eq!(store.verify(true, 0, |_| {}).unwrap().events, 10);
}

#[test]
fn damage_to_a_sealed_segment_is_named_and_the_store_rebuilds_the_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 40, 7);
    let first = segments(dir.path()).remove(0);
    let mut bytes = std::fs::read(&first).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&first, bytes).unwrap();

    let (code, text) = letopis(&["verify", "--data"], &[dir.path()]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("зеркало журнала повреждено"), "{text}");
    let target = tempfile::tempdir().unwrap();
    let (code, text) = restore_from_mirror(dir.path(), &target.path().join("restored"));
    assert_eq!(code, Some(3), "{text}");
    assert!(!target.path().join("restored").exists());

    // The remedy: sled is intact, so the damaged mirror is moved aside and rebuilt from it.
    std::fs::rename(dir.path().join(MIRROR_DIR), dir.path().join("mirror.damaged")).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (mirror, reconciled) = Mirror::open(&store).unwrap();
    assert_eq!((reconciled.caught_up_events, mirror.head()), (280, head));
}

/// Copies a closed store (or a mirror) file by file.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
