//! The regional registers (roadmap item 47) at a valid date as known at a knowledge point:
//! every entry with its current version, when it was included and last updated, whether it is
//! in force (not excluded, not past its validity), and whether it is stale (in force, not updated
//! within its register's interval).

use std::collections::BTreeMap;

use chrono::Months;
use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    RegisterEntryExcluded, RegisterEntryId, RegisterEntryRecorded, RegisterKind,
    REGISTER_INTERVAL_MONTHS_DEFAULT,
};
use proto_events::{Date, EventId};

use crate::state::{Fact, Facts, Known, Recorded};

/// A change of one entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryChange {
    /// Recorded (included or updated) with this content.
    Recorded(RegisterEntryRecorded),
    /// Excluded, with the reason.
    Excluded(RegisterEntryExcluded),
}

/// Every register's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registers {
    /// Each entry's changes on their effective dates.
    pub entries: BTreeMap<(RegisterKind, RegisterEntryId), Facts<EntryChange>>,
    /// Update intervals (months) set for a register, on their effective dates.
    pub intervals: BTreeMap<RegisterKind, Facts<u16>>,
}

/// Where an entry stands on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// In the register.
    Active,
    /// Past its `valid_until`.
    Expired,
    /// Excluded.
    Excluded,
}

/// One entry of a register on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    /// The register.
    pub register: RegisterKind,
    /// The entry's content, as last recorded on or before the date.
    pub entry: RegisterEntryRecorded,
    /// The day it was first included.
    pub included_on: Date,
    /// The day of its latest recording (inclusion or update) on or before the date.
    pub updated_on: Date,
    /// Active, expired or excluded.
    pub status: EntryStatus,
    /// The exclusion's reason, when excluded.
    pub excluded_because: Option<String>,
    /// Active and not updated within the register's interval.
    pub stale: bool,
    /// The day it falls stale (`updated_on` + the interval), for an active entry.
    pub stale_from: Option<Date>,
    /// The events behind it, in (valid date, seq) order.
    pub events: Vec<EventId>,
}

impl Registers {
    /// Records a change of an entry on `on`.
    pub fn record(&mut self, recorded: Recorded, on: Date, change: EntryChange) {
        let key = match &change {
            EntryChange::Recorded(fact) => (fact.register, fact.entry.clone()),
            EntryChange::Excluded(fact) => (fact.register, fact.entry.clone()),
        };
        self.entries.entry(key).or_default().insert(recorded, on, change);
    }

    /// Records a register's update interval from `on`.
    pub fn interval(&mut self, recorded: Recorded, on: Date, register: RegisterKind, months: u16) {
        self.intervals.entry(register).or_default().insert(recorded, on, months);
    }

    /// Supersedes from seq `at` the fact recorded by `id` (a retraction or a correction).
    pub fn retract_at(&mut self, id: &EventId, at: u64) -> bool {
        let entries = self.entries.values_mut().any(|facts| facts.supersede(id, at));
        entries || self.intervals.values_mut().any(|facts| facts.supersede(id, at))
    }

    /// The update interval of `register` in force on `date` (months).
    pub fn interval_on(&self, register: RegisterKind, date: Date, known: Known) -> u16 {
        let Some(facts) = self.intervals.get(&register) else {
            return REGISTER_INTERVAL_MONTHS_DEFAULT;
        };
        let mut set: Vec<&Fact<u16>> = facts.values(known).filter(|f| f.on <= date).collect();
        set.sort_by_key(|fact| (fact.on, fact.seq));
        set.last().map_or(REGISTER_INTERVAL_MONTHS_DEFAULT, |fact| fact.value)
    }

    /// The entries of `register` recorded on or before `date`, as known at `known`, in entry
    /// order.
    pub fn entries_on(&self, register: RegisterKind, date: Date, known: Known) -> Vec<EntryView> {
        let months = self.interval_on(register, date, known);
        self.entries
            .iter()
            .filter(|((kind, _), _)| *kind == register)
            .filter_map(|((kind, _), facts)| view(*kind, facts, date, known, months))
            .collect()
    }
}

/// One register's counts on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSummary {
    /// The register.
    pub register: RegisterKind,
    /// Its name as the acts write it.
    pub title: String,
    /// Its update interval in force (months).
    pub interval_months: u16,
    /// Entries recorded by the date (every status).
    pub entries: u64,
    /// In force.
    pub active: u64,
    /// In force and not updated within the interval.
    pub stale: u64,
    /// Past their validity.
    pub expired: u64,
    /// Excluded.
    pub excluded: u64,
}

impl RegisterSummary {
    /// The counts of `entries` (one register's, as `entries_on` gives them, possibly filtered).
    pub fn of(register: RegisterKind, interval_months: u16, entries: &[EntryView]) -> Self {
        let count = |test: fn(&EntryView) -> bool| {
            u64::try_from(entries.iter().filter(|entry| test(entry)).count()).unwrap_or(u64::MAX)
        };
        RegisterSummary {
            register,
            title: register.title_ru().to_string(),
            interval_months,
            entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
            active: count(|entry| entry.status == EntryStatus::Active),
            stale: count(|entry| entry.stale),
            expired: count(|entry| entry.status == EntryStatus::Expired),
            excluded: count(|entry| entry.status == EntryStatus::Excluded),
        }
    }
}

/// One entry on `date`: its versions dated on or before it, in (valid date, seq) order.
fn view(
    register: RegisterKind,
    facts: &Facts<EntryChange>,
    date: Date,
    known: Known,
    months: u16,
) -> Option<EntryView> {
    let mut changes: Vec<(&EventId, &Fact<EntryChange>)> =
        facts.iter(known).filter(|(_, fact)| fact.on <= date).collect();
    changes.sort_by_key(|(_, fact)| (fact.on, fact.seq));
    let mut current: Option<(&RegisterEntryRecorded, Date, Date)> = None;
    let mut excluded: Option<&RegisterEntryExcluded> = None;
    for (_, fact) in &changes {
        match &fact.value {
            EntryChange::Recorded(entry) => {
                let included = match (current, excluded) {
                    (Some((_, included, _)), None) => included,
                    _ => fact.on,
                };
                current = Some((entry, included, fact.on));
                excluded = None;
            }
            EntryChange::Excluded(exclusion) => excluded = Some(exclusion),
        }
    }
    let (entry, included_on, updated_on) = current?;
    let status = if excluded.is_some() {
        EntryStatus::Excluded
    } else if entry.valid_until.is_some_and(|until| until < date) {
        EntryStatus::Expired
    } else {
        EntryStatus::Active
    };
    let stale_from = (status == EntryStatus::Active).then(|| add_months(updated_on, months));
    Some(EntryView {
        register,
        entry: entry.clone(),
        included_on,
        updated_on,
        status,
        excluded_because: excluded.map(|exclusion| exclusion.reason.clone()),
        stale: stale_from.is_some_and(|from| from <= date),
        stale_from,
        events: changes.iter().map(|(id, _)| **id).collect(),
    })
}

fn add_months(date: Date, months: u16) -> Date {
    date.to_naive()
        .and_then(|naive| naive.checked_add_months(Months::new(u32::from(months))))
        .map_or(date, Date::from_naive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    fn recorded(seq: u64) -> Recorded {
        let id: EventId = format!("00000000-0000-7000-8000-{seq:012x}").parse().unwrap();
        Recorded { id, seq, known_from: seq }
    }

    fn site(until: Option<&str>) -> RegisterEntryRecorded {
        RegisterEntryRecorded {
            register: RegisterKind::InnovationSites,
            entry: "ip-1".parse().unwrap(),
            title: "Региональная инновационная площадка «Функциональная грамотность»".into(),
            person: None,
            organisation: None,
            municipality: None,
            program: None,
            community: None,
            valid_until: until.map(day),
        }
    }

    /// Included, updated, stale after its interval without an update, expired after its
    /// validity, excluded with its reason; every state as known at each step.
    #[test]
    fn an_entry_is_active_stale_expired_or_excluded_on_a_date() {
        let kind = RegisterKind::InnovationSites;
        let mut registers = Registers::default();
        registers.record(recorded(1), day("2023-01-10"), EntryChange::Recorded(site(None)));
        let on = |registers: &Registers, date: &str, known: u64| {
            registers.entries_on(kind, day(date), Known(known)).into_iter().next()
        };
        assert_eq!(on(&registers, "2023-01-09", 9), None, "not yet included");
        let fresh = on(&registers, "2023-07-09", 9).unwrap();
        assert_eq!(
            (fresh.status, fresh.stale, fresh.stale_from),
            (EntryStatus::Active, false, Some(day("2023-07-10")))
        );
        assert!(on(&registers, "2023-07-10", 9).unwrap().stale, "six months without an update");
        registers.record(
            recorded(2),
            day("2023-06-01"),
            EntryChange::Recorded(site(Some("2024-05-31"))),
        );
        let updated = on(&registers, "2023-07-10", 9).unwrap();
        assert_eq!(
            (updated.included_on, updated.updated_on),
            (day("2023-01-10"), day("2023-06-01"))
        );
        assert!(!updated.stale);
        assert!(on(&registers, "2023-07-10", 1).unwrap().stale, "as known before the update");
        // A longer interval for the register from 2023-01-01.
        registers.interval(recorded(3), day("2023-01-01"), kind, 12);
        assert!(!on(&registers, "2024-05-01", 9).unwrap().stale);
        assert!(on(&registers, "2024-05-01", 2).unwrap().stale, "before the interval was set");
        assert_eq!(on(&registers, "2024-06-01", 9).unwrap().status, EntryStatus::Expired);
        let exclusion = RegisterEntryExcluded {
            register: kind,
            entry: "ip-1".parse().unwrap(),
            reason: "статус площадки прекращён приказом".into(),
        };
        registers.record(recorded(4), day("2023-12-01"), EntryChange::Excluded(exclusion));
        let excluded = on(&registers, "2024-01-01", 9).unwrap();
        assert_eq!(excluded.status, EntryStatus::Excluded);
        assert_eq!(
            excluded.excluded_because.as_deref(),
            Some("статус площадки прекращён приказом")
        );
        assert_eq!((excluded.stale, excluded.events.len()), (false, 3));
        // The exclusion retracted: active again.
        assert!(registers.retract_at(&recorded(4).id, 5));
        assert_eq!(on(&registers, "2024-01-01", 9).unwrap().status, EntryStatus::Active);
        assert_eq!(on(&registers, "2024-01-01", 4).unwrap().status, EntryStatus::Excluded);
    }
}
