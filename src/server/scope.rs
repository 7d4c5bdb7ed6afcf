//! Which raw events a municipality or organisation token may read: the scope filter of event
//! ranges, the change feed, single events and streams.
//!
//! Decided per stream, against the latest projected state ("as known now") and today's date
//! (by the ledger's clock, `AppState::clock`):
//!
//! | stream | municipality:<code> | organisation:<id> |
//! | --- | --- | --- |
//! | `municipality/<code>` | its own | no |
//! | `org/<id>` | organisations registered in it | itself |
//! | `teacher/<id>` | teachers employed today in its organisations, dated in its periods | teachers employed there today, dated in its periods |
//! | `plan/<id>` | plans it owns (`commands::plan_owner`) | plans it owns |
//! | `report/<id>` | figure reports about it or its organisations | reports about itself |
//!
//! A report belongs to the scope its current version is about (a correction may move it); a
//! plan, or a report no version of which stands (retracted), to what its first event names.
//! | anything else (programs, procedures, people, targets, regional events, reporting periods: `period/<id>`, whose status the API shows a scope by its own rows) | no | no |
//!
//! A teacher's stream follows the current employer, so a municipality no longer sees a teacher
//! who moved away; and of a teacher it employs now it sees what was dated while the teacher
//! worked in its scope, and what it recorded itself (`access::may_read_teacher_event`, secrecy
//! row 12): a municipality that hires a teacher who worked elsewhere reads nothing dated before
//! the hire. The events returned
//! are the stored ones, hashes unchanged, so each can be checked on its own; a filtered range has
//! gaps, so only an unfiltered range (ministry, operator, auditor) can verify the chain.
//!
//! A stream is resolved to the `Reach` it belongs to and decided by `access::may_read`, the rule
//! projections follow too. What a refusal tells is the access module's secrecy table (row 3): a
//! single event outside the scope is answered as an unknown id (404, the same body); a stream
//! outside the scope is 403, and since a stream with no events is decided like any other (its
//! name against the scope's own registry, a plan or report with no first event belongs to
//! nobody), the 403 does not tell whether the stream exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use projections::state::Known;
use projections::State;
use proto_events::vocabulary::{OrgId, Payload, Scope, TeacherId};
use proto_events::{Date, Envelope, StreamName};

use crate::access::{may_read, may_read_teacher_event, periods_in_scope, Period, Reach, Role};
use crate::commands::plan_owner;
use crate::query::{KnownAt, Projector};
use crate::server::error::ApiError;
use crate::store::{Clock, Store};

/// The scope of a municipality or organisation token, with what it needs to decide streams.
pub struct ScopeFilter {
    scope: Role,
    state: Arc<State>,
    clock: Arc<dyn Clock>,
    today: Date,
    store: Store,
    /// Decisions already taken in this request, by stream.
    decided: BTreeMap<StreamName, Decision>,
    /// Teachers' periods in the scope computed in this request (`lists_as_evidence`).
    periods: BTreeMap<TeacherId, Vec<Period>>,
}

/// What the scope reads of one stream.
#[derive(Clone)]
enum Decision {
    /// Nothing.
    Refused,
    /// Every event.
    Whole,
    /// A teacher's events dated in these periods of work in the scope, and its own.
    Dated(Vec<Period>),
}

impl ScopeFilter {
    /// The filter of `role`, "today" read from `clock`; None for roles that read everything.
    pub fn of(
        role: &Role,
        projector: &Projector,
        clock: &Arc<dyn Clock>,
    ) -> Result<Option<ScopeFilter>, ApiError> {
        if !role.is_scoped() {
            return Ok(None);
        }
        let scope = role.clone();
        let state = projector
            .state_at(KnownAt::Now)
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        Ok(Some(ScopeFilter {
            scope,
            state,
            clock: clock.clone(),
            today: today(clock.as_ref())?,
            store: projector.store().clone(),
            decided: BTreeMap::new(),
            periods: BTreeMap::new(),
        }))
    }

    /// The filter's name, as responses report it (`municipality:<code>`).
    pub fn name(&self) -> String {
        self.scope.to_string()
    }

    /// Takes the latest projected state and today's date, so a long-lived feed follows hires,
    /// moves and the calendar.
    pub fn refresh(&mut self, projector: &Projector) -> Result<(), ApiError> {
        self.state = projector
            .state_at(KnownAt::Now)
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        self.today = today(self.clock.as_ref())?;
        self.decided.clear();
        self.periods.clear();
        Ok(())
    }

    /// Whether the event belongs to the scope: its stream does, and for a teacher's stream, its
    /// valid date falls in a period the teacher worked in the scope, or the scope recorded it.
    pub fn admits(&mut self, event: &Envelope) -> Result<bool, ApiError> {
        self.decide_once(&event.stream)?;
        Ok(match self.decided.get(&event.stream) {
            None | Some(Decision::Refused) => false,
            Some(Decision::Whole) => true,
            Some(Decision::Dated(periods)) => may_read_teacher_event(
                &self.scope,
                periods,
                event.effective.date(),
                &event.actor.role,
            ),
        })
    }

    /// Whether the stream belongs to the scope (some of its events may still be dated outside
    /// it, `admits`).
    pub fn admits_stream(&mut self, stream: &StreamName) -> Result<bool, ApiError> {
        self.decide_once(stream)?;
        Ok(matches!(self.decided.get(stream), Some(Decision::Whole | Decision::Dated(_))))
    }

    /// Whether an event counted in a figure of the scope may be listed as its evidence: an
    /// event of a teacher's stream when dated in a period the teacher worked in the scope, or
    /// recorded by the scope (whoever employs the teacher today: a figure at a past date counts
    /// the teachers of then); any other event, as before, with the figure.
    pub fn lists_as_evidence(&mut self, event: &Envelope) -> bool {
        let Some(teacher) =
            event.stream.as_str().strip_prefix("teacher/").and_then(|id| TeacherId::new(id).ok())
        else {
            return true;
        };
        let periods = self
            .periods
            .entry(teacher.clone())
            .or_insert_with(|| periods_in_scope(&self.scope, &teacher, &self.state.registry));
        may_read_teacher_event(&self.scope, periods, event.effective.date(), &event.actor.role)
    }

    fn decide_once(&mut self, stream: &StreamName) -> Result<(), ApiError> {
        if !self.decided.contains_key(stream) {
            let decision = self.decide(stream)?;
            self.decided.insert(stream.clone(), decision);
        }
        Ok(())
    }

    fn decide(&self, stream: &StreamName) -> Result<Decision, ApiError> {
        let Some((category, id)) = stream.as_str().split_once('/') else {
            return Ok(Decision::Refused);
        };
        let whole = |admitted: bool| if admitted { Decision::Whole } else { Decision::Refused };
        Ok(match category {
            "municipality" => whole(may_read(&self.scope, Reach::Municipality(id))),
            "org" => whole(self.owns_organisation(id)),
            "teacher" => match TeacherId::new(id) {
                Ok(teacher) => match self.state.registry.employment_on(&teacher, self.today) {
                    Some(employment)
                        if self.owns_organisation(employment.organisation.as_str()) =>
                    {
                        Decision::Dated(periods_in_scope(
                            &self.scope,
                            &teacher,
                            &self.state.registry,
                        ))
                    }
                    _ => Decision::Refused,
                },
                Err(_) => Decision::Refused,
            },
            "report" => whole(match self.current_report_scope(id) {
                Some(scope) => self.owns_report_scope(scope),
                None => self.owns_first_event(stream)?,
            }),
            "plan" => whole(self.owns_first_event(stream)?),
            _ => Decision::Refused,
        })
    }

    fn owns_organisation(&self, id: &str) -> bool {
        let registered = OrgId::new(id).ok();
        let municipality = registered
            .as_ref()
            .and_then(|org| self.state.registry.organisation_place(org))
            .and_then(|(_, municipality)| municipality);
        may_read(
            &self.scope,
            Reach::Organisation { id, municipality: municipality.map(|code| code.as_str()) },
        )
    }

    /// Plans and figure reports belong to whom their first event (`plan_created`,
    /// `figure_reported`) names.
    fn owns_first_event(&self, stream: &StreamName) -> Result<bool, ApiError> {
        let Some(first) = self.store.stream(stream, 1)?.into_iter().next() else {
            return Ok(false);
        };
        Ok(match Payload::decode_envelope(&first) {
            Ok(Payload::PlanCreated(plan)) => {
                match plan_owner(plan.level, &plan.owner, &first.actor.role) {
                    (Some(municipality), _) => {
                        may_read(&self.scope, Reach::Municipality(&municipality))
                    }
                    (None, Some(organisation)) => self.owns_organisation(&organisation),
                    (None, None) => false,
                }
            }
            Ok(Payload::FigureReported(report)) => self.owns_report_scope(&report.scope),
            _ => false,
        })
    }

    /// The scope of the standing version of the report `report` (the latest projected state):
    /// a correction of a report may change what it is about.
    fn current_report_scope(&self, report: &str) -> Option<&Scope> {
        self.state
            .reports
            .iter(Known::LATEST)
            .filter(|(_, fact)| fact.value.report.as_str() == report)
            .max_by_key(|(_, fact)| fact.seq)
            .map(|(_, fact)| &fact.value.scope)
    }

    fn owns_report_scope(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Region => may_read(&self.scope, Reach::Region),
            Scope::Municipality(code) => may_read(&self.scope, Reach::Municipality(code.as_str())),
            Scope::Organisation(org) => self.owns_organisation(org.as_str()),
        }
    }
}

/// Today's date (UTC) by `clock`.
pub(crate) fn today(clock: &dyn Clock) -> Result<Date, ApiError> {
    clock.now().date_utc().ok_or_else(|| ApiError::Internal("today's date is out of range".into()))
}
