//! Documents over HTTP: `POST /api/v1/import/plan` takes a plan table as a multipart upload and
//! runs the pipeline of `letopis import plan` (`import::plan_import`), answering the same
//! report in JSON (with the rows set aside and the page-break tails moved; `basis` may be left
//! out when the document's heading names its act); `GET /api/v1/export/plan/{id}.xlsx` and `GET /api/v1/export/figures.xlsx` /
//! `.csv` answer the documents of `letopis export`.
//!
//! An upload may be up to `UPLOAD_BYTES_MAX` (the rest of the API keeps `BODY_BYTES_MAX`);
//! beyond it the answer is 413 in our error format. A refused import (errors, or warnings
//! without `accept_warnings`) is 422 with the row-level report and appends nothing. Who may
//! import which level is `policy::Action::ImportPlan`; every event is then checked by the
//! command gate under the caller's own role, as any command is. The operator keeps regional
//! plans but does not approve them, so its import leaves out `plan_approved`.

use std::ops::ControlFlow;
use std::time::Instant;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use projections::execution_report::execution_report;
use projections::monitoring_report::monitoring_report;
use projections::plan::plan_as_of;
use proto_events::vocabulary::{PlanId, PlanLevel};
use proto_events::Basis;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::commands::{submit, CommandError, CommandOutcome};
use crate::documents::export::figures::figures_document;
use crate::documents::export::plan::{file_name, plan_docx, plan_xlsx};
use crate::documents::export::report::{execution_document, monitoring_document};
use crate::documents::export::{DocumentFormat, ExportError};
use crate::documents::import::plan_import::{
    self, parse_level, parse_period, PlanImportRequest, PreparedPlanImport,
};
use crate::documents::import::{self, ImportIssue, IssueCounts, ParsedPlan, Severity, Verdict};
use crate::server::auth::{Principal, Role};
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::views::{check_scope, parse_date, parse_known_at, parse_scope, query_error};
use crate::server::AppState;

/// Largest plan upload accepted, bytes (a plan table is a few hundred kilobytes).
pub const UPLOAD_BYTES_MAX: usize = 16 * 1024 * 1024;

/// The answer of a plan import, accepted (200) or refused (422): what `letopis import plan`
/// prints, as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// `imported`, `dry_run`, `unchanged` or `import_refused`.
    pub code: &'static str,
    /// What happened, in Russian.
    pub message: String,
    /// The uploaded file's name.
    pub file: String,
    /// The plan's id (derived from level, owner code and title), when the file was read.
    pub plan: Option<String>,
    /// True when the plan was already in the ledger and this is a diff.
    pub is_amendment: bool,
    /// Events appended (0 for a dry run or a refusal).
    pub appended: usize,
    /// Seq of the first appended event.
    pub first_seq: Option<u64>,
    /// Seq of the last appended event.
    pub last_seq: Option<u64>,
    /// Sections added.
    pub sections_added: usize,
    /// Activities added.
    pub activities_added: usize,
    /// Activities amended.
    pub activities_amended: usize,
    /// Activities cancelled.
    pub activities_cancelled: usize,
    /// One line per event of the batch, as `--dry-run` prints them.
    pub events: Vec<String>,
    /// Everything the reader was unsure about or could not accept, row by row.
    pub issues: Vec<IssueBody>,
    /// Remarks of the command layer and of this endpoint.
    pub notes: Vec<String>,
    /// Rows the reader did not take as activities (repeated headers, approval sheets, page
    /// numbers), and why.
    pub skipped: Vec<SkippedBody>,
    /// Tails of rows carried over a page break, moved back to the row they belong to.
    pub joined: Vec<JoinedBody>,
}

/// A row that is not an activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedBody {
    /// Row (line in a text dump), 1-based.
    pub row: u32,
    /// The row's text.
    pub text: String,
    /// Why it is not an activity, in Russian.
    pub reason: String,
}

/// Text moved from the top of row `row` to the end of row `into_row`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedBody {
    /// The row the text was printed in.
    pub row: u32,
    /// The row it belongs to.
    pub into_row: u32,
    /// The text moved.
    pub text: String,
}

/// One row-level problem of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueBody {
    /// File name.
    pub file: String,
    /// Row (CSV/XLSX) or line (text dump), 1-based; 0 when it concerns the whole file.
    pub row: u32,
    /// The column, by its Russian name.
    pub column: Option<String>,
    /// The text in question.
    pub text: String,
    /// What is wrong, in Russian.
    pub message: String,
    /// `warning` or `error`.
    pub severity: &'static str,
}

/// The form of `POST /api/v1/import/plan` (multipart/form-data), for the OpenAPI document.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PlanUpload {
    /// The document: DOCX, ODT, XLSX, CSV/TSV or a text dump of a Word table.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// federal | regional | municipal | organisation.
    pub level: String,
    /// Plan title.
    pub title: String,
    /// Approving act: "<вид> №<номер> от <дд.мм.гггг>"; may be omitted when the document's
    /// heading names it.
    pub basis: Option<String>,
    /// Period, "2021-2025" (default: read from the title, the terms or the act).
    pub period: Option<String>,
    /// Owner as written (default: by level).
    pub owner: Option<String>,
    /// true: report what would be appended, append nothing.
    pub dry_run: Option<bool>,
    /// true: append even when there are warnings.
    pub accept_warnings: Option<bool>,
}

/// Query of the document exports at a date and knowledge point.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// region | municipality:<code> | organisation:<id> (figures only); default region.
    #[param(example = "municipality:38-01")]
    pub scope: Option<String>,
    /// Valid date, YYYY-MM-DD; default today.
    #[param(format = Date, example = "2024-12-31")]
    pub date: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of the execution report: the period and the knowledge point.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExecutionQuery {
    /// First day of the period, YYYY-MM-DD.
    #[param(format = Date, example = "2024-01-01")]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD: every status is as of this day.
    #[param(format = Date, example = "2024-12-31")]
    pub to: Option<String>,
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Query of the yearly monitoring report: the knowledge point.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonitoringQuery {
    /// Knowledge point: a seq or an RFC 3339 time; default now.
    #[param(example = "2025-01-15T00:00:00Z")]
    pub known_at: Option<String>,
}

/// Imports a plan table (multipart/form-data: `file`, `level`, `title`, `basis`, optional
/// `period`, `owner`, `dry_run`, `accept_warnings`) as one atomic append, or as the diff
/// against the plan already in the ledger. Ministry: regional and federal plans; operator:
/// regional plans (without the approval); municipality: its own municipal plans.
#[utoipa::path(post, path = "/api/v1/import/plan",
    request_body(content = PlanUpload, content_type = "multipart/form-data"),
    responses((status = 200, description = "Imported, unchanged, or a dry run", body = ImportReport),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, description = "Upload over 16 MiB", body = ErrorBody),
        (status = 422, description = "Refused: the row-level report; nothing appended", body = ImportReport)),
    security(("bearer" = [])), tag = "documents")]
pub async fn import_plan(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    refuse_roles_that_import_nothing(&principal)?;
    let form = read_upload(request, &state).await?;
    let (status, report) = import_upload(&state, &principal, form).await?;
    Ok((status, Json(report)).into_response())
}

/// Runs one plan upload as `POST /api/v1/import/plan` does (the dashboard's import calls it
/// too): the answer's status (200, or 422 for a refusal that appended nothing) and its report.
pub(crate) async fn import_upload(
    state: &AppState,
    principal: &Principal,
    mut form: PlanForm,
) -> Result<(StatusCode, ImportReport), ApiError> {
    let request = import_request(principal, &form)?;
    let bytes = std::mem::take(&mut form.bytes);
    let mut report = ImportReport::empty(&form.file_name);
    let prepared = match prepare_upload(state, request, bytes).await? {
        Ok((prepared, parsed)) => {
            report.skipped = parsed
                .skipped
                .into_iter()
                .map(|row| SkippedBody { row: row.row, text: row.text, reason: row.reason })
                .collect();
            report.joined = parsed
                .joined
                .into_iter()
                .map(|row| JoinedBody { row: row.row, into_row: row.into_row, text: row.text })
                .collect();
            prepared
        }
        Err(error) => return refusal_of_unprepared(error, report, &form.file_name),
    };
    let prepared = approval_for_role(principal, prepared, &mut report);
    describe_batch(&mut report, &prepared);
    let report = match stop_before_append(report, &prepared, &form) {
        ControlFlow::Continue(report) => report,
        ControlFlow::Break(answer) => return Ok(answer),
    };
    append_batch(state, principal, &prepared, report, &form.file_name).await
}

/// Refuses a role that may import no level at all (auditor, organisation) before its upload is
/// buffered: the level is a form field, known only once the upload is read.
pub(crate) fn refuse_roles_that_import_nothing(principal: &Principal) -> Result<(), ApiError> {
    let levels =
        [PlanLevel::Federal, PlanLevel::Regional, PlanLevel::Municipal, PlanLevel::Organisation];
    if !levels.into_iter().any(|level| policy::check(principal, Action::ImportPlan(level)).is_ok())
    {
        return Err(ApiError::Forbidden(format!(
            "роль {} не может импортировать планы мероприятий",
            principal.role
        )));
    }
    Ok(())
}

/// Reads the multipart upload into its form fields; a body that is no multipart form is malformed.
async fn read_upload(request: Request, state: &AppState) -> Result<PlanForm, ApiError> {
    let multipart = Multipart::from_request(request, state).await.map_err(|rejection| {
        ApiError::Malformed(format!(
            "ожидается multipart/form-data с полями file, level, title, basis ({})",
            rejection.body_text()
        ))
    })?;
    read_form(multipart, false).await
}

/// An import request whose act may still come from the document's heading: a
/// `PlanImportRequest` once the act is known.
struct UploadRequest {
    file_name: String,
    level: PlanLevel,
    title: String,
    basis: Option<Basis>,
    period: Option<(u16, u16)>,
    owner: Option<String>,
    owner_code: Option<String>,
}

impl UploadRequest {
    fn with_basis(self, basis: Basis) -> PlanImportRequest {
        PlanImportRequest {
            file_name: self.file_name,
            level: self.level,
            title: self.title,
            basis,
            period: self.period,
            owner: self.owner,
            owner_code: self.owner_code,
        }
    }
}

/// Decides whether the form's fields make an import request this caller may make: a known level
/// the caller may import, an act if given, a period if given, a title.
fn import_request(principal: &Principal, form: &PlanForm) -> Result<UploadRequest, ApiError> {
    let level = parse_level(&form.level).ok_or_else(|| ApiError::InvalidField {
        field: "level".into(),
        value: form.level.clone(),
        rule: "ожидается federal, regional, municipal или organisation".into(),
    })?;
    policy::check(principal, Action::ImportPlan(level))?;
    let basis = match form.basis.as_deref() {
        Some(text) => Some(Basis::parse(text).ok_or_else(|| ApiError::InvalidField {
            field: "basis".into(),
            value: text.to_string(),
            rule: "ожидается «<вид> №<номер> от <дд.мм.гггг>»".into(),
        })?),
        None => None,
    };

    let period = match form.period.as_deref() {
        None => None,
        Some(text) => Some(parse_period(text).ok_or_else(|| ApiError::InvalidField {
            field: "period".into(),
            value: text.to_string(),
            rule: "ожидается «2021-2025»".into(),
        })?),
    };
    if form.title.trim().is_empty() {
        return Err(ApiError::InvalidField {
            field: "title".into(),
            value: form.title.clone(),
            rule: "название плана не может быть пустым".into(),
        });
    }
    Ok(UploadRequest {
        file_name: form.file_name.clone(),
        level,
        title: form.title.clone(),
        basis,
        period,
        owner: form.owner.clone(),
        owner_code: principal.role.scope_id().map(str::to_string),
    })
}

/// Reads the document, takes the act from its heading when the form named none, and turns it
/// into a batch against the ledger, off the async threads.
async fn prepare_upload(
    state: &AppState,
    upload: UploadRequest,
    bytes: Vec<u8>,
) -> Result<Result<(PreparedPlanImport, ParsedPlan), ReadOrPrepare>, ApiError> {
    let store = state.ledger.store().clone();
    tokio::task::spawn_blocking(move || {
        let parsed = plan_import::read_file(&upload.file_name, &bytes)?;
        let basis = match upload.basis.clone() {
            Some(basis) => basis,
            None => plan_import::basis_in_document(&parsed).ok_or(ReadOrPrepare::NoBasis)?,
        };
        let request = upload.with_basis(basis);
        let prepared = plan_import::prepare(&store, &request, &parsed)?;
        Ok::<_, ReadOrPrepare>((prepared, parsed))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))
}

/// Decides what a document that made no batch is: an unreadable file is the caller's 422 report,
/// a title without an id an invalid field, anything else our failure.
fn refusal_of_unprepared(
    error: ReadOrPrepare,
    mut report: ImportReport,
    file_name: &str,
) -> Result<(StatusCode, ImportReport), ApiError> {
    match error {
        ReadOrPrepare::Read(error) => {
            report.issues.push(IssueBody {
                file: file_name.to_string(),
                row: 0,
                column: None,
                text: String::new(),
                message: error.to_string(),
                severity: "error",
            });
            Ok(report.refused("Файл не прочитан как план мероприятий: ничего не записано."))
        }
        ReadOrPrepare::NoBasis => Err(ApiError::InvalidField {
            field: "basis".into(),
            value: String::new(),
            rule: "акт не указан, и в заголовке документа его нет: ожидается «<вид> №<номер> от <дд.мм.гггг>»".into(),
        }),
        ReadOrPrepare::Prepare(plan_import::PrepareError::Title(title)) => {
            Err(ApiError::InvalidField {
                field: "title".into(),
                value: title,
                rule: "из названия не удалось построить идентификатор плана".into(),
            })
        }
        ReadOrPrepare::Prepare(error) => Err(ApiError::Internal(error.to_string())),
    }
}

/// Leaves `plan_approved` out of the operator's batch: the operator keeps regional plans but the
/// ministry approves them.
fn approval_for_role(
    principal: &Principal,
    prepared: PreparedPlanImport,
    report: &mut ImportReport,
) -> PreparedPlanImport {
    if principal.role == Role::Operator {
        report.notes.push(
            "Утверждение плана (plan_approved) записывает министерство; оператор записывает план без него."
                .into(),
        );
        prepared.without_approval()
    } else {
        prepared
    }
}

/// Fills the report with what the batch would do and every issue of the reading.
fn describe_batch(report: &mut ImportReport, prepared: &PreparedPlanImport) {
    report.plan = Some(prepared.plan.to_string());
    report.is_amendment = prepared.batch.is_amendment;
    report.sections_added = prepared.count("plan_section_added");
    report.activities_added = prepared.count("activity_added");
    report.activities_amended = prepared.count("activity_amended");
    report.activities_cancelled = prepared.count("activity_cancelled");
    report.events = prepared.lines.clone();
    report.issues = prepared.batch.issues.iter().map(issue_body).collect();
}

/// Decides whether the batch is appended: errors, unaccepted warnings, a dry run or an unchanged
/// plan answer here (`Break`); only a batch to write goes on (`Continue`).
fn stop_before_append(
    mut report: ImportReport,
    prepared: &PreparedPlanImport,
    form: &PlanForm,
) -> ControlFlow<(StatusCode, ImportReport), ImportReport> {
    let (IssueCounts { errors, warnings }, verdict) =
        import::verdict(&prepared.batch.issues, form.dry_run, form.accept_warnings);
    match verdict {
        Verdict::RefusedByErrors => {
            let message = format!(
                "Импорт невозможен: ошибок {errors}, предупреждений {warnings}. Ничего не записано."
            );
            return ControlFlow::Break(report.refused(&message));
        }
        Verdict::DryRun => {
            report.code = "dry_run";
            report.message = format!(
                "Пробный прогон: будет записано событий {}, предупреждений {warnings}. Ничего не записано.",
                prepared.lines.len()
            );
            return ControlFlow::Break((StatusCode::OK, report));
        }
        Verdict::RefusedByWarnings => {
            let message = format!(
                "Импорт отклонён: предупреждений {warnings}. Ничего не записано. Чтобы записать несмотря на предупреждения, передайте accept_warnings=true."
            );
            return ControlFlow::Break(report.refused(&message));
        }
        Verdict::Write => {}
    }
    if prepared.batch.payloads.is_empty() {
        report.code = "unchanged";
        report.message =
            format!("План {} уже в журнале и не изменился: ничего не записано.", prepared.plan);
        return ControlFlow::Break((StatusCode::OK, report));
    }
    ControlFlow::Continue(report)
}

/// Appends the batch under the caller's own role (every event passes the command gate) and
/// answers what the ledger did with it.
async fn append_batch(
    state: &AppState,
    principal: &Principal,
    prepared: &PreparedPlanImport,
    report: ImportReport,
    file_name: &str,
) -> Result<(StatusCode, ImportReport), ApiError> {
    let commands = prepared.commands();
    let events = u64::try_from(commands.len()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let result = submit(&state.ledger, &principal.actor(), commands).await;
    state.metrics.record_append(events, started.elapsed(), result.is_ok());
    match result {
        Ok(outcome) => Ok(imported(report, prepared, outcome)),
        Err(error) => refusal_by_ledger(error, report, prepared, file_name),
    }
}

/// The 200 answer of an appended batch: its seqs and the command layer's remarks.
fn imported(
    mut report: ImportReport,
    prepared: &PreparedPlanImport,
    outcome: CommandOutcome,
) -> (StatusCode, ImportReport) {
    let seqs = &outcome.append.seqs;
    report.appended = seqs.len();
    report.first_seq = seqs.first().map(|seq| seq.0);
    report.last_seq = seqs.last().map(|seq| seq.0);
    report.notes.extend(outcome.warnings);
    report.code = "imported";
    report.message = format!(
        "План {} {}: записано событий {} (№{}–№{}).",
        prepared.plan,
        if prepared.batch.is_amendment { "изменён" } else { "импортирован" },
        seqs.len(),
        report.first_seq.unwrap_or(0),
        report.last_seq.unwrap_or(0)
    );
    (StatusCode::OK, report)
}

/// Decides what a refusal by the ledger is: a forbidden event the caller's 403, an event the
/// ledger does not accept a row of the 422 report, a store failure ours.
fn refusal_by_ledger(
    error: CommandError,
    mut report: ImportReport,
    prepared: &PreparedPlanImport,
    file_name: &str,
) -> Result<(StatusCode, ImportReport), ApiError> {
    match error {
        CommandError::Forbidden { who, field, value, rule, .. } => {
            Err(ApiError::Refused { role: who.role, kind: who.kind, field, value, rule })
        }
        CommandError::Invalid { index, field, value, rule }
        | CommandError::Rejected { index, field, value, rule }
        | CommandError::UnknownReference { index, field, value, rule } => {
            let event = prepared.lines.get(index).cloned().unwrap_or_default();
            report.issues.push(IssueBody {
                file: file_name.to_string(),
                row: 0,
                column: None,
                text: value,
                message: format!("журнал не принял событие {event} (поле {field}): {rule}"),
                severity: "error",
            });
            Ok(report.refused("Импорт отклонён журналом: ничего не записано."))
        }
        CommandError::Append(error) => Err(error.into()),
        CommandError::Store(error) => Err(error.into()),
    }
}

/// A plan as of (date, known_at) as `letopis export plan` writes it: `.xlsx`, the acts' columns,
/// the sections, the status at the date and the sheet "Изменения"; `.docx`, the Word document
/// laid out like the acts with the amendments appendix. Every role reads plans.
#[utoipa::path(get, path = "/api/v1/export/plan/{file}",
    params(("file" = String, Path, description = "The plan id with .xlsx or .docx, e.g. plan-0123456789abcdef.xlsx"), ExportQuery),
    responses((status = 200, description = "The workbook or the Word document", content(
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "documents")]
pub async fn export_plan(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(file): ApiPath<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    policy::check(&principal, Action::ReadPlans)?;
    let not_found = || ApiError::NotFound(format!("план {file}"));
    let (id, format) = document_name(&file).ok_or_else(not_found)?;
    let plan = PlanId::new(id).map_err(|_| not_found())?;
    if query.scope.is_some() {
        return Err(ApiError::InvalidParameter {
            field: "scope".into(),
            value: query.scope.unwrap_or_default(),
            rule: "план выгружается целиком, без территории".into(),
        });
    }
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let folded = projector.state_at(known_at).map_err(query_error)?;
        let view = plan_as_of(&folded.plans, &plan, date)
            .ok_or_else(|| ApiError::NotFound(format!("план {plan}")))?;
        let written = if format == DocumentFormat::Docx {
            plan_docx(&view, &folded.plans, date, folded.seq)
        } else {
            plan_xlsx(&view, &folded.plans, date, folded.seq)
        };
        let bytes = written.map_err(|error| match error {
            // The plan is fine; the format cannot hold it: the caller's request cannot be met.
            ExportError::CellTooLong { .. } => ApiError::InvalidParameter {
                field: "id".into(),
                value: view.id.to_string(),
                rule: error.to_string(),
            },
            other => ApiError::Internal(other.to_string()),
        })?;
        let name = file_name(&view.id).replace(".xlsx", &format!(".{}", format.extension()));
        Ok::<_, ApiError>((name, bytes))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(document(format, &bytes.0, bytes.1))
}

/// The report on a plan's execution over a period, as `letopis report execution` writes it
/// (`.xlsx` or `.docx`): every activity with its term, responsible and status at the period's
/// end, the summary by status. Every role reads plans.
#[utoipa::path(get, path = "/api/v1/export/execution/{file}",
    params(("file" = String, Path, description = "The plan id with .xlsx or .docx"), ExecutionQuery),
    responses((status = 200, description = "The workbook or the Word document", content(
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "documents")]
pub async fn export_execution(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(file): ApiPath<String>,
    ApiQuery(query): ApiQuery<ExecutionQuery>,
) -> Result<Response, ApiError> {
    policy::check(&principal, Action::ReadPlans)?;
    let (id, format) =
        document_name(&file).ok_or_else(|| ApiError::NotFound(format!("план {file}")))?;
    let plan = PlanId::new(id).map_err(|_| ApiError::NotFound(format!("план {file}")))?;
    let required = |value: Option<String>, field: &str| {
        value.ok_or_else(|| ApiError::InvalidParameter {
            field: field.into(),
            value: String::new(),
            rule: "укажите день ГГГГ-ММ-ДД: отчётный период задаётся явно".into(),
        })
    };
    let from = parse_date(Some(&required(query.from, "from")?), state.clock.as_ref())?;
    let to_text = required(query.to, "to")?;
    let to = parse_date(Some(&to_text), state.clock.as_ref())?;
    if to < from {
        return Err(ApiError::InvalidParameter {
            field: "to".into(),
            value: to_text,
            rule: "отчётный период не может кончаться раньше, чем начинается".into(),
        });
    }
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let folded = projector.state_at(known_at).map_err(query_error)?;
        let view = plan_as_of(&folded.plans, &plan, to)
            .ok_or_else(|| ApiError::NotFound(format!("план {plan}")))?;
        let report = execution_report(&view, from, to);
        execution_document(&report, folded.seq, format).map_err(document_error)
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(document(format, &format!("execution-{file}"), bytes))
}

/// The region's yearly monitoring report, as `letopis report monitoring` writes it: every
/// indicator per municipality against its targets, the change since the year before, the
/// municipalities below target, the recommendations and decisions. It names every
/// municipality's figures, so only a token that reads the region's figures gets it.
#[utoipa::path(get, path = "/api/v1/export/monitoring/{file}",
    params(("file" = String, Path, description = "The year with .xlsx or .docx, e.g. 2024.xlsx"), MonitoringQuery),
    responses((status = 200, description = "The workbook or the Word document", content(
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (crate::server::openapi::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])), tag = "documents")]
pub async fn export_monitoring(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(file): ApiPath<String>,
    ApiQuery(query): ApiQuery<MonitoringQuery>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("отчёт {file}"));
    let (year, format) = document_name(&file).ok_or_else(not_found)?;
    let year: u16 = year.parse().map_err(|_| not_found())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
        check_scope(&principal, &proto_events::vocabulary::Scope::Region, &folded.registry)?;
        let report = monitoring_report(&folded, known, year)
            .ok_or_else(|| ApiError::NotFound(format!("отчёт за {year} год")))?;
        monitoring_document(&report, known.0, format).map_err(document_error)
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(document(format, &format!("monitoring-{file}"), bytes))
}

/// `<name>.xlsx` or `<name>.docx`: the name and the format.
fn document_name(file: &str) -> Option<(&str, DocumentFormat)> {
    match (file.strip_suffix(".xlsx"), file.strip_suffix(".docx")) {
        (Some(name), _) => Some((name, DocumentFormat::Xlsx)),
        (_, Some(name)) => Some((name, DocumentFormat::Docx)),
        _ => None,
    }
}

/// A report the format cannot hold is the caller's to shorten; anything else is ours.
fn document_error(error: ExportError) -> ApiError {
    match error {
        ExportError::CellTooLong { .. } => ApiError::InvalidParameter {
            field: "file".into(),
            value: String::new(),
            rule: error.to_string(),
        },
        other => ApiError::Internal(other.to_string()),
    }
}

/// The indicator catalogue for a scope at (date, known_at) as XLSX, the document of `letopis
/// export figures`; the numbers are those of `/api/v1/figures`.
#[utoipa::path(get, path = "/api/v1/export/figures.xlsx", params(ExportQuery),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::server::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "documents")]
pub async fn export_figures_xlsx(
    state: State<AppState>,
    principal: Principal,
    query: ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    export_figures(state, principal, query, DocumentFormat::Xlsx).await
}

/// The indicator catalogue as CSV (semicolon-separated UTF-8 with a byte-order mark).
#[utoipa::path(get, path = "/api/v1/export/figures.csv", params(ExportQuery),
    responses((status = 200, description = "The table", content_type = "text/csv", body = crate::server::openapi::Binary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "documents")]
pub async fn export_figures_csv(
    state: State<AppState>,
    principal: Principal,
    query: ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    export_figures(state, principal, query, DocumentFormat::Csv).await
}

async fn export_figures(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<ExportQuery>,
    format: DocumentFormat,
) -> Result<Response, ApiError> {
    let scope = parse_scope(query.scope.as_deref())?;
    let date = parse_date(query.date.as_deref(), state.clock.as_ref())?;
    let known_at = parse_known_at(query.known_at.as_deref())?;
    let projector = state.projector.clone();
    let (name, bytes) = tokio::task::spawn_blocking(move || {
        // The state and the scope check of `/api/v1/figures`, so the document and the JSON
        // agree on the numbers and on who may read them.
        let (folded, known) = projector.figures_at(known_at).map_err(query_error)?;
        check_scope(&principal, &scope, &folded.registry)?;
        let figures = projections::monitoring::catalogue_at(&folded, &scope, date, known);
        let bytes = figures_document(&figures, known.0, format)
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let scope_name: String = scope
            .to_string()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect();
        let name = format!("figures-{scope_name}-{date}.{}", format.extension());
        Ok::<_, ApiError>((name, bytes))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(document(format, &name, bytes))
}

fn document(format: DocumentFormat, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

enum ReadOrPrepare {
    Read(crate::documents::import::ImportError),
    /// No act in the form, and none in the document's heading.
    NoBasis,
    Prepare(plan_import::PrepareError),
}

impl From<crate::documents::import::ImportError> for ReadOrPrepare {
    fn from(error: crate::documents::import::ImportError) -> Self {
        ReadOrPrepare::Read(error)
    }
}

impl From<plan_import::PrepareError> for ReadOrPrepare {
    fn from(error: plan_import::PrepareError) -> Self {
        ReadOrPrepare::Prepare(error)
    }
}

/// The fields of the upload form.
#[derive(Clone)]
pub(crate) struct PlanForm {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub level: String,
    pub title: String,
    pub basis: Option<String>,
    pub period: Option<String>,
    pub owner: Option<String>,
    pub dry_run: bool,
    pub accept_warnings: bool,
    /// The dashboard's form only (`read_form` with `csrf`): the session's CSRF token.
    pub csrf_token: Option<String>,
}

/// Text fields of the form are short; a longer one is not what the form means.
const FORM_FIELD_CHARS_MAX: usize = 2_000;

/// Reads the form's fields; with `csrf` (the dashboard's form) also `csrf_token`, which the
/// API's form does not have.
pub(crate) async fn read_form(mut multipart: Multipart, csrf: bool) -> Result<PlanForm, ApiError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut texts: Vec<(String, String)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let file_name = field
                    .file_name()
                    .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name).to_string())
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| "upload".to_string());
                let bytes = field.bytes().await.map_err(multipart_error)?;
                file = Some((file_name, bytes.to_vec()));
            }
            "level" | "title" | "basis" | "period" | "owner" | "dry_run" | "accept_warnings" => {
                let text = field.text().await.map_err(multipart_error)?;
                if text.chars().count() > FORM_FIELD_CHARS_MAX {
                    return Err(ApiError::InvalidField {
                        field: name,
                        value: text.chars().take(80).collect(),
                        rule: format!("не длиннее {FORM_FIELD_CHARS_MAX} символов"),
                    });
                }
                texts.push((name, text));
            }
            "csrf_token" if csrf => {
                let text = field.text().await.map_err(multipart_error)?;
                texts.push((name, text.chars().take(FORM_FIELD_CHARS_MAX).collect()));
            }
            other => {
                return Err(ApiError::Malformed(format!(
                    "неизвестное поле формы «{other}» (ожидаются file, level, title, basis, period, owner, dry_run, accept_warnings)"
                )))
            }
        }
    }
    let text = |key: &str| texts.iter().rev().find(|(name, _)| name == key).map(|(_, v)| v.clone());
    let required = |key: &str| {
        text(key).filter(|value| !value.trim().is_empty()).ok_or_else(|| ApiError::InvalidField {
            field: key.to_string(),
            value: String::new(),
            rule: "обязательное поле формы".into(),
        })
    };
    let flag = |key: &str| -> Result<bool, ApiError> {
        match text(key).as_deref().map(str::trim) {
            None | Some("") | Some("false") | Some("0") | Some("off") => Ok(false),
            Some("true") | Some("1") | Some("on") => Ok(true),
            Some(other) => Err(ApiError::InvalidField {
                field: key.to_string(),
                value: other.to_string(),
                rule: "ожидается true или false".into(),
            }),
        }
    };
    let (file_name, bytes) = file.ok_or_else(|| ApiError::InvalidField {
        field: "file".into(),
        value: String::new(),
        rule: "обязательное поле формы: файл плана".into(),
    })?;
    Ok(PlanForm {
        file_name,
        bytes,
        level: required("level")?,
        title: required("title")?,
        basis: text("basis").filter(|value| !value.trim().is_empty()),
        period: text("period").filter(|value| !value.trim().is_empty()),
        owner: text("owner").filter(|value| !value.trim().is_empty()),
        dry_run: flag("dry_run")?,
        accept_warnings: flag("accept_warnings")?,
        csrf_token: text("csrf_token"),
    })
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::UploadTooLarge { limit_bytes: UPLOAD_BYTES_MAX }
    } else {
        ApiError::Malformed(format!("форма multipart не разобрана: {}", error.body_text()))
    }
}

fn issue_body(issue: &ImportIssue) -> IssueBody {
    IssueBody {
        file: issue.file.clone(),
        row: issue.row,
        column: issue.column.clone(),
        text: issue.text.clone(),
        message: issue.message.clone(),
        severity: match issue.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        },
    }
}

impl ImportReport {
    fn empty(file: &str) -> ImportReport {
        ImportReport {
            code: "import_refused",
            message: String::new(),
            file: file.to_string(),
            plan: None,
            is_amendment: false,
            appended: 0,
            first_seq: None,
            last_seq: None,
            sections_added: 0,
            activities_added: 0,
            activities_amended: 0,
            activities_cancelled: 0,
            events: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
            skipped: Vec::new(),
            joined: Vec::new(),
        }
    }

    /// 422 with the report: nothing was appended.
    fn refused(mut self, message: &str) -> (StatusCode, ImportReport) {
        self.code = "import_refused";
        self.message = message.to_string();
        (StatusCode::UNPROCESSABLE_ENTITY, self)
    }
}
