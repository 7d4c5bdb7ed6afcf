//! Teachers' diagnostics and individual educational routes (ИОМ): the facts recorded per teacher,
//! and the view at a valid date — deficits, routes with steps and their status, supporters, and
//! which deficits a later diagnostic closed; per supporter, the teachers supported.
//!
//! The state keeps every route fact as recorded, keyed by the id of the event that recorded it,
//! so `retract` removes exactly one fact and a correction re-applies under the same id. Views at a
//! valid date `D` count a diagnostic from the day it was taken, a step's completion from its
//! completion day, and the other facts from their envelope's valid date.

use std::collections::{BTreeMap, BTreeSet};

use proto_events::vocabulary::{
    CompetenceCode, DiagnosticId, DiagnosticRecorded, Payload, PersonId, ProcedureId, ProgramId,
    RouteClosed, RouteId, RouteOpened, RouteOutcome, RouteStepCompleted, RouteStepPlanned,
    RouteSupportAssigned, StepForm, StepId, SupportRole, TeacherId,
};
use proto_events::{Date, EventId};
use serde::{Deserialize, Serialize};

use crate::context::EventContext;

/// Every teacher with route facts, and where each fact is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routes {
    /// Facts per teacher.
    pub teachers: BTreeMap<TeacherId, TeacherFacts>,
    /// The teacher each recorded fact belongs to, so `retract` finds it.
    pub index: BTreeMap<EventId, TeacherId>,
}

/// The route facts of one teacher, keyed by the id of the event that recorded each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherFacts {
    /// Facts by event id.
    pub facts: BTreeMap<EventId, RecordedRouteFact>,
}

/// One route fact with what the fold needs of its envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRouteFact {
    /// Ledger position of the event (of the correction, when it replaced the original).
    pub seq: u64,
    /// The envelope's valid date, when it has one.
    pub effective: Option<Date>,
    /// The fact.
    pub fact: RouteFact,
}

/// A fact about a teacher's diagnostics and routes. Variant order is part of the snapshot format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteFact {
    /// `diagnostic_recorded`.
    Diagnostic(DiagnosticRecorded),
    /// `route_opened`.
    Opened(RouteOpened),
    /// `route_step_planned`.
    StepPlanned(RouteStepPlanned),
    /// `route_support_assigned`.
    SupportAssigned(RouteSupportAssigned),
    /// `route_step_completed`.
    StepCompleted(RouteStepCompleted),
    /// `route_closed`.
    Closed(RouteClosed),
}

impl Routes {
    /// Records a route fact; payloads of other kinds are ignored. A second fact under the same
    /// event id replaces the first.
    pub fn apply(&mut self, ctx: &EventContext, payload: &Payload) {
        let (teacher, fact) = match payload {
            Payload::DiagnosticRecorded(p) => (p.teacher.clone(), RouteFact::Diagnostic(p.clone())),
            Payload::RouteOpened(p) => (p.teacher.clone(), RouteFact::Opened(p.clone())),
            Payload::RouteStepPlanned(p) => (p.teacher.clone(), RouteFact::StepPlanned(p.clone())),
            Payload::RouteSupportAssigned(p) => {
                (p.teacher.clone(), RouteFact::SupportAssigned(p.clone()))
            }
            Payload::RouteStepCompleted(p) => {
                (p.teacher.clone(), RouteFact::StepCompleted(p.clone()))
            }
            Payload::RouteClosed(p) => (p.teacher.clone(), RouteFact::Closed(p.clone())),
            _ => return,
        };
        self.retract(&ctx.id);
        let recorded = RecordedRouteFact { seq: ctx.seq.0, effective: ctx.effective.date(), fact };
        self.index.insert(ctx.id, teacher.clone());
        self.teachers.entry(teacher).or_default().facts.insert(ctx.id, recorded);
    }

    /// Undoes the fact recorded by event `target`, if it was a route fact.
    pub fn retract(&mut self, target: &EventId) {
        let Some(teacher) = self.index.remove(target) else { return };
        let now_empty = match self.teachers.get_mut(&teacher) {
            Some(facts) => {
                facts.facts.remove(target);
                facts.facts.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.teachers.remove(&teacher);
        }
    }
}

/// One teacher at a valid date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeacherRoutesView {
    /// The teacher.
    pub teacher: TeacherId,
    /// Diagnostics taken on or before the date, oldest first.
    pub diagnostics: Vec<DiagnosticView>,
    /// Routes opened on or before the date, in the order opened.
    pub routes: Vec<RouteView>,
}

/// A diagnostic result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiagnosticView {
    /// Result id.
    pub id: DiagnosticId,
    /// Procedure.
    pub procedure: ProcedureId,
    /// Day taken.
    pub taken_on: Date,
    /// Scores in basis points per competence.
    pub scores: BTreeMap<CompetenceCode, u16>,
    /// Deficits found.
    pub deficits: BTreeSet<CompetenceCode>,
}

/// Status of a route at a valid date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteStatus {
    /// Open.
    Open,
    /// Closed, all steps done.
    Completed,
    /// Closed, given up.
    Abandoned,
}

/// A route at a valid date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteView {
    /// Route id.
    pub id: RouteId,
    /// The diagnostic it is built on (None: not told to a reader the diagnostic is hidden
    /// from, a route continued from an employer outside its scope).
    pub diagnostic: Option<DiagnosticId>,
    /// Day opened.
    pub opened_on: Option<Date>,
    /// Deficits it addresses.
    pub deficits: BTreeSet<CompetenceCode>,
    /// Status.
    pub status: RouteStatus,
    /// Day closed, when closed at the date.
    pub closed_on: Option<Date>,
    /// Why it was closed, if said.
    pub close_reason: Option<String>,
    /// Steps planned on or before the date, by due date.
    pub steps: Vec<StepView>,
    /// Supporters assigned on or before the date.
    pub supporters: Vec<SupporterView>,
    /// Deficits of the route that the latest later diagnostic measuring them no longer finds.
    pub closed_deficits: Vec<ClosedDeficit>,
    /// Deficits of the route not (yet) closed.
    pub open_deficits: BTreeSet<CompetenceCode>,
}

/// Status of a route step at a valid date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not done, due date not passed.
    Planned,
    /// Completed on or before the date.
    Done,
    /// Not done and the due date has passed (the day after it).
    Overdue,
}

/// A step of a route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepView {
    /// Step id.
    pub id: StepId,
    /// Form.
    pub form: StepForm,
    /// Program, if any.
    pub program: Option<ProgramId>,
    /// Deficits it addresses.
    pub deficits: BTreeSet<CompetenceCode>,
    /// Due date.
    pub due_on: Date,
    /// Status.
    pub status: StepStatus,
    /// Day completed, when done at the date.
    pub completed_on: Option<Date>,
    /// Evidence of completion.
    pub evidence: Option<String>,
}

/// A supporter of a route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupporterView {
    /// The person.
    pub person: PersonId,
    /// In which role.
    pub role: SupportRole,
    /// Since when.
    pub since: Option<Date>,
}

/// A deficit closed by a later diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClosedDeficit {
    /// The competence.
    pub competence: CompetenceCode,
    /// The diagnostic that no longer finds it.
    pub by_diagnostic: DiagnosticId,
    /// Its day.
    pub on: Date,
}

/// One teacher's diagnostics and routes as of `date` (empty when the ledger knows nothing).
pub fn teacher_routes(routes: &Routes, teacher: &TeacherId, date: Date) -> TeacherRoutesView {
    match routes.teachers.get(teacher) {
        Some(facts) => teacher_view(teacher, facts, date),
        None => TeacherRoutesView {
            teacher: teacher.clone(),
            diagnostics: Vec::new(),
            routes: Vec::new(),
        },
    }
}

/// Every teacher with route facts as of `date`, ordered by teacher id; teachers with nothing
/// on or before the date are left out.
pub fn all_teachers(routes: &Routes, date: Date) -> Vec<TeacherRoutesView> {
    routes
        .teachers
        .iter()
        .map(|(teacher, facts)| teacher_view(teacher, facts, date))
        .filter(|view| !view.diagnostics.is_empty() || !view.routes.is_empty())
        .collect()
}

/// Teachers with an open route supported by `supporter` at `date`, ordered by id.
pub fn supported_by(routes: &Routes, supporter: &PersonId, date: Date) -> Vec<TeacherId> {
    all_teachers(routes, date)
        .into_iter()
        .filter(|view| {
            view.routes.iter().any(|route| {
                route.status == RouteStatus::Open
                    && route.supporters.iter().any(|support| support.person == *supporter)
            })
        })
        .map(|view| view.teacher)
        .collect()
}

/// Every supporter at `date` with the teachers whose open routes they support.
pub fn supporters(routes: &Routes, date: Date) -> BTreeMap<PersonId, BTreeSet<TeacherId>> {
    let mut result: BTreeMap<PersonId, BTreeSet<TeacherId>> = BTreeMap::new();
    for view in all_teachers(routes, date) {
        for route in view.routes.iter().filter(|route| route.status == RouteStatus::Open) {
            for support in &route.supporters {
                result.entry(support.person.clone()).or_default().insert(view.teacher.clone());
            }
        }
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Building views.

fn in_force(effective: Option<Date>, date: Date) -> bool {
    effective.is_none_or(|effective| effective <= date)
}

fn teacher_view(teacher: &TeacherId, facts: &TeacherFacts, date: Date) -> TeacherRoutesView {
    let mut ordered: Vec<(&EventId, &RecordedRouteFact)> = facts.facts.iter().collect();
    ordered.sort_by_key(|(id, recorded)| (recorded.seq, **id));

    let mut diagnostics: Vec<DiagnosticView> = ordered
        .iter()
        .filter_map(|(_, recorded)| match &recorded.fact {
            RouteFact::Diagnostic(diagnostic) if diagnostic.taken_on <= date => {
                Some(DiagnosticView {
                    id: diagnostic.diagnostic.clone(),
                    procedure: diagnostic.procedure.clone(),
                    taken_on: diagnostic.taken_on,
                    scores: diagnostic.scores.clone(),
                    deficits: diagnostic.deficits.clone(),
                })
            }
            _ => None,
        })
        .collect();
    diagnostics.sort_by(|a, b| a.taken_on.cmp(&b.taken_on).then_with(|| a.id.cmp(&b.id)));

    let mut routes: Vec<RouteView> = Vec::new();
    for (_, recorded) in &ordered {
        let RouteFact::Opened(opened) = &recorded.fact else { continue };
        if !in_force(recorded.effective, date) || routes.iter().any(|r| r.id == opened.route) {
            continue;
        }
        routes.push(RouteView {
            id: opened.route.clone(),
            diagnostic: Some(opened.diagnostic.clone()),
            opened_on: recorded.effective,
            deficits: opened.deficits.clone(),
            status: RouteStatus::Open,
            closed_on: None,
            close_reason: None,
            steps: Vec::new(),
            supporters: Vec::new(),
            closed_deficits: Vec::new(),
            open_deficits: BTreeSet::new(),
        });
    }
    let mut completions: Completions = BTreeMap::new();
    for (_, recorded) in &ordered {
        match &recorded.fact {
            RouteFact::StepPlanned(step) if in_force(recorded.effective, date) => {
                if let Some(route) = routes.iter_mut().find(|route| route.id == step.route) {
                    route.steps.retain(|known| known.id != step.step);
                    route.steps.push(StepView {
                        id: step.step.clone(),
                        form: step.form,
                        program: step.program.clone(),
                        deficits: step.deficits.clone(),
                        due_on: step.due_on,
                        status: StepStatus::Planned,
                        completed_on: None,
                        evidence: None,
                    });
                }
            }
            RouteFact::SupportAssigned(support) if in_force(recorded.effective, date) => {
                if let Some(route) = routes.iter_mut().find(|route| route.id == support.route) {
                    if !route.supporters.iter().any(|known| known.person == support.supporter) {
                        route.supporters.push(SupporterView {
                            person: support.supporter.clone(),
                            role: support.role,
                            since: recorded.effective,
                        });
                    }
                }
            }
            RouteFact::StepCompleted(done) if done.completed_on <= date => {
                completions
                    .entry((done.route.clone(), done.step.clone()))
                    .or_insert((done.completed_on, done.evidence.clone()));
            }
            RouteFact::Closed(closed) if in_force(recorded.effective, date) => {
                if let Some(route) = routes.iter_mut().find(|route| route.id == closed.route) {
                    if route.status == RouteStatus::Open {
                        route.status = match closed.outcome {
                            RouteOutcome::Completed => RouteStatus::Completed,
                            RouteOutcome::Abandoned => RouteStatus::Abandoned,
                        };
                        route.closed_on = recorded.effective;
                        route.close_reason = closed.reason.clone();
                    }
                }
            }
            _ => {}
        }
    }

    for route in &mut routes {
        finish_route(route, &completions, &diagnostics, date);
    }

    TeacherRoutesView { teacher: teacher.clone(), diagnostics, routes }
}

/// Completions of route steps by (route, step): the date and the evidence.
type Completions = BTreeMap<(RouteId, StepId), (Date, Option<String>)>;

/// Sets each step's status on `date` (done, overdue or planned), orders the steps, and tells the
/// route's deficits closed by a later diagnostic from those still open.
fn finish_route(
    route: &mut RouteView,
    completions: &Completions,
    diagnostics: &[DiagnosticView],
    date: Date,
) {
    for step in &mut route.steps {
        match completions.get(&(route.id.clone(), step.id.clone())) {
            Some((on, evidence)) => {
                step.status = StepStatus::Done;
                step.completed_on = Some(*on);
                step.evidence = evidence.clone();
            }
            None if step.due_on < date => step.status = StepStatus::Overdue,
            None => {}
        }
    }
    route.steps.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.id.cmp(&b.id)));
    let source =
        diagnostics.iter().find(|diagnostic| route.diagnostic.as_ref() == Some(&diagnostic.id));
    for competence in &route.deficits {
        match closing_diagnostic(diagnostics, source, competence) {
            Some(closing) => route.closed_deficits.push(ClosedDeficit {
                competence: competence.clone(),
                by_diagnostic: closing.id.clone(),
                on: closing.taken_on,
            }),
            None => {
                route.open_deficits.insert(competence.clone());
            }
        }
    }
}

/// The latest diagnostic after the route's source that measures `competence` (scores it, or is
/// of the source's procedure), if it no longer finds the deficit.
fn closing_diagnostic<'a>(
    diagnostics: &'a [DiagnosticView],
    source: Option<&DiagnosticView>,
    competence: &CompetenceCode,
) -> Option<&'a DiagnosticView> {
    let source = source?;
    let latest = diagnostics.iter().rfind(|later| {
        later.taken_on > source.taken_on
            && later.id != source.id
            && (later.scores.contains_key(competence)
                || later.deficits.contains(competence)
                || later.procedure == source.procedure)
    })?;
    (!latest.deficits.contains(competence)).then_some(latest)
}
