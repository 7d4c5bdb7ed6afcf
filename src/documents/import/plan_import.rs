//! The plan import pipeline shared by `letopis import plan` and `POST /api/v1/import/plan`:
//! the arguments as officials write them (level, "<вид> №<номер> от <дд.мм.гггг>", "2021-2025"),
//! reading the document, folding the plan's history from its stream and building the batch
//! (a new plan, or the diff against it). The callers decide what to tell the user and whether
//! to append; both append the same commands through `commands::submit`.

use proto_events::vocabulary::{Payload, PayloadError, PlanId, PlanLevel};
use proto_events::{Basis, Effective, StreamName};

use crate::commands::Command;
use crate::documents::import::plan_events::{self, PlanBatch, PlanMeta};
use crate::documents::import::{read_plan, ImportError, ParsedPlan};
use crate::store::{Store, StoreError};

/// What the user asked to import, already parsed.
#[derive(Clone, Debug)]
pub struct PlanImportRequest {
    /// The document's file name, for the report.
    pub file_name: String,
    /// Level of the plan.
    pub level: PlanLevel,
    /// Title of the plan.
    pub title: String,
    /// The approving (or amending) act.
    pub basis: Basis,
    /// First and last year, when given.
    pub period: Option<(u16, u16)>,
    /// Owner as written; default by level.
    pub owner: Option<String>,
    /// The owner's code (municipality code or organisation id) for municipal and organisation
    /// plans: part of the plan id.
    pub owner_code: Option<String>,
}

/// A document read and turned into a batch, not yet appended.
#[derive(Clone, Debug)]
pub struct PreparedPlanImport {
    /// The plan's id (derived from level, owner code and title).
    pub plan: PlanId,
    /// What the batch was built from.
    pub meta: PlanMeta,
    /// The payloads and every issue.
    pub batch: PlanBatch,
    /// The plan stream's version now (0 for a new plan): the batch's expected version.
    pub version: u64,
    /// One line per payload, as `--dry-run` prints them.
    pub lines: Vec<String>,
}

/// Why a read document could not be turned into a batch.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// No plan id can be derived from the title.
    #[error("из названия «{0}» не удалось построить идентификатор плана")]
    Title(String),
    /// Reading the plan's stream failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The plan's stream holds an event this build cannot decode.
    #[error(
        "событие в истории плана не читается: {}",
        crate::commands::payload_rule(.0)
    )]
    History(#[from] PayloadError),
}

/// Reads `bytes` as a plan table (no ledger needed: a file that is not a plan is refused before
/// any store is opened).
pub fn read(request: &PlanImportRequest, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    read_plan(&request.file_name, bytes)
}

/// Reads `bytes` of the file `file_name` as a plan table, before the request is complete (the
/// act may come from the document's heading).
pub fn read_file(file_name: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    read_plan(file_name, bytes)
}

/// The act the document's heading names, when the reader found one that parses.
pub fn basis_in_document(parsed: &ParsedPlan) -> Option<Basis> {
    parsed.basis.as_deref().and_then(Basis::parse)
}

/// Builds the batch of the plan `parsed` against the plan's current history in `store`.
pub fn prepare(
    store: &Store,
    request: &PlanImportRequest,
    parsed: &ParsedPlan,
) -> Result<PreparedPlanImport, PrepareError> {
    let meta = PlanMeta {
        file: request.file_name.clone(),
        level: request.level,
        title: request.title.trim().to_string(),
        basis: request.basis.clone(),
        period: request.period,
        owner: request.owner.clone().unwrap_or_else(|| default_owner(request.level).to_string()),
        owner_code: request.owner_code.clone(),
    };
    let Some(plan) = plan_events::plan_id(request.level, meta.owner_code.as_deref(), &meta.title)
    else {
        return Err(PrepareError::Title(request.title.clone()));
    };
    let stream = StreamName::new(format!("plan/{plan}"))
        .map_err(|_| PrepareError::Title(request.title.clone()))?;
    let history = store.stream(&stream, 1)?;
    let version = u64::try_from(history.len()).unwrap_or(u64::MAX);
    let current = if history.is_empty() { None } else { Some(plan_events::fold(&history)?) };
    let batch = plan_events::plan_batch(parsed, &meta, current.as_ref());
    let lines = batch.payloads.iter().map(plan_events::describe).collect();
    Ok(PreparedPlanImport { plan, meta, batch, version, lines })
}

impl PreparedPlanImport {
    /// The commands of the batch: each effective on the act's date, resting on the act, all
    /// expecting the plan stream's current version.
    pub fn commands(&self) -> Vec<Command> {
        let basis = &self.meta.basis;
        self.batch
            .payloads
            .iter()
            .map(|payload| Command {
                id: None,
                payload: payload.clone(),
                effective: Effective::Date(basis.date),
                basis: Some(basis.clone()),
                expected_version: Some(self.version),
            })
            .collect()
    }

    /// How many payloads of `kind` the batch holds.
    pub fn count(&self, kind: &str) -> usize {
        self.batch.payloads.iter().filter(|payload| payload.kind() == kind).count()
    }

    /// Drops the plan approvals from the batch (for a role that records plans but not their
    /// approval: the operator keeps regional plans, the ministry approves them).
    pub fn without_approval(mut self) -> PreparedPlanImport {
        let keep: Vec<bool> =
            self.batch.payloads.iter().map(|p| !matches!(p, Payload::PlanApproved(_))).collect();
        let mut flags = keep.iter();
        self.batch.payloads.retain(|_| flags.next().copied().unwrap_or(true));
        let mut flags = keep.iter();
        self.lines.retain(|_| flags.next().copied().unwrap_or(true));
        self
    }
}

/// A plan level as the CLI and the API take it (English or Russian).
pub fn parse_level(text: &str) -> Option<PlanLevel> {
    let text = text.trim().to_lowercase();
    match text.as_str() {
        "federal" | "федеральный" => Some(PlanLevel::Federal),
        "regional" | "региональный" => Some(PlanLevel::Regional),
        "municipal" | "муниципальный" => Some(PlanLevel::Municipal),
        "organisation" | "organization" | "school" | "организация" => {
            Some(PlanLevel::Organisation)
        }
        _ => None,
    }
}

/// A plan period, "2021-2025" (or one year).
pub fn parse_period(text: &str) -> Option<(u16, u16)> {
    let mut parts = text.split(['-', '–', '—']).map(str::trim);
    let first: u16 = parts.next()?.parse().ok()?;
    let last: u16 = match parts.next() {
        Some(last) => last.parse().ok()?,
        None => first,
    };
    if parts.next().is_some() || last < first {
        return None;
    }
    Some((first, last))
}

/// The owner of a plan when none is given.
pub fn default_owner(level: PlanLevel) -> &'static str {
    match level {
        PlanLevel::Federal => "Министерство просвещения Российской Федерации",
        PlanLevel::Regional => "Министерство образования региона",
        PlanLevel::Municipal => "Муниципальный орган управления образованием",
        PlanLevel::Organisation => "Образовательная организация",
    }
}
