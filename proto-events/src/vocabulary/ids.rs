//! Newtype ids of every entity the vocabulary names, so a teacher id cannot be passed where an
//! organisation id is expected.
//!
//! Each is a string on the wire (`#[serde(transparent)]`: the same bytes as a plain `String`).
//! `new` checks the text (see `check_id_text`); decoding does not, so that stored history stays
//! readable if the rule is ever tightened, and `Payload::validate` re-checks every id before an
//! event is written. Teacher and person ids are pseudonymous: never a name, СНИЛС or contact.

use std::fmt;
use std::str::FromStr;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::vocabulary::validation::{check_id_text, IdError};

/// The text of an id: inline when it fits, else on the heap. Compares, hashes and orders as its
/// text (byte order, the order of `str`).
#[derive(Clone)]
pub struct IdText(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; IdText::INLINE] },
    Heap(Box<str>),
}

impl IdText {
    /// Longest id stored inline, in bytes (the value is 24 bytes either way).
    pub const INLINE: usize = 22;

    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built from a `&str` cut at its end, so always valid UTF-8.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }

    /// The id's bytes (no UTF-8 check: what comparisons read).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Heap(text) => text.as_bytes(),
        }
    }
}

impl From<&str> for IdText {
    fn from(text: &str) -> IdText {
        let mut bytes = [0u8; IdText::INLINE];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(prefix), Ok(len)) => {
                prefix.copy_from_slice(text.as_bytes());
                IdText(Repr::Inline { len, bytes })
            }
            _ => IdText(Repr::Heap(text.into())),
        }
    }
}

impl From<String> for IdText {
    fn from(text: String) -> IdText {
        if text.len() <= IdText::INLINE {
            IdText::from(text.as_str())
        } else {
            IdText(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl PartialEq for IdText {
    fn eq(&self, other: &IdText) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for IdText {}

impl PartialOrd for IdText {
    fn partial_cmp(&self, other: &IdText) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdText {
    fn cmp(&self, other: &IdText) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for IdText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Serialize for IdText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IdText, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = IdText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("идентификатор (строка)")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<IdText, E> {
                Ok(IdText::from(text))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<IdText, E> {
                Ok(IdText::from(text))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(IdText);

        impl $name {
            /// Checks and wraps an id.
            pub fn new(id: impl Into<String>) -> Result<$name, IdError> {
                let id = id.into();
                check_id_text(&id)?;
                Ok($name(IdText::from(id)))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0.as_str())
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
                self.0.as_str()
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
    /// Id of an entry of a regional register.
    RegisterEntryId
}
string_id! {
    /// Id of an enrolment on a course (one enrolment order's line).
    EnrolmentId
}
string_id! {
    /// Id of a recommendation or a management decision that answers the monitoring's results.
    DecisionId
}
string_id! {
    /// Id of a regional event (conference, forum, contest) held by the system.
    RegionalEventId
}
string_id! {
    /// Id of a reporting period (one monitoring round the ministry opens).
    PeriodId
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec;

    /// Short and long ids alike, crossing the inline limit, with non-ASCII letters.
    fn id_text() -> impl Strategy<Value = String> {
        "[a-zA-Zа-яё0-9:._-]{1,40}"
    }

    #[test]
    fn inline_and_heap_ids_read_back_their_text() {
        for length in [1, IdText::INLINE - 1, IdText::INLINE, IdText::INLINE + 1, 64] {
            let text = "x".repeat(length);
            let id = TeacherId::new(text.clone()).unwrap();
            assert_eq!(id.as_str(), text);
            assert_eq!(id.to_string(), text);
        }
        // A multi-byte letter straddling the inline limit goes to the heap whole.
        let text = format!("{}ё", "a".repeat(IdText::INLINE - 1));
        assert_eq!(OrgId::new(text.clone()).unwrap().as_str(), text);
    }

    #[test]
    fn an_id_is_a_value_of_24_bytes() {
        assert_eq!(std::mem::size_of::<TeacherId>(), 24);
    }

    proptest! {
        /// Ids order, compare and encode exactly as their text: the order of every map keyed by
        /// an id and every hashed byte stay what they were when ids were `String`s.
        #[test]
        fn ids_behave_as_their_text(a in id_text(), b in id_text()) {
            let (x, y) = (ProgramId::new(a.clone()).unwrap(), ProgramId::new(b.clone()).unwrap());
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x == y, a == b);
            let encoded = codec::encode("id", &x).unwrap();
            prop_assert_eq!(&encoded, &codec::encode("text", &a).unwrap());
            let decoded: ProgramId = codec::decode("id", &encoded).unwrap();
            prop_assert_eq!(decoded, x);
        }
    }
}
