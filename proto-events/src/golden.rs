//! Fixed inputs of the golden vectors (`tests/vectors/`): the test recomputes their bytes and
//! hashes and compares with the checked-in files; `letopis-tools golden --bless` rewrites them.
//! A changed vector is a format change (style §9).

use uuid::Uuid;

use crate::envelope::{
    Actor, ActorRole, Assigned, Basis, Effective, Envelope, EventId, NewEvent, Seq, StreamName,
};
use crate::hash::Hash;
use crate::time::{Date, Timestamp};

/// One golden envelope: a name, and the stored record it must seal to.
pub struct EnvelopeCase {
    /// Name used in the vector file.
    pub name: &'static str,
    /// The sealed envelope.
    pub envelope: Envelope,
    /// The stored record (body ‖ hash).
    pub stored: Vec<u8>,
}

/// Three chained events covering every envelope field shape: a date and a date-time valid time,
/// with and without a basis, each role form, an empty and a non-empty payload.
pub fn envelope_cases() -> Vec<EnvelopeCase> {
    let date = |y, m, d| Date::from_ymd(y, m, d).unwrap_or(Date::from_days_since_epoch(0));
    let stream = |name: &str| StreamName::new(name).ok();
    let inputs = [
        (
            "first_event_course_completed",
            stream("teacher/t-000001"),
            "course_completed",
            Effective::Date(date(2024, 12, 20)),
            Actor { role: ActorRole::Operator, id: "tok-0001".into() },
            None,
            vec![0x01, 0x02, 0x03],
        ),
        (
            "second_event_with_basis",
            stream("plan/irk-2023-roadmap"),
            "activity_amended",
            Effective::Date(date(2023, 6, 13)),
            Actor { role: ActorRole::Ministry, id: "tok-0002".into() },
            Some(Basis {
                kind: "распоряжение".into(),
                number: "55-35-мпр".into(),
                date: date(2023, 6, 13),
                title: Some("Об утверждении Положения о РС НМС".into()),
            }),
            Vec::new(),
        ),
        (
            "third_event_datetime_scoped_role",
            stream("report/r-38-12-2024"),
            "figure_reported",
            Effective::DateTime(Timestamp::from_micros(1_735_678_800_123_456)),
            Actor { role: ActorRole::Municipality("38-12".into()), id: "tok-0003".into() },
            None,
            b"\x00\xffpayload".to_vec(),
        ),
    ];
    let mut prev_hash = Hash::ZERO;
    let mut out = Vec::new();
    for (index, (name, stream, kind, effective, actor, basis, payload)) in
        inputs.into_iter().enumerate()
    {
        let Some(stream) = stream else { continue };
        let seq = index as u64 + 1;
        let event = NewEvent {
            id: None,
            stream,
            kind: kind.into(),
            schema_version: 1,
            effective,
            actor,
            basis,
            payload,
        };
        let assigned = Assigned {
            id: EventId(Uuid::from_u128(
                0x0193_0000_0000_7000_8000_0000_0000_0000 + u128::from(seq),
            )),
            seq: Seq(seq),
            stream_version: 1,
            recorded_at: Timestamp::from_micros(1_738_000_000_000_000 + (seq as i64) * 1_000_000),
            prev_hash,
        };
        if let Ok((envelope, stored)) = Envelope::seal(event, assigned) {
            prev_hash = envelope.hash;
            out.push(EnvelopeCase { name, envelope, stored });
        }
    }
    out
}

/// The vector file's text for `envelope_cases`: one line per case, `name hash stored-hex`.
pub fn envelope_vectors_text() -> String {
    let mut text = String::from("# name hash stored-record-hex (body || hash); see ENCODING.md\n");
    for case in envelope_cases() {
        let mut hex = String::with_capacity(case.stored.len() * 2);
        for byte in &case.stored {
            hex.push_str(&format!("{byte:02x}"));
        }
        text.push_str(&format!("{} {} {}\n", case.name, case.envelope.hash.to_hex(), hex));
    }
    text
}
