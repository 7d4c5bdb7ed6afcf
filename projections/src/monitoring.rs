//! Indicator figures: every code of the catalogue (seed 001, Appendix 1; seed 003), for a scope
//! (region, municipality, organisation) at a valid date `D`, evaluated as known at a knowledge
//! point `K` — on a `State` folded to `K`, or on any later state read as known at `K`
//! (`catalogue_at`, `figure_at`, `verify_at`: the state is bitemporal, see `state`); and the
//! verification of reported figures.
//!
//! Cost: one pass over the teachers builds the population of the scope on `D` (employment, the
//! organisation's kind, each member's route facts, completions and annual facts read once, and
//! the mentoring pairs active on `D` of every teacher, member or not); each indicator then walks
//! the members, so the catalogue costs one population plus 23 cheap walks.
//!
//! Populations are taken as of `D`: a teacher belongs to the scope of the organisation that
//! employs them on `D` (a teacher who moved mid-year counts where they work on `D`). Periods:
//! - annual ("ежегодно"): facts dated from 1 January of `D`'s year up to `D`;
//! - cumulative ("накопительным итогом"): facts dated from 1 January of the earliest
//!   `from_year` among the targets in force, or since the beginning of records, up to `D`;
//! - as of `D`: a state on the day (open routes, active pairs, roles).
//!
//! Definitions (numerator / denominator), with the act line they come from:
//! - `diagnosed` (001 App. 1 p. 1, "ежегодно не менее 10 %", annual): employed teachers and
//!   managers with a diagnostic result dated in the year / all employed pedagogical workers.
//! - `routed` (001 App. 1 p. 2, annual): employed with a route opened in the year / all employed.
//! - `route_supported` (001 App. 1 p. 3, as of `D`; «адресную методическую поддержку …
//!   региональными методистами»): holders of a route open on `D` with a regional methodist
//!   assigned to an open route (a tutor's accompaniment does not count) / holders of a route
//!   open on `D`.
//! - `fr_by_deficit` (001 App. 1 p. 4, cumulative; «подобранные с учетом диагностики»):
//!   employed who completed a program that was in the Federal Register on the completion date
//!   and was chosen from their diagnostics before it — the program was planned as a step of one
//!   of their routes (built on a diagnostic) on or before the completion, or the completion names
//!   a step of a route opened on or before it / all employed.
//! - `tutor_accompanied` (001 App. 1 p. 5, cumulative; «обеспеченных персонифицированным
//!   сопровождением в процессе повышения квалификации по программам … Академии … тьюторами
//!   ЦНППМ»): employed with a course of the Academy (the provider registered as `academy`) in
//!   progress during the period — enrolled (`course_enrolled`) on or before `D`, not ended before
//!   the period began — with a tutor assigned to one of their routes by the course's end (the
//!   completion of the same program, else the planned end, at most `D`); or with a completion of
//!   the Academy in the period and a tutor assigned by its date (a course whose enrolment was not
//!   recorded) / all employed.
//! - `mgmt_teams_trained` (001 App. 1 p. 6, cumulative): organisations in scope with a
//!   management team on `D` whose team was trained in the period on a program about the
//!   management of education quality (topic `management_quality`) / organisations with a team.
//! - topic indicators (001 App. 1 pp. 7–16, cumulative): employed in the population who
//!   completed a program tagged with the topic in the period / the population:
//!   `subject_competence` — subject teachers of general schools; `functional_literacy`,
//!   `updated_fgos`, `quality_assessment`, `career_guidance` — pedagogical workers of general
//!   schools; `digital_env`, `talents`, `upbringing` — all employed; `preschool_quality` —
//!   pedagogical workers of preschool organisations.
//! - `low_results_schools` (001 App. 1, cumulative): employed at an organisation flagged
//!   low-results or unfavourable-conditions on `D` who completed any course in the period /
//!   employed at such organisations.
//! - `retraining` (annual): employed who completed a retraining (ПП) program in the year / all.
//! - `young_supported` (001 App. 1, as of `D`): under 35 (`D`'s year − birth year < 35) and in
//!   the first 3 years of work (career start after `D` − 3 years) with a support form on `D`
//!   (mentee of an active pair, a methodist assigned, or a supported open route) / such teachers.
//! - `mentoring_orgs` (001 App. 1; 003: 100 %, as of `D`): organisations in scope (not DPO
//!   providers) registered by `D` whose mentoring program (`organisation_status_changed`,
//!   `mentoring_program`) is in force on `D` / those organisations; active pairs are evidence,
//!   not the test (a program between two pairs is still run).
//! - `methodist_load` (001 App. 1, ratio, «не более 250 человек, закрепленных за 1 региональным
//!   методистом»): assignments of general-school teachers in scope to methodists on `D`
//!   (`teacher_assigned_to_methodist`) / methodists (the scope's regional methodists on `D` and
//!   any methodist such a teacher is assigned to); `Figure::load` gives the maximum per
//!   methodist and the distribution, and an "at most" target is checked against the maximum.
//! - `expert_involved` (count, annual; target: positive dynamics vs the same day a year before):
//!   employed with an expert-work participation in the year; denominator 1.
//! - `burnout_prevention` (annual): employed with a burnout-prevention participation or a
//!   completed burnout-prevention program in the year / all employed.
//! - `regional_events` (roadmap item 34, count, annual, ≥ 4 a year): regional events held in the
//!   year; region scope only (other scopes have denominator 0).
//!
//! The municipal plan's own indicators (seed 003, «Целевые результаты и планируемые показатели
//! деятельности»; `level: municipal` in `definitions`), computed for any scope like the rest:
//! - `mun_routed` (1, cumulative over the plan's period): employed (teachers and managers) with
//!   a route opened in the period / all employed.
//! - `mms_trained` (2, cumulative): workers of the municipal methodological service (employed at
//!   an organisation of kind `methodological_service`) with a completion in the period at a
//!   provider of kind `regional_institute` (the ЦНППМ is the ИРО's unit) / those workers.
//! - `municipal_events` (3, count, annual, ≥ 2): `municipal_event_held` of the scope's
//!   municipality (every municipality's for the region) in the year; denominator 1.
//! - `regional_participants` (4, annual): employed with a participation in a regional event of
//!   the system in the year / all employed.
//! - `mun_mgmt_teams` (5, cumulative): educational organisations in scope whose management team
//!   was trained, or whose head or deputy head completed a program, in the period / those
//!   organisations.
//! - `mun_mentoring_orgs` (6, as of `D`): `mentoring_orgs` over general, additional and
//!   vocational organisations only («общеобразовательных …, дополнительного образования и
//!   профессиональных образовательных организаций»).
//! - `mun_fr_trained`, `mun_fr_academy`, `mun_fr_institute` (7: 12 %, of them 8 % at the Academy
//!   and 4 % at the ИРО; cumulative): general-school pedagogical workers with a completion in the
//!   period of a program in the Federal Register on its date — at any provider, at the Academy,
//!   at the ИРО / all general-school pedagogical workers.
//!
//! Targets are versioned by act: for each act, its latest `target_set` for the indicator and the
//! exact scope (or, when the scope has none, the region's) dated on or before `D` is in force;
//! when two acts disagree, both are shown. Each target is evaluated by its own period rule
//! (annual: the figure's year; cumulative: from its `from_year`), except for the indicators
//! counted by the year (`diagnosed`, `routed`, `retraining`, `expert_involved`,
//! `burnout_prevention`, `regional_events`, `municipal_events`, `regional_participants`), and gets a `TargetStatus`: met, not met, or not due
//! (not met so far, before its deadline or, for an annual target without one, before the end of
//! the year). The figure's `met` is true when every target is met, false when a due one is not,
//! else None.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::Months;
use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    Accumulation, EventLevel, FigureReported, IndicatorCode, IndicatorMeasure, MunicipalityCode,
    OrgId, OrganisationKind, OrganisationStatus, PairId, ParticipationKind, Position, ProgramId,
    ProgramKind, ProgramRegistered, ProgramTopic, RouteId, Scope, SupportRole, SupportSystemRole,
    TargetSet, TargetValue, TeacherId,
};
use proto_events::{Date, EventId};

use crate::cycle::AcceptedFigure;
use crate::learning::{PairChange, RouteChange, TeacherLearning};
use crate::registry::{Program, Registry, Teacher};
use crate::state::{ordered_with_ids, Fact, FactKey, Facts, Known, State};

/// A target in force at the figure's date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInForce {
    /// The target value.
    pub value: TargetValue,
    /// Deadline, if any.
    pub deadline: Option<Date>,
    /// The act, as text ("распоряжение № 123 от 01.02.2023").
    pub act: String,
    /// Cumulative or annual.
    pub accumulation: Accumulation,
    /// The scope the target was set for (the region's when the figure's scope has none).
    pub scope: Scope,
    /// First year counted ("начиная с 2023 года"), if the act names one.
    pub from_year: Option<u16>,
    /// Whether the figure, counted by the target's own period rule, meets it (None when it
    /// cannot be evaluated).
    pub met: Option<bool>,
    /// Met, not met, or not due yet (before its deadline, or before the end of the year for an
    /// annual target without one, and not met so far); None when it cannot be evaluated.
    pub status: Option<TargetStatus>,
    /// The `target_set` event.
    pub set_by: EventId,
}

/// Where a figure stands against a target on the figure's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Достигнут.
    Met,
    /// Не достигнут: the period is over (the deadline passed, or the year of an annual target
    /// without one ended) and the value falls short.
    NotMet,
    /// Срок не наступил: not met so far, with time left.
    NotDue,
}

impl TargetStatus {
    /// Of a target whose period ends on `due` (None: already due), given whether it is met.
    fn of(met: Option<bool>, date: Date, due: Option<Date>) -> Option<TargetStatus> {
        match met {
            Some(true) => Some(TargetStatus::Met),
            _ if due.is_some_and(|due| date < due) => Some(TargetStatus::NotDue),
            Some(false) => Some(TargetStatus::NotMet),
            None => None,
        }
    }

    /// The official's word: «достигнут», «не достигнут», «срок не наступил».
    pub fn label_ru(self) -> &'static str {
        match self {
            TargetStatus::Met => "достигнут",
            TargetStatus::NotMet => "не достигнут",
            TargetStatus::NotDue => "срок не наступил",
        }
    }
}

/// One indicator figure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    /// Indicator.
    pub code: IndicatorCode,
    /// Scope.
    pub scope: Scope,
    /// Valid date.
    pub date: Date,
    /// Numerator (for a count: the count).
    pub numerator: u64,
    /// Denominator (for a count: 1).
    pub denominator: u64,
    /// numerator / denominator × 10000, rounded half up (None when the denominator is 0).
    pub value_bp: Option<u32>,
    /// Targets in force.
    pub targets: Vec<TargetInForce>,
    /// Every target met (true), a due target not met (false), else None: no target, one not
    /// due yet, or one that cannot be evaluated.
    pub met: Option<bool>,
    /// Ids of the events counted in the numerator, sorted.
    pub evidence: Vec<EventId>,
    /// `methodist_load` only: how the assigned teachers are spread over the methodists.
    pub load: Option<MethodistLoad>,
}

/// Teachers of general schools assigned to each regional methodist on the date (001 App. 1:
/// «не более 250 человек, закрепленных за 1 региональным методистом»): the target is about each
/// methodist, so it is checked against the maximum, and the distribution is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodistLoad {
    /// The most teachers assigned to one methodist.
    pub max: u64,
    /// Methodists counted (regional methodists of the scope on the date, and any methodist a
    /// teacher of the scope is assigned to).
    pub methodists: u64,
    /// Methodists by load: how many have 0, 1–50, 51–100, 101–150, 151–200, 201–250 and more
    /// than 250 teachers (`LOAD_BUCKETS`).
    pub buckets: [u64; 7],
}

/// Upper bounds of `MethodistLoad::buckets` (the last bucket has none).
pub const LOAD_BUCKETS: [u64; 6] = [0, 50, 100, 150, 200, 250];

/// A reported figure against the figure recomputed as known then and as known now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The `figure_reported` event.
    pub report: EventId,
    /// Its seq.
    pub report_seq: u64,
    /// What was reported.
    pub reported: FigureReported,
    /// Recomputed on the state at the report's seq.
    pub then: Figure,
    /// Recomputed on the current state.
    pub now: Figure,
    /// Later events (seq > the report's) that changed it: new evidence, and retractions or
    /// corrections of evidence.
    pub changed_by: Vec<EventId>,
    /// Whether the reported numerator and denominator equal the recomputed-then ones.
    pub matches_then: bool,
    /// Every version of the reported value known at "now", in the order they became known: as
    /// reported, then as each correction replaced it (a retraction ends the last one).
    pub versions: Vec<ReportVersion>,
}

/// One version of a reported figure: what it said, which event said it and when, and whether
/// it agrees with the figure recomputed as known when it was recorded and as known now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportVersion {
    /// What this version reports.
    pub reported: FigureReported,
    /// The event that recorded it: the report itself, or the correction that replaced it.
    pub recorded_by: EventId,
    /// The seq from which this version was known.
    pub known_from: u64,
    /// The retraction or correction that superseded it, and its seq; None while it stands.
    pub superseded_by: Option<(EventId, u64)>,
    /// Its numerator and denominator equal the figure recomputed as known at `known_from`.
    pub matches_then: bool,
    /// Its numerator and denominator equal the figure recomputed as known now.
    pub matches_now: bool,
}

/// One indicator at a scope and date, on everything the state knows.
pub fn figure(state: &State, code: IndicatorCode, scope: &Scope, date: Date) -> Figure {
    figure_at(state, code, scope, date, Known::LATEST)
}

/// One indicator at a scope and date as known at `known` (any `K ≤ state.seq`).
pub fn figure_at(
    state: &State,
    code: IndicatorCode,
    scope: &Scope,
    date: Date,
    known: Known,
) -> Figure {
    let population = Population::of(state, scope, date, known);
    evaluate(state, &population, code)
}

/// Every indicator in catalogue order, on everything the state knows.
pub fn catalogue(state: &State, scope: &Scope, date: Date) -> Vec<Figure> {
    catalogue_at(state, scope, date, Known::LATEST)
}

/// Every indicator in catalogue order as known at `known` (any `K ≤ state.seq`): equal to
/// `catalogue` on the state folded to `K`.
pub fn catalogue_at(state: &State, scope: &Scope, date: Date, known: Known) -> Vec<Figure> {
    let population = Population::of(state, scope, date, known);
    IndicatorCode::ALL.iter().map(|code| evaluate(state, &population, *code)).collect()
}

/// Verifies one reported figure: `then` is the state folded to the report's seq, `now` the
/// current one. None when `then` holds no such report.
pub fn verify(report: &EventId, then: &State, now: &State) -> Option<Verification> {
    let fact = then.reports.get(report)?;
    let report_seq = then.origins.get(report).map_or(fact.seq, |origin| origin.seq);
    let figure_then = figure(then, fact.value.indicator, &fact.value.scope, fact.value.valid_on);
    let figure_now = figure(now, fact.value.indicator, &fact.value.scope, fact.value.valid_on);
    verification(
        report,
        fact.value.clone(),
        report_seq,
        figure_then,
        figure_now,
        now,
        Known::LATEST,
    )
}

/// Verifies one reported figure on one state: recomputed as known at the report's seq and as
/// known at `now` (any `K ≤ state.seq`). None when no such report is known at `now`.
pub fn verify_at(report: &EventId, state: &State, now: Known) -> Option<Verification> {
    let report_seq = state.reports.get_at(report, now)?.seq;
    let then = Known(report_seq);
    // What was reported is the version known at the report's own seq (a later correction of the
    // report changes "now", not what was reported).
    let reported = &state.reports.get_at(report, then)?.value;
    let figure_then =
        figure_at(state, reported.indicator, &reported.scope, reported.valid_on, then);
    let figure_now = figure_at(state, reported.indicator, &reported.scope, reported.valid_on, now);
    verification(report, reported.clone(), report_seq, figure_then, figure_now, state, now)
}

/// Verifies many reports on one state as known at `now`, in the order given (those not known at
/// `now` are left out): the same verifications as `verify_at` one by one, sharing the work —
/// the reports of one scope and valid date share the population "now", and their populations
/// "then" whenever no registry or learning fact was recorded, retracted or corrected between
/// their seqs (a submission of several indicators is one population, not one per indicator).
///
/// `state` must be a full state (from `apply`, `apply_for_figures` or a full snapshot decode):
/// the seqs of retractions and corrections are read from `state.amendments`, which a state
/// decoded for figures only from a snapshot lacks for the events before the snapshot.
pub fn verify_many_at(state: &State, reports: &[EventId], now: Known) -> Vec<Verification> {
    let items: Vec<Item<'_>> = reports
        .iter()
        .enumerate()
        .filter_map(|(order, report)| {
            let seq = state.reports.get_at(report, now)?.seq;
            let reported = &state.reports.get_at(report, Known(seq))?.value;
            Some(Item { order, report: *report, seq, reported, submitted: false })
        })
        .collect();
    verify_items(state, items, now)
}

/// Verifies the figures of accepted submissions (`cycle::accepted_figures_at`) exactly as
/// `verify_many_at` verifies reports: each is recomputed as known at its submission's seq and
/// as known at `now`. A figure's `report` in the answer is its submission event, and its one
/// version is the submission.
pub fn verify_submitted_at(
    state: &State,
    figures: &[AcceptedFigure],
    now: Known,
) -> Vec<Verification> {
    let items: Vec<Item<'_>> = figures
        .iter()
        .enumerate()
        .filter(|(_, figure)| figure.seq <= now.0)
        .map(|(order, figure)| Item {
            order,
            report: figure.submission,
            seq: figure.seq,
            reported: &figure.reported,
            submitted: true,
        })
        .collect();
    verify_items(state, items, now)
}

/// One figure to verify: a report, or a figure of an accepted submission.
struct Item<'s> {
    order: usize,
    report: EventId,
    seq: u64,
    reported: &'s FigureReported,
    submitted: bool,
}

/// The shared work of `verify_many_at` and `verify_submitted_at`, answered in `order`.
fn verify_items(state: &State, mut items: Vec<Item<'_>>, now: Known) -> Vec<Verification> {
    // The seqs at which the registry and learning facts visible to a population can change: a
    // fact recorded (its event's seq), or superseded or re-recorded (a retraction's or a
    // correction's seq). Two knowledge points with no such seq between them see the same facts.
    let mut changes: Vec<u64> = state
        .origins
        .values()
        .filter(|origin| matches!(origin.key, Some(FactKey::Registry(_) | FactKey::Learning(_))))
        .map(|origin| origin.seq)
        .chain(state.amendments.values().flatten().map(|amendment| amendment.seq))
        .collect();
    changes.sort_unstable();
    changes.dedup();
    let epoch = |seq: u64| changes.partition_point(|change| *change <= seq);
    items.sort_by(|a, b| {
        (&a.reported.scope, a.reported.valid_on, a.seq).cmp(&(
            &b.reported.scope,
            b.reported.valid_on,
            b.seq,
        ))
    });
    let mut now_population: Option<Population<'_>> = None;
    let mut then_population: Option<(usize, Population<'_>)> = None;
    let mut done: Vec<(usize, Verification)> = Vec::with_capacity(items.len());
    for item in items {
        let (scope, date) = (&item.reported.scope, item.reported.valid_on);
        let same_place =
            |population: &Population<'_>| population.scope == *scope && population.date == date;
        let now_fits = now_population.as_ref().is_some_and(&same_place);
        if !now_fits {
            now_population = Some(Population::of(state, scope, date, now));
        }
        let then_epoch = epoch(item.seq);
        let then_fits = then_population
            .as_ref()
            .is_some_and(|(at, population)| *at == then_epoch && same_place(population));
        match &mut then_population {
            // Same facts: only the knowledge point moves (targets are read at it).
            Some((_, population)) if then_fits => population.known = Known(item.seq),
            _ => {
                then_population =
                    Some((then_epoch, Population::of(state, scope, date, Known(item.seq))))
            }
        }
        let (Some(now_at), Some((_, then_at))) = (&now_population, &then_population) else {
            continue;
        };
        let code = item.reported.indicator;
        let figure_then = evaluate(state, then_at, code);
        let figure_now = evaluate(state, now_at, code);
        let verified = if item.submitted {
            submitted_verification(&item, figure_then, figure_now, state, now)
        } else {
            verification(
                &item.report,
                item.reported.clone(),
                item.seq,
                figure_then,
                figure_now,
                state,
                now,
            )
        };
        if let Some(verified) = verified {
            done.push((item.order, verified));
        }
    }
    done.sort_by_key(|(order, _)| *order);
    done.into_iter().map(|(_, verified)| verified).collect()
}

/// The verification of a submitted figure: its one version is the submission itself.
fn submitted_verification(
    item: &Item<'_>,
    figure_then: Figure,
    figure_now: Figure,
    state: &State,
    now: Known,
) -> Option<Verification> {
    let mut verified = verification_of(
        &item.report,
        item.reported.clone(),
        item.seq,
        figure_then,
        figure_now,
        state,
        now,
    );
    let matches_now = item.reported.numerator == verified.now.numerator
        && item.reported.denominator == verified.now.denominator;
    verified.versions = vec![ReportVersion {
        reported: item.reported.clone(),
        recorded_by: item.report,
        known_from: item.seq,
        superseded_by: None,
        matches_then: verified.matches_then,
        matches_now,
    }];
    Some(verified)
}

fn verification(
    report: &EventId,
    reported: FigureReported,
    report_seq: u64,
    figure_then: Figure,
    figure_now: Figure,
    now_state: &State,
    now: Known,
) -> Option<Verification> {
    let mut verified =
        verification_of(report, reported, report_seq, figure_then, figure_now, now_state, now);
    let matches_now = verified.reported.numerator == verified.now.numerator
        && verified.reported.denominator == verified.now.denominator;
    verified.versions =
        report_versions(report, report_seq, now_state, now, (verified.matches_then, matches_now));
    Some(verified)
}

/// The later events (seq > `report_seq`, ≤ `now`) that changed a figure, and whether the
/// reported numerator and denominator equal the recomputed-then ones.
fn changes_since(
    report_seq: u64,
    reported: &FigureReported,
    figure_then: &Figure,
    figure_now: &Figure,
    now_state: &State,
    now: Known,
) -> (Vec<EventId>, bool) {
    let then_ids: BTreeSet<&EventId> = figure_then.evidence.iter().collect();
    let mut changed: BTreeSet<EventId> = BTreeSet::new();
    for id in &figure_now.evidence {
        let later = now_state.origins.get(id).is_some_and(|origin| origin.seq > report_seq);
        if !then_ids.contains(id) && later {
            changed.insert(*id);
        }
    }
    for id in figure_then.evidence.iter().chain(figure_now.evidence.iter()) {
        for amendment in now_state.amendments.get(id).into_iter().flatten() {
            if amendment.seq > report_seq && amendment.seq <= now.0 {
                changed.insert(amendment.id);
            }
        }
    }
    let matches_then = reported.numerator == figure_then.numerator
        && reported.denominator == figure_then.denominator;
    (changed.into_iter().collect(), matches_then)
}

/// A verification without its versions (the caller sets them).
fn verification_of(
    report: &EventId,
    reported: FigureReported,
    report_seq: u64,
    figure_then: Figure,
    figure_now: Figure,
    now_state: &State,
    now: Known,
) -> Verification {
    let (changed_by, matches_then) =
        changes_since(report_seq, &reported, &figure_then, &figure_now, now_state, now);
    Verification {
        report: *report,
        report_seq,
        reported,
        then: figure_then,
        now: figure_now,
        changed_by,
        matches_then,
        versions: Vec::new(),
    }
}

/// Every version of `report` known at `now`, each recomputed as known when it was recorded and
/// as known at `now` by its own indicator, scope and valid date (a correction may change them);
/// the original's agreement is `original` (already computed by the caller), so only corrected
/// versions cost a recomputation.
fn report_versions(
    report: &EventId,
    report_seq: u64,
    state: &State,
    now: Known,
    original: (bool, bool),
) -> Vec<ReportVersion> {
    let amendments = state.amendments.get(report).map(Vec::as_slice).unwrap_or_default();
    let by_seq = |seq: u64| amendments.iter().find(|amendment| amendment.seq == seq);
    let agrees = |reported: &FigureReported, known: Known| {
        let figure =
            figure_at(state, reported.indicator, &reported.scope, reported.valid_on, known);
        reported.numerator == figure.numerator && reported.denominator == figure.denominator
    };
    state
        .reports
        .versions(report)
        .into_iter()
        .filter(|fact| fact.known_from <= now.0)
        .map(|fact| {
            let recorded_by = if fact.known_from == report_seq {
                *report
            } else {
                by_seq(fact.known_from).map_or(*report, |amendment| amendment.id)
            };
            let superseded_by = (fact.known_until != u64::MAX && fact.known_until <= now.0)
                .then(|| by_seq(fact.known_until).map(|amendment| (amendment.id, amendment.seq)))
                .flatten();
            let (matches_then, matches_now) = if fact.known_from == report_seq {
                original
            } else {
                (agrees(&fact.value, Known(fact.known_from)), agrees(&fact.value, now))
            };
            ReportVersion {
                reported: fact.value.clone(),
                recorded_by,
                known_from: fact.known_from,
                superseded_by,
                matches_then,
                matches_now,
            }
        })
        .collect()
}

/// Every report known to `state`, in seq order.
pub fn reports(state: &State) -> Vec<(u64, EventId)> {
    reports_at(state, Known::LATEST)
}

/// Every report known at `known`, in seq order.
pub fn reports_at(state: &State, known: Known) -> Vec<(u64, EventId)> {
    let mut list: Vec<(u64, EventId)> =
        state.reports.iter(known).map(|(id, fact)| (fact.seq, *id)).collect();
    list.sort();
    list
}

/// numerator / denominator in basis points, rounded half up; None when the denominator is 0.
pub fn basis_points(numerator: u64, denominator: u64) -> Option<u32> {
    if denominator == 0 {
        return None;
    }
    let scaled = u128::from(numerator).checked_mul(20_000)?.checked_add(u128::from(denominator))?;
    let value = scaled / (u128::from(denominator) * 2);
    Some(u32::try_from(value).unwrap_or(u32::MAX))
}

/// One employed teacher in the scope on the date, with what every indicator needs of them
/// derived once per population (not once per indicator).
struct Member<'a> {
    teacher: &'a TeacherId,
    /// The teacher's registry record (employment and methodists).
    record: &'a Teacher,
    organisation: &'a OrgId,
    /// Index of the organisation in `Population::organisations`.
    organisation_index: usize,
    kind: Option<OrganisationKind>,
    position: &'a Position,
    career_start: Date,
    birth_year: u16,
    /// Completions dated on or before the date: a range of `Population::courses`.
    courses: Range<usize>,
    /// Enrolments at the Academy dated on or before the date: a range of
    /// `Population::enrolled`.
    enrolled: Range<usize>,
    /// Whether a route is open on the date.
    route_open: bool,
    /// Mentoring pairs (as mentee) active on the date: a range of `Population::pairs`.
    pairs: Range<usize>,
    /// Support assignments dated on or before the date on routes open on the date: a range of
    /// `Population::supported`.
    supported: Range<usize>,
    /// Annual facts (dated from 1 January of the date's year up to the date), each a range of
    /// its vector in `Population::annual`: diagnostic results, routes opened, expert-work and
    /// burnout-prevention participations.
    annual: [Range<usize>; ANNUAL_KINDS],
}

/// Kinds of annual facts read once per member (indices into `Member::annual`).
const ANNUAL_KINDS: usize = 5;
const DIAGNOSED: usize = 0;
const ROUTED: usize = 1;
const EXPERT: usize = 2;
const BURNOUT: usize = 3;
/// Participations in regional events of the system.
const REGIONAL: usize = 4;

/// One completion of a member, dated on or before the population's date.
struct Course<'a> {
    on: Date,
    id: EventId,
    /// The program as currently registered (None when it has no registration).
    program: Option<&'a ProgramRegistered>,
    /// The program was in the Federal Register on the completion date.
    federal: bool,
    /// Chosen by diagnostics, before the course: the program was planned as a step of one of
    /// the teacher's routes on or before the completion date, or the completion names a step of
    /// a route opened on or before it.
    chosen: bool,
    /// The smallest id of a tutor assignment dated on or before the completion.
    tutor: Option<EventId>,
    /// The kind the certificate's provider is registered with (the Academy, the ИРО, …).
    provider: Option<OrganisationKind>,
}

/// One enrolment of a member at the Academy, the course in progress from `on` to `end`.
struct Enrolled {
    /// The last day of the course as far as the date: the completion of the same program on or
    /// after the enrolment, or else the planned end, whichever comes first; never after the
    /// population's date.
    end: Date,
    id: EventId,
    /// The smallest id of a tutor assignment dated on or before `end`.
    tutor: Option<EventId>,
}

/// The population of a scope on a date as known at a knowledge point, computed once per
/// catalogue.
struct Population<'a> {
    scope: Scope,
    date: Date,
    known: Known,
    members: Vec<Member<'a>>,
    /// The members' employers, each once, in order of first appearance.
    organisations: Vec<&'a OrgId>,
    /// Every member's courses, in member order (one allocation for the population).
    courses: Vec<Course<'a>>,
    /// Every member's enrolments at the Academy dated on or before the date, in member order.
    enrolled: Vec<Enrolled>,
    /// Every member's support assignments on open routes, with the supporter's role, in member
    /// order.
    supported: Vec<(EventId, SupportRole)>,
    /// Mentoring pairs active on the date of every teacher (members or not: a pair counts for
    /// its organisation wherever the mentee works), as (organisation, forming event).
    pairs: Vec<(&'a OrgId, EventId)>,
    /// 1 January of the date's year: the start of the annual period.
    year_start: Date,
    /// Every member's annual facts by kind (`DIAGNOSED`, ...), in member order.
    annual: [Vec<EventId>; ANNUAL_KINDS],
}

/// Vectors reused from one member to the next while building a population.
struct Scratch<'a> {
    routes: Vec<(&'a EventId, &'a Fact<RouteChange>)>,
    open: Vec<&'a RouteId>,
    /// Programs planned as route steps, with the step's date.
    planned: Vec<(&'a ProgramId, Date)>,
    /// Routes opened, with the date.
    opened: Vec<(&'a RouteId, Date)>,
    tutors: Vec<(EventId, Date)>,
    mentoring: Vec<(&'a EventId, &'a Fact<PairChange>)>,
    active: Vec<(&'a PairId, &'a OrgId, EventId)>,
    /// Programs read so far, each indexed once per population (None: never registered).
    programs: BTreeMap<&'a ProgramId, Option<ProgramAt<'a>>>,
    /// Providers read so far, each looked up once per population: the kind registered.
    providers: BTreeMap<&'a OrgId, Option<OrganisationKind>>,
}

/// What completions need of one program as known at the population's knowledge point.
struct ProgramAt<'a> {
    /// The latest registration (None when none is known).
    record: Option<&'a ProgramRegistered>,
    /// Federal Register inclusions (`true`) and removals in (valid date, seq) order.
    register: Vec<(Date, u64, bool)>,
}

impl<'a> ProgramAt<'a> {
    fn of(program: &'a Program, known: Known) -> ProgramAt<'a> {
        let mut register: Vec<(Date, u64, bool)> =
            program.register.values(known).map(|fact| (fact.on, fact.seq, fact.value)).collect();
        register.sort_unstable();
        ProgramAt { record: program.record(known), register }
    }

    /// In the Federal Register on `date`: the last change dated on or before it is an inclusion
    /// (`Program::in_federal_register`).
    fn federal_on(&self, date: Date) -> bool {
        let upto = self.register.partition_point(|(on, _, _)| *on <= date);
        upto.checked_sub(1).and_then(|last| self.register.get(last)).is_some_and(|entry| entry.2)
    }
}

type Place<'a> = Option<(OrganisationKind, Option<&'a MunicipalityCode>)>;

impl<'a> Population<'a> {
    fn of(state: &'a State, scope: &Scope, date: Date, known: Known) -> Population<'a> {
        let registry = &state.registry;
        let mut places: BTreeMap<&OrgId, (usize, Place<'a>)> = BTreeMap::new();
        let mut population = Population {
            scope: scope.clone(),
            date,
            known,
            members: Vec::new(),
            organisations: Vec::new(),
            courses: Vec::new(),
            enrolled: Vec::new(),
            supported: Vec::new(),
            pairs: Vec::new(),
            year_start: Date::from_ymd(date.year(), 1, 1).unwrap_or(date),
            annual: Default::default(),
        };
        let year_start = population.year_start;
        let mut scratch = Scratch {
            routes: Vec::new(),
            open: Vec::new(),
            planned: Vec::new(),
            opened: Vec::new(),
            tutors: Vec::new(),
            mentoring: Vec::new(),
            active: Vec::new(),
            programs: BTreeMap::new(),
            providers: BTreeMap::new(),
        };
        // Both maps are ordered by teacher: walk them together instead of looking each up.
        let mut learnings = state.learning.teachers.iter().peekable();
        for (teacher, record) in &registry.teachers {
            // Teachers with learning facts but no employment record: only their pairs count.
            while let Some((_, learning)) = learnings.next_if(|(other, _)| *other < teacher) {
                active_pairs(learning, date, known, &mut scratch, &mut population.pairs);
            }
            let learning = learnings.next_if(|(other, _)| *other == teacher).map(|(_, l)| l);
            let pairs_from = population.pairs.len();
            if let Some(learning) = learning {
                active_pairs(learning, date, known, &mut scratch, &mut population.pairs);
            }
            let pairs = pairs_from..population.pairs.len();
            let Some(employment) = record.employment_on(teacher, date, known) else { continue };
            let (organisation_index, place) =
                *places.entry(employment.organisation).or_insert_with(|| {
                    population.organisations.push(employment.organisation);
                    let index = population.organisations.len() - 1;
                    (index, registry.organisation_place_at(employment.organisation, known))
                });
            let in_scope = match scope {
                Scope::Region => true,
                Scope::Municipality(code) => {
                    place.is_some_and(|(_, municipality)| municipality == Some(code))
                }
                Scope::Organisation(org) => employment.organisation == org,
            };
            if !in_scope {
                continue;
            }
            let supported_from = population.supported.len();
            let courses_from = population.courses.len();
            let enrolled_from = population.enrolled.len();
            let annual_from = population.annual.each_ref().map(Vec::len);
            let mut route_open = false;
            if let Some(learning) = learning {
                let [diagnosed, routed, expert, burnout, regional] = &mut population.annual;
                diagnosed.extend(ids_in(&learning.diagnostics, year_start, date, known));
                route_open = route_facts(
                    &learning.routes,
                    (year_start, date),
                    known,
                    &mut scratch,
                    &mut population.supported,
                    routed,
                );
                courses(registry, learning, &mut scratch, date, known, &mut population.courses);
                academy_enrolments(
                    registry,
                    learning,
                    &mut scratch,
                    date,
                    known,
                    &mut population.enrolled,
                );
                participations(learning, (year_start, date), known, [expert, burnout, regional]);
            }
            let mut annual = annual_from.map(|from| from..from);
            for (range, ids) in annual.iter_mut().zip(&population.annual) {
                range.end = ids.len();
            }
            population.members.push(Member {
                teacher: employment.teacher,
                record,
                organisation: employment.organisation,
                organisation_index,
                kind: place.map(|(kind, _)| kind),
                position: employment.position,
                career_start: employment.career_start,
                birth_year: employment.birth_year,
                courses: courses_from..population.courses.len(),
                enrolled: enrolled_from..population.enrolled.len(),
                route_open,
                pairs,
                supported: supported_from..population.supported.len(),
                annual,
            });
        }
        for (_, learning) in learnings {
            active_pairs(learning, date, known, &mut scratch, &mut population.pairs);
        }
        population
    }

    /// A member's completions dated on or before the date.
    fn courses_of(&self, member: &Member<'_>) -> &[Course<'a>] {
        self.courses.get(member.courses.clone()).unwrap_or_default()
    }

    /// A member's enrolments at the Academy dated on or before the date.
    fn enrolled_of(&self, member: &Member<'_>) -> &[Enrolled] {
        self.enrolled.get(member.enrolled.clone()).unwrap_or_default()
    }

    /// A member's mentoring pairs active on the date.
    fn pairs_of(&self, member: &Member<'_>) -> &[(&'a OrgId, EventId)] {
        self.pairs.get(member.pairs.clone()).unwrap_or_default()
    }

    /// A member's support assignments on routes open on the date.
    /// Support assignments of the member's open routes, by anyone.
    fn supported_of(&self, member: &Member<'_>) -> impl Iterator<Item = EventId> + '_ {
        self.supported_with_roles(member).iter().map(|(id, _)| *id)
    }

    /// Support assignments of the member's open routes by a regional methodist.
    fn supported_by_methodists(&self, member: &Member<'_>) -> impl Iterator<Item = EventId> + '_ {
        self.supported_with_roles(member)
            .iter()
            .filter(|(_, role)| *role == SupportRole::Methodist)
            .map(|(id, _)| *id)
    }

    fn supported_with_roles(&self, member: &Member<'_>) -> &[(EventId, SupportRole)] {
        self.supported.get(member.supported.clone()).unwrap_or_default()
    }

    /// A member's annual facts of one kind (`DIAGNOSED`, ...).
    fn annual_of(&self, member: &Member<'_>, kind: usize) -> &[EventId] {
        let (Some(ids), Some(range)) = (self.annual.get(kind), member.annual.get(kind)) else {
            return &[];
        };
        ids.get(range.clone()).unwrap_or_default()
    }
}

/// The figure before targets: numerator, denominator, evidence.
struct Count {
    numerator: u64,
    denominator: u64,
    /// Unsorted, possibly with repeats: sorted and deduplicated once in `finish`.
    evidence: Vec<EventId>,
    /// `methodist_load` only: teachers per methodist.
    load: Option<MethodistLoad>,
}

impl Count {
    fn new() -> Count {
        Count { numerator: 0, denominator: 0, evidence: Vec::new(), load: None }
    }

    /// Adds one member of the denominator, counted in the numerator when `found` is not empty.
    fn member(&mut self, found: impl IntoIterator<Item = EventId>) {
        self.denominator = self.denominator.saturating_add(1);
        let before = self.evidence.len();
        self.evidence.extend(found);
        if self.evidence.len() > before {
            self.numerator = self.numerator.saturating_add(1);
        }
    }
}

fn evaluate(state: &State, population: &Population<'_>, code: IndicatorCode) -> Figure {
    let date = population.date;
    let targets = targets_in_force(state, code, &population.scope, date, population.known);
    let start = period_start(code, &targets, date);
    let count = count(state, population, code, start);
    finish(state, population, code, count, targets)
}

fn finish(
    state: &State,
    population: &Population<'_>,
    code: IndicatorCode,
    count: Count,
    mut targets: Vec<(TargetInForce, Option<u16>)>,
) -> Figure {
    let date = population.date;
    let mut previous: Option<(u64, u64)> = None;
    let figure_start = period_start(code, &targets, date);
    for (target, _) in &mut targets {
        // The target's own period rule, where the indicator's count allows another period.
        let start = target_start(code, target, date);
        let own;
        let count = if start == figure_start || annual(code) {
            &count
        } else {
            own = self::count(state, population, code, start);
            &own
        };
        target.met = match target.value {
            TargetValue::PositiveDynamics => {
                let (before_numerator, before_denominator) = *previous.get_or_insert_with(|| {
                    let before = year_before(date);
                    let shifted =
                        Population::of(state, &population.scope, before, population.known);
                    let start = period_start(code, &[], before);
                    let earlier = self::count(state, &shifted, code, start);
                    (earlier.numerator, earlier.denominator)
                });
                grew(count.numerator, count.denominator, before_numerator, before_denominator)
            }
            TargetValue::CountAtMost(most) if count.load.is_some() => {
                // A per-methodist limit: every methodist within it.
                count.load.as_ref().map(|load| load.max <= u64::from(most))
            }
            value => met(code.measure(), value, count.numerator, count.denominator),
        };
        target.status = TargetStatus::of(target.met, date, due_date(target, date));
    }
    let targets: Vec<TargetInForce> = targets.into_iter().map(|(target, _)| target).collect();
    let mut evidence = count.evidence;
    evidence.sort_unstable();
    evidence.dedup();
    // Failed only by a target that is due; met only when every target is.
    let met = if targets.iter().any(|target| target.status == Some(TargetStatus::NotMet)) {
        Some(false)
    } else if !targets.is_empty()
        && targets.iter().all(|target| target.status == Some(TargetStatus::Met))
    {
        Some(true)
    } else {
        None
    };
    Figure {
        code,
        scope: population.scope.clone(),
        date,
        numerator: count.numerator,
        denominator: count.denominator,
        value_bp: basis_points(count.numerator, count.denominator),
        targets,
        met,
        evidence,
        load: count.load,
    }
}

/// Whether `value` is met by numerator / denominator, compared exactly (no rounding).
fn met(
    measure: IndicatorMeasure,
    value: TargetValue,
    numerator: u64,
    denominator: u64,
) -> Option<bool> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (u128::from(numerator), u128::from(denominator));
    Some(match (measure, value) {
        (_, TargetValue::ShareAtLeastBp(bp)) => n * 10_000 >= u128::from(bp) * d,
        (_, TargetValue::ShareAtMostBp(bp)) => n * 10_000 <= u128::from(bp) * d,
        (IndicatorMeasure::Count, TargetValue::CountAtLeast(c)) => n >= u128::from(c),
        (IndicatorMeasure::Count, TargetValue::CountAtMost(c)) => n <= u128::from(c),
        (_, TargetValue::CountAtLeast(c)) => n >= u128::from(c) * d,
        (_, TargetValue::CountAtMost(c)) => n <= u128::from(c) * d,
        (_, TargetValue::PositiveDynamics) => return None,
    })
}

/// Positive dynamics: this value exceeds the value a year before (compared as fractions).
fn grew(
    numerator: u64,
    denominator: u64,
    before_numerator: u64,
    before_denominator: u64,
) -> Option<bool> {
    if denominator == 0 || before_denominator == 0 {
        return None;
    }
    let now = u128::from(numerator) * u128::from(before_denominator);
    let before = u128::from(before_numerator) * u128::from(denominator);
    Some(now > before)
}

fn year_before(date: Date) -> Date {
    date.to_naive()
        .and_then(|naive| naive.checked_sub_months(Months::new(12)))
        .map_or(date, Date::from_naive)
}

fn years_before(date: Date, years: u32) -> Date {
    date.to_naive()
        .and_then(|naive| naive.checked_sub_months(Months::new(12 * years)))
        .map_or(date, Date::from_naive)
}

/// Codes counted within the calendar year of `D`.
fn annual(code: IndicatorCode) -> bool {
    matches!(
        code,
        IndicatorCode::Diagnosed
            | IndicatorCode::Routed
            | IndicatorCode::Retraining
            | IndicatorCode::ExpertInvolved
            | IndicatorCode::BurnoutPrevention
            | IndicatorCode::RegionalEvents
            | IndicatorCode::MunicipalEvents
            | IndicatorCode::RegionalParticipants
    )
}

/// Where a target's own period starts: the year's start for an annual target (or an indicator
/// counted by the year), its `from_year` for a cumulative one, else the beginning of records.
fn target_start(code: IndicatorCode, target: &TargetInForce, date: Date) -> Date {
    if annual(code) || target.accumulation == Accumulation::Annual {
        return Date::from_ymd(date.year(), 1, 1).unwrap_or(date);
    }
    target
        .from_year
        .and_then(|year| Date::from_ymd(i32::from(year), 1, 1))
        .unwrap_or(Date::from_days_since_epoch(i32::MIN))
}

/// The day a target falls due: its deadline, or for an annual target without one the last day
/// of the figure's year; None for a target with neither (due at any date).
fn due_date(target: &TargetInForce, date: Date) -> Option<Date> {
    target.deadline.or_else(|| {
        (target.accumulation == Accumulation::Annual)
            .then(|| Date::from_ymd(date.year(), 12, 31))
            .flatten()
    })
}

fn period_start(code: IndicatorCode, targets: &[(TargetInForce, Option<u16>)], date: Date) -> Date {
    if annual(code) {
        return Date::from_ymd(date.year(), 1, 1).unwrap_or(date);
    }
    targets
        .iter()
        .filter_map(|(_, from_year)| *from_year)
        .min()
        .and_then(|year| Date::from_ymd(i32::from(year), 1, 1))
        .unwrap_or(Date::from_days_since_epoch(i32::MIN))
}

/// Targets in force on `date`: per act, the latest `target_set` for the exact scope (or the
/// region's when the scope has none) dated on or before `date` and not withdrawn by a later
/// act (`target_withdrawn`) dated on or before `date`; sorted by act date, then seq.
fn targets_in_force(
    state: &State,
    code: IndicatorCode,
    scope: &Scope,
    date: Date,
    known: Known,
) -> Vec<(TargetInForce, Option<u16>)> {
    let Some(facts) = state.targets.get(&code) else { return Vec::new() };
    let withdrawals = state.target_withdrawals.get(&code);
    // Withdrawn on or before `date` by a later act, as known at `known`.
    let withdrawn = |target: &TargetSet| {
        withdrawals.is_some_and(|withdrawals| {
            withdrawals.values(known).any(|fact| fact.on <= date && fact.value.withdraws(target))
        })
    };
    let pick = |wanted: &Scope| {
        let mut by_act: BTreeMap<(Date, String, String), (u64, Date, EventId)> = BTreeMap::new();
        for (id, fact) in facts.iter(known) {
            if fact.on > date || &fact.value.scope != wanted || withdrawn(&fact.value) {
                continue;
            }
            let act = &fact.value.act;
            let key = (act.date, act.kind.clone(), act.number.clone());
            let candidate = (fact.seq, fact.on, *id);
            let newer =
                by_act.get(&key).is_none_or(|(seq, on, _)| (*on, *seq) < (fact.on, fact.seq));
            if newer {
                by_act.insert(key, candidate);
            }
        }
        by_act
    };
    let mut chosen = pick(scope);
    if chosen.is_empty() && scope != &Scope::Region {
        chosen = pick(&Scope::Region);
    }
    chosen
        .into_values()
        .filter_map(|(_, _, id)| facts.get_at(&id, known).map(|fact| (id, fact)))
        .map(|(id, fact)| {
            let target = &fact.value;
            let act = &target.act;
            let mut text = act.to_string();
            if let Some(title) = &act.title {
                text.push_str(&format!(" «{title}»"));
            }
            (
                TargetInForce {
                    value: target.value,
                    deadline: target.deadline,
                    act: text,
                    accumulation: target.accumulation,
                    scope: target.scope.clone(),
                    from_year: target.from_year,
                    met: None,
                    status: None,
                    set_by: id,
                },
                target.from_year,
            )
        })
        .collect()
}

fn in_period(on: Date, start: Date, end: Date) -> bool {
    start <= on && on <= end
}

/// The numerator, denominator and evidence of one indicator, by the rule its code names.
fn count(state: &State, population: &Population<'_>, code: IndicatorCode, start: Date) -> Count {
    match code {
        IndicatorCode::SubjectCompetence
        | IndicatorCode::FunctionalLiteracy
        | IndicatorCode::UpdatedFgos
        | IndicatorCode::QualityAssessment
        | IndicatorCode::CareerGuidance
        | IndicatorCode::DigitalEnv
        | IndicatorCode::Talents
        | IndicatorCode::Upbringing
        | IndicatorCode::PreschoolQuality => topic_completions(population, code, start),
        IndicatorCode::Diagnosed => annual_facts(population, DIAGNOSED, start),
        IndicatorCode::Routed => annual_facts(population, ROUTED, start),
        IndicatorCode::RouteSupported => route_supported(population),
        IndicatorCode::FrByDeficit => fr_by_deficit(population, start),
        IndicatorCode::TutorAccompanied => tutor_accompanied(population, start),
        IndicatorCode::MgmtTeamsTrained => mgmt_teams_trained(state, population, start),
        IndicatorCode::LowResultsSchools => low_results_schools(state, population, start),
        IndicatorCode::Retraining => {
            let mut count = Count::new();
            for member in &population.members {
                count.member(completions(population.courses_of(member), start, |program| {
                    program.kind == ProgramKind::Retraining
                }));
            }
            count
        }
        IndicatorCode::YoungSupported => young_supported(population),
        IndicatorCode::MentoringOrgs => mentoring_orgs(state, population, educational),
        IndicatorCode::MethodistLoad => methodist_load(state, population),
        IndicatorCode::ExpertInvolved => expert_involved(population, start),
        IndicatorCode::BurnoutPrevention => burnout_prevention(population, start),
        IndicatorCode::RegionalEvents => regional_events(state, population, start),
        IndicatorCode::MunRouted => routes_opened(state, population, start),
        IndicatorCode::MmsTrained => mms_trained(population, start),
        IndicatorCode::MunicipalEvents => municipal_events(state, population, start),
        IndicatorCode::RegionalParticipants => annual_facts(population, REGIONAL, start),
        IndicatorCode::MunMgmtTeams => mun_mgmt_teams(state, population, start),
        // «общеобразовательных организаций, образовательных организаций дополнительного
        // образования и профессиональных образовательных организаций»
        IndicatorCode::MunMentoringOrgs => mentoring_orgs(state, population, |kind| {
            matches!(
                kind,
                OrganisationKind::General
                    | OrganisationKind::Additional
                    | OrganisationKind::Vocational
            )
        }),
        IndicatorCode::MunFrTrained => federal_register_trained(population, start, None),
        IndicatorCode::MunFrAcademy => {
            federal_register_trained(population, start, Some(OrganisationKind::Academy))
        }
        IndicatorCode::MunFrInstitute => {
            federal_register_trained(population, start, Some(OrganisationKind::RegionalInstitute))
        }
    }
}

/// seed 003, 1: members with a route opened from `start` to D (any position: «педагогических
/// работников и управленческих кадров»).
fn routes_opened(state: &State, population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    for member in &population.members {
        let Some(learning) = state.learning.teachers.get(member.teacher) else {
            count.member(std::iter::empty());
            continue;
        };
        count.member(learning.routes.iter(population.known).filter_map(|(id, fact)| {
            let opened = matches!(fact.value, RouteChange::Opened { .. });
            (opened && in_period(fact.on, start, population.date)).then_some(*id)
        }));
    }
    count
}

/// seed 003, 2: workers of a municipal methodological service (employed at an organisation of
/// kind `methodological_service`) with a completion from `start` to D at the ИРО (the ЦНППМ
/// is its unit).
fn mms_trained(population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    let mms = |member: &&Member<'_>| member.kind == Some(OrganisationKind::MethodologicalService);
    for member in population.members.iter().filter(mms) {
        count.member(
            population
                .courses_of(member)
                .iter()
                .filter(|course| course.on >= start)
                .filter(|course| course.provider == Some(OrganisationKind::RegionalInstitute))
                .map(|course| course.id),
        );
    }
    count
}

/// seed 003, 3: municipal events of the system held in D's year by the scope's municipality
/// (every municipality's for the region; none for an organisation).
fn municipal_events(state: &State, population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    let held_by = |municipality: &MunicipalityCode| match &population.scope {
        Scope::Region => true,
        Scope::Municipality(code) => code == municipality,
        Scope::Organisation(_) => false,
    };
    if matches!(population.scope, Scope::Organisation(_)) {
        return count;
    }
    for (id, fact) in state.learning.municipal_events.iter(population.known) {
        if held_by(&fact.value.municipality) && in_period(fact.on, start, population.date) {
            count.numerator = count.numerator.saturating_add(1);
            count.evidence.push(*id);
        }
    }
    count.denominator = 1;
    count
}

/// seed 003, 5: organisations of the scope (schools, kindergartens, additional and vocational
/// education: not providers, not the methodological service) whose management team completed a
/// program from `start` to D, or whose head or deputy head did / every such organisation.
fn mun_mgmt_teams(state: &State, population: &Population<'_>, start: Date) -> Count {
    let (date, known) = (population.date, population.known);
    let mut heads: BTreeMap<&OrgId, Vec<EventId>> = BTreeMap::new();
    for member in &population.members {
        if matches!(member.position, Position::Head | Position::DeputyHead) {
            let found = completions(population.courses_of(member), start, |_| true);
            heads.entry(member.organisation).or_default().extend(found);
        }
    }
    let mut count = Count::new();
    for org in organisations_in_scope(state, &population.scope, date, known) {
        let kind = state.registry.organisation_place_at(org, known).map(|(kind, _)| kind);
        if kind.is_none_or(|kind| !educational(kind)) {
            continue;
        }
        let mut found: Vec<EventId> = heads.remove(org).unwrap_or_default();
        if let Some(facts) = state.learning.teams_trained.get(org) {
            found.extend(
                facts
                    .iter(known)
                    .filter(|(_, fact)| in_period(fact.on, start, date))
                    .map(|(id, _)| *id),
            );
        }
        count.member(found);
    }
    count
}

/// seed 003, 7: general-school pedagogical workers with a completion from `start` to D of a
/// program in the Federal Register on the completion date, at a provider of the given kind
/// (any provider when None).
fn federal_register_trained(
    population: &Population<'_>,
    start: Date,
    provider: Option<OrganisationKind>,
) -> Count {
    let mut count = Count::new();
    for member in population.members.iter().filter(|member| general(member)) {
        count.member(
            population
                .courses_of(member)
                .iter()
                .filter(|course| course.on >= start && course.federal)
                .filter(|course| provider.is_none_or(|kind| course.provider == Some(kind)))
                .map(|course| course.id),
        );
    }
    count
}

/// Whose members an indicator counts.
type MemberFilter = fn(&Member<'_>) -> bool;

fn general(member: &Member<'_>) -> bool {
    member.kind == Some(OrganisationKind::General)
}

fn anyone(_: &Member<'_>) -> bool {
    true
}

/// The indicators that count completed programs of one topic: the topic and whose.
fn topic_rule(code: IndicatorCode) -> Option<(ProgramTopic, MemberFilter)> {
    let subject_teacher: MemberFilter =
        |member| general(member) && matches!(member.position, Position::SubjectTeacher { .. });
    let preschool: MemberFilter = |member| member.kind == Some(OrganisationKind::Preschool);
    Some(match code {
        IndicatorCode::SubjectCompetence => (ProgramTopic::SubjectCompetence, subject_teacher),
        IndicatorCode::FunctionalLiteracy => (ProgramTopic::FunctionalLiteracy, general),
        IndicatorCode::UpdatedFgos => (ProgramTopic::UpdatedFgos, general),
        IndicatorCode::QualityAssessment => (ProgramTopic::QualityAssessment, general),
        IndicatorCode::CareerGuidance => (ProgramTopic::CareerGuidance, general),
        IndicatorCode::DigitalEnv => (ProgramTopic::DigitalEnv, anyone),
        IndicatorCode::Talents => (ProgramTopic::Talents, anyone),
        IndicatorCode::Upbringing => (ProgramTopic::Upbringing, anyone),
        IndicatorCode::PreschoolQuality => (ProgramTopic::PreschoolQuality, preschool),
        _ => return None,
    })
}

fn topic(wanted: ProgramTopic) -> impl Fn(&ProgramRegistered) -> bool {
    move |program: &ProgramRegistered| program.topics.contains(&wanted)
}

/// Members of the indicator's population (`topic_rule`) with a program of its topic completed
/// from `start` to D.
fn topic_completions(population: &Population<'_>, code: IndicatorCode, start: Date) -> Count {
    let mut count = Count::new();
    let Some((wanted, whose)) = topic_rule(code) else {
        debug_assert!(false, "{code:?} is not a topic indicator");
        return count;
    };
    for member in population.members.iter().filter(|member| whose(member)) {
        count.member(completions(population.courses_of(member), start, topic(wanted)));
    }
    count
}

/// Members with a fact of `kind` in D's year (the population read these facts for its year).
fn annual_facts(population: &Population<'_>, kind: usize, start: Date) -> Count {
    debug_assert_eq!(start, population.year_start);
    let mut count = Count::new();
    for member in &population.members {
        count.member(population.annual_of(member, kind).iter().copied());
    }
    count
}

fn route_supported(population: &Population<'_>) -> Count {
    let mut count = Count::new();
    for member in population.members.iter().filter(|member| member.route_open) {
        count.member(population.supported_by_methodists(member));
    }
    count
}

fn fr_by_deficit(population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    for member in &population.members {
        count.member(
            population
                .courses_of(member)
                .iter()
                .filter(|course| course.on >= start && course.federal && course.chosen)
                .map(|course| course.id),
        );
    }
    count
}

fn tutor_accompanied(population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    for member in &population.members {
        // «в процессе повышения квалификации»: a course in progress during the period (enrolled
        // on or before the date, not ended before the period began) with a tutor assigned by
        // its end; and a completion in the period with a tutor assigned by the certificate's
        // date (a course whose enrolment was never recorded).
        let in_progress = population
            .enrolled_of(member)
            .iter()
            .filter(|course| course.end >= start)
            .filter_map(|course| course.tutor.map(|tutor| [course.id, tutor]));
        let completed = population
            .courses_of(member)
            .iter()
            .filter(|course| {
                course.on >= start && course.provider == Some(OrganisationKind::Academy)
            })
            .filter_map(|course| course.tutor.map(|tutor| [course.id, tutor]));
        count.member(in_progress.chain(completed).flatten());
    }
    count
}

fn mgmt_teams_trained(state: &State, population: &Population<'_>, start: Date) -> Count {
    let (date, known) = (population.date, population.known);
    let mut count = Count::new();
    for org in organisations_in_scope(state, &population.scope, date, known) {
        if state.registry.team_on(org, date, known).is_empty() {
            continue;
        }
        // «по вопросам эффективности управления качеством образования»: a program on the
        // management of education quality, as registered.
        let about_management = |program: &ProgramId| {
            state
                .registry
                .programs
                .get(program)
                .and_then(|program| program.record(known))
                .is_some_and(|record| record.topics.contains(&ProgramTopic::ManagementQuality))
        };
        let found = state.learning.teams_trained.get(org).into_iter().flat_map(|facts| {
            facts
                .iter(known)
                .filter(|(_, fact)| {
                    in_period(fact.on, start, date) && about_management(&fact.value)
                })
                .map(|(id, _)| *id)
        });
        count.member(found);
    }
    count
}

fn low_results_schools(state: &State, population: &Population<'_>, start: Date) -> Count {
    let (date, known) = (population.date, population.known);
    let flagged = |status: &OrganisationStatus| {
        matches!(
            status,
            OrganisationStatus::LowResults(_) | OrganisationStatus::UnfavourableSocialConditions
        )
    };
    let mut count = Count::new();
    let mut flags: Vec<Option<bool>> = vec![None; population.organisations.len()];
    for member in &population.members {
        let Some(flag) = flags.get_mut(member.organisation_index) else { continue };
        let is_flagged = *flag.get_or_insert_with(|| {
            state.registry.status_on_at(member.organisation, flagged, date, known).is_some()
        });
        if is_flagged {
            count.member(completions(population.courses_of(member), start, |_| true));
        }
    }
    count
}

fn young_supported(population: &Population<'_>) -> Count {
    let (date, known) = (population.date, population.known);
    let career_after = years_before(date, 3);
    let mut count = Count::new();
    for member in &population.members {
        let age = date.year() - i32::from(member.birth_year);
        if age >= 35 || member.career_start <= career_after {
            continue;
        }
        let mut found: Vec<EventId> =
            population.pairs_of(member).iter().map(|(_, id)| *id).collect();
        found.extend(population.supported_of(member));
        found.extend(methodist_assignments_on(member.record, date, known));
        count.member(found);
    }
    count
}

/// An educational organisation: not a provider of ДПО, not a methodological service.
fn educational(kind: OrganisationKind) -> bool {
    !kind.is_dpo_provider() && kind != OrganisationKind::MethodologicalService
}

/// Organisations of the scope of the kinds `counted` with a mentoring program in force on D /
/// every such organisation.
fn mentoring_orgs(
    state: &State,
    population: &Population<'_>,
    counted: fn(OrganisationKind) -> bool,
) -> Count {
    let (date, known) = (population.date, population.known);
    let mut active: BTreeMap<&OrgId, Vec<EventId>> = BTreeMap::new();
    for (org, id) in &population.pairs {
        active.entry(org).or_default().push(*id);
    }
    let adopted = |status: &OrganisationStatus| *status == OrganisationStatus::MentoringProgram;
    let mut count = Count::new();
    for org in organisations_in_scope(state, &population.scope, date, known) {
        let kind = state.registry.organisation_place_at(org, known).map(|(kind, _)| kind);
        if kind.is_some_and(|kind| !counted(kind)) {
            continue;
        }
        // «организации, в которых реализуется программа наставничества»: the program adopted
        // and in force on the date; its active pairs are shown with it as evidence.
        let evidence = match state.registry.status_on_at(org, adopted, date, known) {
            Some(program) => {
                let mut evidence = vec![program];
                evidence.extend(active.get(org).into_iter().flatten().copied());
                evidence
            }
            None => Vec::new(),
        };
        count.member(evidence);
    }
    count
}

fn methodist_load(state: &State, population: &Population<'_>) -> Count {
    let (date, known) = (population.date, population.known);
    let registry = &state.registry;
    let mut load: BTreeMap<&proto_events::vocabulary::PersonId, u64> = BTreeMap::new();
    // Every regional methodist of the scope counts, with no teacher assigned or many.
    let holders = registry.role_holders_on(SupportSystemRole::RegionalMethodist, date, known);
    for (person, municipality) in holders {
        let of_scope = match &population.scope {
            Scope::Region => true,
            Scope::Municipality(code) => municipality == Some(code),
            Scope::Organisation(_) => false,
        };
        if of_scope {
            load.entry(person).or_insert(0);
        }
    }
    let mut count = Count::new();
    for member in population.members.iter().filter(|member| general(member)) {
        let assigned = registry.methodists_on(member.teacher, date, known);
        if assigned.is_empty() {
            continue;
        }
        count.evidence.extend(methodist_assignments_on(member.record, date, known));
        for person in assigned {
            *load.entry(person).or_insert(0) += 1;
            count.numerator = count.numerator.saturating_add(1);
        }
    }
    count.denominator = u64::try_from(load.len()).unwrap_or(u64::MAX);
    let mut buckets = [0u64; 7];
    for teachers in load.values() {
        let bucket = LOAD_BUCKETS.iter().position(|bound| teachers <= bound).unwrap_or(6);
        if let Some(slot) = buckets.get_mut(bucket) {
            *slot += 1;
        }
    }
    let max = load.values().copied().max().unwrap_or(0);
    count.load = Some(MethodistLoad { max, methodists: count.denominator, buckets });
    count
}

fn expert_involved(population: &Population<'_>, start: Date) -> Count {
    debug_assert_eq!(start, population.year_start);
    let mut count = Count::new();
    for member in &population.members {
        let found = population.annual_of(member, EXPERT);
        if !found.is_empty() {
            count.numerator = count.numerator.saturating_add(1);
            count.evidence.extend_from_slice(found);
        }
    }
    count.denominator = 1;
    count
}

fn burnout_prevention(population: &Population<'_>, start: Date) -> Count {
    debug_assert_eq!(start, population.year_start);
    let mut count = Count::new();
    for member in &population.members {
        count.member(
            completions(
                population.courses_of(member),
                start,
                topic(ProgramTopic::BurnoutPrevention),
            )
            .chain(population.annual_of(member, BURNOUT).iter().copied()),
        );
    }
    count
}

fn regional_events(state: &State, population: &Population<'_>, start: Date) -> Count {
    let mut count = Count::new();
    if population.scope == Scope::Region {
        for (id, fact) in state.learning.regional_events.iter(population.known) {
            if fact.value.level == EventLevel::Regional
                && in_period(fact.on, start, population.date)
            {
                count.numerator = count.numerator.saturating_add(1);
                count.evidence.push(*id);
            }
        }
        count.denominator = 1;
    }
    count
}

/// Reads one teacher's route facts known at K and dated on or before D in one pass: fills
/// `scratch` (open routes, planned programs, tutor assignments) and appends the support
/// assignments on routes open on D to `supported` and the routes opened from `year_start` to
/// `opened_in_year`; returns whether a route is open on D.
fn route_facts<'a>(
    routes: &'a Facts<RouteChange>,
    (year_start, date): (Date, Date),
    known: Known,
    scratch: &mut Scratch<'a>,
    supported: &mut Vec<(EventId, SupportRole)>,
    opened_in_year: &mut Vec<EventId>,
) -> bool {
    scratch.routes.clear();
    scratch.open.clear();
    scratch.planned.clear();
    scratch.opened.clear();
    scratch.tutors.clear();
    scratch.routes.extend(routes.iter(known).filter(|(_, fact)| fact.on <= date));
    if scratch.routes.is_empty() {
        return false;
    }
    // Opened and closed in (valid date, seq) order; a teacher has a few routes, so a list.
    scratch.routes.sort_unstable_by_key(|(_, fact)| (fact.on, fact.seq));
    for &(id, fact) in &scratch.routes {
        match &fact.value {
            RouteChange::Opened { route } => {
                if fact.on >= year_start {
                    opened_in_year.push(*id);
                }
                if !scratch.open.contains(&route) {
                    scratch.open.push(route);
                }
                scratch.opened.push((route, fact.on));
            }
            RouteChange::Closed { route } => scratch.open.retain(|other| *other != route),
            RouteChange::StepPlanned { program: Some(program), .. } => {
                scratch.planned.push((program, fact.on))
            }
            RouteChange::StepPlanned { program: None, .. } => {}
            RouteChange::Support { role, .. } => {
                if *role == SupportRole::Tutor {
                    scratch.tutors.push((*id, fact.on));
                }
            }
        }
    }
    for &(id, fact) in &scratch.routes {
        if let RouteChange::Support { route, role, .. } = &fact.value {
            if scratch.open.contains(&route) {
                supported.push((*id, *role));
            }
        }
    }
    !scratch.open.is_empty()
}

/// Appends a teacher's participations dated from `year_start` to `date` to their annual lists:
/// expert work, burnout prevention, regional events of the system.
fn participations(
    learning: &TeacherLearning,
    (year_start, date): (Date, Date),
    known: Known,
    [expert, burnout, regional]: [&mut Vec<EventId>; 3],
) {
    for (id, fact) in learning.participations.iter(known) {
        if !in_period(fact.on, year_start, date) {
            continue;
        }
        match fact.value.kind {
            ParticipationKind::ExpertWork => expert.push(*id),
            ParticipationKind::BurnoutPrevention => burnout.push(*id),
            ParticipationKind::RegionalEvent => regional.push(*id),
            _ => {}
        }
    }
}

/// Appends the teacher's mentoring pairs (as mentee) active on `date` as known at `known` to
/// `out`, as (organisation, forming event): `TeacherLearning::pairs_on` without allocating.
fn active_pairs<'a>(
    learning: &'a TeacherLearning,
    date: Date,
    known: Known,
    scratch: &mut Scratch<'a>,
    out: &mut Vec<(&'a OrgId, EventId)>,
) {
    scratch.mentoring.clear();
    scratch.mentoring.extend(learning.mentoring.iter(known).filter(|(_, fact)| fact.on <= date));
    if scratch.mentoring.is_empty() {
        return;
    }
    scratch.mentoring.sort_unstable_by_key(|(_, fact)| (fact.on, fact.seq));
    scratch.active.clear();
    for &(id, fact) in &scratch.mentoring {
        match &fact.value {
            PairChange::Formed { pair, organisation } => {
                scratch.active.retain(|(other, _, _)| *other != pair);
                scratch.active.push((pair, organisation, *id));
            }
            PairChange::Ended { pair } => scratch.active.retain(|(other, _, _)| *other != pair),
        }
    }
    out.extend(scratch.active.iter().map(|(_, org, id)| (*org, *id)));
}

/// Appends a teacher's completions dated on or before `date` to `courses`, each with its
/// program looked up once (`scratch` holds the teacher's planned programs and tutors).
fn courses<'a>(
    registry: &'a Registry,
    learning: &'a TeacherLearning,
    scratch: &mut Scratch<'a>,
    date: Date,
    known: Known,
    courses: &mut Vec<Course<'a>>,
) {
    for (id, fact) in learning.completions.iter(known) {
        if fact.on > date {
            continue;
        }
        let program = scratch
            .programs
            .entry(&fact.value.program)
            .or_insert_with(|| {
                registry
                    .programs
                    .get(&fact.value.program)
                    .map(|program| ProgramAt::of(program, known))
            })
            .as_ref();
        // Chosen from the diagnostics, in that order: the program was planned as a step of a
        // route (built on a diagnostic) on or before the completion, or the completion names a
        // step of a route opened on or before it.
        let planned = scratch
            .planned
            .iter()
            .any(|(program, on)| **program == fact.value.program && *on <= fact.on);
        let named = fact.value.route_step.as_ref().is_some_and(|step| {
            scratch.opened.iter().any(|(route, on)| **route == step.route && *on <= fact.on)
        });
        courses.push(Course {
            on: fact.on,
            id: *id,
            program: program.and_then(|program| program.record),
            federal: program.is_some_and(|program| program.federal_on(fact.on)),
            chosen: named || planned,
            tutor: scratch.tutors.iter().filter(|(_, on)| *on <= fact.on).map(|(id, _)| *id).min(),
            provider: provider_kind(registry, scratch, &fact.value.provider, known),
        });
    }
}

/// The kind a provider is registered with as known at `known`, looked up once per population.
fn provider_kind<'a>(
    registry: &'a Registry,
    scratch: &mut Scratch<'a>,
    provider: &'a OrgId,
    known: Known,
) -> Option<OrganisationKind> {
    *scratch
        .providers
        .entry(provider)
        .or_insert_with(|| registry.organisation_place_at(provider, known).map(|(kind, _)| kind))
}

/// Appends a teacher's enrolments at the Academy dated on or before `date` to `enrolled`, each
/// with the end of its course and the first tutor assigned by then (`scratch` holds the
/// teacher's tutors and the providers looked up so far).
fn academy_enrolments<'a>(
    registry: &'a Registry,
    learning: &'a TeacherLearning,
    scratch: &mut Scratch<'a>,
    date: Date,
    known: Known,
    enrolled: &mut Vec<Enrolled>,
) {
    for (id, fact) in learning.enrolments.iter(known) {
        if fact.on > date {
            continue;
        }
        let provider = provider_kind(registry, scratch, &fact.value.provider, known);
        if provider != Some(OrganisationKind::Academy) {
            continue;
        }
        let completed = learning
            .completions
            .values(known)
            .filter(|done| done.value.program == fact.value.program && done.on >= fact.on)
            .map(|done| done.on)
            .min();
        let end = [completed, fact.value.ends_on, Some(date)].into_iter().flatten().min();
        let end = end.unwrap_or(date);
        enrolled.push(Enrolled {
            end,
            id: *id,
            tutor: scratch.tutors.iter().filter(|(_, on)| *on <= end).map(|(id, _)| *id).min(),
        });
    }
}

/// A member's completions dated from `start` (and on or before the population's date) of a
/// program that passes `test`.
fn completions<'m>(
    courses: &'m [Course<'_>],
    start: Date,
    test: impl Fn(&ProgramRegistered) -> bool + 'm,
) -> impl Iterator<Item = EventId> + 'm {
    courses
        .iter()
        .filter(move |course| course.on >= start && course.program.is_some_and(&test))
        .map(|course| course.id)
}

fn ids_in<'f, T>(
    facts: &'f Facts<T>,
    start: Date,
    end: Date,
    known: Known,
) -> impl Iterator<Item = EventId> + 'f {
    facts.iter(known).filter(move |(_, fact)| in_period(fact.on, start, end)).map(|(id, _)| *id)
}

/// Ids of the methodist assignments of a teacher in force on `date`.
fn methodist_assignments_on(record: &Teacher, date: Date, known: Known) -> Vec<EventId> {
    if record.methodists.is_empty_at(known) {
        return Vec::new();
    }
    let mut current: BTreeMap<&proto_events::vocabulary::PersonId, Option<EventId>> =
        BTreeMap::new();
    for (id, fact) in ordered_with_ids(&record.methodists, known) {
        if fact.on > date {
            break;
        }
        current.insert(&fact.value.0, fact.value.1.then_some(*id));
    }
    current.into_values().flatten().collect()
}

/// Organisations in the scope registered on or before `date`.
fn organisations_in_scope<'a>(
    state: &'a State,
    scope: &Scope,
    date: Date,
    known: Known,
) -> Vec<&'a OrgId> {
    state
        .registry
        .organisations
        .keys()
        .filter(|org| state.registry.organisation_exists_at(org, date, known))
        .filter(|org| match scope {
            Scope::Region => true,
            Scope::Municipality(code) => state
                .registry
                .organisation_place_at(org, known)
                .is_some_and(|(_, municipality)| municipality == Some(code)),
            Scope::Organisation(id) => *org == id,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_round_half_up() {
        assert_eq!(basis_points(1, 3), Some(3333));
        assert_eq!(basis_points(2, 3), Some(6667));
        assert_eq!(basis_points(1, 0), None);
        assert_eq!(basis_points(5, 1), Some(50_000));
    }
}
