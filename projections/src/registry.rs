//! Registries over valid time: municipalities, organisations (kind, municipality, status flags,
//! management team), programs (Federal Register inclusion), diagnostic procedures, teachers'
//! employment, people's roles and teachers' methodists.
//!
//! Every fact is kept as recorded, keyed by the id of the event that recorded it (see
//! `state::Facts`), and intervals are derived at query time by replaying an entity's changes in
//! (valid date, seq) order up to the valid date `D`. So a retraction removes exactly one change,
//! and the derived intervals follow without any bookkeeping of open/closed spells.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    DiagnosticProcedureRegistered, FlagChange, MunicipalityCode, MunicipalityRegistered, OrgId,
    OrganisationKind, OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged,
    PersonId, Position, ProcedureId, ProgramId, ProgramRegistered, Role, TeacherId,
};
use proto_events::{Date, EventId};

use crate::state::{insert, ordered, Fact, Facts};

/// All registries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Municipalities by code.
    pub municipalities: BTreeMap<MunicipalityCode, Facts<MunicipalityRegistered>>,
    /// Organisations by id.
    pub organisations: BTreeMap<OrgId, Organisation>,
    /// Programs by id.
    pub programs: BTreeMap<ProgramId, Program>,
    /// Diagnostic procedures by id.
    pub procedures: BTreeMap<ProcedureId, Facts<DiagnosticProcedureRegistered>>,
    /// Teachers' employment by teacher.
    pub teachers: BTreeMap<TeacherId, Teacher>,
    /// People's roles (methodist, tutor, mentor) by person.
    pub people: BTreeMap<PersonId, Facts<RoleChange>>,
}

/// One organisation's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Registrations (the latest known is current).
    pub registrations: Facts<OrganisationRegistered>,
    /// Status flag changes, each with its own validity interval.
    pub statuses: Facts<OrganisationStatusChanged>,
    /// Management team changes: `true` = member added, `false` = removed.
    pub team: Facts<(TeacherId, bool)>,
}

/// One program's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Registrations (the latest known is current).
    pub registrations: Facts<ProgramRegistered>,
    /// Federal Register changes on their dates: `true` = included, `false` = removed.
    pub register: Facts<bool>,
}

impl Teacher {
    /// This teacher's employment on `date` (see `Registry::employment_on`).
    pub fn employment_on<'a>(
        &'a self,
        teacher: &'a TeacherId,
        date: Date,
    ) -> Option<Employment<'a>> {
        employment_of(teacher, self, date)
    }
}

impl Program {
    /// The program as currently registered (latest registration known), if any.
    pub fn record(&self) -> Option<&ProgramRegistered> {
        latest(&self.registrations).map(|fact| &fact.value)
    }

    /// Whether the program is in the Federal Register on `date`: the last inclusion or removal
    /// dated on or before `date` is an inclusion.
    pub fn in_federal_register(&self, date: Date) -> bool {
        self.register
            .values()
            .filter(|fact| fact.on <= date)
            .max_by_key(|fact| (fact.on, fact.seq))
            .is_some_and(|fact| fact.value)
    }
}

/// One teacher's employment facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    /// Hires, moves and departures on their effective dates.
    pub employment: Facts<EmploymentChange>,
    /// Methodist assignments: `true` = assigned, `false` = unassigned.
    pub methodists: Facts<(PersonId, bool)>,
}

/// A change of a teacher's employment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmploymentChange {
    /// Hired (`teacher_hired`).
    Hired {
        /// Where.
        organisation: OrgId,
        /// As what.
        position: Position,
        /// Start of the pedagogical career.
        career_start: Date,
        /// Birth year.
        birth_year: u16,
    },
    /// Moved (`teacher_moved`).
    Moved {
        /// To where.
        organisation: OrgId,
        /// As what.
        position: Position,
    },
    /// Left (`teacher_left`).
    Left,
}

/// A change of a person's role: `assigned` false means ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    /// The role.
    pub role: Role,
    /// Its municipality, if any.
    pub municipality: Option<MunicipalityCode>,
    /// Assigned (true) or ended (false).
    pub assigned: bool,
}

/// A teacher's employment on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employment<'a> {
    /// The teacher.
    pub teacher: &'a TeacherId,
    /// Employer.
    pub organisation: &'a OrgId,
    /// Position.
    pub position: &'a Position,
    /// Career start (from the latest hire on or before the date).
    pub career_start: Date,
    /// Birth year (from the latest hire).
    pub birth_year: u16,
}

impl Registry {
    /// Removes the fact recorded by `id`, looking only at the entity named by `key`.
    pub fn retract_at(&mut self, key: &RegistryKey, id: &EventId) -> bool {
        match key {
            RegistryKey::Municipality(code) => {
                self.municipalities.get_mut(code).is_some_and(|facts| facts.remove(id).is_some())
            }
            RegistryKey::Organisation(org) => self.organisations.get_mut(org).is_some_and(|org| {
                org.registrations.remove(id).is_some()
                    | org.statuses.remove(id).is_some()
                    | org.team.remove(id).is_some()
            }),
            RegistryKey::Program(program) => {
                self.programs.get_mut(program).is_some_and(|program| {
                    program.registrations.remove(id).is_some()
                        | program.register.remove(id).is_some()
                })
            }
            RegistryKey::Procedure(procedure) => {
                self.procedures.get_mut(procedure).is_some_and(|facts| facts.remove(id).is_some())
            }
            RegistryKey::Teacher(teacher) => {
                self.teachers.get_mut(teacher).is_some_and(|teacher| {
                    teacher.employment.remove(id).is_some()
                        | teacher.methodists.remove(id).is_some()
                })
            }
            RegistryKey::Person(person) => {
                self.people.get_mut(person).is_some_and(|facts| facts.remove(id).is_some())
            }
        }
    }

    /// Records a municipality.
    pub fn municipality(&mut self, id: EventId, seq: u64, on: Date, fact: MunicipalityRegistered) {
        insert(
            self.municipalities.entry(fact.municipality.clone()).or_default(),
            id,
            seq,
            on,
            fact,
        );
    }

    /// Records an organisation.
    pub fn organisation(&mut self, id: EventId, seq: u64, on: Date, fact: OrganisationRegistered) {
        let org = self.organisations.entry(fact.organisation.clone()).or_default();
        insert(&mut org.registrations, id, seq, on, fact);
    }

    /// The organisation as currently registered (latest registration known), if any.
    pub fn organisation_record(&self, org: &OrgId) -> Option<&OrganisationRegistered> {
        let organisation = self.organisations.get(org)?;
        latest(&organisation.registrations).map(|fact| &fact.value)
    }

    /// Whether the organisation exists on `date` (registered on or before it).
    pub fn organisation_exists(&self, org: &OrgId, date: Date) -> bool {
        self.organisations
            .get(org)
            .is_some_and(|org| org.registrations.values().any(|fact| fact.on <= date))
    }

    /// Whether a status flag is in force for an organisation on `date`: the last change of that
    /// flag with `valid_from ≤ date` (in (valid_from, seq) order) is a `set` whose `valid_to`, if
    /// any, is not before `date`. Returns the event id of that change.
    pub fn status_on(
        &self,
        org: &OrgId,
        matches: impl Fn(&OrganisationStatus) -> bool,
        date: Date,
    ) -> Option<EventId> {
        let organisation = self.organisations.get(org)?;
        let mut changes: Vec<(&EventId, &crate::state::Fact<OrganisationStatusChanged>)> =
            organisation.statuses.iter().filter(|(_, fact)| matches(&fact.value.status)).collect();
        changes.sort_by_key(|(_, fact)| (fact.value.valid_from, fact.seq));
        let mut in_force = None;
        for (id, fact) in changes {
            if fact.value.valid_from > date {
                break;
            }
            in_force = match fact.value.change {
                FlagChange::Set if fact.value.valid_to.is_none_or(|to| date <= to) => Some(*id),
                FlagChange::Set | FlagChange::Cleared => None,
            };
        }
        in_force
    }

    /// Members of an organisation's management team on `date`.
    pub fn team_on(&self, org: &OrgId, date: Date) -> Vec<&TeacherId> {
        let Some(organisation) = self.organisations.get(org) else { return Vec::new() };
        let mut members: BTreeMap<&TeacherId, bool> = BTreeMap::new();
        for fact in ordered(&organisation.team) {
            if fact.on > date {
                break;
            }
            members.insert(&fact.value.0, fact.value.1);
        }
        members.into_iter().filter(|(_, member)| *member).map(|(teacher, _)| teacher).collect()
    }

    /// Records a program.
    pub fn program(&mut self, id: EventId, seq: u64, on: Date, fact: ProgramRegistered) {
        let program = self.programs.entry(fact.program.clone()).or_default();
        insert(&mut program.registrations, id, seq, on, fact);
    }

    /// Records a Federal Register inclusion (`true`) or removal (`false`) on its date.
    pub fn register(&mut self, id: EventId, seq: u64, program: ProgramId, on: Date, in_: bool) {
        insert(&mut self.programs.entry(program).or_default().register, id, seq, on, in_);
    }

    /// The program as currently registered.
    pub fn program_record(&self, program: &ProgramId) -> Option<&ProgramRegistered> {
        latest(&self.programs.get(program)?.registrations).map(|fact| &fact.value)
    }

    /// Whether the program is in the Federal Register on `date`: the last inclusion or removal
    /// dated on or before `date` is an inclusion.
    pub fn in_federal_register(&self, program: &ProgramId, date: Date) -> bool {
        self.programs.get(program).is_some_and(|program| program.in_federal_register(date))
    }

    /// Records a diagnostic procedure.
    pub fn procedure(
        &mut self,
        id: EventId,
        seq: u64,
        on: Date,
        fact: DiagnosticProcedureRegistered,
    ) {
        insert(self.procedures.entry(fact.procedure.clone()).or_default(), id, seq, on, fact);
    }

    /// Records an employment change.
    pub fn employment(
        &mut self,
        id: EventId,
        seq: u64,
        on: Date,
        teacher: TeacherId,
        change: EmploymentChange,
    ) {
        insert(&mut self.teachers.entry(teacher).or_default().employment, id, seq, on, change);
    }

    /// Records a methodist assignment (`true`) or unassignment (`false`).
    pub fn methodist(
        &mut self,
        id: EventId,
        seq: u64,
        on: Date,
        teacher: TeacherId,
        change: (PersonId, bool),
    ) {
        insert(&mut self.teachers.entry(teacher).or_default().methodists, id, seq, on, change);
    }

    /// Records a role change.
    pub fn role(&mut self, id: EventId, seq: u64, on: Date, person: PersonId, change: RoleChange) {
        insert(self.people.entry(person).or_default(), id, seq, on, change);
    }

    /// Records a management team change.
    pub fn team(&mut self, id: EventId, seq: u64, on: Date, org: OrgId, change: (TeacherId, bool)) {
        insert(&mut self.organisations.entry(org).or_default().team, id, seq, on, change);
    }

    /// A teacher's employment on `date`: replay of hires, moves and departures dated on or before
    /// it, in (date, seq) order.
    pub fn employment_on<'a>(
        &'a self,
        teacher: &'a TeacherId,
        date: Date,
    ) -> Option<Employment<'a>> {
        let record = self.teachers.get(teacher)?;
        employment_of(teacher, record, date)
    }

    /// Every teacher employed on `date`.
    pub fn employed_on(&self, date: Date) -> Vec<Employment<'_>> {
        self.teachers
            .iter()
            .filter_map(|(teacher, record)| employment_of(teacher, record, date))
            .collect()
    }

    /// Methodists assigned to a teacher on `date`.
    pub fn methodists_on(&self, teacher: &TeacherId, date: Date) -> Vec<&PersonId> {
        let Some(record) = self.teachers.get(teacher) else { return Vec::new() };
        let mut assigned: BTreeMap<&PersonId, bool> = BTreeMap::new();
        for fact in ordered(&record.methodists) {
            if fact.on > date {
                break;
            }
            assigned.insert(&fact.value.0, fact.value.1);
        }
        assigned.into_iter().filter(|(_, on)| *on).map(|(person, _)| person).collect()
    }

    /// People holding `role` on `date`, with the municipality of the role.
    pub fn role_holders_on(
        &self,
        role: Role,
        date: Date,
    ) -> Vec<(&PersonId, Option<&MunicipalityCode>)> {
        let mut holders = Vec::new();
        for (person, facts) in &self.people {
            let mut holding: Option<Option<&MunicipalityCode>> = None;
            for fact in ordered(facts) {
                if fact.on > date {
                    break;
                }
                if fact.value.role == role {
                    holding = fact.value.assigned.then_some(fact.value.municipality.as_ref());
                }
            }
            if let Some(municipality) = holding {
                holders.push((person, municipality));
            }
        }
        holders
    }

    /// The kind and municipality of an organisation (latest registration).
    pub fn organisation_place(
        &self,
        org: &OrgId,
    ) -> Option<(OrganisationKind, Option<&MunicipalityCode>)> {
        self.organisation_record(org).map(|record| (record.kind, record.municipality.as_ref()))
    }
}

/// Which registry entity a fact belongs to (so a retraction looks in one place).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RegistryKey {
    /// A municipality.
    Municipality(MunicipalityCode),
    /// An organisation.
    Organisation(OrgId),
    /// A program.
    Program(ProgramId),
    /// A procedure.
    Procedure(ProcedureId),
    /// A teacher.
    Teacher(TeacherId),
    /// A person.
    Person(PersonId),
}

/// The latest fact in (valid date, seq) order, without sorting.
fn latest<T>(facts: &Facts<T>) -> Option<&Fact<T>> {
    facts.values().max_by_key(|fact| (fact.on, fact.seq))
}

/// A teacher's employment on `date` from their record: replay of hires, moves and departures
/// dated on or before it, in (date, seq) order (a single change needs no sorting).
fn employment_of<'a>(
    teacher: &'a TeacherId,
    record: &'a Teacher,
    date: Date,
) -> Option<Employment<'a>> {
    let step = |current: Option<Employment<'a>>, change: &'a EmploymentChange| match change {
        EmploymentChange::Hired { organisation, position, career_start, birth_year } => {
            Some(Employment {
                teacher,
                organisation,
                position,
                career_start: *career_start,
                birth_year: *birth_year,
            })
        }
        EmploymentChange::Moved { organisation, position } => {
            current.map(|employment| Employment { organisation, position, ..employment })
        }
        EmploymentChange::Left => None,
    };
    if record.employment.len() == 1 {
        let fact = record.employment.values().next()?;
        return if fact.on > date { None } else { step(None, &fact.value) };
    }
    let mut current: Option<Employment<'a>> = None;
    for fact in ordered(&record.employment) {
        if fact.on > date {
            break;
        }
        current = step(current, &fact.value);
    }
    current
}
