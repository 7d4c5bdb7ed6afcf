//! The event vocabulary: every typed payload the acts require, with stable kind tags and schema
//! versions.
//!
//! An envelope's `payload` is the canonical encoding (see `codec`) of the payload struct of its
//! kind, never of the `Payload` enum: the kind tag and schema version travel in the envelope.
//! `Payload` ties the two together: `encode`, `decode`, the kind's natural stream and the
//! stateless `validate`.
//!
//! Format rules, each pinned by the golden vectors in `tests/vectors/payloads.txt`:
//! - A kind's tag is never renamed, removed or reinterpreted; a change is a new schema version
//!   (with an upcaster) or a new kind.
//! - Struct fields are encoded in declaration order, enums by variant index: never reorder
//!   fields or variants, only append variants.
//! - Encoded types hold only fixed-width integers, strings, `Vec`, `Option`, externally tagged
//!   enums, `BTreeMap`/`BTreeSet` and `Date`; shares are basis points (10000 = 100 %).
//!
//! In JSON a payload is adjacently tagged: `{"kind": "course_completed", "payload": {...}}`, and
//! unknown fields are rejected with serde's message naming the field.

pub mod correction;
pub mod cycle;
pub mod decision;
pub mod ids;
pub mod indicator;
pub mod learning;
pub mod people;
pub mod personal_data;
pub mod plan;
pub mod plan_status;
pub mod register;
pub mod registry;
pub mod reporting;
pub mod route;
pub mod scope;
pub mod validation;

use serde::{Deserialize, Serialize};

use crate::codec::{self, CodecError};
use crate::envelope::{Actor, Basis, Effective, Envelope, EventId, NewEvent, Seq};
use crate::envelope::{StreamName, StreamNameError};
use crate::limits::PAYLOAD_BYTES_MAX;

pub use crate::vocabulary::correction::{EventCorrected, EventRetracted, Replacement};
pub use crate::vocabulary::cycle::{
    FigureSource, FiguresSubmitted, ReportingPeriodClosed, ReportingPeriodExtended,
    ReportingPeriodOpened, SubmissionAccepted, SubmissionReturned, SubmittedFigure,
};
pub use crate::vocabulary::decision::{
    DecisionForm, ManagementDecisionRecorded, RecommendationIssued,
};
pub use crate::vocabulary::ids::{
    ActivityId, CompetenceCode, CompletionId, DecisionId, DiagnosticId, EnrolmentId,
    MunicipalityCode, OrgId, PairId, PeriodId, PersonId, PlanId, ProcedureId, ProgramId,
    RegionalEventId, RegisterEntryId, ReportId, RouteId, SectionId, StepId, TeacherId,
};
pub use crate::vocabulary::indicator::{
    Accumulation, IndicatorCode, IndicatorMeasure, TargetSet, TargetValue, TargetWithdrawn,
    UnknownIndicator,
};
pub use crate::vocabulary::learning::{
    CourseCompleted, CourseEnrolled, EventLevel, ManagementTeamTrained, MentoringPairEnded,
    MentoringPairFormed, MunicipalEventHeld, ParticipationKind, ParticipationRecorded,
    RegionalEventHeld, RouteStepRef,
};
pub use crate::vocabulary::people::{
    ManagementTeamMemberAdded, ManagementTeamMemberRemoved, Position, RoleAssigned, RoleEnded,
    SupportSystemRole, TeacherAssignedToMethodist, TeacherHired, TeacherLeft, TeacherMoved,
    TeacherUnassignedFromMethodist,
};
pub use crate::vocabulary::plan::{
    ActivityAdded, ActivityAmended, ActivityCancelled, ActivityExecutionReported, ActivityField,
    ExecutionStatus, FieldChange, PlanApproved, PlanCreated, PlanLevel, PlanSectionAdded,
};
pub use crate::vocabulary::plan_status::{PlanAgreed, PlanAmended, PlanRevoked, PlanSuperseded};
pub use crate::vocabulary::register::{
    RegisterEntryExcluded, RegisterEntryRecorded, RegisterIntervalSet, RegisterKind,
    UnknownRegister, REGISTER_INTERVAL_MONTHS_DEFAULT,
};
pub use crate::vocabulary::registry::{
    DiagnosticProcedureRegistered, FlagChange, LowResultsGrade, MunicipalityRegistered,
    OrganisationKind, OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged,
    ProcedureLevel, ProgramForm, ProgramKind, ProgramRegisterIncluded, ProgramRegisterRemoved,
    ProgramRegistered, ProgramTopic,
};
pub use crate::vocabulary::reporting::FigureReported;
pub use crate::vocabulary::route::{
    DiagnosticRecorded, RouteClosed, RouteOpened, RouteOutcome, RouteStepCompleted,
    RouteStepPlanned, RouteSupportAssigned, StepForm, SupportRole,
};
pub use crate::vocabulary::scope::{Scope, ScopeError};
pub use crate::vocabulary::validation::{FieldError, IdError};

/// Why a payload could not be decoded, encoded or placed in a stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// No kind with this tag exists in this build.
    #[error("unknown event kind {kind:?} (schema version {schema_version})")]
    UnknownKind {
        /// The tag found.
        kind: String,
        /// The schema version found.
        schema_version: u16,
    },
    /// The kind exists but not at this schema version.
    #[error(
        "event kind {kind:?} has no schema version {schema_version} (this build reads {supported})"
    )]
    UnknownVersion {
        /// The tag.
        kind: &'static str,
        /// The schema version found.
        schema_version: u16,
        /// The version this build reads.
        supported: u16,
    },
    /// The payload is longer than `PAYLOAD_BYTES_MAX`.
    #[error("payload of {kind:?} is {length} bytes, limit PAYLOAD_BYTES_MAX is {max}")]
    TooLong {
        /// The tag.
        kind: &'static str,
        /// Its length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not the canonical encoding of the kind's payload.
    #[error("payload of {kind:?} v{schema_version}: {source}")]
    Bytes {
        /// The tag.
        kind: &'static str,
        /// The schema version.
        schema_version: u16,
        /// What the codec found.
        source: CodecError,
    },
    /// The payload could not be encoded.
    #[error("payload of {kind:?}: {source}")]
    Encode {
        /// The tag.
        kind: &'static str,
        /// What the codec reported.
        source: CodecError,
    },
    /// Corrections have no natural stream: they go to their target's stream.
    #[error("{kind:?} has no natural stream: it goes to the stream of the event it targets")]
    NoNaturalStream {
        /// The tag.
        kind: &'static str,
    },
    /// An id makes an invalid stream name.
    #[error("payload of {kind:?} names no valid stream: {source}")]
    Stream {
        /// The tag.
        kind: &'static str,
        /// Why the name is invalid.
        source: StreamNameError,
    },
    /// An envelope's payload failed to decode.
    #[error("seq {seq}: {source}")]
    AtSeq {
        /// The envelope's seq.
        seq: Seq,
        /// What went wrong.
        source: Box<PayloadError>,
    },
}

/// Declares `Payload` and everything generated per kind from one list of
/// `StructName = "tag", version;` lines, so a kind cannot be added to one place and forgotten in
/// another. Each struct supplies `validate` and `stream_key` by hand.
macro_rules! vocabulary {
    ($($(#[$doc:meta])* $kind:ident = $tag:literal, $version:literal;)*) => {
        /// A typed payload of any kind; see the module documentation for its forms.
        #[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "payload", deny_unknown_fields)]
        pub enum Payload {
            $($(#[$doc])* #[serde(rename = $tag)] $kind($kind),)*
        }

        $(
            impl $kind {
                /// The kind tag.
                pub const KIND: &'static str = $tag;
                /// The schema version written by this build.
                pub const SCHEMA_VERSION: u16 = $version;
            }

            impl From<$kind> for Payload {
                fn from(payload: $kind) -> Payload {
                    Payload::$kind(payload)
                }
            }
        )*

        impl Payload {
            /// Every kind tag with the schema version this build writes and reads.
            pub const KINDS: &'static [(&'static str, u16)] = &[$(($tag, $version),)*];

            /// The kind tag.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Payload::$kind(_) => $tag,)*
                }
            }

            /// The schema version of this payload.
            pub fn schema_version(&self) -> u16 {
                match self {
                    $(Payload::$kind(_) => $version,)*
                }
            }

            /// Canonical bytes of the inner struct (what the envelope's `payload` holds).
            pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
                let bytes = match self {
                    $(Payload::$kind(inner) => codec::encode($tag, inner)?,)*
                };
                if bytes.len() > PAYLOAD_BYTES_MAX {
                    return Err(CodecError::Encode {
                        what: self.kind(),
                        reason: format!(
                            "{} bytes, limit PAYLOAD_BYTES_MAX is {PAYLOAD_BYTES_MAX}",
                            bytes.len()
                        ),
                    });
                }
                Ok(bytes)
            }

            /// Decodes the canonical bytes of a kind's payload at a schema version.
            pub fn decode(
                kind: &str,
                schema_version: u16,
                bytes: &[u8],
            ) -> Result<Payload, PayloadError> {
                match kind {
                    $($tag => {
                        if schema_version != $version {
                            if let Some(upcast) = decode_previous(kind, schema_version, bytes) {
                                return upcast;
                            }
                            return Err(PayloadError::UnknownVersion {
                                kind: $tag,
                                schema_version,
                                supported: $version,
                            });
                        }
                        if bytes.len() > PAYLOAD_BYTES_MAX {
                            return Err(PayloadError::TooLong {
                                kind: $tag,
                                length: bytes.len(),
                                max: PAYLOAD_BYTES_MAX,
                            });
                        }
                        codec::decode::<$kind>($tag, bytes)
                            .map(Payload::$kind)
                            .map_err(|source| PayloadError::Bytes {
                                kind: $tag,
                                schema_version,
                                source,
                            })
                    })*
                    _ => Err(PayloadError::UnknownKind { kind: kind.to_string(), schema_version }),
                }
            }

            /// Stateless checks of every field; the error names the field by its dotted path.
            /// Checks against the ledger's state belong to the command layer.
            pub fn validate(&self) -> Result<(), FieldError> {
                match self {
                    $(Payload::$kind(inner) => inner.validate(),)*
                }
            }

            fn stream_key(&self) -> Option<(&'static str, &str)> {
                match self {
                    $(Payload::$kind(inner) => inner.stream_key(),)*
                }
            }
        }
    };
}

impl Payload {
    /// The envelope's act (`basis`) this payload needs: a plan change — an activity amended or
    /// cancelled, a plan amended, superseded, revoked or agreed — and a management decision are
    /// decided by an act (its kind, number and date), so they must name one, checked as a plan's
    /// approving act is. Other kinds take a basis or not.
    pub fn validate_basis(&self, basis: Option<&Basis>) -> Result<(), FieldError> {
        let rule = match self {
            Payload::ActivityAmended(_) | Payload::ActivityCancelled(_) => {
                "изменение или отмена мероприятия плана должны ссылаться на акт, который их \
                 утвердил: вид, номер и дата (например, «распоряжение №55-494-мр от 13.06.2023»)"
            }
            Payload::PlanAmended(_) | Payload::PlanSuperseded(_) | Payload::PlanRevoked(_) => {
                "изменение, замена или отмена плана должны ссылаться на акт, который их \
                 утвердил: вид, номер и дата (например, «распоряжение №55-494-мр от 13.06.2023»)"
            }
            Payload::PlanAgreed(_) => {
                "согласование плана с регионом должно ссылаться на документ о согласовании: вид, \
                 номер и дата (например, «письмо №02-55-1234/23 от 20.03.2023»)"
            }
            Payload::ManagementDecisionRecorded(_) => {
                "управленческое решение должно ссылаться на свой документ: вид (протокол, \
                 распоряжение, поручение), номер и дата"
            }
            _ => return Ok(()),
        };
        match basis {
            Some(basis) => indicator::act("basis", basis),
            None => Err(FieldError::new("basis", "", rule)),
        }
    }
}

vocabulary! {
    /// A municipality enters the registry (`municipality/<code>`).
    MunicipalityRegistered = "municipality_registered", 1;
    /// An organisation enters the registry (`org/<id>`).
    OrganisationRegistered = "organisation_registered", 1;
    /// An organisation's status flag is set or cleared (`org/<id>`).
    OrganisationStatusChanged = "organisation_status_changed", 1;
    /// A program enters the registry (`program/<id>`).
    ProgramRegistered = "program_registered", 1;
    /// A program is included in the Federal Register (`program/<id>`).
    ProgramRegisterIncluded = "program_register_included", 1;
    /// A program is removed from the Federal Register (`program/<id>`).
    ProgramRegisterRemoved = "program_register_removed", 1;
    /// A diagnostic procedure enters the registry (`procedure/<id>`).
    DiagnosticProcedureRegistered = "diagnostic_procedure_registered", 1;
    /// A teacher is hired (`teacher/<id>`).
    TeacherHired = "teacher_hired", 1;
    /// A teacher moves (`teacher/<id>`).
    TeacherMoved = "teacher_moved", 1;
    /// A teacher leaves (`teacher/<id>`).
    TeacherLeft = "teacher_left", 1;
    /// A manager joins a management team (`org/<id>`).
    ManagementTeamMemberAdded = "management_team_member_added", 1;
    /// A manager leaves a management team (`org/<id>`).
    ManagementTeamMemberRemoved = "management_team_member_removed", 1;
    /// A person takes a role (`person/<id>`).
    RoleAssigned = "role_assigned", 1;
    /// A person's role ends (`person/<id>`).
    RoleEnded = "role_ended", 1;
    /// A teacher is attached to a methodist (`teacher/<id>`).
    TeacherAssignedToMethodist = "teacher_assigned_to_methodist", 1;
    /// A teacher is detached from a methodist (`teacher/<id>`).
    TeacherUnassignedFromMethodist = "teacher_unassigned_from_methodist", 1;
    /// A diagnostic result (`teacher/<id>`).
    DiagnosticRecorded = "diagnostic_recorded", 1;
    /// A route is opened (`teacher/<id>`).
    RouteOpened = "route_opened", 1;
    /// A route step is planned (`teacher/<id>`).
    RouteStepPlanned = "route_step_planned", 1;
    /// A supporter is assigned to a route (`teacher/<id>`).
    RouteSupportAssigned = "route_support_assigned", 1;
    /// A route step is completed (`teacher/<id>`).
    RouteStepCompleted = "route_step_completed", 1;
    /// A route is closed (`teacher/<id>`).
    RouteClosed = "route_closed", 1;
    /// A course is completed (`teacher/<id>`).
    CourseCompleted = "course_completed", 1;
    /// A teacher is enrolled on a course (`teacher/<id>`).
    CourseEnrolled = "course_enrolled", 1;
    /// A mentoring pair is formed (`teacher/<mentee>`).
    MentoringPairFormed = "mentoring_pair_formed", 1;
    /// A mentoring pair ends (`teacher/<mentee>`).
    MentoringPairEnded = "mentoring_pair_ended", 1;
    /// A teacher's participation (`teacher/<id>`).
    ParticipationRecorded = "participation_recorded", 1;
    /// A regional event is held (`region/events`).
    RegionalEventHeld = "regional_event_held", 1;
    /// A municipal event of the system is held (`municipality/<code>`).
    MunicipalEventHeld = "municipal_event_held", 1;
    /// An entry of a regional register is recorded or updated (`register/<register>`).
    RegisterEntryRecorded = "register_entry_recorded", 1;
    /// An entry leaves a regional register (`register/<register>`).
    RegisterEntryExcluded = "register_entry_excluded", 1;
    /// A register's update interval is set (`register/<register>`).
    RegisterIntervalSet = "register_interval_set", 1;
    /// A management team is trained (`org/<id>`).
    ManagementTeamTrained = "management_team_trained", 1;
    /// A plan is created (`plan/<id>`).
    PlanCreated = "plan_created", 1;
    /// A plan is approved (`plan/<id>`).
    PlanApproved = "plan_approved", 1;
    /// A plan section is added (`plan/<id>`).
    PlanSectionAdded = "plan_section_added", 1;
    /// An activity is added (`plan/<id>`).
    ActivityAdded = "activity_added", 1;
    /// An activity is amended (`plan/<id>`). Schema 2: a term change carries its reading
    /// (`FieldChange::meaning`); schema 1 is read by `plan::schema_v1::upcast`.
    ActivityAmended = "activity_amended", 2;
    /// An activity's execution is reported (`plan/<id>`).
    ActivityExecutionReported = "activity_execution_reported", 1;
    /// An activity is cancelled (`plan/<id>`).
    ActivityCancelled = "activity_cancelled", 1;
    /// A target is set (`target/<indicator>`).
    TargetSet = "target_set", 1;
    /// A later act withdraws a target (`target/<indicator>`).
    TargetWithdrawn = "target_withdrawn", 1;
    /// A figure is reported (`report/<id>`).
    FigureReported = "figure_reported", 1;
    /// An event is retracted (the target's stream).
    EventRetracted = "event_retracted", 1;
    /// An event is corrected (the target's stream).
    EventCorrected = "event_corrected", 1;
    /// A plan is amended as a whole by an act (`plan/<id>`).
    PlanAmended = "plan_amended", 1;
    /// A plan is superseded by another plan (`plan/<id>`).
    PlanSuperseded = "plan_superseded", 1;
    /// A plan is revoked by an act (`plan/<id>`).
    PlanRevoked = "plan_revoked", 1;
    /// A municipal plan is agreed by the regional level (`plan/<id>`).
    PlanAgreed = "plan_agreed", 1;
    /// A recommendation is issued on a year's monitoring (`decision/<id>`).
    RecommendationIssued = "recommendation_issued", 1;
    /// A management decision is recorded on a year's monitoring (`decision/<id>`).
    ManagementDecisionRecorded = "management_decision_recorded", 1;
    /// A reporting period is opened (`period/<id>`).
    ReportingPeriodOpened = "reporting_period_opened", 1;
    /// A reporting period's due date is extended (`period/<id>`).
    ReportingPeriodExtended = "reporting_period_extended", 1;
    /// A reporting period is closed (`period/<id>`).
    ReportingPeriodClosed = "reporting_period_closed", 1;
    /// A scope's figures are submitted for a period (`period/<id>`).
    FiguresSubmitted = "figures_submitted", 1;
    /// A submission is accepted (`period/<id>`).
    SubmissionAccepted = "submission_accepted", 1;
    /// A submission is returned for resubmission (`period/<id>`).
    SubmissionReturned = "submission_returned", 1;
}

impl Payload {
    /// Every earlier schema version this build still reads, each through an explicit upcaster
    /// to the current version (`decode_previous`); together with `KINDS`, all it decodes.
    pub const PREVIOUS_VERSIONS: &'static [(&'static str, u16)] = &[(ActivityAmended::KIND, 1)];

    /// Decodes an envelope's payload; errors carry the envelope's seq.
    pub fn decode_envelope(envelope: &Envelope) -> Result<Payload, PayloadError> {
        Payload::decode(&envelope.kind, envelope.schema_version, &envelope.payload)
            .map_err(|source| PayloadError::AtSeq { seq: envelope.seq, source: Box::new(source) })
    }

    /// The natural stream of the fact: `municipality/<code>`, `org/<id>`, `program/<id>`,
    /// `procedure/<id>`, `teacher/<id>`, `person/<id>`, `plan/<id>`, `target/<indicator>`,
    /// `report/<id>`, `decision/<id>` or `region/events`. Corrections have none
    /// (`NoNaturalStream`): they go to the stream of the event they target, which the command
    /// layer looks up.
    /// `report/<id>`, `period/<id>` or `region/events`. Corrections have none (`NoNaturalStream`): they go to
    /// the stream of the event they target, which the command layer looks up.
    pub fn stream(&self) -> Result<StreamName, PayloadError> {
        let kind = self.kind();
        let (category, id) = self.stream_key().ok_or(PayloadError::NoNaturalStream { kind })?;
        StreamName::new(format!("{category}/{id}"))
            .map_err(|source| PayloadError::Stream { kind, source })
    }

    /// A proposed event in the payload's natural stream. Does not validate: call `validate`
    /// first. Corrections fail with `NoNaturalStream`; use `to_new_event_in`.
    pub fn to_new_event(
        &self,
        id: Option<EventId>,
        effective: Effective,
        actor: Actor,
        basis: Option<Basis>,
    ) -> Result<NewEvent, PayloadError> {
        let stream = self.stream()?;
        self.to_new_event_in(stream, id, effective, actor, basis)
    }

    /// A proposed event in the given stream (for corrections: the target's stream).
    pub fn to_new_event_in(
        &self,
        stream: StreamName,
        id: Option<EventId>,
        effective: Effective,
        actor: Actor,
        basis: Option<Basis>,
    ) -> Result<NewEvent, PayloadError> {
        let payload =
            self.encode().map_err(|source| PayloadError::Encode { kind: self.kind(), source })?;
        Ok(NewEvent {
            id,
            stream,
            kind: self.kind().to_string(),
            schema_version: self.schema_version(),
            effective,
            actor,
            basis,
            payload,
        })
    }
}

/// Decodes a kind at an earlier schema version and upcasts it to the current one; `None` when
/// this build does not read that version (the caller reports `UnknownVersion`). Every entry of
/// `Payload::PREVIOUS_VERSIONS` has an arm here (its golden vector decodes through it).
fn decode_previous(
    kind: &str,
    schema_version: u16,
    bytes: &[u8],
) -> Option<Result<Payload, PayloadError>> {
    match (kind, schema_version) {
        (ActivityAmended::KIND, 1) => Some(decode_old(ActivityAmended::KIND, 1, bytes, |v1| {
            Payload::ActivityAmended(plan::schema_v1::upcast(v1))
        })),
        _ => None,
    }
}

/// Decodes the canonical bytes of an old schema's struct `T` and upcasts them.
fn decode_old<T: Serialize + serde::de::DeserializeOwned>(
    kind: &'static str,
    schema_version: u16,
    bytes: &[u8],
    upcast: impl FnOnce(T) -> Payload,
) -> Result<Payload, PayloadError> {
    if bytes.len() > PAYLOAD_BYTES_MAX {
        return Err(PayloadError::TooLong { kind, length: bytes.len(), max: PAYLOAD_BYTES_MAX });
    }
    codec::decode::<T>(kind, bytes).map(upcast).map_err(|source| PayloadError::Bytes {
        kind,
        schema_version,
        source,
    })
}
