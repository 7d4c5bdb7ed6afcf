//! Plans of activities (планы мероприятий, дорожные карты): the facts recorded about each plan,
//! and the view of a plan at a valid date — current wording, term, status and amendment history.
//!
//! The state keeps every plan fact as recorded, keyed by the id of the event that recorded it,
//! so `retract` removes exactly one fact and a correction re-applies under the same id. The view
//! at a valid date `D` is computed from the facts: amendments and cancellations whose effective
//! date is after `D` are listed in the history but not yet in force; execution reports count
//! from their report date. Existence is a matter of knowledge (the state at `K`): a plan or
//! activity the ledger knows is listed whatever `D` is, with the day it was added.
//!
//! A term's meaning is read from the event that recorded it (`activity_added`'s term, an
//! amendment's `meaning`), never parsed from its text here, so no parser change alters what a
//! past date shows; amendments recorded at schema 1 hold text only and show what the fold showed
//! then (`schema_v1_term`, frozen reading rules).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use proto_events::term::{Term, TermMeaning};
use proto_events::vocabulary::plan::schema_v1_term;
use proto_events::vocabulary::{
    ActivityAdded, ActivityAmended, ActivityCancelled, ActivityExecutionReported, ActivityField,
    ActivityId, ExecutionStatus, IndicatorCode, PlanAgreed, PlanAmended, PlanApproved, PlanCreated,
    PlanId, PlanLevel, PlanRevoked, PlanSectionAdded, PlanSuperseded, SectionId,
};
use proto_events::vocabulary::{FieldChange, Payload};
use proto_events::{Basis, Date, EventId};
use serde::{Deserialize, Serialize};

use crate::context::EventContext;

/// Every plan the ledger knows, with the facts recorded about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plans {
    /// Facts per plan.
    pub plans: BTreeMap<PlanId, PlanFacts>,
    /// The plan each recorded fact belongs to, so `retract` finds it.
    pub index: BTreeMap<EventId, PlanId>,
}

/// The facts recorded about one plan, keyed by the id of the event that recorded each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFacts {
    /// Facts by event id.
    pub facts: BTreeMap<EventId, Recorded>,
}

/// One plan fact with what the fold needs of its envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// Ledger position of the event (of the correction, when it replaced the original).
    pub seq: u64,
    /// The envelope's valid date, when it has one.
    pub effective: Option<Date>,
    /// The act the event rests on.
    pub basis: Option<Basis>,
    /// The fact.
    pub fact: PlanFact,
}

/// A fact about a plan. Variant order is part of the snapshot format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanFact {
    /// `plan_created`.
    Created(PlanCreated),
    /// `plan_approved`.
    Approved(PlanApproved),
    /// `plan_section_added`.
    SectionAdded(PlanSectionAdded),
    /// `activity_added`.
    ActivityAdded(ActivityAdded),
    /// `activity_amended`.
    ActivityAmended(ActivityAmended),
    /// `activity_execution_reported`.
    ExecutionReported(ActivityExecutionReported),
    /// `activity_cancelled`.
    ActivityCancelled(ActivityCancelled),
    /// `plan_amended`.
    Amended(PlanAmended),
    /// `plan_superseded`.
    Superseded(PlanSuperseded),
    /// `plan_revoked`.
    Revoked(PlanRevoked),
    /// `plan_agreed`.
    Agreed(PlanAgreed),
}

impl Plans {
    /// Records a plan fact; payloads of other kinds are ignored. A second fact under the same
    /// event id replaces the first (the central `apply` retracts before re-applying anyway).
    pub fn apply(&mut self, ctx: &EventContext, payload: &Payload) {
        let (plan, fact) = match payload {
            Payload::PlanCreated(p) => (p.plan.clone(), PlanFact::Created(p.clone())),
            Payload::PlanApproved(p) => (p.plan.clone(), PlanFact::Approved(p.clone())),
            Payload::PlanSectionAdded(p) => (p.plan.clone(), PlanFact::SectionAdded(p.clone())),
            Payload::ActivityAdded(p) => (p.plan.clone(), PlanFact::ActivityAdded(p.clone())),
            Payload::ActivityAmended(p) => (p.plan.clone(), PlanFact::ActivityAmended(p.clone())),
            Payload::ActivityExecutionReported(p) => {
                (p.plan.clone(), PlanFact::ExecutionReported(p.clone()))
            }
            Payload::ActivityCancelled(p) => {
                (p.plan.clone(), PlanFact::ActivityCancelled(p.clone()))
            }
            Payload::PlanAmended(p) => (p.plan.clone(), PlanFact::Amended(p.clone())),
            Payload::PlanSuperseded(p) => (p.plan.clone(), PlanFact::Superseded(p.clone())),
            Payload::PlanRevoked(p) => (p.plan.clone(), PlanFact::Revoked(p.clone())),
            Payload::PlanAgreed(p) => (p.plan.clone(), PlanFact::Agreed(p.clone())),
            _ => return,
        };
        self.retract(&ctx.id);
        let recorded = Recorded {
            seq: ctx.seq.0,
            effective: ctx.effective.date(),
            basis: ctx.basis.clone(),
            fact,
        };
        self.index.insert(ctx.id, plan.clone());
        self.plans.entry(plan).or_default().facts.insert(ctx.id, recorded);
    }

    /// Undoes the fact recorded by event `target`, if it was a plan fact.
    pub fn retract(&mut self, target: &EventId) {
        let Some(plan) = self.index.remove(target) else { return };
        let now_empty = match self.plans.get_mut(&plan) {
            Some(facts) => {
                facts.facts.remove(target);
                facts.facts.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.plans.remove(&plan);
        }
    }
}

/// Status of an activity at a valid date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Its term has not started (or it has no structured term) and nothing was reported.
    Planned,
    /// Its term has started, its deadline has not passed, nothing final was reported.
    InProgress,
    /// Reported done.
    Done,
    /// Reported partly done on or after its latest deadline, or before a deadline still ahead.
    Partly,
    /// Reported not done on or after its latest deadline, or before a deadline still ahead.
    NotDone,
    /// Cancelled by an act in force.
    Cancelled,
    /// A deadline has passed (the day after the term's last day) with no report settling it.
    Overdue,
}

/// A plan as of a valid date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanView {
    /// Plan id.
    pub id: PlanId,
    /// Title.
    pub title: String,
    /// Level.
    pub level: PlanLevel,
    /// The approving act as text ("распоряжение №… от дд.мм.гггг"): the latest approval, else
    /// the basis the plan was created on.
    pub basis: Option<String>,
    /// Every approving act, in the order recorded.
    pub approved_by: Vec<Basis>,
    /// Period, first and last year (as amended by the acts in force at the valid date).
    pub period: PeriodView,
    /// Who owns the plan.
    pub owner: String,
    /// Sections in their order, each with its activities in natural number order.
    pub sections: Vec<SectionView>,
    /// The plan's own status at the valid date.
    pub status: PlanStatus,
    /// Whether the regional level's agreement of this (municipal) plan is in force at the valid
    /// date.
    pub agreed: bool,
    /// The plan that replaces this one, once the act replacing it is in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<PlanId>,
    /// Every plan-level change known after approval — amendment, agreement, supersession,
    /// revocation — with the act it cites, in effective order; those not yet in force at the
    /// valid date are listed with `in_force: false`. The approvals are `approved_by`; they are
    /// not repeated here, so a plan exported and imported into another ledger (new event ids)
    /// still reads as the same plan.
    pub history: Vec<PlanChangeView>,
}

/// A plan's own status at a valid date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Created, no approving act in force yet.
    Draft,
    /// Approved by an act in force, neither superseded nor revoked.
    Approved,
    /// Replaced by another plan by an act in force.
    Superseded,
    /// Declared no longer in force by an act in force.
    Revoked,
}

/// What a plan-level change did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanChangeKind {
    /// `plan_amended`.
    Amended,
    /// `plan_agreed`.
    Agreed,
    /// `plan_superseded`.
    Superseded,
    /// `plan_revoked`.
    Revoked,
}

/// One plan-level change with the act it cites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanChangeView {
    /// The event that recorded it.
    pub event: EventId,
    /// What it did.
    pub kind: PlanChangeKind,
    /// The day it takes effect.
    pub effective: Option<Date>,
    /// Whether it is in force at the valid date.
    pub in_force: bool,
    /// The act it cites, as text («распоряжение №… от дд.мм.гггг»).
    pub act: Option<String>,
    /// What the act did, in words: the amendment's summary, the reason of a supersession or
    /// revocation, who agreed and their remarks.
    pub summary: String,
    /// The plan's own fields an amendment changed, old and new as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<PlanFieldChange>,
    /// For a supersession: the plan that replaces this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<PlanId>,
}

/// One of the plan's own fields changed by an amendment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanFieldChange {
    /// `title`, `period_from_year`, `period_to_year` or `owner`.
    pub field: &'static str,
    /// The value before, as text.
    pub old: String,
    /// The value after, as text.
    pub new: String,
}

/// A plan's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodView {
    /// First year.
    pub from_year: u16,
    /// Last year.
    pub to_year: u16,
}

/// A section (direction) of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionView {
    /// Section id.
    pub id: SectionId,
    /// Number as written, if any.
    pub number: Option<String>,
    /// Title.
    pub title: String,
    /// Activities in natural number order ("2" < "10", "5.7" < "5.10").
    pub activities: Vec<ActivityView>,
}

/// An activity as of a valid date: its wording with the amendments in force applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityView {
    /// Activity id.
    pub id: ActivityId,
    /// Number as currently worded.
    pub number: String,
    /// Title.
    pub title: String,
    /// Term: text as written and its structured meaning.
    pub term: Term,
    /// Responsible executor.
    pub responsible: String,
    /// Co-executors.
    pub co_executors: Vec<String>,
    /// Key (expected) result.
    pub key_result: String,
    /// Documents fixing the result.
    pub fixing_documents: String,
    /// Indicator code, if the activity has one.
    pub indicator: Option<IndicatorCode>,
    /// Status at the valid date.
    pub status: ActivityStatus,
    /// Valid date of the event that added it.
    pub added_on: Option<Date>,
    /// Every amendment known, in force or not, in effective order.
    pub amendments: Vec<AmendmentView>,
    /// Execution reports dated on or before the valid date, in date order.
    pub executions: Vec<ExecutionView>,
    /// The cancellation, if one is known (in force or not).
    pub cancellation: Option<CancellationView>,
    /// For a term that lists several due dates (`dates`), each deadline with its own status at
    /// the valid date: a deadline missed in 2023 stays missed when 2024's is met. Empty for
    /// every other term.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<DeadlineView>,
}

/// One deadline of a term with several due dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeadlineView {
    /// The due date.
    pub due: Date,
    /// What became of it by the valid date.
    pub status: DeadlineStatus,
}

/// The fate of one deadline at a valid date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Reported done on or before it, after the deadline before it.
    Done,
    /// Passed (the day after the due date) with no such report.
    Missed,
    /// Not passed yet, and not reported done.
    NotDue,
}

/// One amendment of an activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AmendmentView {
    /// The event that recorded it.
    pub event: EventId,
    /// The day it takes effect.
    pub effective: Option<Date>,
    /// Whether it is in force at the valid date.
    pub in_force: bool,
    /// The act it rests on.
    pub basis: Option<String>,
    /// Why.
    pub reason: String,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// One execution report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecutionView {
    /// The event that recorded it.
    pub event: EventId,
    /// Reported status.
    pub status: ExecutionStatus,
    /// Day of the report.
    pub reported_on: Date,
    /// Evidence as written.
    pub evidence: String,
}

/// A cancellation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CancellationView {
    /// The event that recorded it.
    pub event: EventId,
    /// The day it takes effect.
    pub effective: Option<Date>,
    /// Whether it is in force at the valid date.
    pub in_force: bool,
    /// The act it rests on.
    pub basis: Option<String>,
    /// Why.
    pub reason: String,
}

/// Every known plan as of valid date `date`, ordered by plan id.
pub fn plans_as_of(plans: &Plans, date: Date) -> Vec<PlanView> {
    plans.plans.iter().filter_map(|(id, facts)| plan_view(id, facts, date)).collect()
}

/// One plan as of valid date `date`, if it is known.
pub fn plan_as_of(plans: &Plans, plan: &PlanId, date: Date) -> Option<PlanView> {
    plans.plans.get(plan).and_then(|facts| plan_view(plan, facts, date))
}

/// Compares activity numbers naturally: dot-separated parts, numeric parts by value
/// ("2" < "10", "5.7" < "5.10"), other parts as text.
pub fn compare_numbers(left: &str, right: &str) -> Ordering {
    let mut left_parts = left.trim().split('.').filter(|part| !part.is_empty());
    let mut right_parts = right.trim().split('.').filter(|part| !part.is_empty());
    loop {
        match (left_parts.next(), right_parts.next()) {
            (None, None) => return left.cmp(right),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => {
                let order = match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => a.cmp(b),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building views.

/// A fact in the order the fold applies it: valid date, then ledger position.
struct Ordered<'a> {
    id: &'a EventId,
    recorded: &'a Recorded,
}

fn plan_view(id: &PlanId, facts: &PlanFacts, date: Date) -> Option<PlanView> {
    let mut ordered: Vec<Ordered<'_>> =
        facts.facts.iter().map(|(id, recorded)| Ordered { id, recorded }).collect();
    ordered.sort_by_key(|fact| (fact.recorded.seq, *fact.id));

    let (created, created_basis) = ordered.iter().find_map(|fact| match &fact.recorded.fact {
        PlanFact::Created(created) => Some((created, fact.recorded.basis.as_ref())),
        _ => None,
    })?;
    let approved_by: Vec<Basis> = ordered
        .iter()
        .filter_map(|fact| match &fact.recorded.fact {
            PlanFact::Approved(approved) => Some(approved.act.clone()),
            _ => None,
        })
        .collect();
    let basis = approved_by.last().or(created_basis).map(ToString::to_string);
    let own = plan_status(created, &ordered, date);
    let plan_period = own.period;
    let period = (i32::from(plan_period.0), i32::from(plan_period.1));

    let sections: Vec<(u64, SectionView)> = ordered
        .iter()
        .filter_map(|fact| match &fact.recorded.fact {
            PlanFact::SectionAdded(section) => Some((
                fact.recorded.seq,
                SectionView {
                    id: section.section.clone(),
                    number: section.number.clone(),
                    title: section.title.clone(),
                    activities: Vec::new(),
                },
            )),
            _ => None,
        })
        .collect();

    let mut activities: Activities = BTreeMap::new();
    for fact in &ordered {
        if let PlanFact::ActivityAdded(added) = &fact.recorded.fact {
            activities.insert(added.activity.clone(), activity_view(added, fact.recorded));
        }
    }
    // Schema-1 term changes read in the period the plan was created with, as they did when
    // recorded (before any plan-level amendment existed).
    let created_period = (created.period_from_year, created.period_to_year);
    apply_amendments(&mut activities, &ordered, date, created_period);
    apply_executions_and_cancellations(&mut activities, &ordered, date);

    let sections = place_activities(sections, activities, date, period)?;

    Some(PlanView {
        id: id.clone(),
        title: own.title,
        level: created.level,
        basis,
        approved_by,
        period: PeriodView { from_year: plan_period.0, to_year: plan_period.1 },
        owner: own.owner,
        sections,
        status: own.status,
        agreed: own.agreed,
        superseded_by: own.superseded_by,
        history: own.history,
    })
}

/// The plan's own fields and status at a valid date, and its plan-level history.
struct OwnStatus {
    title: String,
    period: (u16, u16),
    owner: String,
    status: PlanStatus,
    agreed: bool,
    superseded_by: Option<PlanId>,
    history: Vec<PlanChangeView>,
}

/// Applies the plan-level changes in effective order (then ledger order): amendments in force
/// change the title, period and owner; the status is the latest of revoked or superseded in
/// force, else approved when an approval is in force, else draft.
fn plan_status(created: &PlanCreated, ordered: &[Ordered<'_>], date: Date) -> OwnStatus {
    let mut own = OwnStatus {
        title: created.title.clone(),
        period: (created.period_from_year, created.period_to_year),
        owner: created.owner.clone(),
        status: PlanStatus::Draft,
        agreed: false,
        superseded_by: None,
        history: Vec::new(),
    };
    let mut changes: Vec<&Ordered<'_>> = ordered
        .iter()
        .filter(|fact| {
            matches!(
                fact.recorded.fact,
                PlanFact::Approved(_)
                    | PlanFact::Amended(_)
                    | PlanFact::Agreed(_)
                    | PlanFact::Superseded(_)
                    | PlanFact::Revoked(_)
            )
        })
        .collect();
    changes.sort_by_key(|fact| (fact.recorded.effective, fact.recorded.seq));
    let (mut approved, mut ended) = (false, None);
    for fact in changes {
        let in_force = fact.recorded.effective.is_none_or(|effective| effective <= date);
        let act = fact.recorded.basis.as_ref().map(ToString::to_string);
        let view = |kind, act, summary, changes, by| PlanChangeView {
            event: *fact.id,
            kind,
            effective: fact.recorded.effective,
            in_force,
            act,
            summary,
            changes,
            by,
        };
        let entry = match &fact.recorded.fact {
            PlanFact::Approved(_) => {
                approved |= in_force;
                continue;
            }
            PlanFact::Amended(amended) => {
                let fields = amend(&mut own, amended, in_force);
                view(PlanChangeKind::Amended, act, amended.summary.clone(), fields, None)
            }
            PlanFact::Agreed(agreed) => {
                own.agreed |= in_force;
                let text = match &agreed.remarks {
                    Some(remarks) => format!("согласован: {} ({remarks})", agreed.agreed_by),
                    None => format!("согласован: {}", agreed.agreed_by),
                };
                view(PlanChangeKind::Agreed, act, text, vec![], None)
            }
            PlanFact::Superseded(superseded) => {
                if in_force {
                    ended = Some(PlanStatus::Superseded);
                    own.superseded_by = Some(superseded.by.clone());
                }
                let text = format!("заменён планом {}: {}", superseded.by, superseded.reason);
                view(PlanChangeKind::Superseded, act, text, vec![], Some(superseded.by.clone()))
            }
            PlanFact::Revoked(revoked) => {
                if in_force {
                    ended = Some(PlanStatus::Revoked);
                }
                view(PlanChangeKind::Revoked, act, revoked.reason.clone(), vec![], None)
            }
            _ => continue,
        };
        own.history.push(entry);
    }
    own.status = match ended {
        Some(status) => status,
        None if approved => PlanStatus::Approved,
        None => PlanStatus::Draft,
    };
    own
}

/// Applies an amendment's own fields when it is in force; the fields it names, old and new.
fn amend(own: &mut OwnStatus, amended: &PlanAmended, in_force: bool) -> Vec<PlanFieldChange> {
    let mut fields = Vec::new();
    let mut change = |field: &'static str, old: String, new: String| {
        fields.push(PlanFieldChange { field, old, new });
    };
    if let Some(title) = &amended.title {
        change("title", own.title.clone(), title.clone());
    }
    if let Some(from) = amended.period_from_year {
        change("period_from_year", own.period.0.to_string(), from.to_string());
    }
    if let Some(to) = amended.period_to_year {
        change("period_to_year", own.period.1.to_string(), to.to_string());
    }
    if let Some(owner) = &amended.owner {
        change("owner", own.owner.clone(), owner.clone());
    }
    if in_force {
        own.title = amended.title.clone().unwrap_or_else(|| own.title.clone());
        own.period.0 = amended.period_from_year.unwrap_or(own.period.0);
        own.period.1 = amended.period_to_year.unwrap_or(own.period.1);
        own.owner = amended.owner.clone().unwrap_or_else(|| own.owner.clone());
    }
    fields
}

/// Activities by id, each with its section.
type Activities = BTreeMap<ActivityId, (SectionId, ActivityView)>;

/// Applies the amendments in force on `date` to `activities` and lists every amendment.
fn apply_amendments(
    activities: &mut Activities,
    ordered: &[Ordered<'_>],
    date: Date,
    plan_period: (u16, u16),
) {
    // Amendments apply in effective order (then ledger order); those not yet in force are
    // listed only.
    let mut amendments: Vec<&Ordered<'_>> = ordered
        .iter()
        .filter(|fact| matches!(fact.recorded.fact, PlanFact::ActivityAmended(_)))
        .collect();
    amendments.sort_by_key(|fact| (fact.recorded.effective, fact.recorded.seq));
    for fact in amendments {
        let PlanFact::ActivityAmended(amended) = &fact.recorded.fact else { continue };
        let Some((section, view)) = activities.get_mut(&amended.activity) else { continue };
        let in_force = fact.recorded.effective.is_none_or(|effective| effective <= date);
        if in_force {
            for change in &amended.changes {
                apply_change(section, view, change, plan_period);
            }
        }
        view.amendments.push(AmendmentView {
            event: *fact.id,
            effective: fact.recorded.effective,
            in_force,
            basis: fact.recorded.basis.as_ref().map(ToString::to_string),
            reason: amended.reason.clone(),
            changes: amended.changes.clone(),
        });
    }
}

/// Lists the execution reports made by `date` and the cancellation of each activity (the first
/// in force, else the first known).
fn apply_executions_and_cancellations(
    activities: &mut Activities,
    ordered: &[Ordered<'_>],
    date: Date,
) {
    for fact in ordered {
        match &fact.recorded.fact {
            PlanFact::ExecutionReported(report) if report.reported_on <= date => {
                if let Some((_, view)) = activities.get_mut(&report.activity) {
                    view.executions.push(ExecutionView {
                        event: *fact.id,
                        status: report.status,
                        reported_on: report.reported_on,
                        evidence: report.evidence.clone(),
                    });
                }
            }
            PlanFact::ActivityCancelled(cancelled) => {
                if let Some((_, view)) = activities.get_mut(&cancelled.activity) {
                    let in_force =
                        fact.recorded.effective.is_none_or(|effective| effective <= date);
                    // The first cancellation in force wins; a later one only if none is.
                    let keep = view.cancellation.as_ref().is_some_and(|known| known.in_force);
                    if !keep {
                        view.cancellation = Some(CancellationView {
                            event: *fact.id,
                            effective: fact.recorded.effective,
                            in_force,
                            basis: fact.recorded.basis.as_ref().map(ToString::to_string),
                            reason: cancelled.reason.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// Puts each activity, with its status on `date`, in its section (those of a section the ledger
/// does not know in «Вне разделов»), sections and activities in the plan's numbering order.
fn place_activities(
    mut sections: Vec<(u64, SectionView)>,
    activities: Activities,
    date: Date,
    period: (i32, i32),
) -> Option<Vec<SectionView>> {
    let mut unplaced: Vec<ActivityView> = Vec::new();
    for (_, (section, mut view)) in activities {
        view.executions.sort_by_key(|execution| execution.reported_on);
        view.status = status_at(&view, date, period);
        view.deadlines = deadlines_at(&view, date);
        match sections.iter_mut().find(|(_, candidate)| candidate.id == section) {
            Some((_, target)) => target.activities.push(view),
            None => unplaced.push(view),
        }
    }
    if !unplaced.is_empty() {
        // Activities whose section the ledger does not know (yet) still belong to the plan.
        let id = SectionId::new("unplaced").ok()?;
        sections.push((
            u64::MAX,
            SectionView {
                id,
                number: None,
                title: "Вне разделов".to_string(),
                activities: unplaced,
            },
        ));
    }
    sections.sort_by(|(seq_a, a), (seq_b, b)| match (&a.number, &b.number) {
        (Some(x), Some(y)) => compare_numbers(x, y).then(seq_a.cmp(seq_b)),
        _ => seq_a.cmp(seq_b),
    });
    let mut sections: Vec<SectionView> = sections.into_iter().map(|(_, section)| section).collect();
    for section in &mut sections {
        section.activities.sort_by(|a, b| compare_numbers(&a.number, &b.number));
    }
    Some(sections)
}

fn activity_view(added: &ActivityAdded, recorded: &Recorded) -> (SectionId, ActivityView) {
    let view = ActivityView {
        id: added.activity.clone(),
        number: added.number.clone(),
        title: added.title.clone(),
        term: added.term.clone(),
        responsible: added.responsible.clone(),
        co_executors: added.co_executors.clone(),
        key_result: added.key_result.clone(),
        fixing_documents: added.fixing_documents.clone(),
        indicator: added.indicator,
        status: ActivityStatus::Planned,
        added_on: recorded.effective,
        amendments: Vec::new(),
        deadlines: Vec::new(),
        executions: Vec::new(),
        cancellation: None,
    };
    (added.section.clone(), view)
}

fn apply_change(
    section: &mut SectionId,
    view: &mut ActivityView,
    change: &FieldChange,
    period: (u16, u16),
) {
    let new = change.new.clone();
    match change.field {
        ActivityField::Section => {
            if let Ok(id) = SectionId::new(new) {
                *section = id;
            }
        }
        ActivityField::Number => view.number = new,
        ActivityField::Title => view.title = new,
        ActivityField::Responsible => view.responsible = new,
        ActivityField::CoExecutors => {
            view.co_executors = new
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect();
        }
        // The reading stored with the change; a change recorded at schema 1 stored none, and
        // shows what it showed then (the frozen reading rules version 1, in the plan's period).
        ActivityField::Term => {
            view.term = match &change.meaning {
                Some(meaning) => Term { text: new, meaning: meaning.clone() },
                None => schema_v1_term(&new, period),
            }
        }
        ActivityField::KeyResult => view.key_result = new,
        ActivityField::FixingDocuments => view.fixing_documents = new,
        ActivityField::Indicator => view.indicator = new.trim().parse().ok(),
        // The planned value is kept in the amendment history only.
        ActivityField::PlannedValue => {}
    }
}

/// Status at `date`; see `ActivityStatus` for the rules.
fn status_at(view: &ActivityView, date: Date, period: (i32, i32)) -> ActivityStatus {
    if view.cancellation.as_ref().is_some_and(|cancellation| cancellation.in_force) {
        return ActivityStatus::Cancelled;
    }
    // A deadline is missed the day after the term's last day.
    let deadline = day_before(date).and_then(|day| deadline_on_or_before(&view.term, day, period));
    // For a recurring term a report counts for the occurrence it falls in: after the deadline
    // before the latest one.
    let counts_from = match (&view.term.meaning, deadline) {
        (TermMeaning::Recurring(_) | TermMeaning::Dates { .. }, Some(latest)) => {
            day_before(latest).and_then(|day| deadline_on_or_before(&view.term, day, period))
        }
        _ => None,
    };
    let report = view
        .executions
        .iter()
        .rev()
        .find(|report| counts_from.is_none_or(|from| report.reported_on > from));
    match (report, deadline) {
        (Some(report), _) if report.status == ExecutionStatus::Done => ActivityStatus::Done,
        (Some(report), Some(deadline)) if report.reported_on < deadline => ActivityStatus::Overdue,
        (Some(report), _) => match report.status {
            ExecutionStatus::Partly => ActivityStatus::Partly,
            ExecutionStatus::NotDone => ActivityStatus::NotDone,
            ExecutionStatus::Done => ActivityStatus::Done,
        },
        (None, Some(_)) => ActivityStatus::Overdue,
        (None, None) => match term_start(&view.term.meaning) {
            Some(start) if start <= date => ActivityStatus::InProgress,
            _ => ActivityStatus::Planned,
        },
    }
}

/// The latest deadline of `term` on or before `day`; a recurring term falls due only within the
/// plan's period (an open-ended "Ежегодно" in a 2023-2025 plan has no 2022 or 2026 occurrence).
fn deadline_on_or_before(term: &Term, day: Date, period: (i32, i32)) -> Option<Date> {
    match term.meaning {
        TermMeaning::Recurring(_) => {
            let period_end = Date::from_ymd(period.1, 12, 31)?;
            let period_start = Date::from_ymd(period.0, 1, 1)?;
            term.deadline_on_or_before(day.min(period_end))
                .filter(|deadline| *deadline >= period_start)
        }
        _ => term.deadline_on_or_before(day),
    }
}

fn day_before(day: Date) -> Option<Date> {
    day.days_since_epoch().checked_sub(1).map(Date::from_days_since_epoch)
}

/// The first day of a term's window, where the term has one.
fn term_start(meaning: &TermMeaning) -> Option<Date> {
    match meaning {
        TermMeaning::Date { from, .. } => *from,
        TermMeaning::Range { from, .. } => Some(*from),
        TermMeaning::Year { year } => Date::from_ymd(*year, 1, 1),
        TermMeaning::Years { from_year, .. } => Date::from_ymd(*from_year, 1, 1),
        TermMeaning::Recurring(recurrence) => match recurrence.start_year {
            Some(year) => Date::from_ymd(year, 1, 1),
            None => Date::from_ymd(1900, 1, 1),
        },
        TermMeaning::Continuous { from, .. } => *from,
        TermMeaning::Text { .. } => None,
        // Each deadline's own window is not written; the first deadline's year begins it.
        TermMeaning::Dates { dates } => {
            dates.first().and_then(|first| Date::from_ymd(first.year(), 1, 1))
        }
    }
}

/// Each deadline of a `dates` term at `date`: done when a "done" report falls after the
/// deadline before it and on or before it, missed once passed without one, else not due.
fn deadlines_at(view: &ActivityView, date: Date) -> Vec<DeadlineView> {
    let TermMeaning::Dates { dates } = &view.term.meaning else { return Vec::new() };
    let mut previous: Option<Date> = None;
    let mut deadlines = Vec::with_capacity(dates.len());
    for due in dates {
        let done = view.executions.iter().any(|report| {
            report.status == ExecutionStatus::Done
                && report.reported_on <= *due
                && report.reported_on <= date
                && previous.is_none_or(|before| report.reported_on > before)
        });
        let status = if done {
            DeadlineStatus::Done
        } else if *due < date {
            DeadlineStatus::Missed
        } else {
            DeadlineStatus::NotDue
        };
        deadlines.push(DeadlineView { due: *due, status });
        previous = Some(*due);
    }
    deadlines
}
