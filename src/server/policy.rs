//! Who may do what: one table from role and action to allowed or forbidden, so that the role
//! matrix lives in one place and the tests check it through the HTTP API.
//!
//! Scoped roles (municipality, organisation) may not read raw events: filtering events by scope
//! needs to know which organisation belongs to which municipality and where each teacher works,
//! which is state the command layer and the projections own. Scoped roles read the head, the
//! projection views within their `Reach` (resolved against the projected registry by
//! `server::views`) and the plans, and write only facts whose payload names their own scope.

use proto_events::vocabulary::{Payload, Scope};

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
    /// Append this fact.
    Append(&'a Payload),
    /// Read a projection (figures, evidence, routes, registry) covering this reach.
    ReadProjection(Reach<'a>),
    /// Read the plans of activities (public acts: every role).
    ReadPlans,
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

/// Kinds only the ministry writes.
const MINISTRY_KINDS: &[&str] = &["target_set", "plan_approved"];

/// Allowed, or 403 naming what was refused.
pub fn check(principal: &Principal, action: Action<'_>) -> Result<(), ApiError> {
    let allowed = match (&principal.role, action) {
        (_, Action::ReadHead) => true,
        (Role::Ministry | Role::Operator | Role::Auditor, Action::ReadEvents) => true,
        (Role::Municipality(_) | Role::Organisation(_), Action::ReadEvents) => false,
        (role, Action::ReadProjection(reach)) => may_read(role, reach),
        (_, Action::ReadPlans) => true,
        (Role::Ministry | Role::Auditor, Action::Verify) => true,
        (_, Action::Verify) => false,
        (Role::Auditor, Action::Append(_)) => false,
        (Role::Ministry, Action::Append(payload)) => MINISTRY_KINDS.contains(&payload.kind()),
        (Role::Operator, Action::Append(payload)) => !MINISTRY_KINDS.contains(&payload.kind()),
        (Role::Municipality(code), Action::Append(payload)) => match payload {
            Payload::FigureReported(report) => {
                matches!(&report.scope, Scope::Municipality(own) if own.as_str() == code)
            }
            _ => false,
        },
        (Role::Organisation(id), Action::Append(payload)) => match payload {
            Payload::FigureReported(report) => {
                matches!(&report.scope, Scope::Organisation(own) if own.as_str() == id)
            }
            Payload::MentoringPairFormed(pair) => pair.organisation.as_str() == id,
            _ => false,
        },
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
        Action::Append(payload) => format!("запись события {}", payload.kind()),
        Action::ReadProjection(Reach::Region) => "чтение данных по региону".to_string(),
        Action::ReadProjection(Reach::Municipality(code)) => {
            format!("чтение данных по муниципалитету {code}")
        }
        Action::ReadProjection(Reach::Organisation { id, .. }) => {
            format!("чтение данных по организации {id}")
        }
        Action::ReadPlans => "чтение планов мероприятий".to_string(),
    };
    format!("роль {} не может выполнять {what}", principal.role)
}
