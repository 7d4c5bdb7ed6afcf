//! The deterministic demo region: a seeded history 2020–2025 of a region's system of teacher
//! professional development, appended through the ledger with a simulated clock.
//!
//! Facts are generated year by year with their valid date and the day they are recorded (a few
//! days later; late paperwork months later), buffered, sorted by recorded day and appended in
//! batches once no later-generated fact can be recorded before them. Event ids come from the
//! seeded generator, so the same seed gives the same head hash.
//!
//! Not part of the production library: the binary declares this module (`main.rs`) and hands
//! `generate` to `cli::main`; the library compiles it only for its own unit tests (`lib.rs`), so
//! it names the library as `letopis::` either way.

mod acts;
mod cycle;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use proto_events::term;
use proto_events::vocabulary::{
    Accumulation, ActivityAdded, ActivityAmended, ActivityCancelled, ActivityExecutionReported,
    ActivityField, ActivityId, CompetenceCode, CompletionId, CourseCompleted, CourseEnrolled,
    DecisionForm, DecisionId, DiagnosticId, DiagnosticProcedureRegistered, DiagnosticRecorded,
    EnrolmentId, EventCorrected, EventLevel, EventRetracted, ExecutionStatus, FieldChange,
    FigureReported, FlagChange, IndicatorCode, LowResultsGrade, ManagementDecisionRecorded,
    ManagementTeamMemberAdded, ManagementTeamTrained, MentoringPairEnded, MentoringPairFormed,
    MunicipalEventHeld, MunicipalityCode, MunicipalityRegistered, OrgId, OrganisationKind,
    OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged, PairId,
    ParticipationKind, ParticipationRecorded, Payload, PersonId, PlanAgreed, PlanAmended,
    PlanApproved, PlanCreated, PlanId, PlanLevel, PlanSectionAdded, Position, ProcedureId,
    ProcedureLevel, ProgramForm, ProgramId, ProgramKind, ProgramRegisterIncluded,
    ProgramRegisterRemoved, ProgramRegistered, ProgramTopic, RecommendationIssued,
    RegionalEventHeld, RegionalEventId, Replacement, ReportId, RoleAssigned, RouteClosed, RouteId,
    RouteOpened, RouteOutcome, RouteStepCompleted, RouteStepPlanned, RouteStepRef,
    RouteSupportAssigned, Scope, SectionId, StepForm, StepId, SupportRole, SupportSystemRole,
    TargetSet, TeacherAssignedToMethodist, TeacherHired, TeacherId, TeacherLeft, TeacherMoved,
};
use proto_events::{
    Actor, ActorRole, Basis, Date, Effective, EventId, NewEvent, Seq, StreamName, Timestamp,
};

use projections::state::apply_for_figures;
use projections::{monitoring, State};

use letopis::cli::demo::{Case, DemoSummary, Scale};
use letopis::store::{AppendRequest, Clock, Ledger};

/// Events per append request.
pub const BATCH_EVENTS: usize = 1000;

/// A clock that the generator moves along the simulated history.
pub struct SimulatedClock(AtomicI64);

impl SimulatedClock {
    /// A clock at `micros` since the epoch.
    pub fn new(micros: i64) -> Arc<SimulatedClock> {
        Arc::new(SimulatedClock(AtomicI64::new(micros)))
    }

    /// Moves the clock.
    pub fn set(&self, micros: i64) {
        self.0.store(micros, Ordering::SeqCst);
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.load(Ordering::SeqCst))
    }
}

/// Generates the demo region into the empty store directory `path`.
pub fn generate(
    path: &Path,
    scale: Scale,
    seed: u64,
    progress: bool,
) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    if path.exists() {
        let mut entries = std::fs::read_dir(path)
            .with_context(|| format!("чтение каталога {}", path.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "каталог {} не пуст: демо-регион создаётся только в пустом каталоге",
                path.display()
            );
        }
    }
    let clock = SimulatedClock::new(0);
    // Every event goes through the command gate, so the demo also proves its data consistent:
    // references exist, roles may write what they write, corrections hit what they target.
    let ledger = letopis::commands::open_ledger(path, clock.clone())
        .with_context(|| format!("открытие хранилища {}", path.display()))?;
    let store = ledger.store().clone();
    let config = Config::of(scale);
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(u64::try_from(config.years().count()).unwrap_or(0));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} лет  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let sink = Sink { ledger, clock, bar, appended: 0, watched: BTreeMap::new() };
    let mut generator = Generator::new(config, seed, sink);
    generator.run()?;
    let Generator { sink, mut summary, cases, .. } = generator;
    let Sink { ledger, bar, appended, watched, .. } = sink;
    if let Some(bar) = bar {
        bar.finish_with_message(format!("{appended} событий"));
    }
    ledger.shutdown();
    let head = store.head();
    // A case's event is looked up in the store when the sink did not see it appended (it was
    // added to the case after its batch went out); one that is in neither is left out, never
    // shown as «событие №0», a seq that cannot exist.
    let seq_of = |id: &EventId| {
        watched.get(id).copied().or_else(|| store.get_by_id(id).ok().flatten().map(|e| e.seq.0))
    };
    let with_seqs = |case: Option<PendingCase>| {
        case.map(|case| Case {
            description: case.description,
            report: case.report,
            events: case.events.iter().filter_map(|id| seq_of(id).map(|seq| (*id, seq))).collect(),
        })
    };
    summary.corrected_report = with_seqs(cases.corrected_report);
    summary.dashboard_2024 = with_seqs(cases.dashboard_2024);
    summary.late_completion = with_seqs(cases.late_completion);
    summary.corrected_completion = with_seqs(cases.corrected_completion);
    summary.conflicting_targets = with_seqs(cases.conflicting_targets);
    summary.cancelled_activity = with_seqs(cases.cancelled_activity);
    summary.events = appended;
    summary.head_seq = head.seq.0;
    summary.head_hash = head.hash.to_hex();
    summary.gate = "роли, ссылки и области, как у API и импорта".to_owned();
    drop(store);
    summary.bytes_on_disk = directory_bytes(path);
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn directory_bytes(path: &Path) -> u64 {
    let mut total = 0u64;
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => total += directory_bytes(&entry.path()),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    total
}

struct Config {
    municipalities: usize,
    organisations: usize,
    teachers: usize,
    first_year: i32,
    last_year: i32,
    program_copies: usize,
}

impl Config {
    fn of(scale: Scale) -> Config {
        match scale {
            Scale::District => Config {
                municipalities: 1,
                organisations: 25,
                teachers: 236,
                first_year: 2020,
                last_year: 2025,
                program_copies: 1,
            },
            Scale::Region => Config {
                municipalities: 42,
                organisations: 1500,
                teachers: 30_000,
                first_year: 2020,
                last_year: 2025,
                program_copies: 3,
            },
            Scale::Large => Config {
                municipalities: 42,
                organisations: 12_000,
                teachers: 260_000,
                first_year: 2016,
                last_year: 2025,
                program_copies: 5,
            },
            Scale::Teachers(teachers) => {
                let teachers = usize::try_from(teachers).unwrap_or(usize::MAX);
                let organisations = (teachers / 20).max(1);
                Config {
                    municipalities: organisations.min(42),
                    organisations,
                    teachers,
                    first_year: 2020,
                    last_year: 2025,
                    program_copies: 3,
                }
            }
        }
    }

    fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.first_year..=self.last_year
    }
}

/// SplitMix64: small, fast and good enough for a demo.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn range(&mut self, low: i64, high_inclusive: i64) -> i64 {
        let span = u64::try_from(high_inclusive - low + 1).unwrap_or(1);
        low + i64::try_from(self.below(span)).unwrap_or(0)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(items.len()).unwrap_or(0);
        items.get(usize::try_from(self.below(n)).unwrap_or(0))
    }
}

fn day_of(year: i32, month: u32, day: u32) -> i32 {
    Date::from_ymd(year, month, day).map_or(0, Date::days_since_epoch)
}

fn date(days: i32) -> Date {
    Date::from_days_since_epoch(days)
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

struct Fact {
    day: i32,
    order: u64,
    event: NewEvent,
}

struct Sink {
    ledger: Ledger,
    clock: Arc<SimulatedClock>,
    bar: Option<indicatif::ProgressBar>,
    appended: u64,
    watched: BTreeMap<EventId, u64>,
}

impl Sink {
    fn append(&mut self, mut facts: Vec<Fact>, watch: &BTreeSet<EventId>) -> anyhow::Result<()> {
        facts.sort_by_key(|fact| (fact.day, fact.order));
        let mut start = 0;
        while start < facts.len() {
            let day = facts.get(start).map_or(0, |fact| fact.day);
            let mut end = start;
            while end < facts.len()
                && end - start < BATCH_EVENTS
                && facts.get(end).is_some_and(|f| f.day == day)
            {
                end += 1;
            }
            let events: Vec<NewEvent> = facts
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .map(|fact| fact.event.clone())
                .collect();
            // Working hours of the simulated day: 09:00 plus a second per batch.
            let micros = i64::from(day) * MICROS_PER_DAY
                + 9 * 3_600_000_000
                + i64::try_from(start).unwrap_or(0) * 1_000;
            self.clock.set(micros);
            let outcome = self
                .ledger
                .append_blocking(AppendRequest::new(events))
                .context("добавление событий демо-региона")?;
            for (id, seq) in outcome.ids.iter().zip(&outcome.seqs) {
                if watch.contains(id) {
                    self.watched.insert(*id, seq.0);
                }
            }
            self.appended += u64::try_from(end - start).unwrap_or(0);
            start = end;
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} событий", self.appended));
        }
        Ok(())
    }
}

#[derive(Default)]
struct PendingCase {
    description: String,
    report: Option<String>,
    events: Vec<EventId>,
}

#[derive(Default)]
struct Cases {
    corrected_report: Option<PendingCase>,
    dashboard_2024: Option<PendingCase>,
    late_completion: Option<PendingCase>,
    corrected_completion: Option<PendingCase>,
    conflicting_targets: Option<PendingCase>,
    cancelled_activity: Option<PendingCase>,
}

struct Municipality {
    code: MunicipalityCode,
    name: String,
    methodists: Vec<PersonId>,
}

struct Organisation {
    id: OrgId,
    municipality: usize,
    kind: OrganisationKind,
    staff: Vec<usize>,
    low_results: bool,
    /// It has adopted a mentoring program (recorded before its first pair).
    mentoring_program: bool,
}

struct Teacher {
    id: TeacherId,
    organisation: usize,
    position: Position,
    employed: bool,
    /// Recorded day of the latest fact of this teacher that later facts depend on.
    floor_day: i32,
    /// Recorded day of the hire (or of the move into the current organisation).
    hired_day: i32,
    methodist: Option<PersonId>,
}

struct Program {
    id: ProgramId,
    provider: OrgId,
    hours: u32,
    topics: BTreeSet<ProgramTopic>,
    from_year: i32,
    federal: bool,
    management: bool,
}

/// A diagnostic recorded in a year, remembered for the municipality's report.
struct DiagnosticNote {
    event: EventId,
    stream: StreamName,
    teacher: usize,
    recorded_day: i32,
    routed: bool,
    payload: DiagnosticRecorded,
}

/// A municipality's `diagnosed` report, as reported, for its correction.
struct DiagnosedReport {
    report: ReportId,
    event: EventId,
    stream: StreamName,
    figure: FigureReported,
    report_day: i32,
    /// The events the figure counted.
    counted: BTreeSet<EventId>,
    code: MunicipalityCode,
}

/// A diagnostic just recorded, for the route that may be built on it.
struct Diagnosed {
    id: TeacherId,
    municipality: usize,
    diagnostic: DiagnosticId,
    deficits: BTreeSet<CompetenceCode>,
    /// Recorded day of the diagnostic.
    day: i32,
    routed: bool,
}

/// A route just opened, for its support and steps.
struct OpenRoute {
    route: RouteId,
    teacher: usize,
    id: TeacherId,
    year: i32,
    /// Valid and recorded day of the opening.
    open: i32,
    open_day: i32,
}

struct Generator {
    config: Config,
    rng: Rng,
    /// Event ids come from their own sequence, so that adding an event to the demo does not
    /// move every random choice after it.
    ids: Rng,
    /// The ids of the facts added beside the history (plan-level changes, decisions): drawn
    /// from their own stream, so adding them moved no other fact's id or randomness.
    side_rng: Rng,
    sink: Sink,
    pending: Vec<Fact>,
    watch: BTreeSet<EventId>,
    order: u64,
    municipalities: Vec<Municipality>,
    organisations: Vec<Organisation>,
    providers: Vec<OrgId>,
    teachers: Vec<Teacher>,
    programs: Vec<Program>,
    procedures: Vec<(ProcedureId, Vec<CompetenceCode>)>,
    tutors: Vec<PersonId>,
    counters: BTreeMap<&'static str, u64>,
    summary: DemoSummary,
    cases: Cases,
    /// Per year and municipality: the diagnostics recorded (a report's correction annuls one).
    diagnostics: BTreeMap<(i32, usize), Vec<DiagnosticNote>>,
    /// The figures' projection of what was appended so far (reports are computed on it; plans
    /// and routes are not kept: `apply_for_figures`).
    state: State,
    regional_events: BTreeMap<i32, Vec<String>>,
    completions: Vec<(i32, EventId, StreamName, CourseCompleted, i32)>,
}

const COMPETENCES: &[(&str, ProgramTopic)] = &[
    ("k.subject", ProgramTopic::SubjectCompetence),
    ("k.method", ProgramTopic::UpdatedFgos),
    ("k.literacy", ProgramTopic::FunctionalLiteracy),
    ("k.digital", ProgramTopic::DigitalEnv),
    ("k.assessment", ProgramTopic::QualityAssessment),
    ("k.upbringing", ProgramTopic::Upbringing),
    ("k.talents", ProgramTopic::Talents),
    ("k.career", ProgramTopic::CareerGuidance),
    ("k.preschool", ProgramTopic::PreschoolQuality),
];

/// The Academy's id among the providers.
const ACADEMY: &str = "dpo-academy";

/// The regional institute's (ИРО, with its ЦНППМ) id among the providers.
const INSTITUTE: &str = "dpo-iro";

/// Program templates: title, kind, hours, form, topics, provider index (0 Academy, 1 ИРО,
/// 2 «Персей»), in the Federal Register.
type ProgramRow =
    (&'static str, ProgramKind, u32, ProgramForm, &'static [ProgramTopic], usize, bool);

const PROGRAMS: &[ProgramRow] = &[
    (
        "Школа современного учителя: развитие предметных компетенций",
        ProgramKind::FurtherTraining,
        100,
        ProgramForm::Course,
        &[ProgramTopic::SubjectCompetence],
        0,
        true,
    ),
    (
        "Реализация требований обновлённых ФГОС НОО, ФГОС ООО в работе учителя",
        ProgramKind::FurtherTraining,
        36,
        ProgramForm::Course,
        &[ProgramTopic::UpdatedFgos],
        0,
        true,
    ),
    (
        "Формирование функциональной грамотности обучающихся",
        ProgramKind::FurtherTraining,
        72,
        ProgramForm::Course,
        &[ProgramTopic::FunctionalLiteracy],
        1,
        true,
    ),
    (
        "Цифровая образовательная среда: новые инструменты педагога",
        ProgramKind::FurtherTraining,
        36,
        ProgramForm::Course,
        &[ProgramTopic::DigitalEnv],
        1,
        false,
    ),
    (
        "Внутренняя система оценки качества образования",
        ProgramKind::FurtherTraining,
        24,
        ProgramForm::Course,
        &[ProgramTopic::QualityAssessment],
        1,
        false,
    ),
    (
        "Разговоры о важном: система работы классного руководителя",
        ProgramKind::FurtherTraining,
        58,
        ProgramForm::Course,
        &[ProgramTopic::Upbringing],
        0,
        true,
    ),
    (
        "Выявление и поддержка одарённых детей",
        ProgramKind::FurtherTraining,
        72,
        ProgramForm::Course,
        &[ProgramTopic::Talents],
        2,
        false,
    ),
    (
        "Профориентационная работа в школе: проект «Билет в будущее»",
        ProgramKind::FurtherTraining,
        36,
        ProgramForm::Course,
        &[ProgramTopic::CareerGuidance],
        1,
        true,
    ),
    (
        "Качество дошкольного образования: инструменты оценки",
        ProgramKind::FurtherTraining,
        72,
        ProgramForm::Course,
        &[ProgramTopic::PreschoolQuality],
        1,
        false,
    ),
    (
        "Управление качеством образования в образовательной организации",
        ProgramKind::FurtherTraining,
        72,
        ProgramForm::Course,
        &[ProgramTopic::ManagementQuality, ProgramTopic::QualityAssessment],
        1,
        true,
    ),
    (
        "Профилактика профессионального выгорания педагогов",
        ProgramKind::FurtherTraining,
        16,
        ProgramForm::Course,
        &[ProgramTopic::BurnoutPrevention],
        1,
        false,
    ),
    (
        "Наставничество в образовательной организации",
        ProgramKind::FurtherTraining,
        36,
        ProgramForm::Network,
        &[ProgramTopic::Mentoring],
        1,
        false,
    ),
    (
        "Стажировка: эффективные практики формирования функциональной грамотности",
        ProgramKind::FurtherTraining,
        24,
        ProgramForm::Internship,
        &[ProgramTopic::FunctionalLiteracy, ProgramTopic::SubjectCompetence],
        1,
        false,
    ),
    (
        "Педагогика и методика преподавания в общеобразовательной организации",
        ProgramKind::Retraining,
        520,
        ProgramForm::Course,
        &[ProgramTopic::Other],
        1,
        false,
    ),
    (
        "Воспитатель дошкольной образовательной организации",
        ProgramKind::Retraining,
        260,
        ProgramForm::Course,
        &[ProgramTopic::PreschoolQuality],
        1,
        false,
    ),
    (
        "Методика преподавания математики в условиях обновлённого ФГОС",
        ProgramKind::FurtherTraining,
        120,
        ProgramForm::Course,
        &[ProgramTopic::SubjectCompetence, ProgramTopic::UpdatedFgos],
        0,
        true,
    ),
];

const SUBJECTS: &[&str] = &[
    "русский язык",
    "математика",
    "история",
    "биология",
    "физика",
    "химия",
    "английский язык",
    "география",
    "информатика",
    "литература",
    "физическая культура",
    "начальные классы",
];

impl Generator {
    fn new(config: Config, seed: u64, sink: Sink) -> Generator {
        let first = config.first_year;
        let last = config.last_year;
        Generator {
            config,
            rng: Rng(seed ^ 0x4C45_544F_5049_5321),
            ids: Rng(seed ^ 0x4944_535F_4C45_544F),
            side_rng: Rng(seed ^ 0x5245_504F_5254_5321),
            sink,
            pending: Vec::new(),
            watch: BTreeSet::new(),
            order: 0,
            municipalities: Vec::new(),
            organisations: Vec::new(),
            providers: Vec::new(),
            teachers: Vec::new(),
            programs: Vec::new(),
            procedures: Vec::new(),
            tutors: Vec::new(),
            counters: BTreeMap::new(),
            summary: DemoSummary { years: (first, last), ..DemoSummary::default() },
            cases: Cases::default(),
            diagnostics: BTreeMap::new(),
            state: State::default(),
            regional_events: BTreeMap::new(),
            completions: Vec::new(),
        }
    }

    fn next_id(&mut self) -> EventId {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.ids.next().to_be_bytes());
        bytes[8..].copy_from_slice(&self.ids.next().to_be_bytes());
        EventId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    fn count(&mut self, what: &'static str) -> u64 {
        let slot = self.counters.entry(what).or_insert(0);
        *slot += 1;
        *slot
    }

    /// Queues a fact valid on `valid` and recorded on `day`; returns its id and stream.
    fn emit(
        &mut self,
        payload: Payload,
        valid: i32,
        day: i32,
        actor: Actor,
        basis: Option<Basis>,
    ) -> anyhow::Result<(EventId, StreamName)> {
        let stream = payload.stream().context("поток события")?;
        self.emit_in(payload, stream, valid, day, actor, basis)
    }

    /// `emit`, with the event id drawn from `side_rng`.
    fn emit_aside(
        &mut self,
        payload: Payload,
        valid: i32,
        day: i32,
        actor: Actor,
        basis: Option<Basis>,
    ) -> anyhow::Result<(EventId, StreamName)> {
        std::mem::swap(&mut self.rng, &mut self.side_rng);
        let emitted = self.emit(payload, valid, day, actor, basis);
        std::mem::swap(&mut self.rng, &mut self.side_rng);
        emitted
    }

    fn emit_in(
        &mut self,
        payload: Payload,
        stream: StreamName,
        valid: i32,
        day: i32,
        actor: Actor,
        basis: Option<Basis>,
    ) -> anyhow::Result<(EventId, StreamName)> {
        if let Err(error) = payload.validate() {
            anyhow::bail!("демо-генератор создал недопустимое событие {}: {error}", payload.kind());
        }
        let id = self.next_id();
        let event = payload
            .to_new_event_in(stream.clone(), Some(id), Effective::Date(date(valid)), actor, basis)
            .context("кодирование события")?;
        self.order += 1;
        self.pending.push(Fact { day: day.max(valid), order: self.order, event });
        Ok((id, stream))
    }

    /// Appends every queued fact recorded before `day`.
    fn flush_before(&mut self, day: i32) -> anyhow::Result<()> {
        let (ready, later): (Vec<Fact>, Vec<Fact>) =
            std::mem::take(&mut self.pending).into_iter().partition(|fact| fact.day < day);
        self.pending = later;
        self.sink.append(ready, &self.watch)
    }

    /// Folds what was appended since the last call into `state`.
    fn catch_up_state(&mut self) -> anyhow::Result<()> {
        let store = self.sink.ledger.store();
        let head = store.head().seq;
        if self.state.seq >= head.0 {
            return Ok(());
        }
        for event in store.range(Seq(self.state.seq + 1), head) {
            apply_for_figures(&mut self.state, &event.context("чтение журнала демо-региона")?);
        }
        Ok(())
    }

    fn run(&mut self) -> anyhow::Result<()> {
        let first = self.config.first_year;
        let last = self.config.last_year;
        self.registries()?;
        self.plans()?;
        for year in first..=last {
            self.year(year)?;
            self.reports(year)?;
            self.monitoring_decisions(year)?;
            self.reporting_cycle(year)?;
            self.flush_before(day_of(year + 1, 1, 1))?;
            if let Some(bar) = &self.sink.bar {
                bar.inc(1);
            }
        }
        // The history is recorded up to mid-year after its last year and no further: a fact that
        // would only be recorded later (a pair ending in the future, very late paperwork) is not
        // part of the demo, so recorded times never run past the real present and what is
        // appended is a consistent prefix of the simulated history.
        self.flush_before(day_of(last + 1, 7, 1))?;
        self.pending.clear();
        self.summary.municipalities = u32::try_from(self.municipalities.len()).unwrap_or(0);
        self.summary.organisations = u32::try_from(self.organisations.len()).unwrap_or(0);
        self.summary.providers = u32::try_from(self.providers.len()).unwrap_or(0);
        self.summary.teachers =
            u32::try_from(self.teachers.iter().filter(|t| t.employed).count()).unwrap_or(0);
        self.summary.teachers_ever = u32::try_from(self.teachers.len()).unwrap_or(0);
        Ok(())
    }

    /// The registries at the start of the history: who exists before any teacher acts.
    fn registries(&mut self) -> anyhow::Result<()> {
        let boot = day_of(self.config.first_year, 1, 9);
        self.register_municipalities(boot)?;
        self.register_providers(boot)?;
        self.register_organisations(boot)?;
        self.register_organisation_statuses()?;
        self.register_programs()?;
        self.register_procedures(boot)?;
        self.staff_organisations(boot)?;
        self.assign_support_roles()?;
        self.methodological_services(boot)
    }

    /// Each municipality's methodological service (ММС) with two workers, who train at the ИРО
    /// in 2024 (both in every other municipality, one in the rest): the staff of seed 003's
    /// indicator 2. Chosen without drawing from the simulation's random sequence (event ids
    /// have their own), so the rest of the demo stays as it was.
    fn methodological_services(&mut self, boot: i32) -> anyhow::Result<()> {
        let institute_program = self
            .programs
            .iter()
            .find(|program| program.provider.as_str() == INSTITUTE && !program.management)
            .map(|program| (program.id.clone(), program.hours));
        let municipalities: Vec<(MunicipalityCode, String)> =
            self.municipalities.iter().map(|m| (m.code.clone(), m.name.clone())).collect();
        for (index, (code, name)) in municipalities.iter().enumerate() {
            let plain = code.as_str().replace('-', "");
            let service = OrgId::new(format!("mms-{plain}"))?;
            let actor = municipality_actor(code);
            let payload = OrganisationRegistered {
                organisation: service.clone(),
                name: format!("МКУ «Информационно-методический центр» ({name})"),
                kind: OrganisationKind::MethodologicalService,
                municipality: Some(code.clone()),
            };
            self.emit(payload.into(), boot, boot, operator(), None)?;
            for worker in 1..=2u16 {
                let teacher = TeacherId::new(format!("t-mms-{plain}-{worker}"))?;
                let hired = TeacherHired {
                    teacher: teacher.clone(),
                    organisation: service.clone(),
                    position: Position::OtherPedagogue,
                    career_start: date(day_of(2000 + i32::from(worker), 9, 1)),
                    birth_year: 1970 + worker + u16::try_from(index % 10).unwrap_or(0),
                };
                self.emit(hired.into(), boot, boot + 1, actor.clone(), None)?;
                let trains = worker == 1 || index % 2 == 0;
                if let (true, Some((program, hours))) = (trains, &institute_program) {
                    let valid = day_of(2024, 3, 13 + u32::from(worker));
                    let completion = CourseCompleted {
                        completion: CompletionId::new(format!("c-mms-{plain}-{worker}"))?,
                        teacher,
                        program: program.clone(),
                        completed_on: date(valid),
                        certificate_number: format!("ПК-ММС-{plain}-{worker}"),
                        hours: *hours,
                        provider: OrgId::new(INSTITUTE)?,
                        route_step: None,
                    };
                    self.emit(completion.into(), valid, valid + 10, operator(), None)?;
                }
            }
        }
        Ok(())
    }

    /// The municipal events of the system a municipality holds in `year` (seed 003's
    /// indicator 3, at least two): two in most municipalities, one in every third, from 2023.
    fn municipal_events(&mut self, year: i32) -> anyhow::Result<()> {
        if year < 2023 {
            return Ok(());
        }
        let titles = ["Муниципальный методический день", "Муниципальный конкурс «Педагог года»"];
        let codes: Vec<MunicipalityCode> =
            self.municipalities.iter().map(|m| m.code.clone()).collect();
        for (index, code) in codes.iter().enumerate() {
            let count = if index % 3 == 2 { 1 } else { 2 };
            for (number, title) in titles.iter().take(count).enumerate() {
                let valid = day_of(year, [4u32, 10].get(number).copied().unwrap_or(6), 15);
                let plain = code.as_str().replace('-', "");
                let payload = MunicipalEventHeld {
                    event: RegionalEventId::new(format!("mev-{plain}-{year}-{}", number + 1))?,
                    municipality: code.clone(),
                    title: (*title).to_string(),
                    held_on: date(valid),
                };
                self.emit(payload.into(), valid, valid + 3, municipality_actor(code), None)?;
            }
        }
        Ok(())
    }

    /// Municipalities.
    fn register_municipalities(&mut self, boot: i32) -> anyhow::Result<()> {
        let operator = operator();
        for index in 0..self.config.municipalities {
            let (code, name) = if self.config.municipalities == 1 {
                ("38-12".to_string(), "Жигаловский район".to_string())
            } else {
                let name =
                    acts::MUNICIPALITIES.get(index).copied().unwrap_or("Муниципальный район");
                (format!("38-{:02}", index + 1), name.to_string())
            };
            let code = MunicipalityCode::new(code)?;
            let payload = MunicipalityRegistered { municipality: code.clone(), name: name.clone() };
            self.emit(payload.into(), boot, boot, operator.clone(), None)?;
            self.municipalities.push(Municipality { code, name, methodists: Vec::new() });
        }
        Ok(())
    }

    /// Providers outside every municipality.
    fn register_providers(&mut self, boot: i32) -> anyhow::Result<()> {
        let operator = operator();
        for (id, name, kind) in [
            (ACADEMY, "ФГАОУ ДПО «Академия Минпросвещения России»", OrganisationKind::Academy),
            (
                INSTITUTE,
                "ГАУ ДПО «Институт развития образования Иркутской области» (ЦНППМ)",
                OrganisationKind::RegionalInstitute,
            ),
            (
                "dpo-persey",
                "Региональный центр выявления и поддержки одарённых детей «Персей»",
                OrganisationKind::DpoProvider,
            ),
        ] {
            let organisation = OrgId::new(id)?;
            let payload = OrganisationRegistered {
                organisation: organisation.clone(),
                name: name.to_string(),
                kind,
                municipality: None,
            };
            self.emit(payload.into(), boot, boot, operator.clone(), None)?;
            self.providers.push(organisation);
        }
        Ok(())
    }

    /// Organisations: kinds by share; every municipality gets at least one school.
    fn register_organisations(&mut self, boot: i32) -> anyhow::Result<()> {
        let operator = operator();
        let total = self.config.organisations;
        for index in 0..total {
            let municipality = if index < self.config.municipalities {
                index
            } else {
                usize::try_from(
                    self.rng.below(u64::try_from(self.config.municipalities).unwrap_or(1)),
                )
                .unwrap_or(0)
            };
            let roll = self.rng.below(1000);
            let kind = if index < self.config.municipalities || roll < 460 {
                OrganisationKind::General
            } else if roll < 860 {
                OrganisationKind::Preschool
            } else if roll < 960 {
                OrganisationKind::Additional
            } else if roll < 995 || total < 100 {
                OrganisationKind::Vocational
            } else {
                OrganisationKind::Higher
            };
            let code = self.municipalities.get(municipality).map(|m| m.code.clone());
            let muni_code = code.clone().map(|c| c.as_str().replace('-', "")).unwrap_or_default();
            let number = index + 1;
            let id = OrgId::new(format!("oo-{muni_code}-{number:04}"))?;
            let name = match kind {
                OrganisationKind::General => format!("МОУ СОШ № {number}"),
                OrganisationKind::Preschool => format!("МДОУ детский сад № {number}"),
                OrganisationKind::Additional => format!("МУ ДО Дом детского творчества № {number}"),
                OrganisationKind::Vocational => format!("ГБПОУ педагогический колледж № {number}"),
                OrganisationKind::Higher => format!("Педагогический институт № {number}"),
                OrganisationKind::DpoProvider
                | OrganisationKind::Academy
                | OrganisationKind::RegionalInstitute => format!("Центр ДПО № {number}"),
                OrganisationKind::MethodologicalService => {
                    format!("МКУ Информационно-методический центр № {number}")
                }
            };
            let payload =
                OrganisationRegistered { organisation: id.clone(), name, kind, municipality: code };
            self.emit(payload.into(), boot, boot, operator.clone(), None)?;
            self.organisations.push(Organisation {
                id,
                municipality,
                kind,
                staff: Vec::new(),
                low_results: false,
                mentoring_program: false,
            });
        }
        Ok(())
    }

    /// ШНОР and unfavourable conditions (perechen approved by the ministry in 2021).
    fn register_organisation_statuses(&mut self) -> anyhow::Result<()> {
        let operator = operator();
        let list_basis = basis(
            "распоряжение",
            "55-300-мр",
            (2021, 3, 1),
            "Об утверждении перечня школ с низкими образовательными результатами",
        );
        for index in 0..self.organisations.len() {
            if self.organisations.get(index).map(|o| o.kind) != Some(OrganisationKind::General) {
                continue;
            }
            let roll = self.rng.below(1000);
            let status = if roll < 90 {
                let grade = match self.rng.below(3) {
                    0 => LowResultsGrade::Strongly,
                    1 => LowResultsGrade::Moderately,
                    _ => LowResultsGrade::Basic,
                };
                OrganisationStatus::LowResults(grade)
            } else if roll < 140 {
                OrganisationStatus::UnfavourableSocialConditions
            } else {
                continue;
            };
            let organisation = self.organisations.get(index).map(|o| o.id.clone()).context("oo")?;
            if let Some(org) = self.organisations.get_mut(index) {
                org.low_results = true;
            }
            let from = day_of(2021, 3, 1);
            let set = OrganisationStatusChanged {
                organisation: organisation.clone(),
                status,
                change: FlagChange::Set,
                valid_from: date(from),
                valid_to: None,
            };
            let day = from + i32::try_from(self.rng.range(5, 20)).unwrap_or(5);
            self.emit(set.into(), from, day, operator.clone(), Some(list_basis.clone()))?;
            if self.rng.chance(350) {
                let to = day_of(2023, 9, 1);
                let cleared = OrganisationStatusChanged {
                    organisation,
                    status,
                    change: FlagChange::Cleared,
                    valid_from: date(to),
                    valid_to: None,
                };
                let day = to + i32::try_from(self.rng.range(5, 30)).unwrap_or(5);
                self.emit(cleared.into(), to, day, operator.clone(), None)?;
            }
        }
        Ok(())
    }

    /// Programs, in `program_copies` editions, some in the Federal Register (and some removed).
    fn register_programs(&mut self) -> anyhow::Result<()> {
        let operator = operator();
        let first = self.config.first_year;
        for copy in 0..self.config.program_copies {
            for (index, (title, kind, hours, form, topics, provider, federal)) in
                PROGRAMS.iter().enumerate()
            {
                let from_year =
                    (first + i32::try_from(copy).unwrap_or(0)).min(self.config.last_year);
                let id = ProgramId::new(format!("dpp-{:03}-{}", index + 1, copy + 1))?;
                let provider = self.providers.get(*provider).cloned().context("provider")?;
                let hours = if copy == 0 {
                    *hours
                } else {
                    (*hours + 12 * u32::try_from(copy).unwrap_or(0)).min(520)
                };
                let title = if copy == 0 {
                    title.to_string()
                } else {
                    format!("{title} (редакция {})", from_year)
                };
                let topics: BTreeSet<ProgramTopic> = topics.iter().copied().collect();
                let valid = day_of(from_year, 1, 15);
                let payload = ProgramRegistered {
                    program: id.clone(),
                    title,
                    kind: *kind,
                    hours,
                    provider: provider.clone(),
                    form: *form,
                    topics: topics.clone(),
                };
                self.emit(payload.into(), valid, valid + 3, operator.clone(), None)?;
                if *federal {
                    let included = valid + i32::try_from(self.rng.range(30, 200)).unwrap_or(30);
                    let entry = format!("ФР-{}-{:04}", date(included).year(), self.count("fr"));
                    let payload = ProgramRegisterIncluded {
                        program: id.clone(),
                        included_on: date(included),
                        entry_number: Some(entry.clone()),
                    };
                    self.emit(payload.into(), included, included + 7, operator.clone(), None)?;
                    if index % 5 == 1 {
                        let removed = day_of(2024, 6, 30);
                        let payload = ProgramRegisterRemoved {
                            program: id.clone(),
                            removed_on: date(removed),
                            entry_number: Some(entry),
                        };
                        self.emit(payload.into(), removed, removed + 10, operator.clone(), None)?;
                    }
                }
                self.programs.push(Program {
                    id,
                    provider,
                    hours,
                    topics: topics.clone(),
                    from_year,
                    federal: *federal,
                    management: topics.contains(&ProgramTopic::ManagementQuality),
                });
            }
        }
        Ok(())
    }

    /// Diagnostic procedures.
    fn register_procedures(&mut self, boot: i32) -> anyhow::Result<()> {
        let operator = operator();
        let all: Vec<CompetenceCode> =
            COMPETENCES.iter().filter_map(|(code, _)| CompetenceCode::new(*code).ok()).collect();
        for (id, title, level) in [
            (
                "proc-federal",
                "Диагностика профессиональных компетенций (Академия Минпросвещения России, ФИОКО)",
                ProcedureLevel::Federal,
            ),
            (
                "proc-regional",
                "Региональная диагностика профессиональных дефицитов (ГАУ ИО ЦОПМКиМКО)",
                ProcedureLevel::Regional,
            ),
            (
                "proc-municipal",
                "Муниципальная диагностика профессиональных затруднений",
                ProcedureLevel::Municipal,
            ),
            (
                "proc-self",
                "Самодиагностика профессиональных дефицитов",
                ProcedureLevel::SelfDiagnosis,
            ),
        ] {
            let procedure = ProcedureId::new(id)?;
            let payload = DiagnosticProcedureRegistered {
                procedure: procedure.clone(),
                title: title.to_string(),
                level,
                competences: all.iter().cloned().collect(),
            };
            self.emit(payload.into(), boot, boot, operator.clone(), None)?;
            self.procedures.push((procedure, all.clone()));
        }
        Ok(())
    }

    /// Staff: teachers spread over organisations by kind weight, hired before the history starts.
    fn staff_organisations(&mut self, boot: i32) -> anyhow::Result<()> {
        let first = self.config.first_year;
        let weights: Vec<u64> = self
            .organisations
            .iter()
            .map(|org| match org.kind {
                OrganisationKind::General => 30,
                OrganisationKind::Preschool => 14,
                OrganisationKind::Additional => 10,
                OrganisationKind::Vocational => 25,
                _ => 40,
            })
            .collect();
        let weight_total: u64 = weights.iter().sum();
        let mut quota: Vec<usize> = weights
            .iter()
            .map(|w| {
                usize::try_from(
                    w * u64::try_from(self.config.teachers).unwrap_or(0) / weight_total.max(1),
                )
                .unwrap_or(0)
                .max(1)
            })
            .collect();
        let mut assigned: usize = quota.iter().sum();
        while assigned < self.config.teachers {
            let index = usize::try_from(self.rng.below(u64::try_from(quota.len()).unwrap_or(1)))
                .unwrap_or(0);
            if let Some(q) = quota.get_mut(index) {
                *q += 1;
                assigned += 1;
            }
        }
        while assigned > self.config.teachers {
            let index = usize::try_from(self.rng.below(u64::try_from(quota.len()).unwrap_or(1)))
                .unwrap_or(0);
            if let Some(q) = quota.get_mut(index) {
                if *q > 1 {
                    *q -= 1;
                    assigned -= 1;
                }
            }
        }
        for (org, count) in quota.into_iter().enumerate() {
            for slot in 0..count {
                let valid =
                    day_of(first - 1, 9, 1) - i32::try_from(self.rng.below(3000)).unwrap_or(0);
                let day = boot + i32::try_from(self.rng.range(1, 40)).unwrap_or(1);
                let position = self.position_for(org, slot);
                self.hire(org, position, valid, day, false)?;
            }
        }
        Ok(())
    }

    /// Methodists: one per ~200 general-school teachers of a municipality; tutors: regional.
    fn assign_support_roles(&mut self) -> anyhow::Result<()> {
        let operator = operator();
        let first = self.config.first_year;
        for index in 0..self.municipalities.len() {
            let general = self
                .teachers
                .iter()
                .filter(|t| {
                    self.organisations.get(t.organisation).is_some_and(|o| {
                        o.municipality == index && o.kind == OrganisationKind::General
                    })
                })
                .count();
            let count = (general / 200).max(1);
            for _ in 0..count {
                let person = PersonId::new(format!("p-{:05}", self.count("person")))?;
                let code = self.municipalities.get(index).map(|m| m.code.clone());
                let payload = RoleAssigned {
                    person: person.clone(),
                    role: SupportSystemRole::RegionalMethodist,
                    municipality: code,
                };
                let valid = day_of(first, 2, 1);
                self.emit(payload.into(), valid, valid + 5, operator.clone(), None)?;
                if let Some(m) = self.municipalities.get_mut(index) {
                    m.methodists.push(person);
                }
            }
        }
        for _ in 0..(self.config.teachers / 3000).max(2) {
            let person = PersonId::new(format!("p-{:05}", self.count("person")))?;
            let payload = RoleAssigned {
                person: person.clone(),
                role: SupportSystemRole::Tutor,
                municipality: None,
            };
            let valid = day_of(first, 2, 1);
            self.emit(payload.into(), valid, valid + 5, operator.clone(), None)?;
            self.tutors.push(person);
        }
        Ok(())
    }

    fn position_for(&mut self, org: usize, slot: usize) -> Position {
        match self.organisations.get(org).map(|o| o.kind) {
            Some(OrganisationKind::General) => match slot {
                0 => Position::Head,
                1 | 2 => Position::DeputyHead,
                _ => {
                    let subject = self.rng.pick(SUBJECTS).copied().unwrap_or("математика");
                    Position::SubjectTeacher {
                        subjects: [subject.to_string()].into_iter().collect(),
                    }
                }
            },
            Some(OrganisationKind::Preschool) => match slot {
                0 => Position::Head,
                _ => Position::PreschoolTeacher,
            },
            _ => match slot {
                0 => Position::Head,
                _ if self.rng.chance(200) => Position::OtherPedagogue,
                _ => Position::Teacher,
            },
        }
    }

    /// Hires a teacher (a new id) on `valid`, recorded on `day`.
    fn hire(
        &mut self,
        org: usize,
        position: Position,
        valid: i32,
        day: i32,
        young: bool,
    ) -> anyhow::Result<usize> {
        let number = self.teachers.len() + 1;
        let id = TeacherId::new(format!("t-{number:06}"))?;
        let valid_year = date(valid).year();
        let (birth_year, career_start) = if young {
            let age = i32::try_from(self.rng.range(21, 26)).unwrap_or(22);
            (valid_year - age, valid)
        } else {
            let age = i32::try_from(self.rng.range(24, 63)).unwrap_or(40);
            let birth = valid_year - age;
            let start_age = i32::try_from(self.rng.range(21, 25)).unwrap_or(22);
            (birth, day_of(birth + start_age, 9, 1).min(valid))
        };
        let organisation = self.organisations.get(org).map(|o| o.id.clone()).context("oo")?;
        let payload = TeacherHired {
            teacher: id.clone(),
            organisation: organisation.clone(),
            position: position.clone(),
            career_start: date(career_start),
            birth_year: u16::try_from(birth_year).unwrap_or(1980),
        };
        let actor = self.municipality_actor_of(org)?;
        self.emit(payload.into(), valid, day, actor.clone(), None)?;
        let index = self.teachers.len();
        if matches!(position, Position::Head | Position::DeputyHead) {
            let payload = ManagementTeamMemberAdded { organisation, teacher: id.clone() };
            self.emit(payload.into(), valid, day, actor, None)?;
        }
        self.teachers.push(Teacher {
            id,
            organisation: org,
            position,
            employed: true,
            floor_day: day.max(valid),
            hired_day: day.max(valid),
            methodist: None,
        });
        if let Some(o) = self.organisations.get_mut(org) {
            o.staff.push(index);
        }
        Ok(index)
    }

    /// The region's plans: the concept plan 2020–2025 and the roadmap 2023–2024 with the
    /// Regulation's targets, amendments, a cancellation and yearly execution reports.
    fn plans(&mut self) -> anyhow::Result<()> {
        let concept = self.concept_plan()?;
        let (roadmap, ids) = self.roadmap_plan()?;
        self.roadmap_amendments(&roadmap, &ids)?;
        self.roadmap_cancellation(&roadmap, &ids)?;
        self.roadmap_execution(&roadmap, &ids)?;
        self.concept_execution(&concept)?;
        self.municipal_plan_targets()?;
        self.municipal_plan()
    }

    /// The first municipality's plan sets its own indicators' targets (seed 003, «Целевые
    /// результаты и планируемые показатели деятельности»): the values are the plan's, the act
    /// and the year are the demo's («по мотивам»: the seed's plan is for 2022, the demo's
    /// history runs to 2024), recorded by the municipality itself.
    fn municipal_plan_targets(&mut self) -> anyhow::Result<()> {
        use proto_events::vocabulary::TargetValue::{CountAtLeast, ShareAtLeastBp};
        let Some(code) = self.municipalities.first().map(|m| m.code.clone()) else {
            return Ok(());
        };
        let act = basis(
            "приказ",
            "54-од",
            (2024, 1, 26),
            "Об утверждении плана работы по повышению профессионального мастерства педагогических работников и управленческих кадров на 2024 год",
        );
        let targets = [
            (IndicatorCode::MunRouted, ShareAtLeastBp(1_000), Accumulation::Cumulative),
            (IndicatorCode::MmsTrained, ShareAtLeastBp(7_000), Accumulation::Cumulative),
            (IndicatorCode::MunicipalEvents, CountAtLeast(2), Accumulation::Annual),
            (IndicatorCode::RegionalParticipants, ShareAtLeastBp(1_000), Accumulation::Annual),
            (IndicatorCode::MunMgmtTeams, ShareAtLeastBp(9_000), Accumulation::Cumulative),
            (IndicatorCode::MunMentoringOrgs, ShareAtLeastBp(10_000), Accumulation::Cumulative),
            (IndicatorCode::MunFrTrained, ShareAtLeastBp(1_200), Accumulation::Cumulative),
            (IndicatorCode::MunFrAcademy, ShareAtLeastBp(800), Accumulation::Cumulative),
            (IndicatorCode::MunFrInstitute, ShareAtLeastBp(400), Accumulation::Cumulative),
        ];
        let valid = day_of(2024, 1, 26);
        for (indicator, value, accumulation) in targets {
            let target = TargetSet {
                indicator,
                scope: Scope::Municipality(code.clone()),
                value,
                deadline: Date::from_ymd(2024, 12, 31),
                accumulation,
                from_year: Some(2024),
                act: act.clone(),
            };
            let actor = municipality_actor(&code);
            self.emit(target.into(), valid, valid + 3, actor, Some(act.clone()))?;
        }
        Ok(())
    }

    /// The first municipality's plan for 2024 («по мотивам» of seed 003): created and approved
    /// by the municipality, agreed by the ЦНППМ (seed 001, roadmap 8), its activity reported done.
    fn municipal_plan(&mut self) -> anyhow::Result<()> {
        if !self.config.years().contains(&2024) {
            return Ok(());
        }
        let Some(municipality) = self.municipalities.first() else { return Ok(()) };
        let (code, name) = (municipality.code.clone(), municipality.name.clone());
        let owner = municipality_actor(&code);
        let plan = PlanId::new(format!("plan-{}-2024", code.as_str()))?;
        let order = basis(
            "приказ",
            "12-од",
            (2024, 1, 22),
            "Об утверждении плана работы по повышению профессионального мастерства педагогических работников и управленческих кадров на 2024 год",
        );
        let valid = day_of(2024, 1, 22);
        let created = PlanCreated {
            plan: plan.clone(),
            level: PlanLevel::Municipal,
            title: format!("План работы по повышению профессионального мастерства педагогических работников и управленческих кадров ({name}) на 2024 год"),
            period_from_year: 2024,
            period_to_year: 2024,
            owner: format!("МОУО ({name})"),
        };
        self.emit_aside(created.into(), valid, valid + 1, owner.clone(), Some(order.clone()))?;
        let ids = self.plan_body(
            &plan,
            acts::MUNICIPAL_SECTIONS,
            acts::MUNICIPAL_ACTIVITIES,
            (2024, 2024),
            valid + 1,
            &owner,
        )?;
        let approved = PlanApproved { plan: plan.clone(), act: order.clone() };
        self.emit_aside(approved.into(), valid, valid + 2, owner.clone(), Some(order))?;
        let agreed_on = day_of(2024, 2, 20);
        let letter = basis("письмо", "02-15/118", (2024, 2, 20), "О согласовании плана работы");
        let agreed = PlanAgreed {
            plan: plan.clone(),
            agreed_by: "ЦНППМ ГАУ ДПО ИРО".into(),
            remarks: Some("рекомендовано включить обучение на базе ЦНППМ".into()),
        };
        self.emit_aside(agreed.into(), agreed_on, agreed_on + 1, operator(), Some(letter))?;
        if let Some(activity) = ids.get("1.2").cloned() {
            let reported_on = day_of(2024, 12, 16);
            let reported = ActivityExecutionReported {
                plan,
                activity,
                status: ExecutionStatus::Done,
                evidence: "обучение прошли 7 из 10 специалистов с методическими функциями (70 %)"
                    .into(),
                reported_on: date(reported_on),
            };
            self.emit_aside(reported.into(), reported_on, reported_on + 3, owner, None)?;
        }
        Ok(())
    }

    /// The regional plan 2020–2025 (seed 000), created, filled and approved.
    fn concept_plan(&mut self) -> anyhow::Result<PlanId> {
        let ministry = ministry();
        let concept = PlanId::new("plan-concept-2020-2025")?;
        // The seed's text does not name the act that approved the plan: this one (no number,
        // 20.03.2020) is the demo's own, needed because a plan is created by an act.
        let concept_act = basis(
            "распоряжение",
            "б/н",
            (2020, 3, 20),
            "План мероприятий по реализации Концепции развития системы непрерывного педагогического образования Иркутской области на 2020-2025 годы",
        );
        let valid = day_of(2020, 3, 20);
        let created = PlanCreated {
            plan: concept.clone(),
            level: PlanLevel::Regional,
            title: "План мероприятий, проводимых в целях реализации Концепции развития системы непрерывного педагогического образования Иркутской области на 2020-2025 годы".into(),
            period_from_year: 2020,
            period_to_year: 2025,
            owner: "Министерство образования Иркутской области".into(),
        };
        self.emit(created.into(), valid, valid + 4, ministry.clone(), None)?;
        self.plan_body(
            &concept,
            acts::CONCEPT_SECTIONS,
            acts::CONCEPT_ACTIVITIES,
            (2020, 2025),
            valid + 5,
            &operator(),
        )?;
        let approved = PlanApproved { plan: concept.clone(), act: concept_act.clone() };
        self.emit(approved.into(), valid, valid + 6, ministry.clone(), Some(concept_act))?;
        Ok(concept)
    }

    /// The roadmap 2023–2024 (seed 001) and the Regulation's targets; the roadmap's activity
    /// ids by number.
    fn roadmap_plan(&mut self) -> anyhow::Result<(PlanId, BTreeMap<String, ActivityId>)> {
        let ministry = ministry();
        let order = basis(
            "распоряжение",
            "55-494-мр",
            (2023, 6, 13),
            "Об утверждении Положения и Комплекса мер («дорожной карты») по развитию региональной системы научно-методического сопровождения педагогических работников и управленческих кадров",
        );
        let roadmap_act = basis(
            "распоряжение",
            "55-894-ур",
            (2023, 6, 13),
            "Комплекс мер («дорожная карта») по созданию и развитию РС НМС на период 2023-2024 годов",
        );
        let roadmap = PlanId::new("plan-roadmap-2023-2024")?;
        let valid = day_of(2023, 6, 13);
        let created = PlanCreated {
            plan: roadmap.clone(),
            level: PlanLevel::Regional,
            title: "Комплекс мер («дорожная карта») по созданию и развитию региональной системы научно-методического сопровождения педагогических работников и управленческих кадров на период 2023-2024 годов".into(),
            period_from_year: 2023,
            period_to_year: 2024,
            owner: "Министерство образования Иркутской области".into(),
        };
        self.emit(created.into(), valid, valid + 3, ministry.clone(), None)?;
        let ids = self.plan_body(
            &roadmap,
            acts::ROADMAP_SECTIONS,
            acts::ROADMAP_ACTIVITIES,
            (2023, 2024),
            valid + 4,
            &operator(),
        )?;
        let approved = PlanApproved { plan: roadmap.clone(), act: roadmap_act.clone() };
        self.emit(approved.into(), valid, valid + 5, ministry.clone(), Some(roadmap_act.clone()))?;
        self.regulation_targets(valid, &order, &roadmap_act)?;
        Ok((roadmap, ids))
    }

    /// The Regulation's targets, and the roadmap's conflicting one for `fr_by_deficit`.
    fn regulation_targets(
        &mut self,
        valid: i32,
        order: &Basis,
        roadmap_act: &Basis,
    ) -> anyhow::Result<()> {
        let ministry = ministry();
        let mut conflicting = PendingCase {
            description: "fr_by_deficit: 9,5 % по Положению (распоряжение 55-494-мр) и 30 % по дорожной карте (55-894-ур)".into(),
            ..PendingCase::default()
        };
        for (indicator, value, deadline, cumulative, from_year) in acts::REGULATION_TARGETS {
            let target = TargetSet {
                indicator: *indicator,
                scope: Scope::Region,
                value: *value,
                deadline: deadline.and_then(|(y, m, d)| Date::from_ymd(y, m, d)),
                accumulation: if *cumulative {
                    Accumulation::Cumulative
                } else {
                    Accumulation::Annual
                },
                from_year: *from_year,
                act: order.clone(),
            };
            let (id, _) =
                self.emit(target.into(), valid, valid + 6, ministry.clone(), Some(order.clone()))?;
            if *indicator == IndicatorCode::FrByDeficit {
                conflicting.events.push(id);
                self.watch.insert(id);
            }
        }
        let thirty = TargetSet {
            indicator: IndicatorCode::FrByDeficit,
            scope: Scope::Region,
            value: proto_events::vocabulary::TargetValue::ShareAtLeastBp(3000),
            deadline: Date::from_ymd(2024, 12, 31),
            accumulation: Accumulation::Cumulative,
            from_year: Some(2023),
            act: roadmap_act.clone(),
        };
        let (id, _) = self.emit(
            thirty.into(),
            valid,
            valid + 7,
            ministry.clone(),
            Some(roadmap_act.clone()),
        )?;
        conflicting.events.push(id);
        self.watch.insert(id);
        self.cases.conflicting_targets = Some(conflicting);

        Ok(())
    }

    /// Amendments of the roadmap: a term moved, a key result changed.
    fn roadmap_amendments(
        &mut self,
        roadmap: &PlanId,
        ids: &BTreeMap<String, ActivityId>,
    ) -> anyhow::Result<()> {
        let ministry = ministry();
        let amend_basis = basis(
            "распоряжение",
            "55-1210-мр",
            (2023, 9, 18),
            "О внесении изменений в Комплекс мер («дорожную карту») РС НМС",
        );
        if let Some(activity) = ids.get("2") {
            let valid = day_of(2023, 9, 18);
            let amended = ActivityAmended {
                plan: roadmap.clone(),
                activity: activity.clone(),
                changes: vec![FieldChange::term(
                    "Сентябрь 2023 г.",
                    term::parse_in_plan("ноябрь 2023 года", Some((2023, 2024))),
                )],
                reason:
                    "Перенос срока в связи с доработкой регламента мониторинга по замечаниям ФНМЦ"
                        .into(),
            };
            self.emit(
                amended.into(),
                valid,
                valid + 3,
                ministry.clone(),
                Some(amend_basis.clone()),
            )?;
        }
        if let Some(activity) = ids.get("34") {
            let valid = day_of(2024, 2, 5);
            let amend = basis(
                "распоряжение",
                "55-140-мр",
                (2024, 2, 5),
                "О внесении изменений в Комплекс мер («дорожную карту») РС НМС",
            );
            let amended = ActivityAmended {
                plan: roadmap.clone(),
                activity: activity.clone(),
                changes: vec![FieldChange::text(
                    ActivityField::KeyResult,
                    "Не менее 4 мероприятий ежегодно",
                    "Не менее 5 мероприятий ежегодно, в том числе форум молодых педагогов",
                )],
                reason: "Включение форума молодых педагогов в перечень региональных мероприятий"
                    .into(),
            };
            self.emit(amended.into(), valid, valid + 2, ministry.clone(), Some(amend.clone()))?;
            // The act as a whole amends the roadmap: a plan-level change citing it.
            let plan_amended = PlanAmended {
                plan: roadmap.clone(),
                title: None,
                period_from_year: None,
                period_to_year: None,
                owner: None,
                summary: "Внесены изменения в пункт 34 Комплекса мер: ключевой результат — не менее 5 региональных мероприятий ежегодно".into(),
            };
            self.emit_aside(plan_amended.into(), valid, valid + 2, ministry.clone(), Some(amend))?;
        }
        Ok(())
    }

    /// A roadmap activity cancelled (a case of the summary).
    fn roadmap_cancellation(
        &mut self,
        roadmap: &PlanId,
        ids: &BTreeMap<String, ActivityId>,
    ) -> anyhow::Result<()> {
        let ministry = ministry();
        if let Some(activity) = ids.get("59") {
            let valid = day_of(2024, 10, 14);
            let cancel_basis = basis(
                "распоряжение",
                "55-1480-мр",
                (2024, 10, 14),
                "О внесении изменений в Комплекс мер («дорожную карту») РС НМС",
            );
            let cancelled = ActivityCancelled {
                plan: roadmap.clone(),
                activity: activity.clone(),
                reason: "Исследование перенесено в федеральный план ФНМИЦ; региональное мероприятие исключено".into(),
            };
            let (id, _) = self.emit(
                cancelled.into(),
                valid,
                valid + 2,
                ministry.clone(),
                Some(cancel_basis),
            )?;
            self.watch.insert(id);
            self.cases.cancelled_activity = Some(PendingCase {
                description: "Мероприятие 59 дорожной карты отменено распоряжением 55-1480-мр"
                    .into(),
                report: None,
                events: vec![id],
            });
        }
        Ok(())
    }

    /// Execution reports of the roadmap, 2023 and 2024.
    fn roadmap_execution(
        &mut self,
        roadmap: &PlanId,
        ids: &BTreeMap<String, ActivityId>,
    ) -> anyhow::Result<()> {
        let operator = operator();
        for (year, status_of) in [(2023, 0u8), (2024, 1u8)] {
            for number in ["1", "2", "4", "6", "9", "11", "17", "25", "34", "37"] {
                let Some(activity) = ids.get(number).cloned() else { continue };
                let status = match (number, status_of) {
                    ("17", _) => ExecutionStatus::Partly,
                    ("9", 0) | ("25", 0) => ExecutionStatus::Partly,
                    ("6", 0) => ExecutionStatus::NotDone,
                    _ => ExecutionStatus::Done,
                };
                let valid = day_of(year, 12, 20);
                let reported = ActivityExecutionReported {
                    plan: roadmap.clone(),
                    activity,
                    status,
                    evidence: format!("Информационно-аналитический отчёт ЦНППМ за {year} год"),
                    reported_on: date(valid),
                };
                let day = valid + i32::try_from(self.rng.range(3, 25)).unwrap_or(3);
                self.emit(reported.into(), valid, day, operator.clone(), None)?;
            }
        }
        Ok(())
    }

    /// The concept plan: yearly reports on its activities.
    fn concept_execution(&mut self, concept: &PlanId) -> anyhow::Result<()> {
        let ministry = ministry();
        let concept_ids = self.activity_ids(concept, acts::CONCEPT_ACTIVITIES)?;
        for year in 2021..=self.config.last_year.min(2025) {
            for (number, activity) in &concept_ids {
                let status = if number == "4.1" {
                    ExecutionStatus::NotDone
                } else if year < 2023 {
                    ExecutionStatus::Partly
                } else {
                    ExecutionStatus::Done
                };
                let valid = day_of(year, 12, 25);
                let reported = ActivityExecutionReported {
                    plan: concept.clone(),
                    activity: activity.clone(),
                    status,
                    evidence: format!(
                        "Отчёт о реализации плана мероприятий Концепции за {year} год"
                    ),
                    reported_on: date(valid),
                };
                let day = valid + i32::try_from(self.rng.range(10, 40)).unwrap_or(10);
                self.emit(reported.into(), valid, day, ministry.clone(), None)?;
            }
        }
        Ok(())
    }

    fn activity_ids(
        &self,
        plan: &PlanId,
        activities: &[acts::ActivitySeed],
    ) -> anyhow::Result<BTreeMap<String, ActivityId>> {
        let mut ids = BTreeMap::new();
        for activity in activities {
            ids.insert(
                activity.number.to_string(),
                ActivityId::new(format!("{}:{}", plan.as_str(), activity.number))?,
            );
        }
        Ok(ids)
    }

    fn plan_body(
        &mut self,
        plan: &PlanId,
        sections: &[(&str, &str)],
        activities: &[acts::ActivitySeed],
        period: (i32, i32),
        day: i32,
        recorder: &Actor,
    ) -> anyhow::Result<BTreeMap<String, ActivityId>> {
        let operator = recorder.clone();
        for (number, title) in sections {
            let section = SectionId::new(format!("{}:s{number}", plan.as_str()))?;
            let payload = PlanSectionAdded {
                plan: plan.clone(),
                section,
                number: Some(number.to_string()),
                title: title.to_string(),
            };
            self.emit(payload.into(), day, day, operator.clone(), None)?;
        }
        let ids = self.activity_ids(plan, activities)?;
        for activity in activities {
            let id = ids.get(activity.number).cloned().context("activity")?;
            let payload = ActivityAdded {
                plan: plan.clone(),
                activity: id,
                section: SectionId::new(format!("{}:s{}", plan.as_str(), activity.section))?,
                number: activity.number.to_string(),
                title: activity.title.to_string(),
                responsible: activity.responsible.to_string(),
                co_executors: activity.co_executors.iter().map(|s| s.to_string()).collect(),
                term: term::parse_in_plan(activity.term, Some(period)),
                key_result: activity.key_result.to_string(),
                fixing_documents: activity.fixing_documents.to_string(),
                indicator: activity.indicator,
                planned_value: activity.planned_value,
            };
            self.emit(payload.into(), day, day, operator.clone(), None)?;
        }
        Ok(ids)
    }

    /// One year of the history: regional events, management teams trained, and every employed
    /// teacher's year.
    fn year(&mut self, year: i32) -> anyhow::Result<()> {
        let diag_per_mille: u64 = match year {
            ..=2021 => 90,
            2022 => 120,
            2023 => 160,
            2024 => 180,
            _ => 150,
        };
        let held = self.regional_events_of(year)?;
        self.regional_events.insert(year, held.clone());
        self.municipal_events(year)?;
        self.management_teams_trained(year)?;
        let roster: Vec<usize> = (0..self.teachers.len())
            .filter(|t| self.teachers.get(*t).is_some_and(|t| t.employed))
            .collect();
        for teacher in roster {
            self.teacher_year(teacher, year, diag_per_mille, &held)?;
        }
        Ok(())
    }

    /// Regional events (≥ 4 a year); their titles.
    fn regional_events_of(&mut self, year: i32) -> anyhow::Result<Vec<String>> {
        let operator = operator();
        let titles = [
            "Августовское педагогическое совещание работников образования Иркутской области",
            "Региональный конкурс «Наставник 38»",
            "Форум молодых педагогов Иркутской области",
            "Региональная научно-практическая конференция РС НМС",
            "Фестиваль эффективных педагогических практик",
            "Психолого-педагогическая олимпиада",
        ];
        let events_count = 4 + usize::try_from(self.rng.below(3)).unwrap_or(0);
        let mut held = Vec::new();
        for (index, title) in titles.iter().take(events_count).enumerate() {
            let month = [8u32, 3, 10, 11, 5, 4].get(index).copied().unwrap_or(6);
            let valid = day_of(year, month, 10 + u32::try_from(self.rng.below(15)).unwrap_or(0));
            let payload = RegionalEventHeld {
                event: RegionalEventId::new(format!("ev-{year}-{:02}", index + 1))?,
                title: format!("{title} — {year}"),
                held_on: date(valid),
                level: EventLevel::Regional,
            };
            self.emit(payload.into(), valid, valid + 3, operator.clone(), None)?;
            held.push(format!("{title} — {year}"));
        }
        Ok(held)
    }

    /// Management teams trained (2021–2025).
    fn management_teams_trained(&mut self, year: i32) -> anyhow::Result<()> {
        let operator = operator();
        let management: Vec<usize> = self
            .programs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.management && p.from_year <= year)
            .map(|(i, _)| i)
            .collect();
        if year >= 2021 && !management.is_empty() {
            for org in 0..self.organisations.len() {
                if self.organisations.get(org).map(|o| o.kind) != Some(OrganisationKind::General)
                    || !self.rng.chance(180)
                {
                    continue;
                }
                let program = self
                    .rng
                    .pick(&management)
                    .and_then(|i| self.programs.get(*i))
                    .map(|p| p.id.clone())
                    .context("program")?;
                let organisation =
                    self.organisations.get(org).map(|o| o.id.clone()).context("oo")?;
                let valid = day_of(year, 4, 1) + i32::try_from(self.rng.below(200)).unwrap_or(0);
                let payload =
                    ManagementTeamTrained { organisation, program, trained_on: date(valid) };
                let day = valid + i32::try_from(self.rng.range(5, 20)).unwrap_or(5);
                self.emit(payload.into(), valid, day, operator.clone(), None)?;
            }
        }
        Ok(())
    }

    /// A teacher's year: a diagnostic, courses, participations, then leaving or moving.
    fn teacher_year(
        &mut self,
        teacher: usize,
        year: i32,
        diag_per_mille: u64,
        held: &[String],
    ) -> anyhow::Result<()> {
        let year_start = day_of(year, 1, 1);
        let leaves = self.rng.chance(60);
        let moves = !leaves && self.rng.chance(30);
        let leave_day = year_start + i32::try_from(self.rng.range(30, 330)).unwrap_or(180);
        let last_active = if leaves { leave_day - 1 } else { day_of(year, 12, 31) };
        if self.rng.chance(diag_per_mille) {
            self.diagnose(teacher, year, last_active)?;
        }
        let courses = u64::from(self.rng.chance(450)) + u64::from(self.rng.chance(200));
        for _ in 0..courses {
            self.course(teacher, year, last_active, None)?;
        }
        self.participations(teacher, year, last_active, held)?;
        if leaves {
            self.leave_and_replace(teacher, leave_day)?;
        } else if moves {
            self.move_teacher(teacher, day_of(year, 8, 31))?;
        }
        Ok(())
    }

    /// A teacher's participations of the year (events, expert work, contests, burnout prevention).
    fn participations(
        &mut self,
        teacher: usize,
        year: i32,
        last_active: i32,
        held: &[String],
    ) -> anyhow::Result<()> {
        let year_start = day_of(year, 1, 1);
        for (kind, per_mille) in [
            (
                ParticipationKind::BurnoutPrevention,
                80 + 10 * u64::try_from((year - 2020).max(0)).unwrap_or(0),
            ),
            (
                ParticipationKind::ExpertWork,
                20 + 4 * u64::try_from((year - 2020).max(0)).unwrap_or(0),
            ),
            (ParticipationKind::Contest, 15),
            (ParticipationKind::RegionalEvent, 60),
        ] {
            if !self.rng.chance(per_mille) {
                continue;
            }
            let valid = year_start + i32::try_from(self.rng.range(20, 340)).unwrap_or(100);
            if valid > last_active {
                continue;
            }
            let title = match kind {
                ParticipationKind::BurnoutPrevention => {
                    "Тренинг профилактики профессионального выгорания педагогов".to_string()
                }
                ParticipationKind::ExpertWork => {
                    "Экспертиза конкурсных материалов регионального этапа «Учитель года»"
                        .to_string()
                }
                ParticipationKind::Contest => {
                    format!("Региональный этап конкурса «Учитель года — {year}»")
                }
                _ => self
                    .rng
                    .pick(held)
                    .cloned()
                    .unwrap_or_else(|| "Региональное мероприятие".into()),
            };
            let (id, _, organisation) = self.teacher_ref(teacher)?;
            let payload = ParticipationRecorded {
                teacher: id,
                kind,
                event_title: title,
                participated_on: date(valid),
            };
            let floor = self.teachers.get(teacher).map_or(0, |t| t.floor_day);
            let day = (valid + i32::try_from(self.rng.range(3, 30)).unwrap_or(3)).max(floor);
            self.emit(payload.into(), valid, day, org_actor(&organisation), None)?;
            self.raise_floor(teacher, day);
        }
        Ok(())
    }

    fn municipality_actor_of(&self, org: usize) -> anyhow::Result<Actor> {
        let municipality = self.organisations.get(org).map(|o| o.municipality).context("oo")?;
        let code = self.municipalities.get(municipality).map(|m| m.code.clone()).context("mo")?;
        Ok(municipality_actor(&code))
    }

    fn raise_floor(&mut self, teacher: usize, day: i32) {
        if let Some(t) = self.teachers.get_mut(teacher) {
            t.floor_day = t.floor_day.max(day);
        }
    }

    fn teacher_ref(&self, teacher: usize) -> anyhow::Result<(TeacherId, usize, OrgId)> {
        let t = self.teachers.get(teacher).context("teacher")?;
        let org = self.organisations.get(t.organisation).context("oo")?;
        Ok((t.id.clone(), org.municipality, org.id.clone()))
    }

    /// A diagnostic of `teacher` in `year` (unless after `last_active`), and the route built on
    /// it when it found deficits and the teacher was routed.
    fn diagnose(&mut self, teacher: usize, year: i32, last_active: i32) -> anyhow::Result<()> {
        let valid = day_of(year, 3, 1) + i32::try_from(self.rng.range(0, 250)).unwrap_or(0);
        if valid > last_active {
            return Ok(());
        }
        let diagnosed = self.record_diagnostic(teacher, year, valid)?;
        if !diagnosed.routed {
            return Ok(());
        }
        self.route(teacher, year, valid, diagnosed)
    }

    /// The diagnostic's event, remembered for the municipality's report.
    fn record_diagnostic(
        &mut self,
        teacher: usize,
        year: i32,
        valid: i32,
    ) -> anyhow::Result<Diagnosed> {
        let (id, muni, _) = self.teacher_ref(teacher)?;
        let procedure_index =
            usize::try_from(self.rng.below(u64::try_from(self.procedures.len()).unwrap_or(1)))
                .unwrap_or(0);
        let (procedure, competences) =
            self.procedures.get(procedure_index).cloned().context("procedure")?;
        let mut scores = BTreeMap::new();
        let mut deficits = BTreeSet::new();
        for code in competences.iter() {
            let score = u16::try_from(self.rng.range(3500, 10_000)).unwrap_or(6000);
            if score < 5200 && deficits.len() < 3 {
                deficits.insert(code.clone());
            }
            scores.insert(code.clone(), score);
        }
        let diagnostic = DiagnosticId::new(format!("d-{year}-{:07}", self.count("diagnostic")))?;
        let payload = DiagnosticRecorded {
            diagnostic: diagnostic.clone(),
            teacher: id.clone(),
            procedure,
            taken_on: date(valid),
            scores,
            deficits: deficits.clone(),
        };
        let floor = self.teachers.get(teacher).map_or(0, |t| t.floor_day);
        let day = (valid + i32::try_from(self.rng.range(3, 12)).unwrap_or(3)).max(floor);
        let (event, stream) = self.emit(payload.clone().into(), valid, day, operator(), None)?;
        let routed = !deficits.is_empty() && self.rng.chance(800);
        self.diagnostics.entry((year, muni)).or_default().push(DiagnosticNote {
            event,
            stream,
            teacher,
            recorded_day: day,
            routed,
            payload,
        });
        Ok(Diagnosed { id, municipality: muni, diagnostic, deficits, day, routed })
    }

    /// The route built on a diagnostic: opened, supported by a methodist, its steps (one per
    /// deficit), closed.
    fn route(
        &mut self,
        teacher: usize,
        year: i32,
        valid: i32,
        diagnosed: Diagnosed,
    ) -> anyhow::Result<()> {
        let operator = operator();
        let Diagnosed { id, municipality: muni, diagnostic, deficits, day, .. } = diagnosed;
        let route = RouteId::new(format!("r-{year}-{:07}", self.count("route")))?;
        let open = valid + i32::try_from(self.rng.range(14, 40)).unwrap_or(20);
        let open_day = day.max(open) + i32::try_from(self.rng.range(1, 6)).unwrap_or(1);
        let payload = RouteOpened {
            route: route.clone(),
            teacher: id.clone(),
            diagnostic,
            deficits: deficits.clone(),
        };
        self.emit(payload.into(), open, open_day, operator.clone(), None)?;
        let route = OpenRoute { route, teacher, id, year, open, open_day };
        self.assign_methodist(&route, muni)?;
        let mut all_done = true;
        let mut last_done = open_day;
        for (index, deficit) in deficits.iter().enumerate() {
            match self.route_step(&route, index, deficit)? {
                Some(step_day) => last_done = last_done.max(step_day),
                None => all_done = false,
            }
        }
        let (outcome, reason) = if all_done {
            (RouteOutcome::Completed, None)
        } else {
            (
                RouteOutcome::Abandoned,
                Some("Шаги маршрута не выполнены в установленный срок".to_string()),
            )
        };
        let close = last_done + 10;
        let OpenRoute { route, id, .. } = route;
        let payload = RouteClosed { route, teacher: id, outcome, reason };
        self.emit(payload.into(), close, close + 2, operator, None)?;
        Ok(())
    }

    /// A methodist of the municipality supports the route (most routes), and becomes the
    /// teacher's methodist if the teacher has none.
    fn assign_methodist(&mut self, route: &OpenRoute, muni: usize) -> anyhow::Result<()> {
        let operator = operator();
        let OpenRoute { teacher, open, open_day, .. } = *route;
        let id = &route.id;
        if self.rng.chance(950) {
            let methodist = self.municipalities.get(muni).and_then(|m| {
                let n = u64::try_from(m.methodists.len()).unwrap_or(1);
                m.methodists.get(usize::try_from(self.rng.below(n)).unwrap_or(0))
            });
            if let Some(methodist) = methodist.cloned() {
                let payload = RouteSupportAssigned {
                    route: route.route.clone(),
                    teacher: id.clone(),
                    supporter: methodist.clone(),
                    role: SupportRole::Methodist,
                };
                self.emit(payload.into(), open, open_day, operator.clone(), None)?;
                let already = self.teachers.get(teacher).and_then(|t| t.methodist.clone());
                if already.is_none() {
                    let payload = TeacherAssignedToMethodist {
                        teacher: id.clone(),
                        methodist: methodist.clone(),
                    };
                    self.emit(payload.into(), open, open_day, operator.clone(), None)?;
                    if let Some(t) = self.teachers.get_mut(teacher) {
                        t.methodist = Some(methodist);
                    }
                }
            }
        }
        // A tutor of the ЦНППМ accompanies every fourth route (chosen without drawing from the
        // simulation's random sequence, so the rest of the demo stays as it was): their Academy courses are
        // the ones `tutor_accompanied` counts.
        if teacher % 4 == 0 && !self.tutors.is_empty() {
            if let Some(tutor) = self.tutors.get(teacher / 4 % self.tutors.len()).cloned() {
                let payload = RouteSupportAssigned {
                    route: route.route.clone(),
                    teacher: id.clone(),
                    supporter: tutor,
                    role: SupportRole::Tutor,
                };
                self.emit(payload.into(), open, open_day, operator, None)?;
            }
        }
        Ok(())
    }

    /// One step of a route, for one deficit: planned, and (mostly) completed, through a course
    /// when it is a program. The recorded day of the completion, or `None` when not completed.
    fn route_step(
        &mut self,
        route: &OpenRoute,
        index: usize,
        deficit: &CompetenceCode,
    ) -> anyhow::Result<Option<i32>> {
        let operator = operator();
        let OpenRoute { teacher, year, open, open_day, .. } = *route;
        let id = &route.id;
        let step = StepId::new(format!("{}.{}", route.route.as_str(), index + 1))?;
        let topic =
            COMPETENCES.iter().find(|(code, _)| *code == deficit.as_str()).map(|(_, topic)| *topic);
        let candidates: Vec<usize> = self
            .programs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.from_year <= year && topic.is_some_and(|t| p.topics.contains(&t)))
            .map(|(i, _)| i)
            .collect();
        // Prefer Federal Register programs: the fr_by_deficit indicator counts them. The choice
        // is drawn twice (as it always was): the seeded histories, and so their pinned hashes,
        // depend on the draws.
        let candidates = self.prefer_federal(candidates);
        let candidates = self.prefer_federal(candidates);
        let program = if !candidates.is_empty() && self.rng.chance(700) {
            self.rng.pick(&candidates).copied()
        } else {
            None
        };
        let form = match program {
            Some(_) => StepForm::Program,
            None => *self
                .rng
                .pick(&[
                    StepForm::Internship,
                    StepForm::Mentoring,
                    StepForm::ProfessionalCommunity,
                    StepForm::SelfStudy,
                    StepForm::Event,
                ])
                .unwrap_or(&StepForm::SelfStudy),
        };
        let due = open + i32::try_from(self.rng.range(90, 240)).unwrap_or(120);
        let payload = RouteStepPlanned {
            route: route.route.clone(),
            teacher: id.clone(),
            step: step.clone(),
            form,
            program: program.and_then(|i| self.programs.get(i)).map(|p| p.id.clone()),
            deficits: [deficit.clone()].into_iter().collect(),
            due_on: date(due),
        };
        self.emit(payload.into(), open, open_day, operator.clone(), None)?;
        if !self.rng.chance(850) {
            return Ok(None);
        }
        let done = open + i32::try_from(self.rng.range(30, 200)).unwrap_or(60);
        let mut step_day = done + i32::try_from(self.rng.range(3, 15)).unwrap_or(3);
        if let Some(program) = program {
            step_day = self.course_on(
                teacher,
                program,
                done,
                Some(RouteStepRef { route: route.route.clone(), step: step.clone() }),
                false,
            )?;
        }
        let step_day = step_day.max(open_day) + 1;
        let payload = RouteStepCompleted {
            route: route.route.clone(),
            teacher: id.clone(),
            step,
            completed_on: date(done),
            evidence: None,
        };
        self.emit(payload.into(), done, step_day, operator.clone(), None)?;
        Ok(Some(step_day))
    }

    /// Federal Register programs among `candidates`, when there are some and the draw says so.
    fn prefer_federal(&mut self, candidates: Vec<usize>) -> Vec<usize> {
        let federal: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|i| self.programs.get(*i).is_some_and(|p| p.federal))
            .collect();
        if !federal.is_empty() && self.rng.chance(600) {
            federal
        } else {
            candidates
        }
    }

    /// A course completion outside any route in `year`.
    fn course(
        &mut self,
        teacher: usize,
        year: i32,
        last_active: i32,
        _step: Option<RouteStepRef>,
    ) -> anyhow::Result<()> {
        let candidates: Vec<usize> = self
            .programs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.from_year <= year && !p.management)
            .map(|(i, _)| i)
            .collect();
        let Some(program) = self.rng.pick(&candidates).copied() else { return Ok(()) };
        let month_roll = self.rng.below(100);
        let valid = if month_roll < 30 {
            day_of(year, 11, 15) + i32::try_from(self.rng.range(0, 45)).unwrap_or(0)
        } else {
            day_of(year, 2, 1) + i32::try_from(self.rng.range(0, 270)).unwrap_or(0)
        };
        if valid > last_active {
            return Ok(());
        }
        self.course_on(teacher, program, valid, None, true)?;
        Ok(())
    }

    /// Records a completion of `program` on `valid`; returns its recorded day.
    fn course_on(
        &mut self,
        teacher: usize,
        program: usize,
        valid: i32,
        step: Option<RouteStepRef>,
        may_be_late: bool,
    ) -> anyhow::Result<i32> {
        let (id, _, organisation) = self.teacher_ref(teacher)?;
        let year = date(valid).year();
        let completion = CompletionId::new(format!("c-{year}-{:07}", self.count("completion")))?;
        let certificate_number = format!("ПК-{year}-{:07}", self.count("certificate"));
        let routed = step.is_some();
        let p = self.programs.get(program).context("program")?;
        let payload = CourseCompleted {
            completion,
            teacher: id,
            program: p.id.clone(),
            completed_on: date(valid),
            certificate_number,
            hours: p.hours,
            provider: p.provider.clone(),
            route_step: step,
        };
        let floor = self.teachers.get(teacher).map_or(0, |t| t.floor_day);
        let month = date(valid).to_naive().map_or(1, |d| chrono::Datelike::month(&d));
        let late = may_be_late
            && month == 12
            && (self.rng.chance(300) || self.cases.late_completion.is_none());
        let day = if late {
            day_of(year + 1, 2, 1) + i32::try_from(self.rng.range(0, 25)).unwrap_or(0)
        } else {
            (valid + i32::try_from(self.rng.range(3, 20)).unwrap_or(3)).max(floor)
        };
        // The employer records its teachers' certificates on time; late paperwork and route
        // steps (recorded after the teacher may have moved) come through the operator.
        let actor = if late || routed { operator() } else { org_actor(&organisation) };
        if payload.provider.as_str() == ACADEMY {
            // The Academy's enrolment order, entered with the certificate: the course was in
            // progress from about two weeks per 36 hours before it (what `tutor_accompanied`
            // reads as «в процессе»).
            let weeks = i32::try_from(payload.hours / 36).unwrap_or(1).clamp(1, 12);
            let enrolled = valid - 14 * weeks;
            let enrolment = CourseEnrolled {
                enrolment: EnrolmentId::new(format!("e-{year}-{:07}", self.count("enrolment")))?,
                teacher: payload.teacher.clone(),
                program: payload.program.clone(),
                provider: payload.provider.clone(),
                enrolled_on: date(enrolled),
                ends_on: Some(date(valid)),
                route_step: payload.route_step.clone(),
            };
            self.emit(enrolment.into(), enrolled, day, actor.clone(), None)?;
        }
        let (event, stream) = self.emit(payload.clone().into(), valid, day, actor, None)?;
        if !late && !routed {
            self.raise_floor(teacher, day);
        }
        if late
            && (self.cases.late_completion.is_none()
                || (year == 2024 && self.cases.dashboard_2024.is_none()))
        {
            self.watch.insert(event);
            if self.cases.late_completion.is_none() {
                self.cases.late_completion = Some(PendingCase {
                    description: format!(
                        "Курсы завершены {}, сведения внесены {}",
                        date(valid).to_russian(),
                        date(day).to_russian()
                    ),
                    report: None,
                    events: vec![event],
                });
            }
            if year == 2024 && self.cases.dashboard_2024.is_none() {
                self.cases.dashboard_2024 = Some(PendingCase {
                    description: format!("Дашборд на 31.12.2024: удостоверение от {} внесено {} (известно сейчас, не было известно тогда)", date(valid).to_russian(), date(day).to_russian()),
                    report: None,
                    events: vec![event],
                });
            }
        }
        // A few timely, unrouted completions are candidates for a later date correction.
        if !late && !routed && (self.completions.is_empty() || self.rng.chance(5)) {
            self.completions.push((year, event, stream, payload, day));
        }
        Ok(day)
    }

    fn leave_and_replace(&mut self, teacher: usize, valid: i32) -> anyhow::Result<()> {
        let (id, _, organisation) = self.teacher_ref(teacher)?;
        let floor = self.teachers.get(teacher).map_or(0, |t| t.floor_day);
        let day = (valid + i32::try_from(self.rng.range(2, 15)).unwrap_or(2)).max(floor);
        let reason = *self
            .rng
            .pick(&[
                "Увольнение по собственному желанию",
                "Выход на пенсию",
                "Переезд в другой регион",
            ])
            .unwrap_or(&"Увольнение");
        let payload = TeacherLeft {
            teacher: id.clone(),
            organisation: organisation.clone(),
            reason: Some(reason.into()),
        };
        let org = self.teachers.get(teacher).map(|t| t.organisation).context("teacher")?;
        let authority = self.municipality_actor_of(org)?;
        self.emit(payload.into(), valid, day, authority.clone(), None)?;
        let (org, position) = {
            let t = self.teachers.get_mut(teacher).context("teacher")?;
            t.employed = false;
            (t.organisation, t.position.clone())
        };
        if matches!(position, Position::Head | Position::DeputyHead) {
            let payload = proto_events::vocabulary::ManagementTeamMemberRemoved {
                organisation: organisation.clone(),
                teacher: id,
            };
            self.emit(payload.into(), valid, day, authority, None)?;
        }
        if let Some(o) = self.organisations.get_mut(org) {
            o.staff.retain(|s| *s != teacher);
        }
        // The replacement: a young specialist, often with a mentor.
        let young =
            !matches!(position, Position::Head | Position::DeputyHead) && self.rng.chance(600);
        let mentee = self.hire(org, position, valid, day, young)?;
        if young && self.rng.chance(700) {
            let staff = self.organisations.get(org).map(|o| o.staff.clone()).unwrap_or_default();
            // Only colleagues already on record (and still employed) can be mentors.
            let mentors: Vec<usize> = staff
                .into_iter()
                .filter(|s| {
                    *s != mentee
                        && self.teachers.get(*s).is_some_and(|t| t.employed && t.hired_day < day)
                })
                .collect();
            if let Some(mentor) = self.rng.pick(&mentors).copied() {
                let mentor_id =
                    self.teachers.get(mentor).map(|t| t.id.clone()).context("mentor")?;
                let mentee_id =
                    self.teachers.get(mentee).map(|t| t.id.clone()).context("mentee")?;
                let pair = PairId::new(format!("m-{:06}", self.count("pair")))?;
                let formed = valid + 14;
                self.adopt_mentoring_program(org, formed, day)?;
                let payload = MentoringPairFormed {
                    pair: pair.clone(),
                    mentor: mentor_id,
                    mentee: mentee_id.clone(),
                    organisation: organisation.clone(),
                    mentoring_program: Some(
                        "Программа наставничества «Педагог — молодой специалист»".into(),
                    ),
                };
                self.emit(payload.into(), formed, day + 16, org_actor(&organisation), None)?;
                let ended = formed + i32::try_from(self.rng.range(300, 700)).unwrap_or(365);
                let payload = MentoringPairEnded {
                    pair,
                    mentee: mentee_id,
                    reason: Some("Программа наставничества завершена".into()),
                };
                self.emit(payload.into(), ended, ended + 10, org_actor(&organisation), None)?;
            }
        }
        Ok(())
    }

    /// The organisation's mentoring program, adopted by its own order a month before its first
    /// pair is formed (the act counts organisations that run a program, not pairs).
    fn adopt_mentoring_program(&mut self, org: usize, formed: i32, day: i32) -> anyhow::Result<()> {
        let Some(organisation) = self.organisations.get_mut(org) else { return Ok(()) };
        if organisation.mentoring_program {
            return Ok(());
        }
        organisation.mentoring_program = true;
        let id = organisation.id.clone();
        let adopted = formed - 30;
        let order = Basis {
            kind: "приказ".to_string(),
            number: format!("{}-о", self.count("mentoring-program")),
            date: date(adopted),
            title: Some("Об утверждении программы наставничества педагогических работников".into()),
        };
        let payload = OrganisationStatusChanged {
            organisation: id.clone(),
            status: OrganisationStatus::MentoringProgram,
            change: FlagChange::Set,
            valid_from: date(adopted),
            valid_to: None,
        };
        self.emit(payload.into(), adopted, day, org_actor(&id), Some(order))?;
        Ok(())
    }

    fn move_teacher(&mut self, teacher: usize, valid: i32) -> anyhow::Result<()> {
        let (id, muni, from) = self.teacher_ref(teacher)?;
        let (org, position) = self
            .teachers
            .get(teacher)
            .map(|t| (t.organisation, t.position.clone()))
            .context("teacher")?;
        if matches!(position, Position::Head | Position::DeputyHead) {
            return Ok(());
        }
        let kind = self.organisations.get(org).map(|o| o.kind);
        let same_municipality = self.rng.chance(800);
        let candidates: Vec<usize> = self
            .organisations
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                *i != org && Some(o.kind) == kind && (o.municipality == muni) == same_municipality
            })
            .map(|(i, _)| i)
            .collect();
        let Some(target) = self.rng.pick(&candidates).copied() else { return Ok(()) };
        let to = self.organisations.get(target).map(|o| o.id.clone()).context("oo")?;
        let floor = self.teachers.get(teacher).map_or(0, |t| t.floor_day);
        let day = (valid + i32::try_from(self.rng.range(3, 20)).unwrap_or(3)).max(floor);
        let payload = TeacherMoved {
            teacher: id,
            from_organisation: from,
            to_organisation: to.clone(),
            position,
        };
        let actor = if same_municipality { self.municipality_actor_of(org)? } else { operator() };
        self.emit(payload.into(), valid, day, actor, None)?;
        if let Some(o) = self.organisations.get_mut(org) {
            o.staff.retain(|s| *s != teacher);
        }
        if let Some(o) = self.organisations.get_mut(target) {
            o.staff.push(teacher);
        }
        if let Some(t) = self.teachers.get_mut(teacher) {
            t.organisation = target;
            t.floor_day = day;
            t.hired_day = day;
        }
        Ok(())
    }

    /// Figures reported by municipalities for 31.12 of `year`, and corrections after them.
    ///
    /// Each municipality reports on its own day in January what the ledger knew then, computed
    /// by the projection itself (`monitoring::figure`) on the state folded up to that day: the
    /// reports match the recomputation "as known then", and differ "as known now" exactly where
    /// later corrections and late paperwork changed the figures (which is what the ministry's
    /// verification is for).
    /// The municipalities' figure reports for `year` (each computed on what the ledger knew on
    /// its day), corrections of some, and a corrected completion date.
    fn reports(&mut self, year: i32) -> anyhow::Result<()> {
        let mut schedule = Vec::with_capacity(self.municipalities.len());
        for muni in 0..self.municipalities.len() {
            let report_day =
                day_of(year + 1, 1, 10) + i32::try_from(self.rng.range(0, 15)).unwrap_or(0);
            schedule.push((report_day, muni));
        }
        schedule.sort_unstable();
        for (report_day, muni) in schedule {
            let Some(diagnosed) = self.report_figures(year, muni, report_day)? else { continue };
            // Corrections: an annulled diagnostic that the report counted, and the corrected
            // figure; always in the first municipality, sometimes in others.
            if year < self.config.first_year + 1 || !(muni == 0 || self.rng.chance(150)) {
                continue;
            }
            self.correct_report(year, muni, diagnosed)?;
        }
        self.correct_a_completion(year)?;
        self.completions.retain(|(y, ..)| *y > year);
        Ok(())
    }

    /// The recommendations and decisions on the 2023 and 2024 monitoring (the demo's own, «по
    /// мотивам» of seed 001, Положение 29–30): on 2023, a recommendation to the first
    /// municipalities on diagnostics and routes and the ministry's order that follows it; on
    /// 2024, a recommendation to the region on the Academy's courses.
    fn monitoring_decisions(&mut self, year: i32) -> anyhow::Result<()> {
        let addressed: Vec<MunicipalityCode> =
            self.municipalities.iter().take(2).map(|m| m.code.clone()).collect();
        let year_number = u16::try_from(year)?;
        match year {
            2023 => {
                let issued = day_of(2024, 2, 15);
                let recommendation = RecommendationIssued {
                    recommendation: DecisionId::new("rec-2023-01")?,
                    year: year_number,
                    indicators: vec![IndicatorCode::Diagnosed, IndicatorCode::Routed],
                    municipalities: addressed.clone(),
                    text: "Обеспечить прохождение диагностики профессиональных дефицитов и построение ИОМ по её результатам педагогами, не прошедшими диагностику в 2023 году".into(),
                    issued_on: date(issued),
                };
                self.emit_aside(recommendation.into(), issued, issued + 1, operator(), None)?;
                let decided = day_of(2024, 3, 1);
                let order = basis(
                    "распоряжение",
                    "55-210-мр",
                    (2024, 3, 1),
                    "О мерах по итогам мониторинга РС НМС за 2023 год",
                );
                let decision = ManagementDecisionRecorded {
                    decision: DecisionId::new("dec-2023-01")?,
                    form: DecisionForm::Order,
                    year: year_number,
                    indicators: vec![IndicatorCode::Diagnosed],
                    municipalities: addressed,
                    text: "МОУО обеспечить участие педагогов в диагностике профессиональных дефицитов не менее 10 % ежегодно".into(),
                    decided_on: date(decided),
                    follows: Some(DecisionId::new("rec-2023-01")?),
                };
                self.emit_aside(decision.into(), decided, decided + 1, ministry(), Some(order))?;
            }
            2024 => {
                let issued = day_of(2025, 2, 14);
                let recommendation = RecommendationIssued {
                    recommendation: DecisionId::new("rec-2024-01")?,
                    year: year_number,
                    indicators: vec![IndicatorCode::TutorAccompanied],
                    municipalities: Vec::new(),
                    text: "Закрепить тьюторов ЦНППМ за педагогами, обучающимися по программам Академии Минпросвещения России".into(),
                    issued_on: date(issued),
                };
                self.emit_aside(recommendation.into(), issued, issued + 1, operator(), None)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A municipality's reports of three figures, as the ledger knows them on `report_day`; the
    /// `diagnosed` one is returned for a possible correction.
    fn report_figures(
        &mut self,
        year: i32,
        muni: usize,
        report_day: i32,
    ) -> anyhow::Result<Option<DiagnosedReport>> {
        let valid = day_of(year, 12, 31);
        let code = self.municipalities.get(muni).map(|m| m.code.clone()).context("mo")?;
        let name = self.municipalities.get(muni).map(|m| m.name.clone()).unwrap_or_default();
        // What the ledger knows when the report is recorded: everything recorded up to the
        // report day (the report comes after that day's other paperwork).
        self.flush_before(report_day + 1)?;
        self.catch_up_state()?;
        let scope = Scope::Municipality(code.clone());
        let mut diagnosed_report = None;
        for indicator in
            [IndicatorCode::Diagnosed, IndicatorCode::Routed, IndicatorCode::BurnoutPrevention]
        {
            let figure = monitoring::figure(&self.state, indicator, &scope, date(valid));
            let report =
                ReportId::new(format!("rep-{year}-{}-{}", code.as_str(), indicator.as_str()))?;
            let payload = FigureReported {
                report: report.clone(),
                indicator,
                scope: scope.clone(),
                valid_on: date(valid),
                value_bp: figure.value_bp,
                numerator: figure.numerator,
                denominator: figure.denominator,
                reporter: format!("МОУО: {name}"),
            };
            let (event, stream) = self.emit(
                payload.clone().into(),
                valid,
                report_day,
                municipality_actor(&code),
                None,
            )?;
            if indicator == IndicatorCode::Diagnosed {
                let counted: BTreeSet<EventId> = figure.evidence.into_iter().collect();
                diagnosed_report = Some(DiagnosedReport {
                    report,
                    event,
                    stream,
                    figure: payload,
                    report_day,
                    counted,
                    code: code.clone(),
                });
            }
        }
        Ok(diagnosed_report)
    }

    /// A diagnostic the report counted is annulled (retracted), and the report corrected.
    fn correct_report(
        &mut self,
        year: i32,
        muni: usize,
        diagnosed: DiagnosedReport,
    ) -> anyhow::Result<()> {
        let valid = day_of(year, 12, 31);
        let operator = operator();
        let DiagnosedReport {
            report,
            event: report_event,
            stream: report_stream,
            figure,
            report_day,
            counted,
            code,
        } = diagnosed;
        let candidate = self.diagnostics.get(&(year, muni)).and_then(|notes| {
            notes.iter().find(|n| {
                !n.routed
                    && n.recorded_day < report_day
                    && counted.contains(&n.event)
                    && notes.iter().filter(|m| m.teacher == n.teacher).count() == 1
            })
        });
        let Some(note) = candidate else { return Ok(()) };
        let (target, target_stream, taken_on) =
            (note.event, note.stream.clone(), note.payload.taken_on);
        let retract_day =
            day_of(year + 1, 3, 1) + i32::try_from(self.rng.range(0, 60)).unwrap_or(0);
        let retraction = EventRetracted { target, reason: "Результат диагностики аннулирован: работа выполнена с нарушением процедуры (повторная регистрация)".into() };
        let (retract_event, _) = self.emit_in(
            retraction.into(),
            target_stream,
            taken_on.days_since_epoch(),
            retract_day,
            operator.clone(),
            None,
        )?;
        let mut corrected = figure.clone();
        corrected.numerator = figure.numerator.saturating_sub(1);
        corrected.value_bp = Some(
            u32::try_from(corrected.numerator * 10_000 / figure.denominator.max(1)).unwrap_or(0),
        );
        let correction = EventCorrected {
            target: report_event,
            reason: "Уточнение показателя после аннулирования результата диагностики".into(),
            replacement: Replacement::of(&corrected.into()).context("замена")?,
        };
        let correct_day = retract_day + i32::try_from(self.rng.range(5, 30)).unwrap_or(5);
        let (correct_event, _) = self.emit_in(
            correction.into(),
            report_stream,
            valid,
            correct_day,
            municipality_actor(&code),
            None,
        )?;
        for id in [target, report_event, retract_event, correct_event] {
            self.watch.insert(id);
        }
        let case = PendingCase {
            description: format!(
                "Показатель diagnosed МО {} на {}: сообщено {}, затем результат диагностики аннулирован и показатель исправлен на {}",
                code.as_str(), date(valid).to_russian(), figure.numerator, figure.numerator.saturating_sub(1)
            ),
            report: Some(report.as_str().to_string()),
            events: vec![target, report_event, retract_event, correct_event],
        };
        self.note_corrected_report(year, case);
        Ok(())
    }

    /// Records a corrected report as the summary's cases: the first one, and the 2024 dashboard's.
    fn note_corrected_report(&mut self, year: i32, case: PendingCase) {
        if self.cases.corrected_report.is_none() {
            self.cases.corrected_report = Some(PendingCase {
                description: case.description.clone(),
                report: case.report.clone(),
                events: case.events.clone(),
            });
        }
        if year == 2024 {
            match &mut self.cases.dashboard_2024 {
                Some(dashboard) if dashboard.report.is_none() => {
                    dashboard.description =
                        format!("{}; {}", dashboard.description, case.description);
                    dashboard.report = case.report;
                    dashboard.events.extend(case.events);
                }
                None => self.cases.dashboard_2024 = Some(case),
                _ => {}
            }
        }
    }

    /// A completion date corrected (the certificate had the wrong date).
    fn correct_a_completion(&mut self, year: i32) -> anyhow::Result<()> {
        let operator = operator();
        let found = self.completions.iter().position(|(y, ..)| *y == year);
        if let Some(index) = found {
            let (_, event, stream, payload, day) = self.completions.swap_remove(index);
            let mut fixed = payload.clone();
            fixed.completed_on = date(payload.completed_on.days_since_epoch() - 7);
            let correction = EventCorrected {
                target: event,
                reason: "Исправлена дата выдачи удостоверения по сведениям провайдера".into(),
                replacement: Replacement::of(&fixed.into()).context("замена")?,
            };
            let correct_day =
                day.max(day_of(year + 1, 4, 1)) + i32::try_from(self.rng.range(0, 30)).unwrap_or(0);
            let (id, _) = self.emit_in(
                correction.into(),
                stream,
                payload.completed_on.days_since_epoch() - 7,
                correct_day,
                operator,
                None,
            )?;
            if self.cases.corrected_completion.is_none() {
                self.watch.insert(event);
                self.watch.insert(id);
                self.cases.corrected_completion = Some(PendingCase {
                    description: format!(
                        "Дата завершения курсов исправлена с {} на {}",
                        payload.completed_on.to_russian(),
                        date(payload.completed_on.days_since_epoch() - 7).to_russian()
                    ),
                    report: None,
                    events: vec![event, id],
                });
            }
        }
        Ok(())
    }
}

fn operator() -> Actor {
    Actor { role: ActorRole::Operator, id: "cnppm-operator".into() }
}

fn ministry() -> Actor {
    Actor { role: ActorRole::Ministry, id: "mo-io".into() }
}

fn org_actor(organisation: &OrgId) -> Actor {
    Actor {
        role: ActorRole::Organisation(organisation.as_str().to_string()),
        id: format!("{}-staff", organisation.as_str()),
    }
}

fn municipality_actor(code: &MunicipalityCode) -> Actor {
    Actor {
        role: ActorRole::Municipality(code.as_str().to_string()),
        id: format!("mouo-{}", code.as_str()),
    }
}

fn basis(kind: &str, number: &str, (year, month, day): (i32, u32, u32), title: &str) -> Basis {
    Basis {
        kind: kind.to_string(),
        number: number.to_string(),
        date: Date::from_ymd(year, month, day).unwrap_or(Date::from_days_since_epoch(0)),
        title: Some(title.to_string()),
    }
}
