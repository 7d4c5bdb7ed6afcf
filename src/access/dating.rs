//! How far from the day the ledger records an event each role may date it (`effective`, valid
//! time), and how far back a municipality or organisation may date a hire (issue #20, items 2
//! and 3). The gate runs both with the ledger's clock: `recorded_at` is assigned by the writer
//! before the gate sees the event, so the rule cannot be bent by the client's clock.
//!
//! - Region-wide roles (system, ministry, operator) date freely within the bounds every date has
//!   (1950–2100, `validation::effective`): they enter archives, acts and whole past years.
//! - A municipality or organisation dates an event from the start of the previous school year
//!   (1 September) up to `FUTURE_DAYS_MAX` days after the day it is recorded; registry facts
//!   (an organisation, its status, its staff's hires, its management team) carry the date of
//!   the order they record however old, since a municipality starting to keep its registries
//!   here enters staff hired years ago (a hire of a teacher who worked in the region before is
//!   bounded below). Why so much past:
//!   municipal paperwork arrives late, and the reporting period is the school year, so a
//!   municipality entering in May the orders of last September, or in October the completions
//!   of the school year just closed, must still be able to. Why no more: anything older is an
//!   archive, the operator's to enter (and a valid date years back changes figures already
//!   reported). Why some future: a hire signed in June for 1 September, a municipal plan for
//!   the coming school year drafted in spring; half a year covers both.
//! - A hire by a municipality or organisation of a teacher the ledger has employment facts of
//!   (who worked somewhere in the region) is dated after the teacher's latest employment change
//!   (their departure) and no more than `HIRE_BACKDATE_DAYS_MAX` days before the day it is
//!   recorded: the hire opens the teacher's events from its date on to the new employer
//!   (`access::teacher`), so it must not reach into the time the teacher worked elsewhere. The
//!   grace period covers an order entered a few weeks late; a hire entered later is the
//!   operator's. The refusal names neither the departure's date nor the former employer: a
//!   scope that does not cover the former employer learns at most that the departure lies in
//!   the grace period (secrecy row 7). A teacher the ledger knows nothing of has no past in it
//!   to reach, so their hire is dated by the general window only.

use proto_events::vocabulary::Payload;
use proto_events::Date;

use crate::access::{Refusal, Role};

/// Days after the day of recording a municipality or organisation may date an event.
pub const FUTURE_DAYS_MAX: i32 = 183;

/// Days before the day of recording a municipality or organisation may date the hire of a
/// teacher who worked in the region before.
pub const HIRE_BACKDATE_DAYS_MAX: i32 = 31;

/// Whether `role` may date an event of `payload` `effective` when the ledger records it on
/// `recorded_on`.
pub fn may_date(
    role: &Role,
    payload: &Payload,
    effective: Date,
    recorded_on: Date,
) -> Result<(), Refusal> {
    if !role.is_scoped() {
        return Ok(());
    }
    let (earliest, latest) = window(recorded_on);
    // `validation::effective` has refused anything before 1950 already.
    let earliest = if dated_by_its_document(payload) {
        Date::from_days_since_epoch(i32::MIN)
    } else {
        earliest
    };
    if effective < earliest || effective > latest {
        return Err(Refusal::new(
            "effective",
            effective,
            format!(
                "{role} датирует события от начала прошлого учебного года ({earliest}) до \
                 {FUTURE_DAYS_MAX} дней после дня записи ({latest}); более ранние документы \
                 вносит региональный оператор"
            ),
        ));
    }
    Ok(())
}

/// Registry facts a municipality enters when it starts keeping its registries here: an
/// organisation, its status, its staff and management team, dated by the order they record
/// however old (a hire of a teacher who worked in the region before is bounded by
/// `may_date_hire`). They report no activity of a period, so their date changes no figure
/// reported for a closed one the way a late completion or plan would.
fn dated_by_its_document(payload: &Payload) -> bool {
    matches!(
        payload,
        Payload::OrganisationRegistered(_)
            | Payload::OrganisationStatusChanged(_)
            | Payload::TeacherHired(_)
            | Payload::ManagementTeamMemberAdded(_)
            | Payload::ManagementTeamMemberRemoved(_)
    )
}

/// Whether `role` may date on `effective`, recorded on `recorded_on`, the hire of a teacher
/// whose latest employment change is dated `changed_on` (None: the ledger has no employment
/// facts of the teacher).
pub fn may_date_hire(
    role: &Role,
    effective: Date,
    recorded_on: Date,
    changed_on: Option<Date>,
) -> Result<(), Refusal> {
    let Some(changed_on) = changed_on else { return Ok(()) };
    if !role.is_scoped() {
        return Ok(());
    }
    let earliest = days_after(recorded_on, -HIRE_BACKDATE_DAYS_MAX);
    if effective < earliest || effective <= changed_on {
        return Err(Refusal::new(
            "effective",
            effective,
            format!(
                "приём педагога, уже работавшего в регионе, датируется не ранее чем за \
                 {HIRE_BACKDATE_DAYS_MAX} день до дня записи ({earliest}) и позже его увольнения \
                 с прежнего места работы; более ранний приём вносит региональный оператор"
            ),
        ));
    }
    Ok(())
}

/// The days a municipality or organisation may date an event recorded on `recorded_on`, both
/// inclusive: from 1 September of the previous school year to `FUTURE_DAYS_MAX` days after.
pub fn window(recorded_on: Date) -> (Date, Date) {
    let this_year_start = school_year_start(recorded_on);
    let earliest = Date::from_ymd(this_year_start.year() - 1, 9, 1).unwrap_or(this_year_start);
    (earliest, days_after(recorded_on, FUTURE_DAYS_MAX))
}

/// 1 September that begins the school year `date` falls in.
pub fn school_year_start(date: Date) -> Date {
    let year = date.year();
    let september = Date::from_ymd(year, 9, 1).unwrap_or(date);
    if date >= september {
        september
    } else {
        Date::from_ymd(year - 1, 9, 1).unwrap_or(date)
    }
}

/// The day `days` days after `date` (before it, when negative).
pub(crate) fn days_after(date: Date, days: i32) -> Date {
    Date::from_days_since_epoch(date.days_since_epoch().saturating_add(days))
}

#[cfg(test)]
mod tests {
    use proto_events::Date;

    use proto_events::vocabulary::{Payload, TeacherLeft};

    use crate::access::dating::{may_date, may_date_hire, school_year_start, window};
    use crate::access::Role;

    fn day(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn role(text: &str) -> Role {
        Role::from(&text.parse::<proto_events::ActorRole>().unwrap())
    }

    #[test]
    fn the_school_year_begins_on_the_first_of_september() {
        assert_eq!(school_year_start(day("2025-01-15")), day("2024-09-01"));
        assert_eq!(school_year_start(day("2024-09-01")), day("2024-09-01"));
        assert_eq!(school_year_start(day("2024-08-31")), day("2023-09-01"));
        assert_eq!(window(day("2025-01-15")), (day("2023-09-01"), day("2025-07-17")));
    }

    #[test]
    fn dating_window_of_each_role() {
        let recorded = day("2025-01-15");
        let departure = Payload::from(TeacherLeft {
            teacher: "t-1".parse().unwrap(),
            organisation: "org-1".parse().unwrap(),
            reason: None,
        });
        let check = |who: &str, effective: &str, expected: bool| {
            let answer = may_date(&role(who), &departure, day(effective), recorded);
            assert_eq!(answer.is_ok(), expected, "{who} {effective}: {answer:?}");
            if let Err(refusal) = answer {
                assert_eq!(refusal.field, "effective");
                assert_eq!(refusal.value, effective);
            }
        };
        for scoped in ["municipality:38-12", "organisation:org-1"] {
            check(scoped, "2023-08-31", false);
            check(scoped, "2023-09-01", true);
            check(scoped, "2025-01-15", true);
            check(scoped, "2025-07-17", true);
            check(scoped, "2025-07-18", false);
            check(scoped, "2000-01-01", false);
        }
        for region_wide in ["system", "ministry", "operator"] {
            check(region_wide, "1950-01-01", true);
            check(region_wide, "2100-12-31", true);
        }
    }

    #[test]
    fn secrecy_11_a_backdated_hire_does_not_reach_into_the_teachers_past() {
        let recorded = day("2025-01-15");
        let check = |who: &str, effective: &str, changed_on: Option<&str>, expected: bool| {
            let answer = may_date_hire(&role(who), day(effective), recorded, changed_on.map(day));
            assert_eq!(answer.is_ok(), expected, "{who} {effective} {changed_on:?}: {answer:?}");
            if let Err(refusal) = answer {
                assert_eq!(refusal.field, "effective");
                // Neither the departure's date nor an employer is named.
                assert!(!refusal.rule.contains("2024-12-20"), "{}", refusal.rule);
            }
        };
        let municipality = "municipality:38-12";
        // A teacher the ledger knows nothing of: only the general window.
        check(municipality, "2023-09-01", None, true);
        // Left on 2024-12-20: the hire is dated after that, within the grace period.
        check(municipality, "2024-12-20", Some("2024-12-20"), false);
        check(municipality, "2024-12-21", Some("2024-12-20"), true);
        check(municipality, "2024-12-15", Some("2024-12-20"), false);
        // Left long ago: no more than 31 days before the day of recording.
        check(municipality, "2024-12-14", Some("2020-06-30"), false);
        check(municipality, "2024-12-15", Some("2020-06-30"), true);
        check("organisation:org-1", "2000-01-01", Some("1999-06-30"), false);
        // The operator enters archives.
        check("operator", "2000-01-01", Some("1999-06-30"), true);
    }
}
