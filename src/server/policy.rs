//! Who may do what: one table from role and action to allowed or forbidden, so that the role
//! matrix lives in one place and the tests check it through the HTTP API.
//!
//! Scoped roles (municipality, organisation) read raw events of their own scope, decided per
//! stream by `server::scope` against the projected registry. They read the head, the
//! projection views within their `Reach` (resolved against the projected registry by
//! `server::views`) and the plans. What a role may write is not decided here but by the command
//! gate (`commands::authority`), so the CLI, the importer and the API share one matrix.

use proto_events::vocabulary::PlanLevel;

use crate::server::auth::{Principal, Role};
use crate::server::error::ApiError;

/// What a request wants to do.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Read the durable head.
    ReadHead,
    /// Read raw events (range, by id, by stream, change feed).
    ReadEvents,
    /// Run integrity verification.
    Verify,
    /// Post commands. Which kinds a role may record, within which scope, is decided by the
    /// command gate (`commands::authority`), the one place for it, so every write path is checked
    /// the same way; its refusal is a 403 too.
    Append,
    /// Read a projection (figures, evidence, routes, registry) covering this reach.
    ReadProjection(Reach<'a>),
    /// Read the plans of activities (public acts: every role).
    ReadPlans,
    /// Import a plan of this level from a document: the ministry regional and federal plans,
    /// the operator regional ones, a municipality municipal ones (the gate then checks every
    /// event, e.g. that the plan is the municipality's own).
    ImportPlan(PlanLevel),
}

/// What a projection read covers, resolved against the projected registry: an organisation
/// carries the municipality it is registered in, a teacher the organisation employing them.
#[derive(Clone, Copy, Debug)]
pub enum Reach<'a> {
    /// The whole region (or something no narrower scope holds).
    Region,
    /// One municipality, by code.
    Municipality(&'a str),
    /// One organisation, with its municipality when registered in one.
    Organisation {
        /// Organisation id.
        id: &'a str,
        /// Its municipality code.
        municipality: Option<&'a str>,
    },
}

/// Whether a role may read projections covering `reach`: ministry, operator and auditor read
/// everything; a municipality its own municipality and the organisations in it; an organisation
/// itself (and its teachers).
pub fn may_read(role: &Role, reach: Reach<'_>) -> bool {
    match (role, reach) {
        (Role::Ministry | Role::Operator | Role::Auditor, _) => true,
        (Role::Municipality(code), Reach::Municipality(own)) => own == code,
        (Role::Municipality(code), Reach::Organisation { municipality, .. }) => {
            municipality == Some(code.as_str())
        }
        (Role::Organisation(id), Reach::Organisation { id: own, .. }) => own == id,
        (Role::Municipality(_) | Role::Organisation(_), _) => false,
    }
}

/// Allowed, or 403 naming what was refused.
pub fn check(principal: &Principal, action: Action<'_>) -> Result<(), ApiError> {
    let allowed = match (&principal.role, action) {
        (_, Action::ReadHead) => true,
        // Scoped roles read the events of their scope only: `server::scope` filters ranges and
        // the feed, refuses streams outside it (403), and answers a single event outside it as
        // an unknown id (404), so that no scoped token can probe which ids exist.
        (_, Action::ReadEvents) => true,
        (role, Action::ReadProjection(reach)) => may_read(role, reach),
        (_, Action::ReadPlans) => true,
        (Role::Ministry | Role::Auditor, Action::Verify) => true,
        (_, Action::Verify) => false,
        (_, Action::Append) => true,
        (Role::Ministry, Action::ImportPlan(PlanLevel::Regional | PlanLevel::Federal)) => true,
        (Role::Operator, Action::ImportPlan(PlanLevel::Regional)) => true,
        (Role::Municipality(_), Action::ImportPlan(PlanLevel::Municipal)) => true,
        (_, Action::ImportPlan(_)) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(describe(principal, action)))
    }
}

fn describe(principal: &Principal, action: Action<'_>) -> String {
    let what = match action {
        Action::ReadHead => "чтение головы журнала".to_string(),
        Action::ReadEvents => "чтение событий журнала".to_string(),
        Action::Verify => "проверка целостности".to_string(),
        Action::Append => "запись событий".to_string(),
        Action::ReadProjection(Reach::Region) => "чтение данных по региону".to_string(),
        Action::ReadProjection(Reach::Municipality(code)) => {
            format!("чтение данных по муниципалитету {code}")
        }
        Action::ReadProjection(Reach::Organisation { id, .. }) => {
            format!("чтение данных по организации {id}")
        }
        Action::ReadPlans => "чтение планов мероприятий".to_string(),
        Action::ImportPlan(level) => {
            format!("импорт плана уровня «{}»", crate::export::plan::level_label(&level))
        }
    };
    format!("роль {} не может выполнять {what}", principal.role)
}
