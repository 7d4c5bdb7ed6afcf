//! Projection reads: the indicator catalogue for a scope, the evidence of one figure, the
//! verification of reported figures, plans of activities, teachers' routes and the registry of
//! organisations, each at a valid date (`date`, default today by the ledger's clock,
//! `AppState::clock`) and a knowledge point (`known_at`: a seq or an RFC 3339 time, default now).
//!
//! The JSON is the CLI's (`letopis figures`, `plans`, `routes --format json`), built by the same
//! functions (`query::json`). Folds run on a blocking thread over the shared `Projector`, whose
//! head state makes "now" queries cheap: one fold per head, and a query at "now" that finds a
//! fold in flight is answered from the last completed head state, as of its seq. Each answer
//! names that seq: figures and the registry in their `known_at_seq`, plans and routes in the
//! `known-at-seq` header. Scoped roles are checked with
//! `access::Reach` resolved against the projected registry (an organisation's municipality, a
//! teacher's employer on the date). Figures, evidence and report verification read the latest
//! state as known at `known_at` (`Projector::figures_at`, no refold); their scope check uses the
//! registry as the server knows it latest.
//!
//! What a scoped refusal tells is the access module's secrecy table (rows 1 and 2).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use projections::monitoring::{self, Verification};
use projections::plan::{plans_as_of, PlanView};
use projections::registry::Registry;
use projections::state::Known;
use projections::teacher_route::{all_teachers, supported_by, teacher_routes, TeacherRoutesView};
use projections::Figure;
use proto_events::vocabulary::{
    IndicatorCode, MunicipalityCode, OrganisationStatus, PersonId, Scope, TeacherId,
};
use proto_events::{Date, EventId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::access::{may_read, periods_in_scope, routes_within, Action, Reach, Role};
use crate::query::json::{definition_json, figure_json, supported_json};
use crate::query::parameters::{self, ParameterError};
use crate::query::{KnownAt, Projector, QueryError};
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::policy;
use crate::server::scope::ScopeFilter;
use crate::server::AppState;
use crate::store::{Clock, StoreError};

/// Query of `GET /api/v1/figures`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// region | municipality:<code> | organisation:<id>; default region.
    #[param(example = "municipality:38-01")]
    pub scope: Option<String>,
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
    /// Also list the evidence (event ids) of every figure.
    pub evidence: Option<bool>,
}

/// Query of the evidence of one figure.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// region | municipality:<code> | organisation:<id>; default region.
    #[param(example = "municipality:38-01")]
    pub scope: Option<String>,
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now (with `proofs=true`: the
    /// checkpoint's size, and never after it).
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
    /// Also prove every evidence event against a signed checkpoint: the answer then carries the
    /// signed note (`checkpoint`) and, per event, its stored record (`record`, base64) and its
    /// inclusion proof (`inclusion`); saved to a file, it is what `letopis evidence verify`
    /// checks offline.
    pub proofs: Option<bool>,
    /// With `proofs=true`: the tree size of the signed checkpoint to prove against; default the
    /// latest signed checkpoint.
    #[param(example = 3520)]
    pub size: Option<u64>,
}

/// The answer of `GET /api/v1/figures/{code}/evidence`, for the OpenAPI document: the fields of
/// a figure (as `/api/v1/figures` answers them) and these. With `proofs=true` it is the evidence
/// bundle (`offline::bundle`) that `letopis evidence verify --vkey …` checks offline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceBundle {
    /// The events counted in the figure's numerator that the caller may read.
    pub evidence: Vec<EvidenceEvent>,
    /// With `proofs=true`: the signed checkpoint note (C2SP tlog-checkpoint, signed-note), exactly
    /// as the log signed it (with any cosignatures gathered).
    pub checkpoint: Option<String>,
}

/// One evidence event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceEvent {
    /// The event id.
    pub id: String,
    /// The event's seq.
    pub seq: Option<u64>,
    /// With `proofs=true`: the stored record, the canonical bytes as in the log archive,
    /// standard base64; its last 32 bytes are the event's hash of the rest.
    pub record: Option<String>,
    /// With `proofs=true`: the event's inclusion proof at the checkpoint's size.
    pub inclusion: Option<InclusionProofBody>,
}

/// An inclusion proof (RFC 6962; the JSON of `letopis proof inclusion --format json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofBody {
    /// The leaf's 0-based index: the event's seq − 1.
    pub leaf_index: u64,
    /// The tree size: the checkpoint's size.
    pub tree_size: u64,
    /// `SHA-256(0x00 ‖ event hash)`, standard base64.
    pub leaf_hash: String,
    /// The audit path from the leaf to the root (RFC 9162 order), standard base64 of 32 bytes each.
    pub hashes: Vec<String>,
}

/// Query of the views at a date and knowledge point (plans, a teacher's routes).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of `GET /api/v1/reports/verification`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerificationQuery {
    /// Knowledge point playing "now": a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of `GET /api/v1/routes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoutesQuery {
    /// A methodist or tutor: list the teachers whose open routes they support. Absent: every
    /// teacher's routes (those the caller may read).
    #[param(example = "p-000001")]
    pub supporter: Option<String>,
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of `GET /api/v1/registry/organisations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganisationsQuery {
    /// Only this municipality's organisations; absent: the whole region.
    #[param(example = "38-01")]
    pub municipality: Option<String>,
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Every indicator's definition in the act's words (the objects of `letopis indicators --format
/// json`): whom, what and over which period it counts, and the act that defines it.
#[utoipa::path(get, path = "/api/v1/indicators",
    responses((status = 200, description = "Array of indicator definitions", body = Vec<Object>),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn indicators(principal: Principal) -> Result<Json<Value>, ApiError> {
    policy::check(&principal, Action::ReadCatalogue)?;
    let items = projections::definitions::DEFINITIONS.iter().map(definition_json).collect();
    Ok(Json(Value::Array(items)))
}

/// The indicator catalogue for a scope, the objects of `letopis figures --format json`, each
/// with `evidence` (event ids) when `evidence=true`.
#[utoipa::path(get, path = "/api/v1/figures", params(FiguresQuery),
    responses((status = 200, description = "Array of figures", body = Vec<Object>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn figures(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<FiguresQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = parse_scope(query.scope.as_deref())?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let with_evidence = query.evidence.unwrap_or(false);
    let clock = state.clock.clone();
    blocking(state.projector, move |projector| {
        let (known, figures) = figure_catalogue(projector, &principal, &scope, date, known_at)?;
        let mut filter =
            if with_evidence { ScopeFilter::of(&principal.role, projector, &clock)? } else { None };
        let mut array = Vec::with_capacity(figures.len());
        for figure in &figures {
            let mut object = figure_json(figure, known.0);
            if with_evidence {
                let mut evidence = Vec::with_capacity(figure.evidence.len());
                for id in &figure.evidence {
                    if filter.as_mut().map_or(Ok(true), |filter| listed(projector, filter, id))? {
                        evidence.push(id);
                    }
                }
                object["evidence"] = json!(evidence);
            }
            array.push(object);
        }
        Ok(Value::Array(array))
    })
    .await
}

/// The catalogue for `scope` at (`date`, `known_at`) as `principal` may read it (403 for a scope
/// outside its own), with the knowledge point it resolved to: what `GET /api/v1/figures` and
/// the dashboard's Сводка both show.
pub(crate) fn figure_catalogue(
    projector: &Projector,
    principal: &Principal,
    scope: &Scope,
    date: Date,
    known_at: KnownAt,
) -> Result<(Known, Vec<Figure>), ApiError> {
    let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
    check_scope(principal, scope, &folded.registry)?;
    Ok((known, monitoring::catalogue_at(&folded, scope, date, known)))
}

/// One figure for `scope` at (`date`, `known_at`) as `principal` may read it (403 for a scope
/// outside its own), with the knowledge point it resolved to: the figure of `GET
/// /api/v1/figures/{code}/evidence`, for the dashboard's indicator and territory pages.
pub(crate) fn figure_of(
    projector: &Projector,
    principal: &Principal,
    code: IndicatorCode,
    scope: &Scope,
    (date, known_at): (Date, KnownAt),
) -> Result<(Known, Figure), ApiError> {
    let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
    check_scope(principal, scope, &folded.registry)?;
    Ok((known, monitoring::figure_at(&folded, code, scope, date, known)))
}

/// The events counted in one figure's numerator, with their seqs; with `proofs=true`, the evidence
/// bundle: the signed checkpoint note and each event's stored record and inclusion proof.
#[utoipa::path(get, path = "/api/v1/figures/{code}/evidence",
    params(("code" = String, Path, description = "Indicator code, e.g. diagnosed"), EvidenceQuery),
    responses((status = 200, body = EvidenceBundle,
            description = "The figure (the fields of `/api/v1/figures`) with `evidence`; with \
                proofs=true the evidence bundle that `letopis evidence verify` checks offline"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn figure_evidence(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<EvidenceQuery>,
) -> Result<Json<Value>, ApiError> {
    let code: IndicatorCode =
        code.parse().map_err(|_| ApiError::NotFound(format!("показатель {code}")))?;
    let scope = parse_scope(query.scope.as_deref())?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let with_proofs = query.proofs.unwrap_or(false);
    if let (Some(size), false) = (query.size, with_proofs) {
        return Err(ApiError::InvalidParameter {
            field: "size".into(),
            value: size.to_string(),
            rule: "размер контрольной точки задаётся только вместе с proofs=true".into(),
        });
    }
    let known_at = match (&query.known_at, with_proofs) {
        (None, true) => None,
        (text, _) => Some(parse_known_at(text.as_deref())?),
    };
    let clock = state.clock.clone();
    blocking(state.projector, move |projector| {
        let proving = match with_proofs {
            true => Some(signed_checkpoint(projector, query.size)?),
            false => None,
        };
        let asked = FigureAsked { code, scope, date, known_at };
        let found = evidence_of(
            projector,
            &principal,
            &clock,
            asked,
            proving.as_ref().map(|(size, _)| *size),
        )
        .map_err(|error| match error {
            EvidenceError::AfterCheckpoint(size) => ApiError::InvalidParameter {
                field: "known_at".into(),
                value: query.known_at.clone().unwrap_or_default(),
                rule: format!(
                    "с proofs=true — не позже контрольной точки (событие №{size}): события после \
                             неё не доказать"
                ),
            },
            EvidenceError::Api(error) => error,
        })?;
        let mut evidence: Vec<Value> =
            found.events.iter().map(|(id, seq)| json!({ "id": id, "seq": seq })).collect();
        let mut object = figure_json(&found.figure, found.known.0);
        if let Some((size, note)) = proving {
            prove_evidence(projector, size, &mut evidence)?;
            object["checkpoint"] = Value::String(note);
        }
        object["evidence"] = Value::Array(evidence);
        Ok(object)
    })
    .await
}

/// What one figure is asked at: an indicator, a scope, a valid date and a knowledge point (with
/// `proofs`, none: the checkpoint's size).
pub(crate) struct FigureAsked {
    pub code: IndicatorCode,
    pub scope: Scope,
    pub date: Date,
    pub known_at: Option<KnownAt>,
}

/// One figure with the evidence its reader may see: what `GET /api/v1/figures/{code}/evidence`
/// and the dashboard's indicator page both show.
pub(crate) struct FigureEvidence {
    pub figure: Figure,
    pub known: Known,
    /// Evidence events the reader may list, with their seqs.
    pub events: Vec<(EventId, Option<u64>)>,
}

/// Why `evidence_of` gave no figure.
pub(crate) enum EvidenceError {
    /// With proofs: the knowledge point is after the checkpoint of this size.
    AfterCheckpoint(u64),
    /// The API's refusal or failure.
    Api(ApiError),
}

impl From<ApiError> for EvidenceError {
    fn from(error: ApiError) -> EvidenceError {
        EvidenceError::Api(error)
    }
}

impl From<StoreError> for EvidenceError {
    fn from(error: StoreError) -> EvidenceError {
        EvidenceError::Api(error.into())
    }
}

/// One figure for `principal` (403 for a scope outside its own) with the evidence events it
/// may list; with `proving` (a checkpoint's size), only those whose raw record it may read, and
/// known at that size unless asked earlier.
pub(crate) fn evidence_of(
    projector: &Projector,
    principal: &Principal,
    clock: &Arc<dyn Clock>,
    asked: FigureAsked,
    proving: Option<u64>,
) -> Result<FigureEvidence, EvidenceError> {
    let known_at = match (asked.known_at, proving) {
        (Some(known_at), _) => known_at,
        (None, Some(size)) => KnownAt::Seq(size),
        (None, None) => KnownAt::Now,
    };
    let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
    if let Some(size) = proving.filter(|size| known.0 > *size) {
        return Err(EvidenceError::AfterCheckpoint(size));
    }
    check_scope(principal, &asked.scope, &folded.registry)?;
    let figure = monitoring::figure_at(&folded, asked.code, &asked.scope, asked.date, known);
    let mut filter = ScopeFilter::of(&principal.role, projector, clock)?;
    let mut events = Vec::with_capacity(figure.evidence.len());
    for id in &figure.evidence {
        if !filter.as_mut().map_or(Ok(true), |filter| listed(projector, filter, id))? {
            continue;
        }
        if proving.is_some() && !raw_readable(projector, filter.as_mut(), id)? {
            continue;
        }
        let seq = match folded.origins.get(id) {
            Some(origin) => Some(origin.seq),
            None => projector.store().get_by_id(id)?.map(|event| event.seq.0),
        };
        events.push((*id, seq));
    }
    Ok(FigureEvidence { figure, known, events })
}

/// The signed checkpoint of `size` (default: the latest), as its size and note text.
fn signed_checkpoint(projector: &Projector, size: Option<u64>) -> Result<(u64, String), ApiError> {
    let checkpoints = projector.store().checkpoints()?;
    let found = match size {
        Some(size) => checkpoints.get(size)?.map(|note| (size, note)),
        None => checkpoints.latest()?,
    };
    let Some((size, note)) = found else {
        return Err(ApiError::NotFound(match size {
            Some(size) => format!("подписанная контрольная точка журнала из {size} событий"),
            None => "подписанная контрольная точка журнала (подпишите: letopis checkpoint)".into(),
        }));
    };
    let note = String::from_utf8(note)
        .map_err(|_| ApiError::Internal(format!("checkpoint note of size {size} is not UTF-8")))?;
    Ok((size, note))
}

/// Whether a scoped reader may read the raw record of evidence event `id` (what
/// `/api/v1/events` would give it): a record is the whole event, more than its listing.
fn raw_readable(
    projector: &Projector,
    filter: Option<&mut ScopeFilter>,
    id: &EventId,
) -> Result<bool, ApiError> {
    let Some(filter) = filter else {
        return Ok(true);
    };
    match projector.store().get_by_id(id)? {
        Some(event) => filter.admits(&event),
        None => Ok(false),
    }
}

/// Adds each evidence item's `record` and `inclusion` at `size`.
fn prove_evidence(
    projector: &Projector,
    size: u64,
    evidence: &mut [Value],
) -> Result<(), ApiError> {
    let seqs: Vec<u64> = evidence.iter().map(|item| item["seq"].as_u64().unwrap_or(0)).collect();
    let proved = crate::offline::bundle::prove(projector.store(), size, &seqs).map_err(
        |error| match error {
            crate::offline::bundle::ProveError::TooManyEvents { found, max } => {
                ApiError::InvalidParameter {
                    field: "proofs".into(),
                    value: "true".into(),
                    rule: format!(
                        "событий-оснований {found}, а в одном ответе доказывается не больше \
                         {max}: сузьте территорию"
                    ),
                }
            }
            other => ApiError::Internal(other.to_string()),
        },
    )?;
    for (item, (record, inclusion)) in evidence.iter_mut().zip(proved) {
        item["record"] = Value::String(record);
        item["inclusion"] = to_json(&inclusion)?;
    }
    Ok(())
}

/// Every `figure_reported` event known at `known_at`, then every figure of a submission
/// accepted by then (`report` is the `figures_submitted` event): what was reported, the figure
/// recomputed as known at the report's seq (`then`) and as known at `known_at` (`now`), and the
/// later events that changed it. Scoped roles see the reports about their own scope.
#[utoipa::path(get, path = "/api/v1/reports/verification", params(VerificationQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn report_verification(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<VerificationQuery>,
) -> Result<Json<Value>, ApiError> {
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking(state.projector, move |projector| {
        let (seq, verifications) = report_verifications(projector, &principal, known_at)?;
        let reports: Vec<Value> =
            verifications.iter().map(|verification| verification_json(verification, seq)).collect();
        Ok(json!({ "known_at_seq": seq, "reports": reports }))
    })
    .await
}

/// Every figure report known at `known_at` about a scope `principal` may read, recomputed then
/// and now, with the seq `known_at` resolved to: the API's and the dashboard's report check.
pub(crate) fn report_verifications(
    projector: &Projector,
    principal: &Principal,
    known_at: KnownAt,
) -> Result<(u64, Vec<Verification>), ApiError> {
    let (seq, verifications) =
        projector.verify_reports_and_submissions_at(known_at).map_err(query_error)?;
    let (registry, _) = projector.figures_at(KnownAt::Seq(seq)).map_err(query_error)?;
    let verifications = verifications
        .into_iter()
        .filter(|verification| {
            may_read(
                &principal.role,
                reach_of_scope(&verification.reported.scope, &registry.registry),
            )
        })
        .collect();
    Ok((seq, verifications))
}

/// Plans of activities at the date, the JSON of `letopis plans --format json`.
#[utoipa::path(get, path = "/api/v1/plans", params(AtQuery),
    responses((status = 200, description = "Array of plans", body = Vec<Object>,
            headers(("known-at-seq" = u64, description = "The seq the answer is as of"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn plans(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<AsOf, ApiError> {
    policy::check(&principal, Action::ReadPlans)?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking_as_of(state.projector, move |projector| {
        let (seq, plans) = plans_for(projector, &principal, date, known_at)?;
        Ok((seq, to_json(&plans)?))
    })
    .await
}

/// Every plan at (`date`, `known_at`), when `principal` may read plans, with the seq the state
/// is as of: the API's and the dashboard's.
pub(crate) fn plans_for(
    projector: &Projector,
    principal: &Principal,
    date: Date,
    known_at: KnownAt,
) -> Result<(u64, Vec<PlanView>), ApiError> {
    policy::check(principal, Action::ReadPlans)?;
    let folded = projector.state_at(known_at).map_err(query_error)?;
    Ok((folded.seq, plans_as_of(&folded.plans, date)))
}

/// One teacher's diagnostics and routes, the JSON of `letopis routes --teacher <id>`.
/// Region-wide roles read any teacher (one with no facts reads as empty lists). A municipality
/// or organisation reads the teachers its organisations employ on the date; any other teacher
/// (employed elsewhere, employed nowhere then, or unknown) is 404 with one body, so the answer
/// names no employer and does not tell whether the teacher exists.
#[utoipa::path(get, path = "/api/v1/teachers/{id}/routes",
    params(("id" = String, Path, description = "Pseudonymous teacher id"), AtQuery),
    responses((status = 200, description = "Array of one teacher's routes", body = Vec<Object>,
            headers(("known-at-seq" = u64, description = "The seq the answer is as of"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody,
            description = "For a municipality or organisation token: a teacher not employed in its scope on the date, or unknown")),
    security(("bearer" = [])), tag = "projections")]
pub async fn teacher_routes_view(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> Result<AsOf, ApiError> {
    let teacher = TeacherId::new(id.trim()).map_err(|error| ApiError::InvalidParameter {
        field: "id".into(),
        value: id.clone(),
        rule: error.to_string(),
    })?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking_as_of(state.projector, move |projector| {
        let (seq, view) = teacher_routes_for(projector, &principal, &teacher, date, known_at)?;
        Ok((seq, to_json(&vec![view])?))
    })
    .await
}

/// One teacher's diagnostics and routes at (`date`, `known_at`) as `principal` may read them:
/// 404 naming only the id for a teacher outside a scoped role's reach (secrecy row 2), what was
/// dated in its periods for one inside (row 13). The API's and the dashboard's.
pub(crate) fn teacher_routes_for(
    projector: &Projector,
    principal: &Principal,
    teacher: &TeacherId,
    date: Date,
    known_at: KnownAt,
) -> Result<(u64, TeacherRoutesView), ApiError> {
    let folded = projector.state_at(known_at).map_err(query_error)?;
    // Not `policy::check`: its 403 would name the employer, and a teacher employed nowhere
    // would read otherwise than one employed elsewhere.
    if !may_read(&principal.role, reach_of_teacher(teacher, &folded.registry, date)) {
        return Err(ApiError::NotFound(format!("педагог {teacher}")));
    }
    let view = teacher_routes(&folded.routes, teacher, date);
    Ok((folded.seq, within_scope(&principal.role, view, &folded.registry, date)))
}

/// With `supporter`: the teachers whose open routes a methodist or tutor supports (the JSON of
/// `letopis routes --supporter`); without: every teacher's routes (`letopis routes`). Scoped
/// roles see only the teachers employed in their scope on the date.
#[utoipa::path(get, path = "/api/v1/routes", params(RoutesQuery),
    responses((status = 200, body = Object,
            headers(("known-at-seq" = u64, description = "The seq the answer is as of"))), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn routes(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<RoutesQuery>,
) -> Result<AsOf, ApiError> {
    let supporter = match &query.supporter {
        Some(text) => {
            Some(PersonId::new(text.trim()).map_err(|error| ApiError::InvalidParameter {
                field: "supporter".into(),
                value: text.clone(),
                rule: error.to_string(),
            })?)
        }
        None => None,
    };
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking_as_of(state.projector, move |projector| {
        let folded = projector.state_at(known_at).map_err(query_error)?;
        let visible = |teacher: &TeacherId| {
            may_read(&principal.role, reach_of_teacher(teacher, &folded.registry, date))
        };
        match supporter {
            Some(supporter) => {
                let teachers: Vec<TeacherId> = supported_by(&folded.routes, &supporter, date)
                    .into_iter()
                    .filter(|teacher| visible(teacher))
                    .collect();
                Ok((folded.seq, supported_json(&supporter, date, folded.seq, &teachers)))
            }
            None => {
                let views: Vec<TeacherRoutesView> = all_teachers(&folded.routes, date)
                    .into_iter()
                    .filter(|view| visible(&view.teacher))
                    .map(|view| within_scope(&principal.role, view, &folded.registry, date))
                    .filter(|view| !view.diagnostics.is_empty() || !view.routes.is_empty())
                    .collect();
                Ok((folded.seq, to_json(&views)?))
            }
        }
    })
    .await
}

/// Organisations registered on the date (in one municipality, or all), with kind,
/// municipality and the status flags in force then.
#[utoipa::path(get, path = "/api/v1/registry/organisations", params(OrganisationsQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "projections")]
pub async fn organisations(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<OrganisationsQuery>,
) -> Result<Json<Value>, ApiError> {
    let municipality = match &query.municipality {
        Some(text) => Some(MunicipalityCode::new(text.trim()).map_err(|error| {
            ApiError::InvalidParameter {
                field: "municipality".into(),
                value: text.clone(),
                rule: error.to_string(),
            }
        })?),
        None => None,
    };
    let reach = match &municipality {
        Some(code) => Reach::Municipality(code.as_str()),
        None => Reach::Region,
    };
    policy::check(&principal, Action::ReadProjection(reach))?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    blocking(state.projector, move |projector| {
        // The head state read as known at K (the registry is bitemporal): no refold.
        let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
        let registry = &folded.registry;
        let mut list = Vec::new();
        for org in registry.organisations.keys() {
            let Some(record) = registry.organisation_record_at(org, known) else { continue };
            if !registry.organisation_exists_at(org, date, known) {
                continue;
            }
            if municipality.is_some() && record.municipality != municipality {
                continue;
            }
            let low_results = registry
                .status_on_at(
                    org,
                    |status| matches!(status, OrganisationStatus::LowResults(_)),
                    date,
                    known,
                )
                .map(|event| {
                    let grade = registry.organisations.get(org).and_then(|entry| {
                        match entry.statuses.get_at(&event, known).map(|fact| fact.value.status) {
                            Some(OrganisationStatus::LowResults(grade)) => Some(grade),
                            _ => None,
                        }
                    });
                    json!({ "grade": grade, "event": event })
                });
            let unfavourable = registry
                .status_on_at(
                    org,
                    |status| matches!(status, OrganisationStatus::UnfavourableSocialConditions),
                    date,
                    known,
                )
                .map(|event| json!({ "event": event }));
            list.push(json!({
                "organisation": org,
                "name": record.name,
                "kind": record.kind,
                "municipality": record.municipality,
                "low_results": low_results,
                "unfavourable_social_conditions": unfavourable,
            }));
        }
        Ok(json!({
            "date": date,
            "known_at_seq": known.0,
            "municipality": municipality,
            "organisations": list,
        }))
    })
    .await
}

/// Whether a figure's evidence event `id` is listed to a scoped reader with `filter`: not when
/// the scope may not read it (an event of a teacher dated before the teacher worked in the
/// scope, secrecy row 12). The figure's count stays the figure's: it tells no event.
fn listed(projector: &Projector, filter: &mut ScopeFilter, id: &EventId) -> Result<bool, ApiError> {
    Ok(projector.store().get_by_id(id)?.is_none_or(|event| filter.lists_as_evidence(&event)))
}

/// Runs `work` on a blocking thread with the shared projector.
async fn blocking(
    projector: Arc<Projector>,
    work: impl FnOnce(&Projector) -> Result<Value, ApiError> + Send + 'static,
) -> Result<Json<Value>, ApiError> {
    tokio::task::spawn_blocking(move || work(&projector))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .map(Json)
}

/// The name of the header that says which seq a projection view is as of: a view at "now"
/// may be answered from the last completed head state while a fold is in flight
/// (`query::head`), so a client that needs its own write can ask `known_at=<its seq>`.
pub const KNOWN_AT_SEQ_HEADER: &str = "known-at-seq";

/// A projection view's JSON with the seq it is as of, sent as the `known-at-seq` header.
pub struct AsOf {
    seq: u64,
    body: Value,
}

impl IntoResponse for AsOf {
    fn into_response(self) -> Response {
        ([(KNOWN_AT_SEQ_HEADER, self.seq.to_string())], Json(self.body)).into_response()
    }
}

/// `blocking` for a view that says which seq it is as of.
pub(crate) async fn blocking_as_of(
    projector: Arc<Projector>,
    work: impl FnOnce(&Projector) -> Result<(u64, Value), ApiError> + Send + 'static,
) -> Result<AsOf, ApiError> {
    let (seq, body) = tokio::task::spawn_blocking(move || work(&projector))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(AsOf { seq, body })
}

fn verification_json(verification: &Verification, known_at_seq: u64) -> Value {
    let reported = &verification.reported;
    let then: &Figure = &verification.then;
    let now: &Figure = &verification.now;
    let matches_now =
        reported.numerator == now.numerator && reported.denominator == now.denominator;
    json!({
        "report": verification.report,
        "report_seq": verification.report_seq,
        "reported": reported,
        "then": figure_json(then, verification.report_seq),
        "now": figure_json(now, known_at_seq),
        "changed_by": verification.changed_by,
        "matches_then": verification.matches_then,
        "matches_now": matches_now,
        "versions": verification.versions.iter().map(|version| json!({
            "reported": version.reported,
            "recorded_by": version.recorded_by,
            "known_from_seq": version.known_from,
            "superseded_by": version.superseded_by.map(|(event, seq)| json!({"event": event, "seq": seq})),
            "matches_then": version.matches_then,
            "matches_now": version.matches_now,
        })).collect::<Vec<Value>>(),
    })
}

pub(crate) fn check_scope(
    principal: &Principal,
    scope: &Scope,
    registry: &Registry,
) -> Result<(), ApiError> {
    policy::check(principal, Action::ReadProjection(reach_of_scope(scope, registry)))
}

pub(crate) fn reach_of_scope<'a>(scope: &'a Scope, registry: &'a Registry) -> Reach<'a> {
    match scope {
        Scope::Region => Reach::Region,
        Scope::Municipality(code) => Reach::Municipality(code.as_str()),
        Scope::Organisation(org) => Reach::Organisation {
            id: org.as_str(),
            municipality: registry
                .organisation_place(org)
                .and_then(|(_, municipality)| municipality.map(MunicipalityCode::as_str)),
        },
    }
}

/// What `role` reads of one teacher's routes at `date` (secrecy row 13): a scoped role what
/// was dated while the teacher worked in its scope, and the routes it continues.
fn within_scope(
    role: &Role,
    view: TeacherRoutesView,
    registry: &Registry,
    date: Date,
) -> TeacherRoutesView {
    if !role.is_scoped() {
        return view;
    }
    let periods = periods_in_scope(role, &view.teacher, registry);
    routes_within(role, view, &periods, date)
}

/// The organisation employing the teacher on the date; a teacher employed nowhere then is
/// visible region-wide only.
fn reach_of_teacher<'a>(teacher: &'a TeacherId, registry: &'a Registry, date: Date) -> Reach<'a> {
    match registry.employment_on(teacher, date) {
        Some(employment) => Reach::Organisation {
            id: employment.organisation.as_str(),
            municipality: registry
                .organisation_place(employment.organisation)
                .and_then(|(_, municipality)| municipality.map(MunicipalityCode::as_str)),
        },
        None => Reach::Region,
    }
}

pub(crate) fn parse_scope(text: Option<&str>) -> Result<Scope, ApiError> {
    parameters::scope(text).map_err(invalid_parameter)
}

/// The `date` parameter; absent, today by `clock` (the ledger's, `AppState::clock`).
pub(crate) fn parse_date(text: Option<&str>, clock: &dyn Clock) -> Result<Date, ApiError> {
    parameters::date(text, clock).map_err(invalid_parameter)
}

pub(crate) fn parse_known_at(text: Option<&str>) -> Result<KnownAt, ApiError> {
    parameters::known_at(text).map_err(invalid_parameter)
}

fn invalid_parameter(error: ParameterError) -> ApiError {
    ApiError::InvalidParameter {
        field: error.name.into(),
        value: error.value,
        rule: error.rule.into(),
    }
}

pub(crate) fn query_error(error: QueryError) -> ApiError {
    ApiError::Internal(error.to_string())
}

fn to_json(value: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|error| ApiError::Internal(error.to_string()))
}
