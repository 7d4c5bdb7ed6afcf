//! Golden vectors and properties of the envelope format: the bytes are pinned, every encoding
//! round-trips byte for byte, any flipped byte is detected, and no input makes decoding panic.

use proptest::prelude::*;
use proto_events::chain::{ChainVerifier, VerifyFailure};
use proto_events::envelope::{Assigned, StoredHeader};
use proto_events::golden::{envelope_cases, envelope_vectors_text};
use proto_events::{
    Actor, ActorRole, Date, Effective, Envelope, EventId, Hash, NewEvent, Seq, StreamName,
    Timestamp,
};

#[test]
fn golden_vectors_match_the_checked_in_file() {
    let expected = include_str!("vectors/envelope.txt");
    assert_eq!(
        envelope_vectors_text(),
        expected,
        "the envelope encoding changed: if intended, bump FORMAT_VERSION, run `cargo run -p letopis-tools --bin golden -- --bless` and commit with a Format-Change trailer"
    );
}

#[test]
fn golden_first_vector_hash_is_pinned_independently() {
    // Pinned by hand so that blessing the file alone cannot hide a change of the first hash.
    let first = &envelope_cases()[0];
    assert_eq!(first.envelope.hash.to_hex(), include_str!("vectors/first_hash.txt").trim());
    // 81 fixed header + 16 stream + (8+16) kind + 2 schema version + (4+4) effective date
    // + (4 + 8+8) actor + 1 no basis + (8+3) payload + 32 hash.
    assert_eq!(first.stored.len(), 195);
}

#[test]
fn golden_chain_verifies() {
    let mut verifier = ChainVerifier::new(true);
    let cases = envelope_cases();
    for case in &cases {
        verifier.push(case.envelope.seq.0, &case.stored).unwrap();
    }
    let last = cases.last().unwrap();
    let summary = verifier.finish(Some((last.envelope.seq, last.envelope.hash))).unwrap();
    assert_eq!(summary.events, 3);
}

fn arbitrary_event() -> impl Strategy<Value = (NewEvent, Assigned)> {
    (
        "[a-z_]{1,12}/[a-zA-Zа-я0-9 .-]{1,40}",
        "[a-z_]{1,30}",
        any::<u16>(),
        prop_oneof![
            (-30_000i32..80_000).prop_map(|d| Effective::Date(Date::from_days_since_epoch(d))),
            any::<i64>().prop_map(|t| Effective::DateTime(Timestamp::from_micros(t))),
        ],
        prop_oneof![
            Just(ActorRole::Operator),
            Just(ActorRole::Ministry),
            "[a-z0-9-]{1,10}".prop_map(ActorRole::Municipality),
            "[a-z0-9-]{1,10}".prop_map(ActorRole::Organisation),
        ],
        proptest::option::of((
            "[а-я]{1,20}",
            "[0-9а-я-]{1,20}",
            -10_000i32..30_000,
            proptest::option::of(".{0,40}"),
        )),
        proptest::collection::vec(any::<u8>(), 0..600),
        (any::<u128>(), 1u64..u64::MAX / 2, 1u64..1_000_000, any::<i64>(), any::<[u8; 32]>()),
    )
        .prop_map(
            |(stream, kind, schema_version, effective, role, basis, payload, assigned)| {
                let event = NewEvent {
                    id: None,
                    stream: StreamName::new(stream).unwrap(),
                    kind,
                    schema_version,
                    effective,
                    actor: Actor { role, id: "actor".into() },
                    basis: basis.map(|(kind, number, days, title)| proto_events::Basis {
                        kind,
                        number,
                        date: Date::from_days_since_epoch(days),
                        title,
                    }),
                    payload,
                };
                let (id, seq, stream_version, recorded, prev) = assigned;
                let assigned = Assigned {
                    id: EventId(uuid::Uuid::from_u128(id)),
                    seq: Seq(seq),
                    stream_version,
                    recorded_at: Timestamp::from_micros(recorded),
                    prev_hash: Hash(prev),
                };
                (event, assigned)
            },
        )
}

proptest! {
    #[test]
    fn seal_open_reseal_is_byte_identical((event, assigned) in arbitrary_event()) {
        let (envelope, stored) = Envelope::seal(event, assigned).unwrap();
        let opened = Envelope::open(&stored).unwrap();
        prop_assert_eq!(&opened, &envelope);
        prop_assert_eq!(opened.to_stored().unwrap(), stored.clone());
        let header = StoredHeader::peek(&stored).unwrap();
        prop_assert_eq!(header.seq, envelope.seq);
        prop_assert_eq!(header.stream, envelope.stream.as_str().as_bytes());
    }

    #[test]
    fn any_tampered_byte_is_detected((event, assigned) in arbitrary_event(), position in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (_, stored) = Envelope::seal(event, assigned).unwrap();
        let mut bad = stored.clone();
        let index = position.index(bad.len());
        bad[index] ^= flip;
        prop_assert!(Envelope::open(&bad).is_err());
        let mut verifier = ChainVerifier::resume(false, Seq(assigned.seq.0 - 1), assigned.prev_hash);
        prop_assert!(verifier.push(assigned.seq.0, &bad).is_err());
    }

    #[test]
    fn opening_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Envelope::open(&bytes);
        let _ = StoredHeader::peek(&bytes);
        let mut verifier = ChainVerifier::new(true);
        let _ = verifier.push(1, &bytes);
    }
}

#[test]
fn verifier_reports_a_stream_version_gap() {
    let cases = envelope_cases();
    let first = &cases[0];
    let mut second = first.envelope.clone();
    second.seq = Seq(2);
    second.id = EventId(uuid::Uuid::from_u128(99));
    second.stream_version = 3;
    second.prev_hash = first.envelope.hash;
    let stored = second.to_stored().unwrap();
    let mut verifier = ChainVerifier::new(false);
    verifier.push(1, &first.stored).unwrap();
    let error = verifier.push(2, &stored).unwrap_err();
    assert_eq!(error.seq, 2);
    assert!(matches!(error.failure, VerifyFailure::StreamGap { expected: 2, found: 3, .. }));
}
