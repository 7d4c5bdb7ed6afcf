//! What is overdue and what comes due (issue #16): plan activities with a deadline and no
//! execution recorded by it, steps of teachers' routes (ИОМ) not completed by their due date,
//! and registries not updated within their interval (stale).
//!
//! An activity is overdue at `D` when its status at `D` is `overdue` (the plan fold's rule: a
//! deadline passed the day after the term's last day with no report settling it); a term that
//! lists several dates (`dates`) gives one item per missed deadline. It comes due when its next
//! deadline falls in `D..=D+days` and it is neither done nor cancelled. A route step of an open
//! route likewise, by its `due_on`. A registry (organisations, programs, diagnostic procedures)
//! is stale when its latest fact dated on or before `D` is older than its interval
//! (`RegistryIntervals`, six months unless set): due = that date plus the interval. An entry of
//! a regional register (roadmap item 47) is due the day before it falls stale (its register's
//! interval, `register_interval_set`, after its last update).
//!
//! Which plans and teachers belong to the asked scope is the caller's to say (`DueScope`): the
//! access rules live in the root crate.

use std::collections::BTreeMap;

use chrono::Months;
use serde::{Deserialize, Serialize};

use proto_events::term::TermMeaning;
use proto_events::vocabulary::{RegisterKind, TeacherId};
use proto_events::Date;

use crate::plan::{plans_as_of, ActivityStatus, ActivityView, DeadlineStatus, PlanView};
use crate::state::{Facts, Known, State};
use crate::teacher_route::{all_teachers, RouteStatus, StepStatus, TeacherRoutesView};

/// The update interval of a registry when none is set.
pub const REGISTRY_INTERVAL_MONTHS_DEFAULT: u32 = 6;

/// The longest look-ahead a due list takes, in days.
pub const DUE_DAYS_MAX: u32 = 3660;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// A plan activity.
    Activity,
    /// A step of a teacher's route.
    RouteStep,
    /// A registry.
    Registry,
}

/// One overdue or coming item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueItem {
    /// What it is.
    pub kind: DueKind,
    /// `<plan>/<activity>`, `<teacher>/<route>/<step>` or the registry's name.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The deadline.
    pub due: Date,
    /// Who answers for it, as recorded.
    pub responsible: String,
}

/// What is overdue at `D` and what comes due in the next days, each sorted by (due, kind, id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueList {
    /// Past their deadline.
    pub overdue: Vec<DueItem>,
    /// Due within the window.
    pub coming: Vec<DueItem>,
}

/// Which plans, teachers and registries the list covers.
pub struct DueScope<'a> {
    /// Whether a plan belongs to the scope.
    pub plan: &'a dyn Fn(&PlanView) -> bool,
    /// Whether a teacher (at `D`) belongs to the scope.
    pub teacher: &'a dyn Fn(&TeacherId) -> bool,
    /// Whether the regional registries are listed.
    pub registries: bool,
}

/// The registries' update intervals, in months, by name (`organisations`, `programs`,
/// `procedures`); a name not set has `REGISTRY_INTERVAL_MONTHS_DEFAULT`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistryIntervals(pub BTreeMap<String, u32>);

impl RegistryIntervals {
    /// The interval of `registry`.
    pub fn months(&self, registry: &str) -> u32 {
        self.0.get(registry).copied().unwrap_or(REGISTRY_INTERVAL_MONTHS_DEFAULT)
    }
}

/// The due list at `date` looking `days` ahead (capped at `DUE_DAYS_MAX`), on everything
/// `state` knows.
pub fn due_at(
    state: &State,
    date: Date,
    days: u32,
    scope: &DueScope<'_>,
    intervals: &RegistryIntervals,
) -> DueList {
    let until = add_days(date, days.min(DUE_DAYS_MAX));
    let mut list = DueList::default();
    for plan in plans_as_of(&state.plans, date).iter().filter(|plan| (scope.plan)(plan)) {
        for section in &plan.sections {
            for activity in &section.activities {
                activity_items(plan, activity, date, until, &mut list);
            }
        }
    }
    for teacher in all_teachers(&state.routes, date) {
        if (scope.teacher)(&teacher.teacher) {
            step_items(&teacher, date, until, &mut list);
        }
    }
    if scope.registries {
        registry_items(state, date, until, intervals, &mut list);
        register_items(state, date, until, &mut list);
    }
    let order = |item: &DueItem| (item.due, item.kind, item.id.clone());
    list.overdue.sort_by_key(order);
    list.coming.sort_by_key(order);
    list
}

fn activity_items(
    plan: &PlanView,
    activity: &ActivityView,
    date: Date,
    until: Date,
    list: &mut DueList,
) {
    if matches!(activity.status, ActivityStatus::Done | ActivityStatus::Cancelled) {
        return;
    }
    let item = |due: Date| DueItem {
        kind: DueKind::Activity,
        id: format!("{}/{}", plan.id, activity.id),
        title: format!("{} {}", activity.number, activity.title),
        due,
        responsible: activity.responsible.clone(),
    };
    if let TermMeaning::Dates { .. } = activity.term.meaning {
        for deadline in &activity.deadlines {
            match deadline.status {
                DeadlineStatus::Missed => list.overdue.push(item(deadline.due)),
                DeadlineStatus::NotDue if deadline.due <= until => {
                    list.coming.push(item(deadline.due))
                }
                _ => {}
            }
        }
        return;
    }
    let period_start = Date::from_ymd(i32::from(plan.period.from_year), 1, 1);
    let in_period = |due: &Date| period_start.is_none_or(|start| *due >= start);
    if activity.status == ActivityStatus::Overdue {
        let missed = day_before(date)
            .and_then(|day| activity.term.deadline_on_or_before(day))
            .filter(in_period);
        if let Some(due) = missed {
            list.overdue.push(item(due));
        }
    }
    let next = match &activity.term.meaning {
        TermMeaning::Recurring(_) => activity.term.deadline_on_or_before(until),
        _ => activity.term.due_date(),
    };
    if let Some(due) = next.filter(|due| *due >= date && *due <= until).filter(in_period) {
        list.coming.push(item(due));
    }
}

fn step_items(teacher: &TeacherRoutesView, date: Date, until: Date, list: &mut DueList) {
    for route in teacher.routes.iter().filter(|route| route.status == RouteStatus::Open) {
        let responsible = if route.supporters.is_empty() {
            teacher.teacher.to_string()
        } else {
            let people: Vec<String> =
                route.supporters.iter().map(|supporter| supporter.person.to_string()).collect();
            people.join(", ")
        };
        for step in &route.steps {
            let item = DueItem {
                kind: DueKind::RouteStep,
                id: format!("{}/{}/{}", teacher.teacher, route.id, step.id),
                title: format!("шаг {} маршрута {}", step.id, route.id),
                due: step.due_on,
                responsible: responsible.clone(),
            };
            match step.status {
                StepStatus::Overdue => list.overdue.push(item),
                StepStatus::Planned if step.due_on >= date && step.due_on <= until => {
                    list.coming.push(item)
                }
                _ => {}
            }
        }
    }
}

fn registry_items(
    state: &State,
    date: Date,
    until: Date,
    intervals: &RegistryIntervals,
    list: &mut DueList,
) {
    let registry = &state.registry;
    let organisations = registry
        .organisations
        .values()
        .flat_map(|org| {
            latest_on(&org.registrations, date).into_iter().chain(latest_on(&org.statuses, date))
        })
        .max();
    let programs = registry
        .programs
        .values()
        .flat_map(|program| {
            latest_on(&program.registrations, date)
                .into_iter()
                .chain(latest_on(&program.register, date))
        })
        .max();
    let procedures = registry.procedures.values().filter_map(|facts| latest_on(facts, date)).max();
    let registries = [
        ("organisations", "Реестр организаций", organisations),
        ("programs", "Реестр программ ДПП", programs),
        ("procedures", "Реестр процедур диагностики", procedures),
    ];
    for (name, title, updated) in registries {
        let Some(updated) = updated else { continue };
        let months = intervals.months(name);
        let Some(due) =
            updated.to_naive().and_then(|day| day.checked_add_months(Months::new(months)))
        else {
            continue;
        };
        let item = DueItem {
            kind: DueKind::Registry,
            id: name.to_string(),
            title: format!("{title}: обновлён {updated}, интервал {months} мес."),
            due: Date::from_naive(due),
            responsible: "operator".to_string(),
        };
        if item.due < date {
            list.overdue.push(item);
        } else if item.due <= until {
            list.coming.push(item);
        }
    }
}

/// The regional registers' entries (roadmap item 47): an active entry must be updated within
/// its register's interval (`register_interval_set`, six months unless set); its due date is
/// the last day before it falls stale (`EntryView::stale_from`).
fn register_items(state: &State, date: Date, until: Date, list: &mut DueList) {
    for register in RegisterKind::ALL {
        for entry in state.registers.entries_on(*register, date, Known::LATEST) {
            let Some(due) = entry.stale_from.and_then(day_before) else { continue };
            let item = DueItem {
                kind: DueKind::Registry,
                id: format!("{register}/{}", entry.entry.entry),
                title: format!(
                    "{}: {} (обновлена {})",
                    register.title_ru(),
                    entry.entry.title,
                    entry.updated_on.to_russian()
                ),
                due,
                responsible: "operator".to_string(),
            };
            if item.due < date {
                list.overdue.push(item);
            } else if item.due <= until {
                list.coming.push(item);
            }
        }
    }
}

/// The latest valid date of a fact dated on or before `date`.
fn latest_on<T>(facts: &Facts<T>, date: Date) -> Option<Date> {
    facts.values(Known::LATEST).map(|fact| fact.on).filter(|on| *on <= date).max()
}

fn add_days(date: Date, days: u32) -> Date {
    Date::from_days_since_epoch(
        date.days_since_epoch().saturating_add(i32::try_from(days).unwrap_or(i32::MAX)),
    )
}

fn day_before(day: Date) -> Option<Date> {
    day.days_since_epoch().checked_sub(1).map(Date::from_days_since_epoch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::EntryChange;
    use crate::state::Recorded;
    use proto_events::vocabulary::RegisterEntryRecorded;
    use proto_events::EventId;

    fn day(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    /// A register entry not updated within six months is overdue the day it falls stale, and
    /// comes due within the window before that.
    #[test]
    fn a_register_entry_falls_due_before_it_goes_stale() {
        let mut state = State::default();
        let id: EventId = "00000000-0000-7000-8000-000000000001".parse().unwrap();
        let entry = RegisterEntryRecorded {
            register: RegisterKind::BestPractices,
            entry: "bp-1".parse().unwrap(),
            title: "Практика «Школа наставника»".into(),
            person: None,
            organisation: None,
            municipality: None,
            program: None,
            community: None,
            valid_until: None,
        };
        state.registers.record(
            Recorded { id, seq: 1, known_from: 1 },
            day("2024-01-10"),
            EntryChange::Recorded(entry),
        );
        let scope = DueScope { plan: &|_| true, teacher: &|_| true, registries: true };
        let intervals = RegistryIntervals::default();
        let ids = |items: &[DueItem]| items.iter().map(|item| item.id.clone()).collect::<Vec<_>>();
        let coming = due_at(&state, day("2024-07-01"), 30, &scope, &intervals);
        assert_eq!(ids(&coming.coming), vec!["best_practices/bp-1"]);
        assert_eq!(coming.coming[0].due, day("2024-07-09"));
        let late = due_at(&state, day("2024-07-10"), 30, &scope, &intervals);
        assert_eq!(ids(&late.overdue), vec!["best_practices/bp-1"]);
        let none = DueScope { registries: false, ..scope };
        assert!(due_at(&state, day("2024-07-10"), 30, &none, &intervals).overdue.is_empty());
    }
}
