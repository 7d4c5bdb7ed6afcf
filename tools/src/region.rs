//! A deterministic synthetic region for the figures benchmark: municipalities, organisations,
//! programs (some in the Federal Register), methodists, targets by two acts, and five years of
//! teachers' hires, moves, departures, diagnostics, routes, completions (some recorded late),
//! participations, mentoring, retractions, regional events and figure reports.
//!
//! Generated month by month (`Region::month`), so a million events never sit in memory at once;
//! everything is a function of the sizes and the indices, so two runs build the same log.

use std::collections::BTreeSet;

use proto_events::vocabulary::{
    Accumulation, CourseCompleted, DiagnosticProcedureRegistered, DiagnosticRecorded, EventLevel,
    EventRetracted, FigureReported, FlagChange, IndicatorCode, LowResultsGrade,
    ManagementTeamMemberAdded, ManagementTeamTrained, MentoringPairFormed, MunicipalityRegistered,
    OrganisationKind, OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged,
    ParticipationKind, ParticipationRecorded, Payload, Position, ProcedureLevel, ProgramForm,
    ProgramKind, ProgramRegisterIncluded, ProgramRegistered, ProgramTopic, RegionalEventHeld,
    RoleAssigned, RouteClosed, RouteOpened, RouteOutcome, RouteStepPlanned, RouteStepRef,
    RouteSupportAssigned, Scope, StepForm, SupportRole, SupportSystemRole, TargetSet, TargetValue,
    TeacherAssignedToMethodist, TeacherHired, TeacherLeft, TeacherMoved,
};
use proto_events::{Actor, ActorRole, Basis, Date, Effective, EventId, NewEvent, Timestamp};

/// First year of the generated history.
pub const FIRST_YEAR: i32 = 2021;
/// Months of history.
pub const MONTHS: u32 = 60;
/// Events per teacher over the whole history, roughly (used to size the region).
const EVENTS_PER_TEACHER: u64 = 18;

/// The sizes of a region.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    /// Teachers.
    pub teachers: u64,
    /// Organisations.
    pub organisations: u64,
    /// Municipalities.
    pub municipalities: u64,
    /// Programs.
    pub programs: u64,
    /// Regional methodists.
    pub methodists: u64,
}

/// One month's events, to be recorded at `recorded_at` (end of the month).
pub struct Month {
    /// When the ledger records them.
    pub recorded_at: Timestamp,
    /// The events, in order.
    pub events: Vec<NewEvent>,
}

impl Region {
    /// A region sized for about `events` events.
    pub fn for_events(events: u64) -> Region {
        let teachers = (events / EVENTS_PER_TEACHER).max(50);
        Region {
            teachers,
            organisations: (teachers / 40).max(5),
            municipalities: 40.min((teachers / 40).max(5)),
            programs: 200,
            methodists: (teachers / 200).max(2),
        }
    }

    /// Events of month `index` (0 = January of `FIRST_YEAR`); month 0 also holds the registries.
    pub fn month(&self, index: u32) -> Month {
        let mut out = Out { events: Vec::new(), counter: u64::from(index) << 40 };
        if index == 0 {
            self.registries(&mut out);
        }
        let year = index / 12;
        if index % 12 == 0 {
            self.yearly(&mut out, year);
        }
        for teacher in 0..self.teachers {
            self.teacher_month(&mut out, teacher, index);
        }
        let last_day = date_of(index, 28);
        let recorded_at = Timestamp::from_micros(
            i64::from(last_day.days_since_epoch()) * 86_400_000_000 + 64_800_000_000,
        );
        Month { recorded_at, events: out.events }
    }

    fn registries(&self, out: &mut Out) {
        let start = date_of(0, 1);
        for m in 0..self.municipalities {
            out.push(
                start,
                MunicipalityRegistered {
                    municipality: id(&format!("m{m:02}")),
                    name: format!("Муниципальное образование {m}"),
                },
            );
        }
        out.push(
            start,
            OrganisationRegistered {
                organisation: id("iro"),
                name: "Институт развития образования".into(),
                kind: OrganisationKind::DpoProvider,
                municipality: None,
            },
        );
        for org in 0..self.organisations {
            let kind = match org % 5 {
                0 => OrganisationKind::Preschool,
                1 => OrganisationKind::Additional,
                _ => OrganisationKind::General,
            };
            out.push(
                start,
                OrganisationRegistered {
                    organisation: id(&format!("o{org:05}")),
                    name: format!("Образовательная организация {org}"),
                    kind,
                    municipality: Some(id(&format!("m{:02}", org % self.municipalities))),
                },
            );
            if mix(org, 11) % 10 == 0 {
                out.push(
                    start,
                    OrganisationStatusChanged {
                        organisation: id(&format!("o{org:05}")),
                        status: OrganisationStatus::LowResults(LowResultsGrade::Moderately),
                        change: FlagChange::Set,
                        valid_from: date_of(12, 1),
                        valid_to: None,
                    },
                );
            }
        }
        let topics = [
            ProgramTopic::SubjectCompetence,
            ProgramTopic::FunctionalLiteracy,
            ProgramTopic::UpdatedFgos,
            ProgramTopic::DigitalEnv,
            ProgramTopic::QualityAssessment,
            ProgramTopic::Talents,
            ProgramTopic::CareerGuidance,
            ProgramTopic::Upbringing,
            ProgramTopic::PreschoolQuality,
            ProgramTopic::ManagementQuality,
            ProgramTopic::BurnoutPrevention,
        ];
        for program in 0..self.programs {
            let first = topics.get(usize::try_from(program).unwrap_or(0) % topics.len());
            let second = topics.get(usize::try_from(mix(program, 3)).unwrap_or(0) % topics.len());
            out.push(
                start,
                ProgramRegistered {
                    program: id(&format!("p{program:03}")),
                    title: format!("Программа повышения квалификации {program}"),
                    kind: if program % 10 == 9 {
                        ProgramKind::Retraining
                    } else {
                        ProgramKind::FurtherTraining
                    },
                    hours: if program % 10 == 9 {
                        250
                    } else {
                        36 + 36 * u32::from(program % 3 == 0)
                    },
                    provider: id("iro"),
                    form: ProgramForm::Course,
                    topics: first.into_iter().chain(second).copied().collect(),
                },
            );
            if program % 5 < 3 {
                out.push(
                    start,
                    ProgramRegisterIncluded {
                        program: id(&format!("p{program:03}")),
                        included_on: start,
                        entry_number: Some(format!("ФР-{program}")),
                    },
                );
            }
        }
        out.push(
            start,
            DiagnosticProcedureRegistered {
                procedure: id("proc-regional"),
                title: "Региональная диагностика профессиональных дефицитов".into(),
                level: ProcedureLevel::Regional,
                competences: (0..8).map(|k| id(&format!("k{k}"))).collect(),
            },
        );
        for person in 0..self.methodists {
            out.push(
                start,
                RoleAssigned {
                    person: id(&format!("meth{person:04}")),
                    role: SupportSystemRole::RegionalMethodist,
                    municipality: Some(id(&format!("m{:02}", person % self.municipalities))),
                },
            );
        }
        let order = Basis {
            kind: "распоряжение".into(),
            number: "55-мпр".into(),
            date: start,
            title: None,
        };
        let roadmap =
            Basis { kind: "приказ".into(), number: "12".into(), date: start, title: None };
        for code in IndicatorCode::ALL {
            let value = match code.measure() {
                proto_events::vocabulary::IndicatorMeasure::Share => {
                    TargetValue::ShareAtLeastBp(950)
                }
                proto_events::vocabulary::IndicatorMeasure::Ratio => TargetValue::CountAtMost(250),
                proto_events::vocabulary::IndicatorMeasure::Count => TargetValue::CountAtLeast(4),
            };
            for act in [&order, &roadmap] {
                let value = match (value, act.number.as_str()) {
                    (TargetValue::ShareAtLeastBp(_), "12") => TargetValue::ShareAtLeastBp(3_000),
                    (other, _) => other,
                };
                out.push(
                    start,
                    TargetSet {
                        indicator: *code,
                        scope: Scope::Region,
                        value,
                        deadline: Date::from_ymd(2024, 12, 31),
                        accumulation: Accumulation::Cumulative,
                        from_year: Some(2023),
                        act: act.clone(),
                    },
                );
            }
        }
    }

    fn yearly(&self, out: &mut Out, year: u32) {
        for event in 0..6u32 {
            out.push(
                date_of(year * 12 + event * 2, 15),
                RegionalEventHeld {
                    event: id(&format!("ev-{year}-{event}")),
                    title: format!("Региональная конференция {event}"),
                    held_on: date_of(year * 12 + event * 2, 15),
                    level: EventLevel::Regional,
                },
            );
        }
        if year > 0 {
            let valid_on = date_of(year * 12 - 1, 28);
            for code in
                [IndicatorCode::Diagnosed, IndicatorCode::UpdatedFgos, IndicatorCode::Routed]
            {
                out.push(
                    date_of(year * 12, 10),
                    FigureReported {
                        report: id(&format!("rep-{year}-{code}")),
                        indicator: code,
                        scope: Scope::Region,
                        valid_on: Date::from_ymd(valid_on.year(), 12, 31).unwrap_or(valid_on),
                        value_bp: Some(1_000),
                        numerator: self.teachers / 10,
                        denominator: self.teachers,
                        reporter: "ЦНППМ".into(),
                    },
                );
            }
        }
        for org in 0..self.organisations {
            if mix(org, 70 + u64::from(year)) % 4 == 0 {
                out.push(
                    date_of(year * 12 + 9, 20),
                    ManagementTeamTrained {
                        organisation: id(&format!("o{org:05}")),
                        program: id("p009"),
                        trained_on: date_of(year * 12 + 9, 20),
                    },
                );
            }
        }
    }

    fn teacher_month(&self, out: &mut Out, t: u64, month: u32) {
        let teacher = format!("t{t:06}");
        let h = mix(t, 1);
        let hire_month =
            if h % 10 < 9 { 0 } else { u32::try_from(mix(t, 2) % u64::from(MONTHS)).unwrap_or(0) };
        let leave_month = if mix(t, 3) % 12 == 0 {
            Some(u32::try_from(mix(t, 4) % u64::from(MONTHS)).unwrap_or(0))
        } else {
            None
        };
        let move_month = if mix(t, 5) % 20 == 0 {
            Some(u32::try_from(mix(t, 6) % u64::from(MONTHS)).unwrap_or(0))
        } else {
            None
        };
        let first_org = mix(t, 7) % self.organisations;
        let second_org =
            (first_org + 1 + mix(t, 8) % (self.organisations - 1).max(1)) % self.organisations;
        let employed = |m: u32| m >= hire_month && leave_month.is_none_or(|leave| m < leave);
        if !employed(month) {
            return;
        }
        let day = u32::try_from(1 + mix(t, u64::from(month) + 100) % 27).unwrap_or(1);
        let on = date_of(month, day);
        let org_now = |m: u32| {
            if move_month.is_some_and(|moved| m >= moved && moved > hire_month) {
                second_org
            } else {
                first_org
            }
        };
        let position = |org: u64| match org % 5 {
            0 => Position::PreschoolTeacher,
            1 => Position::OtherPedagogue,
            _ if t % 25 == 0 => Position::Head,
            _ if t % 2 == 0 => Position::SubjectTeacher {
                subjects: BTreeSet::from(["русский язык".to_string()]),
            },
            _ => Position::Teacher,
        };
        if month == hire_month {
            let young = hire_month > 0;
            let birth_year = if young {
                1996 + u16::try_from(h % 5).unwrap_or(0)
            } else {
                1960 + u16::try_from(h % 35).unwrap_or(0)
            };
            let career_start = if young {
                on
            } else {
                date_of(0, 1).min(
                    Date::from_ymd(1985 + i32::try_from(h % 30).unwrap_or(0), 9, 1).unwrap_or(on),
                )
            };
            out.push(
                on,
                TeacherHired {
                    teacher: id(&teacher),
                    organisation: id(&format!("o{first_org:05}")),
                    position: position(first_org),
                    career_start,
                    birth_year,
                },
            );
            if t % 25 == 0 {
                out.push(
                    on,
                    ManagementTeamMemberAdded {
                        organisation: id(&format!("o{first_org:05}")),
                        teacher: id(&teacher),
                    },
                );
            }
            if young && mix(t, 9) % 10 < 7 {
                let mentor = format!("t{:06}", (t + 1) % self.teachers);
                out.push(
                    on,
                    MentoringPairFormed {
                        pair: id(&format!("pair-{t}")),
                        mentor: id(&mentor),
                        mentee: id(&teacher),
                        organisation: id(&format!("o{first_org:05}")),
                        mentoring_program: None,
                    },
                );
            }
            if mix(t, 10) % 3 == 0 {
                out.push(
                    on,
                    TeacherAssignedToMethodist {
                        teacher: id(&teacher),
                        methodist: id(&format!("meth{:04}", t % self.methodists)),
                    },
                );
            }
            return;
        }
        if move_month == Some(month) && month > hire_month {
            out.push(
                on,
                TeacherMoved {
                    teacher: id(&teacher),
                    from_organisation: id(&format!("o{first_org:05}")),
                    to_organisation: id(&format!("o{second_org:05}")),
                    position: position(second_org),
                },
            );
        }
        if leave_month.is_some_and(|leave| leave == month + 1) {
            out.push(
                on,
                TeacherLeft {
                    teacher: id(&teacher),
                    organisation: id(&format!("o{:05}", org_now(month))),
                    reason: None,
                },
            );
            return;
        }
        let year = month / 12;
        let in_year = month % 12;
        let yh = mix(t, 200 + u64::from(year));
        let diagnosed = yh % 2 == 0;
        let diagnostic_month = 1 + u32::try_from(yh % 4).unwrap_or(0);
        let routed = diagnosed && yh % 10 < 8;
        let route = format!("r-{t}-{year}");
        let program = mix(t, 300 + u64::from(year)) % self.programs;
        if diagnosed && in_year == diagnostic_month {
            out.push(
                on,
                DiagnosticRecorded {
                    diagnostic: id(&format!("d-{t}-{year}")),
                    teacher: id(&teacher),
                    procedure: id("proc-regional"),
                    taken_on: on,
                    scores: (0..3)
                        .map(|k| (id(&format!("k{k}")), u16::try_from(yh % 100).unwrap_or(0)))
                        .collect(),
                    deficits: BTreeSet::from([id(&format!("k{}", yh % 8))]),
                },
            );
            if yh % 100 == 7 {
                let target = out.last_id();
                out.push(on, EventRetracted { target, reason: "ошибка ввода".into() });
            }
        }
        if routed && in_year == diagnostic_month + 1 {
            out.push(
                on,
                RouteOpened {
                    route: id(&route),
                    teacher: id(&teacher),
                    diagnostic: id(&format!("d-{t}-{year}")),
                    deficits: BTreeSet::from([id(&format!("k{}", yh % 8))]),
                },
            );
            out.push(
                on,
                RouteStepPlanned {
                    route: id(&route),
                    teacher: id(&teacher),
                    step: id("s1"),
                    form: StepForm::Program,
                    program: Some(id(&format!("p{program:03}"))),
                    deficits: BTreeSet::from([id(&format!("k{}", yh % 8))]),
                    due_on: date_of(year * 12 + 11, 28),
                },
            );
        }
        if routed && in_year == diagnostic_month + 2 && yh % 10 < 7 {
            out.push(
                on,
                RouteSupportAssigned {
                    route: id(&route),
                    teacher: id(&teacher),
                    supporter: id(&format!("meth{:04}", t % self.methodists)),
                    role: if yh % 7 == 0 { SupportRole::Tutor } else { SupportRole::Methodist },
                },
            );
        }
        if routed && in_year == diagnostic_month + 6 {
            out.push(
                on,
                CourseCompleted {
                    completion: id(&format!("c-{t}-{year}-r")),
                    teacher: id(&teacher),
                    program: id(&format!("p{program:03}")),
                    completed_on: on,
                    certificate_number: format!("УД-{t}-{year}"),
                    hours: 36,
                    provider: id("iro"),
                    route_step: Some(RouteStepRef { route: id(&route), step: id("s1") }),
                },
            );
        }
        if routed && in_year == diagnostic_month + 8 {
            out.push(
                on,
                RouteClosed {
                    route: id(&route),
                    teacher: id(&teacher),
                    outcome: RouteOutcome::Completed,
                    reason: None,
                },
            );
        }
        let course_month = u32::try_from(mix(t, 400 + u64::from(year)) % 12).unwrap_or(0);
        if in_year == course_month {
            let other = mix(t, 500 + u64::from(year)) % self.programs;
            out.push(
                on,
                CourseCompleted {
                    completion: id(&format!("c-{t}-{year}")),
                    teacher: id(&teacher),
                    program: id(&format!("p{other:03}")),
                    completed_on: on,
                    certificate_number: format!("УД-{t}-{year}-2"),
                    hours: 36,
                    provider: id("iro"),
                    route_step: None,
                },
            );
        }
        // Late paperwork: a December course recorded in February.
        if in_year == 1 && month >= 12 && mix(t, 600 + u64::from(year)) % 8 == 0 {
            let december = date_of(month - 2, 20);
            out.push(
                december,
                CourseCompleted {
                    completion: id(&format!("c-{t}-{year}-late")),
                    teacher: id(&teacher),
                    program: id(&format!("p{:03}", mix(t, 700) % self.programs)),
                    completed_on: december,
                    certificate_number: format!("УД-{t}-{year}-3"),
                    hours: 36,
                    provider: id("iro"),
                    route_step: None,
                },
            );
        }
        if in_year == u32::try_from(mix(t, 800 + u64::from(year)) % 12).unwrap_or(0) && yh % 10 < 3
        {
            out.push(
                on,
                ParticipationRecorded {
                    teacher: id(&teacher),
                    kind: if yh % 2 == 0 {
                        ParticipationKind::ExpertWork
                    } else {
                        ParticipationKind::BurnoutPrevention
                    },
                    event_title: "Региональная экспертиза".into(),
                    participated_on: on,
                },
            );
        }
    }
}

struct Out {
    events: Vec<NewEvent>,
    counter: u64,
}

impl Out {
    fn push(&mut self, on: Date, payload: impl Into<Payload>) {
        let payload = payload.into();
        self.counter += 1;
        let event_id = EventId(uuid::Uuid::from_u64_pair(
            0x0194_0000_0000_7000,
            0x8000_0000_0000_0000 | self.counter,
        ));
        let actor = Actor { role: ActorRole::Operator, id: "region-generator".into() };
        let basis = match &payload {
            Payload::TargetSet(target) => Some(target.act.clone()),
            _ => None,
        };
        let stream = match &payload {
            Payload::EventRetracted(_) => self.events.last().map(|last| last.stream.clone()),
            other => other.stream().ok(),
        };
        let Some(stream) = stream else { return };
        if let Ok(event) =
            payload.to_new_event_in(stream, Some(event_id), Effective::Date(on), actor, basis)
        {
            self.events.push(event);
        }
    }

    fn last_id(&self) -> EventId {
        self.events.last().and_then(|event| event.id).unwrap_or(EventId(uuid::Uuid::nil()))
    }
}

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    match text.parse() {
        Ok(value) => value,
        // Every id built here is lowercase ASCII with digits and dashes.
        Err(error) => panic!("generated id {text:?} is invalid: {error:?}"),
    }
}

fn date_of(month: u32, day: u32) -> Date {
    let year = FIRST_YEAR + i32::try_from(month / 12).unwrap_or(0);
    Date::from_ymd(year, month % 12 + 1, day).unwrap_or(Date::from_days_since_epoch(18_628))
}

fn mix(index: u64, salt: u64) -> u64 {
    let mut z = index
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(salt.wrapping_mul(0xbf58_476d_1ce4_e5b9));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
