//! Plans (планы мероприятий, дорожные карты, комплексы мер): created, approved by an act,
//! sections and activities added, activities amended, reported on and cancelled.
//!
//! All of them live in the plan's stream (`plan/<id>`), so one stream replays a plan's history.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::envelope::Basis;
use crate::term::{self, Term, TermMeaning, TextReason};
use crate::time::Date;
use crate::vocabulary::ids::{ActivityId, PlanId, SectionId};
use crate::vocabulary::indicator::{self, IndicatorCode, TargetValue};
use crate::vocabulary::validation::{self, FieldError};

/// Level of a plan. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanLevel {
    /// Federal.
    Federal,
    /// Regional.
    Regional,
    /// Municipal.
    Municipal,
    /// One organisation.
    Organisation,
}

/// `plan_created`: a plan is drafted.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCreated {
    /// Id of the plan.
    pub plan: PlanId,
    /// Its level.
    pub level: PlanLevel,
    /// Its title.
    pub title: String,
    /// First year of its period.
    pub period_from_year: u16,
    /// Last year of its period.
    pub period_to_year: u16,
    /// Who owns it, as written (ministry, a municipality, an organisation).
    pub owner: String,
}

impl PlanCreated {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::title("title", &self.title)?;
        let years = validation::DATE_YEAR_MIN..=validation::DATE_YEAR_MAX;
        if !years.contains(&i32::from(self.period_from_year)) {
            return Err(FieldError::new(
                "period_from_year",
                self.period_from_year,
                "год вне допустимого диапазона",
            ));
        }
        if !years.contains(&i32::from(self.period_to_year)) {
            return Err(FieldError::new(
                "period_to_year",
                self.period_to_year,
                "год вне допустимого диапазона",
            ));
        }
        if self.period_to_year < self.period_from_year {
            return Err(FieldError::new(
                "period_to_year",
                self.period_to_year,
                "не может быть раньше period_from_year",
            ));
        }
        validation::label("owner", &self.owner)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_approved`: an act approves a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanApproved {
    /// The plan.
    pub plan: PlanId,
    /// The approving act (also the envelope's basis; kept here because approval is the fact).
    pub act: Basis,
}

impl PlanApproved {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        indicator::act("act", &self.act)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `plan_section_added`: a section (direction) is added to a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSectionAdded {
    /// The plan.
    pub plan: PlanId,
    /// Id of the section.
    pub section: SectionId,
    /// Its number as written ("1", "II"), if any.
    pub number: Option<String>,
    /// Its title.
    pub title: String,
}

impl PlanSectionAdded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("section", self.section.as_str())?;
        if let Some(number) = &self.number {
            validation::line("number", number, validation::ACTIVITY_NUMBER_BYTES_MAX)?;
        }
        validation::title("title", &self.title)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `activity_added`: an activity (мероприятие) is added to a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityAdded {
    /// The plan.
    pub plan: PlanId,
    /// Id of the activity.
    pub activity: ActivityId,
    /// The section it belongs to.
    pub section: SectionId,
    /// Its number as written, digits and dots ("5.7").
    pub number: String,
    /// Its title.
    pub title: String,
    /// Responsible executor, as written.
    pub responsible: String,
    /// Co-executors, as written, in the act's order.
    pub co_executors: Vec<String>,
    /// Term (срок): the text exactly as written in the act ("Ежегодно 4 квартал") and its
    /// structured meaning as read by `crate::term` when recorded (or text only, never a guess).
    pub term: Term,
    /// Key / expected result.
    pub key_result: String,
    /// Documents that fix the result.
    pub fixing_documents: String,
    /// The indicator the result feeds, if any.
    pub indicator: Option<IndicatorCode>,
    /// The planned value ("90 % прошли диагностику"), if quantitative.
    pub planned_value: Option<TargetValue>,
}

impl ActivityAdded {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::id("section", self.section.as_str())?;
        validation::dotted_number("number", &self.number)?;
        validation::text("title", &self.title)?;
        validation::text("responsible", &self.responsible)?;
        validation::items("co_executors", self.co_executors.len(), 0)?;
        for (index, executor) in self.co_executors.iter().enumerate() {
            validation::text(&format!("co_executors.{index}"), executor)?;
        }
        validation::text("term.text", &self.term.text)?;
        term_meaning_is_read_from_text(&self.term)?;
        validation::text("key_result", &self.key_result)?;
        validation::text("fixing_documents", &self.fixing_documents)?;
        if let Some(value) = &self.planned_value {
            value.validate("planned_value", self.indicator)?;
        }
        Ok(())
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// The meaning of a term must be the parser's reading of its text, so a client cannot record a
/// guessed deadline. A text that names no year may be dated by the plan's period, which only the
/// command layer knows, so any meaning is accepted here for such texts and checked there.
fn term_meaning_is_read_from_text(term: &Term) -> Result<(), FieldError> {
    meaning_is_read_from(&term.text, &term.meaning, "term.meaning", "term.text")
}

/// The check of [`term_meaning_is_read_from_text`] for a meaning stored in `field` next to its
/// text in `text_field`. Runs where events are made (`validate`), never when they are read.
fn meaning_is_read_from(
    text: &str,
    meaning: &TermMeaning,
    field: &str,
    text_field: &str,
) -> Result<(), FieldError> {
    let read = term::parse(text);
    let needs_period = read.meaning == TermMeaning::Text { reason: TextReason::NoYear };
    if read.meaning != *meaning && !needs_period {
        return Err(FieldError::new(
            field,
            meaning,
            format!("не совпадает с прочтением текста срока {text_field}: {}", read.meaning),
        ));
    }
    Ok(())
}

/// A field of an activity that an amendment may change. Variant order is part of the binary
/// format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityField {
    /// `section`.
    Section,
    /// `number`.
    Number,
    /// `title`.
    Title,
    /// `responsible`.
    Responsible,
    /// `co_executors` (text: one per line).
    CoExecutors,
    /// The term (text as written).
    Term,
    /// `key_result`.
    KeyResult,
    /// `fixing_documents`.
    FixingDocuments,
    /// `indicator` (text: the code, empty for none).
    Indicator,
    /// `planned_value` (text: as the acts write it).
    PlannedValue,
}

/// One changed field, old and new values as text; a term change also carries what the new text
/// means, read when the change was recorded.
///
/// Binary form (schema 2): `field`, `old`, `new`, `meaning` in that order. JSON form:
/// `{"field", "old", "new"}` plus `"meaning"` (a term meaning, as in `activity_added`'s term
/// without its text) when present. A client may leave `meaning` out of a term change: the
/// command path reads the text with [`term::parse_in_plan`] before the event is sealed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FieldChange {
    /// The field.
    pub field: ActivityField,
    /// Its value before, as text.
    pub old: String,
    /// Its value after, as text.
    pub new: String,
    /// For a term change: what `new` means, read by [`term::parse_in_plan`] in the plan's
    /// period when the change was recorded; the plan fold reads this, never the text. `None`
    /// for every other field, and for term changes recorded at schema 1, which stored the text
    /// only (see [`schema_v1_term`]).
    pub meaning: Option<TermMeaning>,
}

impl FieldChange {
    /// A change of a field other than the term (no meaning to carry).
    pub fn text(field: ActivityField, old: impl Into<String>, new: impl Into<String>) -> Self {
        FieldChange { field, old: old.into(), new: new.into(), meaning: None }
    }

    /// A change of the term to `new`, with its meaning as read when recorded.
    pub fn term(old: impl Into<String>, new: Term) -> Self {
        FieldChange {
            field: ActivityField::Term,
            old: old.into(),
            new: new.text,
            meaning: Some(new.meaning),
        }
    }
}

/// What the plan fold shows for a term change recorded at `activity_amended` schema 1, whose
/// bytes hold the new text only: the reading the fold made of it then, which is the frozen
/// reading rules version 1 in the plan's period (`period`: first and last year). The second half
/// of the schema-1 upcaster ([`schema_v1`]): the period lives in another event, so it runs where
/// the plan is known. No event recorded since schema 2 reaches it.
pub fn schema_v1_term(new: &str, period: (u16, u16)) -> Term {
    term::parse_v1_in_period(new, Some((i32::from(period.0), i32::from(period.1))))
}

/// Binary mirror of [`FieldChange`] (schema 2): fixed field order.
#[derive(Serialize, Deserialize)]
struct FieldChangeRepr {
    field: ActivityField,
    old: String,
    new: String,
    meaning: Option<TermMeaning>,
}

/// JSON mirror of [`FieldChange`]: `meaning` omitted when absent; unknown fields rejected.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldChangeJson {
    field: ActivityField,
    old: String,
    new: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meaning: Option<TermMeaning>,
}

impl Serialize for FieldChange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (field, old, new, meaning) =
            (self.field, self.old.clone(), self.new.clone(), self.meaning.clone());
        if serializer.is_human_readable() {
            FieldChangeJson { field, old, new, meaning }.serialize(serializer)
        } else {
            FieldChangeRepr { field, old, new, meaning }.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for FieldChange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let FieldChangeJson { field, old, new, meaning } =
                FieldChangeJson::deserialize(deserializer)?;
            Ok(FieldChange { field, old, new, meaning })
        } else {
            let FieldChangeRepr { field, old, new, meaning } =
                FieldChangeRepr::deserialize(deserializer)?;
            Ok(FieldChange { field, old, new, meaning })
        }
    }
}

/// `activity_amended`: an act changes fields of an activity.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityAmended {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// What changed (each field at most once).
    pub changes: Vec<FieldChange>,
    /// Why.
    pub reason: String,
}

impl ActivityAmended {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::items("changes", self.changes.len(), 1)?;
        let mut seen = BTreeSet::new();
        for (index, change) in self.changes.iter().enumerate() {
            let field = format!("changes.{index}");
            if !seen.insert(change.field) {
                return Err(FieldError::new(
                    format!("{field}.field"),
                    format!("{:?}", change.field),
                    "в одном изменении каждое поле может меняться только один раз",
                ));
            }
            for (name, value) in [("old", &change.old), ("new", &change.new)] {
                if value.len() > validation::TEXT_BYTES_MAX {
                    let rule = format!("допускается не больше {} байт", validation::TEXT_BYTES_MAX);
                    return Err(FieldError::new(format!("{field}.{name}"), value, rule));
                }
            }
            if change.old == change.new {
                return Err(FieldError::new(
                    format!("{field}.new"),
                    &change.new,
                    "совпадает с прежним значением (old)",
                ));
            }
            change_meaning_is_read_from_text(&field, change)?;
        }
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// A term change carries the reading of its new text (checked as `activity_added`'s term is; the
/// plan's period, for texts that name no year, by the command gate); other changes carry none.
fn change_meaning_is_read_from_text(field: &str, change: &FieldChange) -> Result<(), FieldError> {
    match (&change.field, &change.meaning) {
        (ActivityField::Term, Some(meaning)) => meaning_is_read_from(
            &change.new,
            meaning,
            &format!("{field}.meaning"),
            &format!("{field}.new"),
        ),
        (ActivityField::Term, None) => Err(FieldError::new(
            format!("{field}.meaning"),
            "",
            "изменение срока записывается вместе с прочтением нового текста срока",
        )),
        (_, Some(meaning)) => Err(FieldError::new(
            format!("{field}.meaning"),
            meaning,
            "прочтение указывается только для изменения срока (field = term)",
        )),
        (_, None) => Ok(()),
    }
}

/// `activity_amended` at schema 1, as its bytes were written until terms were stored with their
/// reading, and its upcaster to the current schema.
pub mod schema_v1 {
    use serde::{Deserialize, Serialize};

    use crate::vocabulary::ids::{ActivityId, PlanId};
    use crate::vocabulary::plan::{ActivityAmended, ActivityField, FieldChange};

    /// `activity_amended` schema 1: the same fields as schema 2, changes without `meaning`.
    #[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
    pub struct ActivityAmendedV1 {
        /// The plan.
        pub plan: PlanId,
        /// The activity.
        pub activity: ActivityId,
        /// What changed.
        pub changes: Vec<FieldChangeV1>,
        /// Why.
        pub reason: String,
    }

    /// A changed field at schema 1: old and new values as text, a term's too.
    #[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
    pub struct FieldChangeV1 {
        /// The field.
        pub field: ActivityField,
        /// Its value before, as text.
        pub old: String,
        /// Its value after, as text.
        pub new: String,
    }

    /// The upcaster: every field kept; a term change gets no `meaning`, because its reading
    /// depends on the plan's period, which this event does not hold. The plan fold reads such a
    /// change with [`crate::vocabulary::plan::schema_v1_term`] (the frozen reading rules
    /// version 1), which is what it showed when the event was recorded. Marking the term
    /// unstructured instead would have changed what past dates show (a due date gone, an
    /// overdue activity "planned"); reading with today's parser would tie history to it again.
    pub fn upcast(v1: ActivityAmendedV1) -> ActivityAmended {
        let changes = v1
            .changes
            .into_iter()
            .map(|change| FieldChange {
                field: change.field,
                old: change.old,
                new: change.new,
                meaning: None,
            })
            .collect();
        ActivityAmended { plan: v1.plan, activity: v1.activity, changes, reason: v1.reason }
    }
}

/// Execution status of an activity. Variant order is part of the binary format.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Done (выполнено).
    Done,
    /// Partly done (выполнено частично).
    Partly,
    /// Not done (не выполнено).
    NotDone,
}

/// `activity_execution_reported`: a report on an activity's execution.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityExecutionReported {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// Status.
    pub status: ExecutionStatus,
    /// Evidence, as written in the report.
    pub evidence: String,
    /// Day of the report.
    pub reported_on: Date,
}

impl ActivityExecutionReported {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::text("evidence", &self.evidence)?;
        validation::date("reported_on", self.reported_on)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}

/// `activity_cancelled`: an activity is cancelled.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityCancelled {
    /// The plan.
    pub plan: PlanId,
    /// The activity.
    pub activity: ActivityId,
    /// Why.
    pub reason: String,
}

impl ActivityCancelled {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::id("plan", self.plan.as_str())?;
        validation::id("activity", self.activity.as_str())?;
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("plan", self.plan.as_str()))
    }
}
