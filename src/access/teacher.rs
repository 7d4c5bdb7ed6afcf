//! What a municipality or organisation may read of one teacher: what was dated while the teacher
//! worked in its scope (issue #20, item 2). The periods come from the projected registry's
//! employment facts over valid time, so a hire opens the teacher's events from its date on, not
//! the teacher's past elsewhere.
//!
//! The rule (secrecy rows 12 and 13):
//! - Which teachers: those its scope employs today (raw events, `server::scope`) or on the
//!   date asked (routes, `server::views`), as before.
//! - Which of their events: those whose valid date (`effective`) falls in a period in which
//!   the teacher worked in its scope (`periods_in_scope`: from the hire or move in, through the
//!   move out or departure, both days included), and those it recorded itself. So a teacher who
//!   comes back reads with both periods, and one hired from another municipality reads from
//!   the hire on: no former employer, no birth year of the earlier hire, no diagnostic taken
//!   before.
//! - Their routes (ИОМ): diagnostics taken and routes opened in such a period, in full. A route
//!   opened before the period of the date asked and still open at its start is carried over, as
//!   much as a new employer needs to continue it: its id, the deficits not closed before the
//!   period, its steps not done before it (with their due dates, so an overdue one shows), its
//!   supporters; not the day it was opened, nor the diagnostic scores it was built on, nor the
//!   closures before the period (`routes_within`). A route closed before the period is left out.
//!
//! Region-wide roles read every teacher's whole history; nothing here applies to them.

use std::collections::BTreeSet;

use projections::registry::{EmploymentChange, Registry};
use projections::state::Known;
use projections::teacher_route::{RouteStatus, TeacherRoutesView};
use proto_events::vocabulary::{MunicipalityCode, TeacherId};
use proto_events::{ActorRole, Date};

use crate::access::dating::days_after;
use crate::access::{covers, Role};

/// Days in which a teacher worked in a scope, both ends included (`to` None: still works).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The day of the hire or move in.
    pub from: Date,
    /// The day of the move out or departure.
    pub to: Option<Date>,
}

impl Period {
    /// Whether `date` falls in the period.
    pub fn holds(&self, date: Date) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }
}

/// The periods in which `teacher` worked in `role`'s scope, oldest first, by the registry's
/// employment facts (as the state knows latest) replayed in (valid date, seq) order; each
/// employer is placed in its municipality as registered now.
pub fn periods_in_scope(role: &Role, teacher: &TeacherId, registry: &Registry) -> Vec<Period> {
    let Some(record) = registry.teachers.get(teacher) else { return Vec::new() };
    let mut changes: Vec<_> = record.employment.values(Known::LATEST).collect();
    changes.sort_by_key(|fact| (fact.on, fact.seq));
    let in_scope = |organisation: &proto_events::vocabulary::OrgId| {
        let municipality = registry
            .organisation_place(organisation)
            .and_then(|(_, municipality)| municipality.map(MunicipalityCode::as_str));
        covers(role, organisation.as_str(), municipality)
    };
    let mut periods = Vec::new();
    let mut current: Option<(bool, Date)> = None;
    for fact in changes {
        let next = match &fact.value {
            EmploymentChange::Hired { organisation, .. }
            | EmploymentChange::Moved { organisation, .. } => Some(in_scope(organisation)),
            EmploymentChange::Left => None,
        };
        if let Some((true, from)) = current {
            // A move within the scope continues the period.
            if next != Some(true) {
                periods.push(Period { from, to: Some(fact.on) });
            }
        }
        current = match (current, next) {
            (Some((true, from)), Some(true)) => Some((true, from)),
            (_, Some(covered)) => Some((covered, fact.on)),
            (_, None) => None,
        };
    }
    if let Some((true, from)) = current {
        periods.push(Period { from, to: None });
    }
    periods
}

/// Whether `role` may read an event of a teacher's stream it may read (see the module
/// documentation), dated `effective` (None: no calendar date) and recorded by `recorded_by`,
/// given the teacher's `periods` in its scope.
pub fn may_read_teacher_event(
    role: &Role,
    periods: &[Period],
    effective: Option<Date>,
    recorded_by: &ActorRole,
) -> bool {
    if !role.is_scoped() || *recorded_by == role.actor_role() {
        return true;
    }
    effective.is_some_and(|date| periods.iter().any(|period| period.holds(date)))
}

/// One teacher's routes as `role` may read them at `date` (see the module documentation);
/// region-wide roles read `view` whole.
pub fn routes_within(
    role: &Role,
    mut view: TeacherRoutesView,
    periods: &[Period],
    date: Date,
) -> TeacherRoutesView {
    if !role.is_scoped() {
        return view;
    }
    let within = |day: Date| periods.iter().any(|period| period.holds(day));
    // The period of the date asked; none (the teacher worked elsewhere then): the day after
    // the date, so that nothing is carried over.
    let start = periods
        .iter()
        .find(|period| period.holds(date))
        .map_or(days_after(date, 1), |period| period.from);
    view.diagnostics.retain(|diagnostic| within(diagnostic.taken_on));
    view.routes.retain_mut(|route| {
        if route.opened_on.is_some_and(within) {
            return true;
        }
        let open_at_start = route.status == RouteStatus::Open
            || route.closed_on.is_some_and(|closed| closed >= start);
        if !open_at_start {
            return false;
        }
        route.opened_on = None;
        route.diagnostic = None;
        let closed_before: BTreeSet<_> = route
            .closed_deficits
            .iter()
            .filter(|closed| closed.on < start)
            .map(|closed| closed.competence.clone())
            .collect();
        route.deficits.retain(|competence| !closed_before.contains(competence));
        route.closed_deficits.retain(|closed| closed.on >= start);
        route.steps.retain(|step| step.completed_on.is_none_or(|done| done >= start));
        for supporter in &mut route.supporters {
            if supporter.since.is_some_and(|since| since < start) {
                supporter.since = None;
            }
        }
        true
    });
    view
}

#[cfg(test)]
mod tests {
    use proto_events::vocabulary::{
        MunicipalityCode, OrgId, OrganisationKind, OrganisationRegistered, Position, TeacherId,
    };
    use proto_events::{ActorRole, Date};

    use projections::registry::{EmploymentChange, Registry};
    use projections::state::Recorded;

    use crate::access::teacher::{may_read_teacher_event, periods_in_scope, Period};
    use crate::access::Role;

    fn day(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn role(text: &str) -> Role {
        Role::from(&text.parse::<ActorRole>().unwrap())
    }

    /// org-a in 38-12, org-b in 38-99, org-c in 38-12.
    fn registry(changes: &[(&str, Option<&str>)]) -> Registry {
        let mut registry = Registry::default();
        let mut seq = 0u64;
        let mut next = || {
            seq += 1;
            Recorded {
                id: proto_events::EventId(uuid::Uuid::from_u128(u128::from(seq))),
                seq,
                known_from: seq,
            }
        };
        for (org, code) in [("org-a", "38-12"), ("org-b", "38-99"), ("org-c", "38-12")] {
            registry.organisation(
                next(),
                day("2000-01-01"),
                OrganisationRegistered {
                    organisation: OrgId::new(org).unwrap(),
                    name: org.into(),
                    kind: OrganisationKind::General,
                    municipality: Some(MunicipalityCode::new(code).unwrap()),
                },
            );
        }
        for (on, org) in changes {
            let change = match org {
                Some(org) if org.starts_with('>') => EmploymentChange::Moved {
                    organisation: OrgId::new(&org[1..]).unwrap(),
                    position: Position::Teacher,
                },
                Some(org) => EmploymentChange::Hired {
                    organisation: OrgId::new(*org).unwrap(),
                    position: Position::Teacher,
                    career_start: day("2000-09-01"),
                    birth_year: 1980,
                },
                None => EmploymentChange::Left,
            };
            registry.employment(next(), day(on), TeacherId::new("t-1").unwrap(), change);
        }
        registry
    }

    fn period(from: &str, to: Option<&str>) -> Period {
        Period { from: day(from), to: to.map(day) }
    }

    #[test]
    fn secrecy_12_a_teachers_events_follow_the_periods_worked_in_the_scope() {
        let teacher = TeacherId::new("t-1").unwrap();
        let check = |changes: &[(&str, Option<&str>)], who: &str, expected: &[Period]| {
            let periods = periods_in_scope(&role(who), &teacher, &registry(changes));
            assert_eq!(periods, expected, "{who} {changes:?}");
        };
        // Worked in 38-99, left, hired in 38-12: 38-12 reads from the hire on.
        let moved_away =
            [("2015-09-01", Some("org-b")), ("2024-06-30", None), ("2024-12-20", Some("org-a"))];
        check(&moved_away, "municipality:38-12", &[period("2024-12-20", None)]);
        check(&moved_away, "municipality:38-99", &[period("2015-09-01", Some("2024-06-30"))]);
        check(&moved_away, "organisation:org-a", &[period("2024-12-20", None)]);
        check(&moved_away, "organisation:org-c", &[]);
        // A move within the scope continues the period; a move out of it ends it.
        let moves = [
            ("2015-09-01", Some("org-a")),
            ("2018-09-01", Some(">org-c")),
            ("2020-09-01", Some(">org-b")),
            ("2022-09-01", Some(">org-a")),
        ];
        check(
            &moves,
            "municipality:38-12",
            &[period("2015-09-01", Some("2020-09-01")), period("2022-09-01", None)],
        );
        check(&moves, "organisation:org-c", &[period("2018-09-01", Some("2020-09-01"))]);
        check(&moves, "municipality:38-99", &[period("2020-09-01", Some("2022-09-01"))]);

        let periods = [period("2024-12-20", None)];
        let municipality = role("municipality:38-12");
        let other = "operator".parse::<ActorRole>().unwrap();
        let read = |effective: Option<&str>, by: &ActorRole| {
            may_read_teacher_event(&municipality, &periods, effective.map(day), by)
        };
        assert!(!read(Some("2024-12-19"), &other), "dated before the hire");
        assert!(read(Some("2024-12-20"), &other), "the hire's own day");
        assert!(read(Some("2025-03-01"), &other));
        assert!(!read(None, &other), "no calendar date");
        assert!(read(Some("2024-01-01"), &municipality.actor_role()), "its own record");
        assert!(may_read_teacher_event(&role("auditor"), &[], Some(day("2000-01-01")), &other));
    }

    #[test]
    fn secrecy_13_a_new_employer_continues_a_route_without_its_past() {
        use projections::teacher_route::{
            ClosedDeficit, DiagnosticView, RouteStatus, RouteView, StepStatus, StepView,
            TeacherRoutesView,
        };
        use proto_events::vocabulary::StepForm;

        use crate::access::teacher::routes_within;

        let codes = |list: &[&str]| list.iter().map(|code| code.parse().unwrap()).collect();
        let step = |id: &str, completed_on: Option<&str>| StepView {
            id: id.parse().unwrap(),
            form: StepForm::SelfStudy,
            program: None,
            deficits: codes(&["c1"]),
            due_on: day("2025-03-01"),
            status: if completed_on.is_some() { StepStatus::Done } else { StepStatus::Planned },
            completed_on: completed_on.map(day),
            evidence: None,
        };
        let route =
            |id: &str, opened_on: &str, status: RouteStatus, closed_on: Option<&str>| RouteView {
                id: id.parse().unwrap(),
                diagnostic: Some("d-old".parse().unwrap()),
                opened_on: Some(day(opened_on)),
                deficits: codes(&["c1", "c2", "c3"]),
                status,
                closed_on: closed_on.map(day),
                close_reason: None,
                steps: vec![step("s-done", Some("2023-05-20")), step("s-open", None)],
                supporters: Vec::new(),
                closed_deficits: vec![
                    ClosedDeficit {
                        competence: "c3".parse().unwrap(),
                        by_diagnostic: "d-mid".parse().unwrap(),
                        on: day("2024-01-10"),
                    },
                    ClosedDeficit {
                        competence: "c1".parse().unwrap(),
                        by_diagnostic: "d-new".parse().unwrap(),
                        on: day("2025-01-10"),
                    },
                ],
                open_deficits: codes(&["c2"]),
            };
        let diagnostic = |id: &str, on: &str| DiagnosticView {
            id: id.parse().unwrap(),
            procedure: "dp-1".parse().unwrap(),
            taken_on: day(on),
            scores: std::collections::BTreeMap::new(),
            deficits: codes(&["c2"]),
        };
        let view = TeacherRoutesView {
            teacher: TeacherId::new("t-1").unwrap(),
            diagnostics: vec![diagnostic("d-old", "2023-03-01"), diagnostic("d-new", "2025-01-10")],
            routes: vec![
                route("r-open", "2023-04-01", RouteStatus::Open, None),
                route("r-closed", "2023-04-01", RouteStatus::Completed, Some("2024-06-01")),
                route("r-own", "2025-01-05", RouteStatus::Open, None),
            ],
        };
        let periods = [period("2024-12-21", None)];
        let date = day("2025-01-15");
        let seen = routes_within(&role("municipality:38-12"), view.clone(), &periods, date);
        let diagnostics: Vec<&str> = seen.diagnostics.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(diagnostics, ["d-new"]);
        let routes: Vec<&str> = seen.routes.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(routes, ["r-open", "r-own"], "a route closed before the hire is left out");
        let carried = &seen.routes[0];
        assert_eq!((carried.diagnostic.as_ref(), carried.opened_on), (None, None));
        assert_eq!(carried.deficits, codes(&["c1", "c2"]), "c3 was closed before the hire");
        assert_eq!(carried.closed_deficits.len(), 1);
        let steps: Vec<&str> = carried.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(steps, ["s-open"]);
        assert_eq!(seen.routes[1], view.routes[2], "its own route whole");
        assert_eq!(routes_within(&role("operator"), view.clone(), &[], date), view);
    }
}
