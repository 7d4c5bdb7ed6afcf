//! The bodies of the fuzz targets (issue #20): one function per target, taking the fuzzer's
//! bytes and panicking only when a property breaks. `fuzz_targets/*.rs` call them under
//! libFuzzer (`cargo +nightly fuzz run <target>`), and `tests/it/fuzz.rs` includes this very
//! file (`#[path]`) and runs every body over the committed corpus (`fuzz/corpus/<target>/`) and
//! over bounded arbitrary input on stable, so the two can never drift.
//!
//! The property of every body: no panic, whatever the bytes (an error is the answer), and what
//! is accepted is within the limits the callers rely on.

use letopis::documents::import::read_plan;
use letopis::documents::import::registry::read_table;
use letopis::query::parameters;
use letopis::server::commands::parse_request;
use letopis::server::{reads, views};
use proto_events::archive::verify_archive;
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::{Envelope, StoredHeader, Timestamp};

/// The body of a target: the fuzzer's bytes in, a panic only when a property breaks.
pub type Body = fn(&[u8]);

/// Every target: its name (the corpus directory and the `fuzz_targets` file) and its body.
pub const TARGETS: [(&str, Body); 10] = [
    ("envelope", envelope),
    ("archive", archive),
    ("term", term),
    ("table_text", table_text),
    ("table_csv", table_csv),
    ("table_xlsx", table_xlsx),
    ("table_docx", table_docx),
    ("table_odt", table_odt),
    ("command_json", command_json),
    ("query_string", query_string),
];

/// A stored record (`body ‖ hash`) opened: an error, or an envelope whose fixed-offset header
/// (what the store's index reads without decoding) says the same.
pub fn envelope(data: &[u8]) {
    let header = StoredHeader::peek(data);
    if let Ok(envelope) = Envelope::open(data) {
        let header = header.expect("an opened record has a header");
        assert_eq!((header.seq, header.id), (envelope.seq, envelope.id));
        assert_eq!(header.stream_version, envelope.stream_version);
    }
}

/// A log archive verified deeply: an error or a summary, never a panic.
pub fn archive(data: &[u8]) {
    let _ = verify_archive(data, true, &[], 0, |_| {});
}

/// A plan term (срок) read alone and in a plan's period.
pub fn term(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let alone = proto_events::term::parse(&text);
    let in_plan = proto_events::term::parse_in_plan(&text, Some((2024, 2025)));
    assert_eq!(alone.text, in_plan.text, "the text as written is kept either way");
}

/// A text dump of a Word table, read as a plan.
pub fn table_text(data: &[u8]) {
    let _ = read_plan("plan.txt", data);
}

/// A CSV table, read as a plan and as a registry.
pub fn table_csv(data: &[u8]) {
    let _ = read_plan("plan.csv", data);
    let _ = read_table("registry.csv", data);
}

/// An XLSX workbook, read as a plan and as a registry.
pub fn table_xlsx(data: &[u8]) {
    let _ = read_plan("plan.xlsx", data);
    let _ = read_table("registry.xlsx", data);
}

/// A Word document, read as a plan (issue #14: its tables, merged cells, lists, nesting).
pub fn table_docx(data: &[u8]) {
    let _ = read_plan("plan.docx", data);
}

/// An OpenDocument text, read as a plan.
pub fn table_odt(data: &[u8]) {
    let _ = read_plan("plan.odt", data);
}

/// A body of `POST /api/v1/commands`, parsed as the server parses it before any rule runs.
pub fn command_json(data: &[u8]) {
    if let Ok(commands) = parse_request(data) {
        assert!(!commands.is_empty(), "an empty batch was accepted");
        assert!(commands.len() <= BATCH_EVENTS_MAX, "{} commands accepted", commands.len());
    }
}

/// A query string, deserialised as each query of the API is and its values read by the
/// parameter parsers (scope, date, knowledge point).
pub fn query_string(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(uri) = format!("/?{text}").parse::<axum::http::Uri>() else { return };
    let _ = axum::extract::Query::<views::FiguresQuery>::try_from_uri(&uri);
    let _ = axum::extract::Query::<views::AtQuery>::try_from_uri(&uri);
    let _ = axum::extract::Query::<views::RoutesQuery>::try_from_uri(&uri);
    let _ = axum::extract::Query::<reads::RangeQuery>::try_from_uri(&uri);
    let _ = axum::extract::Query::<reads::FeedQuery>::try_from_uri(&uri);
    let clock = FixedClock;
    for value in text.split('&').filter_map(|pair| pair.split_once('=').map(|(_, value)| value)) {
        let _ = parameters::scope(Some(value));
        let _ = parameters::date(Some(value), &clock);
        let _ = parameters::known_at(Some(value));
    }
}

/// A clock at 2024-06-01 noon UTC, so `date` never reads the system's.
struct FixedClock;

impl letopis::store::Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(1_717_243_200_000_000)
    }
}
