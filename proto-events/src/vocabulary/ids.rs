//! Newtype ids of every entity the vocabulary names, so a teacher id cannot be passed where an
//! organisation id is expected.
//!
//! Each is a string on the wire (`#[serde(transparent)]`: the same bytes as a plain `String`).
//! `new` checks the text (see `check_id_text`); decoding does not, so that stored history stays
//! readable if the rule is ever tightened, and `Payload::validate` re-checks every id before an
//! event is written. Teacher and person ids are pseudonymous: never a name, СНИЛС or contact.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocabulary::validation::{check_id_text, IdError};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an id.
            pub fn new(id: impl Into<String>) -> Result<$name, IdError> {
                let id = id.into();
                check_id_text(&id)?;
                Ok($name(id))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::new(text)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id! {
    /// Pseudonymous id of a pedagogical worker (teacher or manager).
    TeacherId
}
string_id! {
    /// Id of an educational organisation (ОО) or a program provider.
    OrgId
}
string_id! {
    /// Code of a municipality (муниципальное образование), e.g. `38-12`.
    MunicipalityCode
}
string_id! {
    /// Id of an additional professional program (ДПП).
    ProgramId
}
string_id! {
    /// Id of a diagnostic procedure.
    ProcedureId
}
string_id! {
    /// Id of one diagnostic result of one teacher.
    DiagnosticId
}
string_id! {
    /// Code of a professional competence measured by diagnostics, e.g. `subject.math`.
    CompetenceCode
}
string_id! {
    /// Id of an individual educational route (ИОМ).
    RouteId
}
string_id! {
    /// Id of a step of a route, unique within the route.
    StepId
}
string_id! {
    /// Id of a plan (план мероприятий, дорожная карта).
    PlanId
}
string_id! {
    /// Id of a section (direction) of a plan, unique within the plan.
    SectionId
}
string_id! {
    /// Id of an activity (мероприятие) of a plan, unique within the plan.
    ActivityId
}
string_id! {
    /// Pseudonymous id of a person holding a role (methodist, tutor, mentor); may equal a
    /// `TeacherId` when the person is also a teacher.
    PersonId
}
string_id! {
    /// Id of a mentoring pair.
    PairId
}
string_id! {
    /// Id of a figure report (one submission of figures upward).
    ReportId
}
string_id! {
    /// Id of a course completion (one certificate).
    CompletionId
}
string_id! {
    /// Id of a regional event (conference, forum, contest) held by the system.
    RegionalEventId
}
