//! Who may do what: one table from role and action to allowed or forbidden, so that the role
//! matrix lives in one place and the tests check it through the HTTP API.
//!
//! Scoped roles (municipality, organisation) may not read raw events: filtering events by scope
//! needs to know which organisation belongs to which municipality and where each teacher works,
//! which is state the command layer and the projections own. Until their reads are wired in,
//! scoped roles read only the head and write only facts whose payload names their own scope.

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
}

/// Kinds only the ministry writes.
const MINISTRY_KINDS: &[&str] = &["target_set", "plan_approved"];

/// Allowed, or 403 naming what was refused.
pub fn check(principal: &Principal, action: Action<'_>) -> Result<(), ApiError> {
    let allowed = match (&principal.role, action) {
        (_, Action::ReadHead) => true,
        (Role::Ministry | Role::Operator | Role::Auditor, Action::ReadEvents) => true,
        (Role::Municipality(_) | Role::Organisation(_), Action::ReadEvents) => false,
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
    };
    format!("роль {} не может выполнять {what}", principal.role)
}
