//! The monitoring cycle (issue #16): reporting periods and each scope's submissions, read as
//! known at any `K`.
//!
//! The fold keeps every cycle event as a fact with its knowledge interval (`State::cycle`), so a
//! retraction or correction supersedes it from its own seq on and a past `K` reads what was
//! known then; the views replay the facts known at `K` in seq order. A scope's status is its
//! latest round's: `missing` (no round), `submitted` or `late` (awaiting a decision; late when
//! the round was sent after the due date as extended by then), `returned` (awaiting a
//! resubmission) or `accepted`. The figures of accepted rounds are handed to the report
//! verification (`accepted_figures_at`), which recomputes them exactly as it does a
//! `figure_reported`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{FigureReported, ReportingPeriodClosed};
use proto_events::vocabulary::{
    FiguresSubmitted, IndicatorCode, Payload, PeriodId, ReportId, ReportingPeriodExtended,
    ReportingPeriodOpened, Scope, SubmissionAccepted, SubmissionReturned, SubmittedFigure,
};
use proto_events::{Basis, Date, EventId};

use crate::state::{Facts, Known, Recorded};

/// Every cycle event the fold applied, kept with its knowledge interval.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    /// The facts, by the id of the event that recorded them.
    pub facts: Facts<CycleFact>,
}

/// One cycle event's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CycleFact {
    /// `reporting_period_opened`.
    Opened(ReportingPeriodOpened),
    /// `reporting_period_extended`.
    Extended(ReportingPeriodExtended),
    /// `reporting_period_closed`.
    Closed(ReportingPeriodClosed),
    /// `figures_submitted`.
    Submitted(FiguresSubmitted),
    /// `submission_accepted`.
    Accepted(SubmissionAccepted),
    /// `submission_returned`.
    Returned(SubmissionReturned),
}

/// Whether a period takes submissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// Open.
    Open,
    /// Closed.
    Closed,
}

/// Where a scope stands in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Nothing submitted.
    Missing,
    /// Submitted by the due date, awaiting a decision.
    Submitted,
    /// Submitted after the due date, awaiting a decision.
    Late,
    /// Returned, awaiting a resubmission.
    Returned,
    /// Accepted.
    Accepted,
}

/// A period as known at `K`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodView {
    /// Its id.
    pub id: PeriodId,
    /// Its title.
    pub title: String,
    /// The valid date the figures are as of.
    pub as_of: Date,
    /// The due date in force (the latest extension's).
    pub due: Date,
    /// Open or closed.
    pub status: PeriodStatus,
    /// The indicators reported.
    pub indicators: BTreeSet<IndicatorCode>,
    /// The scopes that must report.
    pub scopes: BTreeSet<Scope>,
    /// The act that ordered it.
    pub act: Basis,
    /// The event that opened it.
    pub opened_by: EventId,
    /// The extensions, in order.
    pub extensions: Vec<Extension>,
}

/// One extension of a period's due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The event.
    pub event: EventId,
    /// The due date before.
    pub from: Date,
    /// The new due date.
    pub to: Date,
    /// The act, if one.
    pub act: Option<Basis>,
    /// The reason, if given.
    pub reason: Option<String>,
}

/// One round of a scope's submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// 1 for the first submission.
    pub round: u32,
    /// The `figures_submitted` event.
    pub event: EventId,
    /// Its seq.
    pub seq: u64,
    /// The day it was sent (the event's valid date).
    pub submitted_on: Date,
    /// Sent after the due date in force.
    pub late: bool,
    /// The figures.
    pub figures: Vec<SubmittedFigure>,
    /// The ministry's decision, once taken.
    pub decision: Option<Decision>,
}

/// The decision on a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Accepted or returned.
    pub status: SubmissionStatus,
    /// The event.
    pub event: EventId,
    /// Its seq.
    pub seq: u64,
    /// Its valid date.
    pub on: Date,
    /// The figures in question (a return).
    pub indicators: BTreeSet<IndicatorCode>,
    /// The comment (a return).
    pub comment: Option<String>,
}

/// One scope's status in a period with every round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeStatus {
    /// The scope.
    pub scope: Scope,
    /// Its latest round's status.
    pub status: SubmissionStatus,
    /// The rounds, first to last.
    pub submissions: Vec<Round>,
}

/// A period with every scope's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodStatusView {
    /// The period.
    pub period: PeriodView,
    /// Each scope that must report, and any other that submitted, in scope order.
    pub scopes: Vec<ScopeStatus>,
}

/// A figure of an accepted round, as a report to verify: the submission event, its seq (the
/// "then" of the verification) and the figure as a `figure_reported` would carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedFigure {
    /// The `figures_submitted` event.
    pub submission: EventId,
    /// Its seq.
    pub seq: u64,
    /// The figure: report = the period's id, valid on the period's `as_of`, reporter = the scope.
    pub reported: FigureReported,
}

impl Cycle {
    /// Records a cycle event; false for other kinds.
    pub fn record(&mut self, recorded: Recorded, on: Date, payload: &Payload) -> bool {
        let fact = match payload {
            Payload::ReportingPeriodOpened(p) => CycleFact::Opened(p.clone()),
            Payload::ReportingPeriodExtended(p) => CycleFact::Extended(p.clone()),
            Payload::ReportingPeriodClosed(p) => CycleFact::Closed(p.clone()),
            Payload::FiguresSubmitted(p) => CycleFact::Submitted(p.clone()),
            Payload::SubmissionAccepted(p) => CycleFact::Accepted(p.clone()),
            Payload::SubmissionReturned(p) => CycleFact::Returned(p.clone()),
            _ => return false,
        };
        self.facts.insert(recorded, on, fact);
        true
    }
}

/// Every period known at `known`, by id.
pub fn periods_at(cycle: &Cycle, known: Known) -> Vec<PeriodView> {
    replay(cycle, known).into_values().map(|period| period.view).collect()
}

/// One period with every scope's status as known at `known`; None when unknown then.
pub fn period_status_at(
    cycle: &Cycle,
    period: &PeriodId,
    known: Known,
) -> Option<PeriodStatusView> {
    let mut periods = replay(cycle, known);
    let replayed = periods.remove(period)?;
    let due = replayed.view.due;
    let mut scopes: BTreeMap<Scope, Vec<Round>> =
        replayed.view.scopes.iter().map(|scope| (scope.clone(), Vec::new())).collect();
    for (scope, rounds) in replayed.rounds {
        scopes.insert(scope, rounds);
    }
    let scopes = scopes
        .into_iter()
        .map(|(scope, mut submissions)| {
            for round in &mut submissions {
                round.late = round.submitted_on > due;
            }
            let status = status_of(&submissions);
            ScopeStatus { scope, status, submissions }
        })
        .collect();
    Some(PeriodStatusView { period: replayed.view, scopes })
}

/// The figures of every round accepted as known at `known`, in the submissions' seq order.
pub fn accepted_figures_at(cycle: &Cycle, known: Known) -> Vec<AcceptedFigure> {
    let mut out = Vec::new();
    for replayed in replay(cycle, known).into_values() {
        let Ok(report) = ReportId::new(replayed.view.id.as_str()) else { continue };
        for (scope, rounds) in &replayed.rounds {
            let accepted = rounds.iter().filter(|round| {
                round.decision.as_ref().is_some_and(|d| d.status == SubmissionStatus::Accepted)
            });
            for round in accepted {
                for figure in &round.figures {
                    out.push(AcceptedFigure {
                        submission: round.event,
                        seq: round.seq,
                        reported: FigureReported {
                            report: report.clone(),
                            indicator: figure.indicator,
                            scope: scope.clone(),
                            valid_on: replayed.view.as_of,
                            value_bp: None,
                            numerator: figure.numerator,
                            denominator: figure.denominator,
                            reporter: scope.to_string(),
                        },
                    });
                }
            }
        }
    }
    out.sort_by_key(|figure| figure.seq);
    out
}

/// A scope's status from its rounds (the latest decides).
pub fn status_of(rounds: &[Round]) -> SubmissionStatus {
    match rounds.last() {
        None => SubmissionStatus::Missing,
        Some(round) => match &round.decision {
            Some(decision) => decision.status,
            None if round.late => SubmissionStatus::Late,
            None => SubmissionStatus::Submitted,
        },
    }
}

/// A period replayed from its facts.
struct Replayed {
    view: PeriodView,
    rounds: BTreeMap<Scope, Vec<Round>>,
}

/// The facts known at `known` replayed in seq order, by period. Events that do not fit (a
/// decision on a round that is not the latest undecided one, anything about an unknown period)
/// are passed over: the gate refuses them, so only a retraction of an earlier event can leave
/// one behind.
fn replay(cycle: &Cycle, known: Known) -> BTreeMap<PeriodId, Replayed> {
    let mut facts: Vec<(&EventId, &crate::state::Fact<CycleFact>)> =
        cycle.facts.iter(known).collect();
    facts.sort_by_key(|(_, fact)| fact.seq);
    let mut periods: BTreeMap<PeriodId, Replayed> = BTreeMap::new();
    for (id, fact) in facts {
        match &fact.value {
            CycleFact::Opened(p) => {
                let view = PeriodView {
                    id: p.period.clone(),
                    title: p.title.clone(),
                    as_of: p.as_of,
                    due: p.due,
                    status: PeriodStatus::Open,
                    indicators: p.indicators.clone(),
                    scopes: p.scopes.clone(),
                    act: p.act.clone(),
                    opened_by: *id,
                    extensions: Vec::new(),
                };
                periods
                    .entry(p.period.clone())
                    .or_insert(Replayed { view, rounds: BTreeMap::new() });
            }
            CycleFact::Extended(p) => {
                if let Some(period) = periods.get_mut(&p.period) {
                    period.view.extensions.push(Extension {
                        event: *id,
                        from: period.view.due,
                        to: p.due,
                        act: p.act.clone(),
                        reason: p.reason.clone(),
                    });
                    period.view.due = p.due;
                }
            }
            CycleFact::Closed(p) => {
                if let Some(period) = periods.get_mut(&p.period) {
                    period.view.status = PeriodStatus::Closed;
                }
            }
            CycleFact::Submitted(p) => {
                if let Some(period) = periods.get_mut(&p.period) {
                    let rounds = period.rounds.entry(p.scope.clone()).or_default();
                    let round = u32::try_from(rounds.len()).unwrap_or(u32::MAX).saturating_add(1);
                    rounds.push(Round {
                        round,
                        event: *id,
                        seq: fact.seq,
                        submitted_on: fact.on,
                        late: fact.on > period.view.due,
                        figures: p.figures.clone(),
                        decision: None,
                    });
                }
            }
            CycleFact::Accepted(p) => {
                let decision = Decision {
                    status: SubmissionStatus::Accepted,
                    event: *id,
                    seq: fact.seq,
                    on: fact.on,
                    indicators: BTreeSet::new(),
                    comment: None,
                };
                decide(&mut periods, &p.period, &p.scope, p.round, decision);
            }
            CycleFact::Returned(p) => {
                let decision = Decision {
                    status: SubmissionStatus::Returned,
                    event: *id,
                    seq: fact.seq,
                    on: fact.on,
                    indicators: p.indicators.clone(),
                    comment: Some(p.comment.clone()),
                };
                decide(&mut periods, &p.period, &p.scope, p.round, decision);
            }
        }
    }
    periods
}

/// Sets the decision of a scope's latest round when it is `round` and undecided.
fn decide(
    periods: &mut BTreeMap<PeriodId, Replayed>,
    period: &PeriodId,
    scope: &Scope,
    round: u32,
    decision: Decision,
) {
    let latest = periods
        .get_mut(period)
        .and_then(|period| period.rounds.get_mut(scope))
        .and_then(|rounds| rounds.last_mut())
        .filter(|latest| latest.round == round && latest.decision.is_none());
    if let Some(latest) = latest {
        latest.decision = Some(decision);
    }
}
