//! The gate's refusal (`Refusal`: class, field, value, rule) and the answers that must read
//! alike whether the referent does not exist or lies outside a scoped role's scope (secrecy rows
//! 4 and 6): each is built here once, and both cases call it.

use proto_events::EventId;

use crate::store::RejectionClass;

const NO_TEACHER: &str = "педагог с таким идентификатором не зарегистрирован";
const NO_EVENT: &str = "событие с таким идентификатором не найдено";
const NO_PAIR: &str = "наставническая пара с таким идентификатором не сформирована";

/// Why the gate refuses a payload: the class, the field that decides it, its value and the
/// rule. The class is set where the refusal is made (`Forbidden` by `may_record`, or
/// `UnknownReference` for a teacher or pair outside an organisation's scope; the gate's
/// reference checks `UnknownReference`; its data rules `Invalid`) and travels with it to the
/// caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What the refusal is about: the role (or its scope), a missing referent, or the data.
    pub class: RejectionClass,
    /// Dotted path of the deciding field (`actor.role` when the kind itself is not allowed).
    pub field: String,
    /// Its value.
    pub value: String,
    /// The rule.
    pub rule: String,
}

impl Refusal {
    /// A refusal of the data (`RejectionClass::Invalid`).
    pub(crate) fn new(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::Invalid, field, value, rule)
    }

    /// A refusal of a reference to something that does not exist
    /// (`RejectionClass::UnknownReference`).
    pub(crate) fn unknown(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::UnknownReference, field, value, rule)
    }

    /// A refusal of the actor's role or scope (`RejectionClass::Forbidden`).
    pub(crate) fn forbidden(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::Forbidden, field, value, rule)
    }

    /// The same refusal about `prefix.<field>` (a correction's replacement, its target).
    pub(crate) fn within(self, prefix: &str) -> Refusal {
        Refusal { field: format!("{prefix}.{}", self.field), ..self }
    }

    fn of(
        class: RejectionClass,
        field: &str,
        value: impl ToString,
        rule: impl Into<String>,
    ) -> Refusal {
        Refusal { class, field: field.to_string(), value: value.to_string(), rule: rule.into() }
    }
}

/// The refusal of a correction's or retraction's target that is not in the ledger, wherever it
/// is found (`submit` placing the command, the gate admitting it); also the answer to a
/// municipality or organisation about a target outside its scope (secrecy row 4).
pub fn unknown_target(id: EventId) -> Refusal {
    Refusal::unknown("target", id, NO_EVENT)
}

/// The refusal of a teacher that is not registered, named in `field`; also an organisation's
/// answer about another organisation's teacher (secrecy row 6).
pub fn unknown_teacher(field: &str, id: &str) -> Refusal {
    Refusal::unknown(field, id, NO_TEACHER)
}

/// The refusal of a mentoring pair that was not formed; also an organisation's answer about
/// another organisation's pair (secrecy row 6).
pub fn unknown_pair(id: &str) -> Refusal {
    Refusal::unknown("pair", id, NO_PAIR)
}
