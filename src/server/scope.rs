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
//! | `teacher/<id>` | teachers employed today in its organisations | teachers employed there today |
//! | `plan/<id>` | plans it owns (`commands::plan_owner`) | plans it owns |
//! | `report/<id>` | figure reports about it or its organisations | reports about itself |
//!
//! A report belongs to the scope its current version is about (a correction may move it); a
//! plan, or a report no version of which stands (retracted), to what its first event names.
//! | anything else (programs, procedures, people, targets, regional events) | no | no |
//!
//! A teacher's whole stream follows the current employer, so a municipality sees the history of
//! the teachers it employs now, and no longer sees a teacher who moved away. The events returned
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

use crate::access::{may_read, Reach, Role};
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
    decided: BTreeMap<StreamName, bool>,
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
        Ok(())
    }

    /// Whether the event belongs to the scope (decided by its stream).
    pub fn admits(&mut self, event: &Envelope) -> Result<bool, ApiError> {
        self.admits_stream(&event.stream)
    }

    /// Whether the stream belongs to the scope.
    pub fn admits_stream(&mut self, stream: &StreamName) -> Result<bool, ApiError> {
        if let Some(known) = self.decided.get(stream) {
            return Ok(*known);
        }
        let decision = self.decide(stream)?;
        self.decided.insert(stream.clone(), decision);
        Ok(decision)
    }

    fn decide(&self, stream: &StreamName) -> Result<bool, ApiError> {
        let Some((category, id)) = stream.as_str().split_once('/') else {
            return Ok(false);
        };
        Ok(match category {
            "municipality" => may_read(&self.scope, Reach::Municipality(id)),
            "org" => self.owns_organisation(id),
            "teacher" => match TeacherId::new(id) {
                Ok(teacher) => match self.state.registry.employment_on(&teacher, self.today) {
                    Some(employment) => self.owns_organisation(employment.organisation.as_str()),
                    None => false,
                },
                Err(_) => false,
            },
            "report" => match self.current_report_scope(id) {
                Some(scope) => self.owns_report_scope(scope),
                None => self.owns_first_event(stream)?,
            },
            "plan" => self.owns_first_event(stream)?,
            _ => false,
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
