//! The demo region generator: deterministic by seed, the district's sizes, an intact chain, and
//! the cases the README tour relies on (late paperwork, a counted fact corrected later).

use std::path::Path;

use letopis::cli::demo::{DemoSummary, Scale};
use letopis::query::Projector;
use letopis::store::Store;
use proto_events::vocabulary::{IndicatorCode, Payload};
use proto_events::{Envelope, Seq};

use crate::support::generate;

fn district(dir: &Path, seed: u64) -> DemoSummary {
    generate(dir, Scale::District, seed).expect("demo generation")
}

fn all_events(store: &Store) -> Vec<Envelope> {
    store.range(Seq(1), store.head().seq).map(|event| event.expect("readable event")).collect()
}

#[test]
fn district_is_deterministic_and_sized_like_zhigalovsky() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let a = district(first.path(), 7);
    let b = district(second.path(), 7);
    let c = district(other.path(), 8);
    assert_eq!(a.head_hash, b.head_hash, "same seed, same history");
    assert_eq!(a.head_seq, b.head_seq);
    assert_ne!(a.head_hash, c.head_hash, "another seed, another history");
    assert_eq!(a.teachers, 236);
    assert_eq!(a.organisations, 25);
    assert_eq!(a.municipalities, 1);
    assert_eq!(a.events, a.head_seq);

    let store = Store::open(first.path()).unwrap();
    store.verify(true, 0, |_| {}).expect("the demo chain verifies");
    assert_eq!(store.head().seq.0, a.head_seq);
    let events = all_events(&store);
    for event in &events {
        let payload = Payload::decode_envelope(event).expect("known payload");
        payload.validate().expect("valid payload");
    }
    let recorded_in_order =
        events.windows(2).all(|pair| pair[0].recorded_at <= pair[1].recorded_at);
    assert!(recorded_in_order, "recorded times follow the simulated history");
}

#[test]
fn district_has_late_paperwork_and_a_counted_fact_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let summary = district(dir.path(), 1);
    let store = Store::open(dir.path()).unwrap();
    let events = all_events(&store);

    // A completion recorded in a later year than it happened.
    let late = events.iter().any(|event| {
        matches!(Payload::decode_envelope(event), Ok(Payload::CourseCompleted(done))
            if event.recorded_at.date_utc().map(|d| d.year()) > Some(done.completed_on.year()))
    });
    assert!(late, "a late-recorded completion exists");
    let case = summary.late_completion.expect("late completion case");
    assert!(case.events.iter().all(|(_, seq)| *seq > 0));

    // A retraction of a diagnostic that a figure report had already counted.
    let counted_then_retracted = events.iter().any(|retraction| {
        let Ok(Payload::EventRetracted(retracted)) = Payload::decode_envelope(retraction) else {
            return false;
        };
        let Some(target) = store.get_by_id(&retracted.target).unwrap() else { return false };
        let Ok(Payload::DiagnosticRecorded(diagnostic)) = Payload::decode_envelope(&target) else {
            return false;
        };
        events.iter().any(|report| {
            matches!(Payload::decode_envelope(report), Ok(Payload::FigureReported(figure))
                if figure.indicator == IndicatorCode::Diagnosed
                    && figure.valid_on.year() == diagnostic.taken_on.year()
                    && report.seq > target.seq
                    && report.seq < retraction.seq
                    && figure.numerator > 0)
        })
    });
    assert!(counted_then_retracted, "a fact counted by a report was retracted later");

    let corrected = summary.corrected_report.expect("corrected report case");
    assert!(corrected.report.is_some());
    assert_eq!(corrected.events.len(), 4);
    assert!(corrected.events.windows(2).all(|pair| pair[0].1 < pair[1].1), "{corrected:?}");
    let dashboard = summary.dashboard_2024.expect("dashboard case");
    assert!(!dashboard.events.is_empty());
}

/// Issue #20: the summary named some cases' events as «событие №0», a seq that cannot exist.
#[test]
fn issue_20_every_case_event_of_the_summary_has_its_real_seq() {
    let dir = tempfile::tempdir().unwrap();
    let summary = district(dir.path(), 7);
    let store = Store::open(dir.path()).unwrap();
    let cases = [
        &summary.corrected_report,
        &summary.dashboard_2024,
        &summary.late_completion,
        &summary.corrected_completion,
        &summary.conflicting_targets,
        &summary.cancelled_activity,
    ];
    for case in cases.into_iter().flatten() {
        for (id, seq) in &case.events {
            let event = store.get_by_id(id).unwrap().expect("a case names a recorded event");
            assert_eq!(event.seq.0, *seq, "{}: {id}", case.description);
        }
    }
}

/// `letopis demo --teachers N` (the synthetic region of `bench figures`): that head count, and
/// organisations and municipalities in proportion.
#[test]
fn a_region_sized_by_teachers_has_that_many_in_proportioned_organisations() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), Scale::Teachers(400), 3).expect("demo generation");
    assert_eq!(summary.teachers, 400);
    assert_eq!(summary.organisations, 20);
    assert_eq!(summary.municipalities, 20);
    assert_eq!(summary.events, summary.head_seq);
    let store = Store::open(dir.path()).unwrap();
    store.verify(true, 0, |_| {}).expect("the sized region's chain verifies");
}

#[test]
fn demo_refuses_a_non_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("something"), b"x").unwrap();
    let error = generate(dir.path(), Scale::District, 1).unwrap_err();
    assert!(format!("{error:#}").contains("не пуст"), "{error:#}");
}

#[test]
fn district_reports_match_the_recomputation_as_known_then() {
    let dir = tempfile::tempdir().unwrap();
    let summary = district(dir.path(), 1);
    let projector = Projector::new(Store::open(dir.path()).unwrap());
    let verifications = projector.verify_reports().expect("verification");
    // One municipality, three indicators reported for each year of the history.
    let years = u64::try_from(summary.years.1 - summary.years.0 + 1).unwrap();
    assert_eq!(u64::try_from(verifications.len()).unwrap(), 3 * years);
    for verification in &verifications {
        assert!(
            verification.matches_then,
            "{} of {} reported {}/{}, recomputed as known then {}/{}",
            verification.reported.indicator.as_str(),
            verification.reported.valid_on.to_russian(),
            verification.reported.numerator,
            verification.reported.denominator,
            verification.then.numerator,
            verification.then.denominator,
        );
    }
    // Later corrections and late paperwork make some differ as known now, and say by what.
    let changed: Vec<_> = verifications
        .iter()
        .filter(|v| (v.now.numerator, v.now.denominator) != (v.then.numerator, v.then.denominator))
        .collect();
    assert!(!changed.is_empty(), "some reported figure was changed by later events");
    assert!(changed.iter().all(|v| !v.changed_by.is_empty()), "{changed:?}");
}
