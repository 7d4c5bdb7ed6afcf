//! From a `ParsedPlan` to the payloads of one atomic append: a new plan (created, approved,
//! sections, activities) or, when the plan is already in the ledger, the difference against its
//! current state (activities amended, added, cancelled, plus the approval by the new act).
//!
//! Ids are derived, never random: the plan id from level, owner code and title, section ids from their
//! position, activity ids from their number (a repeated number gets a `-2` suffix), so the same
//! document always maps to the same entities and a re-import is a diff.

use std::collections::{BTreeMap, BTreeSet};

use proto_events::term::{self, Term, TermMeaning};
use proto_events::vocabulary::{
    ActivityAdded, ActivityAmended, ActivityCancelled, ActivityField, ActivityId, FieldChange,
    Payload, PayloadError, PlanApproved, PlanCreated, PlanId, PlanLevel, PlanSectionAdded,
    SectionId,
};
use proto_events::{Basis, Envelope};

use crate::documents::import::plan::issue;
use crate::documents::import::{Column, ImportIssue, ParsedPlan, Severity};
use crate::documents::labels::field_label;

/// Written into a required cell the document left empty (with a warning saying so).
pub const EMPTY_CELL_TEXT: &str = "не указано";
/// Title of the section that holds activities listed before any section heading.
pub const UNTITLED_SECTION: &str = "Без раздела";

/// What the command line says about the plan (the document does not say it reliably).
#[derive(Clone, Debug)]
pub struct PlanMeta {
    /// The file name, for the report.
    pub file: String,
    /// Level of the plan.
    pub level: PlanLevel,
    /// Title of the plan.
    pub title: String,
    /// The approving (or amending) act.
    pub basis: Basis,
    /// First and last year, when given; otherwise read from the title, the terms or the act.
    pub period: Option<(u16, u16)>,
    /// Owner, as written.
    pub owner: String,
    /// The owner's code for municipal and organisation plans (part of the plan id).
    pub owner_code: Option<String>,
}

/// The payloads to append, in order, and everything the importer is unsure about.
#[derive(Clone, Debug, Default)]
pub struct PlanBatch {
    /// The plan's id.
    pub plan: Option<PlanId>,
    /// Payloads in append order.
    pub payloads: Vec<Payload>,
    /// Warnings and errors (errors make the batch unusable).
    pub issues: Vec<ImportIssue>,
    /// True when the plan already exists and this batch is a diff.
    pub is_amendment: bool,
}

impl PlanBatch {
    /// Errors (not warnings) in the batch.
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|issue| issue.severity == Severity::Error)
    }
}

/// The current state of a plan in the ledger, folded from its stream.
#[derive(Clone, Debug, Default)]
pub struct PlanState {
    /// The plan.
    pub plan: Option<PlanId>,
    /// Its period.
    pub period: Option<(u16, u16)>,
    /// Sections in order: id, number, title.
    pub sections: Vec<(SectionId, Option<String>, String)>,
    /// Activities by id.
    pub activities: BTreeMap<String, ActivityState>,
}

/// One activity as it stands after the amendments so far; every field as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityState {
    /// Field values as text (co-executors one per line, section as its id).
    pub fields: BTreeMap<ActivityField, String>,
    /// Cancelled.
    pub cancelled: bool,
}

/// The plan id for a level, an owner and a title: `plan-` and 16 hex digits of a blake3 hash of
/// them (title with its spacing and case normalised), so the same plan re-imported maps to
/// itself. Municipal and organisation plans include the owner's code (`38-01`, `org-…`): every
/// municipality has its "План мероприятий на 2024 год", and they are different plans. Regional
/// and federal plans have one owner per level, so the code is ignored for them.
pub fn plan_id(level: PlanLevel, owner_code: Option<&str>, title: &str) -> Option<PlanId> {
    let normalized = title.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let level_tag = match level {
        PlanLevel::Federal => "federal",
        PlanLevel::Regional => "regional",
        PlanLevel::Municipal => "municipal",
        PlanLevel::Organisation => "organisation",
    };
    let owner = match level {
        PlanLevel::Municipal | PlanLevel::Organisation => {
            owner_code.map(str::trim).filter(|code| !code.is_empty())
        }
        PlanLevel::Federal | PlanLevel::Regional => None,
    };
    let input = match owner {
        Some(code) => format!("letopis plan id\n{level_tag}\n{code}\n{normalized}"),
        None => format!("letopis plan id\n{level_tag}\n{normalized}"),
    };
    let hash = blake3::hash(input.as_bytes());
    let hex = hash.to_hex();
    PlanId::new(format!("plan-{}", hex.get(..16)?)).ok()
}

/// Folds a plan's stream into its current state (events in stream order).
pub fn fold(events: &[Envelope]) -> Result<PlanState, PayloadError> {
    let mut state = PlanState::default();
    for envelope in events {
        match Payload::decode_envelope(envelope)? {
            Payload::PlanCreated(created) => {
                state.plan = Some(created.plan);
                state.period = Some((created.period_from_year, created.period_to_year));
            }
            Payload::PlanSectionAdded(section) => {
                state.sections.push((section.section, section.number, section.title));
            }
            Payload::ActivityAdded(added) => {
                let id = added.activity.as_str().to_string();
                state
                    .activities
                    .insert(id, ActivityState { fields: fields_of(&added), cancelled: false });
            }
            Payload::ActivityAmended(amended) => {
                if let Some(activity) = state.activities.get_mut(amended.activity.as_str()) {
                    for change in amended.changes {
                        activity.fields.insert(change.field, change.new);
                    }
                }
            }
            Payload::ActivityCancelled(cancelled) => {
                if let Some(activity) = state.activities.get_mut(cancelled.activity.as_str()) {
                    activity.cancelled = true;
                }
            }
            _ => {}
        }
    }
    Ok(state)
}

/// Builds the batch for `parsed`: a whole new plan when `current` is `None`, else the diff.
pub fn plan_batch(parsed: &ParsedPlan, meta: &PlanMeta, current: Option<&PlanState>) -> PlanBatch {
    let mut batch = PlanBatch { issues: parsed.warnings.clone(), ..PlanBatch::default() };
    let Some(plan) = plan_id(meta.level, meta.owner_code.as_deref(), &meta.title) else {
        batch.issues.push(issue(&meta.file, 0, None, &meta.title, "не удалось построить id плана"));
        return batch;
    };
    batch.plan = Some(plan.clone());
    let period = current
        .and_then(|state| state.period)
        .or(meta.period)
        .unwrap_or_else(|| derive_period(&meta.title, parsed, &meta.basis));
    let desired = desired_activities(parsed, meta, &plan, period, &mut batch.issues);

    match current {
        None => {
            let mut payloads = vec![
                Payload::PlanCreated(PlanCreated {
                    plan: plan.clone(),
                    level: meta.level,
                    title: meta.title.clone(),
                    period_from_year: period.0,
                    period_to_year: period.1,
                    owner: meta.owner.clone(),
                }),
                Payload::PlanApproved(PlanApproved { plan: plan.clone(), act: meta.basis.clone() }),
            ];
            let sections = section_ids(parsed, None);
            for (index, section) in parsed.sections.iter().enumerate() {
                let Some(section_id) = sections.get(index).cloned() else { continue };
                payloads.push(Payload::PlanSectionAdded(PlanSectionAdded {
                    plan: plan.clone(),
                    section: section_id,
                    number: section.number.clone(),
                    title: section_title(&section.title),
                }));
                for activity in desired.iter().filter(|a| a.section_index == index) {
                    payloads.push(Payload::ActivityAdded(activity.added.clone()));
                }
            }
            batch.payloads = payloads;
        }
        Some(state) => {
            batch.is_amendment = true;
            batch.payloads = diff(parsed, meta, &plan, state, &desired);
        }
    }
    for payload in &batch.payloads {
        if let Err(error) = payload.validate() {
            let row = row_of(payload, &desired);
            let column = column_of_field(&error.field);
            let message = format!("значение не принято (поле {}): {}", error.field, error.rule);
            let mut found = issue(&meta.file, row, column, &error.value, &message);
            found.severity = Severity::Error;
            batch.issues.push(found);
        }
    }
    batch
}

/// One line per payload for `--dry-run`: kind, number, title, term kind.
pub fn describe(payload: &Payload) -> String {
    match payload {
        Payload::PlanCreated(p) => format!(
            "plan_created      {} «{}» {}–{}",
            p.plan, p.title, p.period_from_year, p.period_to_year
        ),
        Payload::PlanApproved(p) => format!("plan_approved     {} {}", p.plan, p.act),
        Payload::PlanSectionAdded(p) => format!(
            "plan_section_added {} {} «{}»",
            p.section,
            p.number.as_deref().unwrap_or("-"),
            p.title
        ),
        Payload::ActivityAdded(p) => format!(
            "activity_added    {} «{}» срок: {} ({})",
            p.number,
            p.title,
            p.term.text,
            term_kind(&p.term)
        ),
        Payload::ActivityAmended(p) => {
            let changes: Vec<String> = p
                .changes
                .iter()
                .map(|c| format!("{}: «{}» → «{}»", field_label(c.field), c.old, c.new))
                .collect();
            format!("activity_amended  {} {}", p.activity, changes.join("; "))
        }
        Payload::ActivityCancelled(p) => {
            format!("activity_cancelled {} ({})", p.activity, p.reason)
        }
        other => other.kind().to_string(),
    }
}

/// The JSON-facing kind of a term: date, range, year, years, recurring, continuous, text, dates.
pub fn term_kind(term: &Term) -> &'static str {
    match term.meaning {
        TermMeaning::Date { .. } => "date",
        TermMeaning::Range { .. } => "range",
        TermMeaning::Year { .. } => "year",
        TermMeaning::Years { .. } => "years",
        TermMeaning::Recurring(_) => "recurring",
        TermMeaning::Continuous { .. } => "continuous",
        TermMeaning::Text { .. } => "text",
        TermMeaning::Dates { .. } => "dates",
    }
}

struct Desired {
    section_index: usize,
    row: u32,
    added: ActivityAdded,
}

/// The activities the document asks for, in document order, each with its derived id and the
/// warnings of its row (a missing number, an empty required cell, a term read only as text).
fn desired_activities(
    parsed: &ParsedPlan,
    meta: &PlanMeta,
    plan: &PlanId,
    period: (u16, u16),
    issues: &mut Vec<ImportIssue>,
) -> Vec<Desired> {
    let sections = section_ids(parsed, None);
    let all_numbers: BTreeSet<String> = parsed
        .sections
        .iter()
        .flat_map(|s| s.activities.iter())
        .map(|a| a.number.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let mut used: BTreeMap<String, u32> = BTreeMap::new();
    let mut assigned: BTreeSet<String> = BTreeSet::new();
    let mut previous_number = String::from("0");
    let mut out = Vec::new();
    for (section_index, section) in parsed.sections.iter().enumerate() {
        let Some(section_id) = sections.get(section_index).cloned() else { continue };
        for activity in &section.activities {
            let row = activity.source.row;
            let mut number = activity.number.trim().to_string();
            if number.is_empty() {
                number = free_number(&previous_number, &all_numbers, &assigned);
                assigned.insert(number.clone());
                issues.push(issue(
                    &meta.file,
                    row,
                    Some(Column::Number),
                    &activity.title,
                    &format!("у мероприятия нет номера в документе; присвоен номер {number}"),
                ));
            } else {
                previous_number = number.clone();
            }
            let Some(id) = activity_id(&number, &mut used, &meta.file, row, issues) else {
                continue;
            };
            let mut required =
                |column: Column, text: &str| required_cell(&meta.file, row, column, text, issues);
            let title = required(Column::Title, &activity.title);
            let term_text = required(Column::Term, &activity.term_text);
            let responsible = required(Column::Responsible, &activity.responsible);
            let key_result = required(Column::KeyResult, &activity.key_result);
            let fixing_documents = required(Column::FixingDocuments, &activity.fixing_documents);
            let term = activity_term(&term_text, period, &meta.file, row, issues);
            out.push(Desired {
                section_index,
                row,
                added: ActivityAdded {
                    plan: plan.clone(),
                    activity: id,
                    section: section_id.clone(),
                    number,
                    title,
                    responsible,
                    co_executors: activity
                        .co_executors
                        .iter()
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect(),
                    term,
                    key_result,
                    fixing_documents,
                    indicator: None,
                    planned_value: None,
                },
            });
        }
    }
    out
}

/// The number given to an activity the document left unnumbered: the first `<previous>.<k>`
/// that neither the document nor an earlier assignment uses.
fn free_number(
    previous_number: &str,
    all_numbers: &BTreeSet<String>,
    assigned: &BTreeSet<String>,
) -> String {
    let mut k = 1u32;
    loop {
        let candidate = format!("{previous_number}.{k}");
        if !all_numbers.contains(&candidate) && !assigned.contains(&candidate) {
            return candidate;
        }
        k = k.saturating_add(1);
    }
}

/// The activity's id from its number (`a-<number>`, `a-<number>-<n>` for the n-th repeat); `None`
/// with an error when the number cannot make an id.
fn activity_id(
    number: &str,
    used: &mut BTreeMap<String, u32>,
    file: &str,
    row: u32,
    issues: &mut Vec<ImportIssue>,
) -> Option<ActivityId> {
    let occurrence = used.entry(number.to_string()).or_insert(0);
    *occurrence = occurrence.saturating_add(1);
    let id_text =
        if *occurrence == 1 { format!("a-{number}") } else { format!("a-{number}-{occurrence}") };
    match ActivityId::new(id_text) {
        Ok(id) => Some(id),
        Err(_) => {
            let mut bad = issue(
                file,
                row,
                Some(Column::Number),
                number,
                "номер мероприятия не годится для идентификатора (допустимы цифры и точки)",
            );
            bad.severity = Severity::Error;
            issues.push(bad);
            None
        }
    }
}

/// A required cell's text, trimmed; an empty cell becomes `EMPTY_CELL_TEXT` with a warning.
fn required_cell(
    file: &str,
    row: u32,
    column: Column,
    text: &str,
    issues: &mut Vec<ImportIssue>,
) -> String {
    let text = text.trim();
    if text.is_empty() {
        issues.push(issue(
            file,
            row,
            Some(column),
            "",
            &format!("графа «{}» пуста; будет записано «{EMPTY_CELL_TEXT}»", column.russian_name()),
        ));
        EMPTY_CELL_TEXT.to_string()
    } else {
        text.to_string()
    }
}

/// The term read in the plan's period; a term read only as text (not an empty cell) is a warning.
fn activity_term(
    term_text: &str,
    period: (u16, u16),
    file: &str,
    row: u32,
    issues: &mut Vec<ImportIssue>,
) -> Term {
    let term = term_in_period(term_text, period);
    if let TermMeaning::Text { reason } = &term.meaning {
        if term_text != EMPTY_CELL_TEXT {
            issues.push(issue(
                file,
                row,
                Some(Column::Term),
                term_text,
                &format!("{reason}; срок будет записан только текстом, без даты"),
            ));
        }
    }
    term
}

fn diff(
    parsed: &ParsedPlan,
    meta: &PlanMeta,
    plan: &PlanId,
    state: &PlanState,
    desired: &[Desired],
) -> Vec<Payload> {
    let mut changes_out = Vec::new();
    // Sections: matched by title (normalised) or number; new ones are added with fresh ids.
    let existing = section_ids(parsed, Some(state));
    let known: BTreeSet<&str> = state.sections.iter().map(|(id, _, _)| id.as_str()).collect();
    for (index, section) in parsed.sections.iter().enumerate() {
        if let Some(id) = existing.get(index) {
            if !known.contains(id.as_str()) {
                changes_out.push(Payload::PlanSectionAdded(PlanSectionAdded {
                    plan: plan.clone(),
                    section: id.clone(),
                    number: section.number.clone(),
                    title: section_title(&section.title),
                }));
            }
        }
    }
    let reason = format!("изменено актом: {}", meta.basis);
    let mut seen = BTreeSet::new();
    for activity in desired {
        let mut added = activity.added.clone();
        if let Some(section) = existing.get(activity.section_index) {
            added.section = section.clone();
        }
        let id = added.activity.as_str().to_string();
        seen.insert(id.clone());
        match state.activities.get(&id) {
            Some(old) if !old.cancelled => {
                let new_fields = fields_of(&added);
                let changes: Vec<FieldChange> = new_fields
                    .iter()
                    .filter_map(|(field, new)| {
                        let old = old.fields.get(field).cloned().unwrap_or_default();
                        (old != *new).then(|| match field {
                            // The reading recorded with the activity's new term, in the plan's
                            // period: the fold reads it, never the text.
                            ActivityField::Term => FieldChange::term(old, added.term.clone()),
                            _ => FieldChange::text(*field, old, new.clone()),
                        })
                    })
                    .collect();
                if !changes.is_empty() {
                    changes_out.push(Payload::ActivityAmended(ActivityAmended {
                        plan: plan.clone(),
                        activity: added.activity.clone(),
                        changes,
                        reason: reason.clone(),
                    }));
                }
            }
            _ => changes_out.push(Payload::ActivityAdded(added)),
        }
    }
    for (id, old) in &state.activities {
        if old.cancelled || seen.contains(id) {
            continue;
        }
        if let Ok(activity) = ActivityId::new(id.clone()) {
            changes_out.push(Payload::ActivityCancelled(ActivityCancelled {
                plan: plan.clone(),
                activity,
                reason: format!("нет в редакции плана, утверждённой актом: {}", meta.basis),
            }));
        }
    }
    if changes_out.is_empty() {
        return changes_out;
    }
    let mut payloads =
        vec![Payload::PlanApproved(PlanApproved { plan: plan.clone(), act: meta.basis.clone() })];
    payloads.extend(changes_out);
    payloads
}

/// Section ids for the parsed sections: `s-<n>` by position on a first import; on a re-import
/// a section whose title (or, failing that, number) matches an existing one keeps its id.
fn section_ids(parsed: &ParsedPlan, state: Option<&PlanState>) -> Vec<SectionId> {
    let mut next = state.map_or(0, |s| s.sections.len());
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (index, section) in parsed.sections.iter().enumerate() {
        let title = normalize(&section_title(&section.title));
        let matched = state.and_then(|s| {
            s.sections
                .iter()
                .find(|(id, _, t)| normalize(t) == title && !taken.contains(id.as_str()))
                .or_else(|| {
                    s.sections.iter().find(|(id, number, _)| {
                        number.is_some()
                            && *number == section.number
                            && !taken.contains(id.as_str())
                    })
                })
                .map(|(id, _, _)| id.clone())
        });
        let fresh = match (&matched, state) {
            (Some(_), _) => None,
            (None, None) => Some(format!("s-{}", index.saturating_add(1))),
            (None, Some(_)) => {
                next = next.saturating_add(1);
                Some(format!("s-{next}"))
            }
        };
        let id = match (matched, fresh.map(SectionId::new)) {
            (Some(id), _) | (None, Some(Ok(id))) => id,
            // "s-<digits>" is always a valid id; the sections after a failure are skipped.
            _ => break,
        };
        taken.insert(id.as_str().to_string());
        out.push(id);
    }
    out
}

fn section_title(title: &str) -> String {
    let title = title.trim();
    if title.is_empty() {
        UNTITLED_SECTION.to_string()
    } else {
        title.to_string()
    }
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn fields_of(added: &ActivityAdded) -> BTreeMap<ActivityField, String> {
    BTreeMap::from([
        (ActivityField::Section, added.section.as_str().to_string()),
        (ActivityField::Number, added.number.clone()),
        (ActivityField::Title, added.title.clone()),
        (ActivityField::Responsible, added.responsible.clone()),
        (ActivityField::CoExecutors, added.co_executors.join("\n")),
        (ActivityField::Term, added.term.text.clone()),
        (ActivityField::KeyResult, added.key_result.clone()),
        (ActivityField::FixingDocuments, added.fixing_documents.clone()),
    ])
}

/// The term as it is recorded: read on its own, or in the plan's period when the text names no
/// year (`term::parse_in_plan`, the rule `ActivityAdded::validate` and the gate check).
fn term_in_period(text: &str, period: (u16, u16)) -> Term {
    term::parse_in_plan(text, Some((i32::from(period.0), i32::from(period.1))))
}

fn derive_period(title: &str, parsed: &ParsedPlan, basis: &Basis) -> (u16, u16) {
    let mut years = years_in(title);
    if years.is_empty() {
        for activity in parsed.sections.iter().flat_map(|s| s.activities.iter()) {
            match term::parse(&activity.term_text).meaning {
                TermMeaning::Year { year } => years.push(year),
                TermMeaning::Years { from_year, to_year } => years.extend([from_year, to_year]),
                TermMeaning::Date { due, .. } => years.push(due.year()),
                TermMeaning::Range { from, to } => years.extend([from.year(), to.year()]),
                TermMeaning::Dates { dates } => years.extend(dates.iter().map(|d| d.year())),
                _ => {}
            }
        }
    }
    let basis_year = basis.date.year();
    let to_u16 = |year: i32| u16::try_from(year).ok();
    let first = years.iter().copied().min().and_then(to_u16);
    let last = years.iter().copied().max().and_then(to_u16);
    match (first, last) {
        (Some(first), Some(last)) => (first, last),
        _ => {
            let year = to_u16(basis_year).unwrap_or(2000);
            (year, year)
        }
    }
}

fn years_in(text: &str) -> Vec<i32> {
    let mut out = Vec::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if digits.len() == 4 {
                if let Ok(year) = digits.parse::<i32>() {
                    if (1990..=2100).contains(&year) {
                        out.push(year);
                    }
                }
            }
            digits.clear();
        }
    }
    out
}

fn row_of(payload: &Payload, desired: &[Desired]) -> u32 {
    let activity = match payload {
        Payload::ActivityAdded(p) => &p.activity,
        Payload::ActivityAmended(p) => &p.activity,
        _ => return 0,
    };
    desired.iter().find(|d| d.added.activity == *activity).map_or(0, |d| d.row)
}

fn column_of_field(field: &str) -> Option<Column> {
    let head = field.split('.').next().unwrap_or(field);
    match head {
        "number" => Some(Column::Number),
        "title" => Some(Column::Title),
        "term" => Some(Column::Term),
        "responsible" => Some(Column::Responsible),
        "co_executors" => Some(Column::CoExecutors),
        "key_result" => Some(Column::KeyResult),
        "fixing_documents" => Some(Column::FixingDocuments),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proto_events::vocabulary::PlanLevel;

    use crate::documents::import::plan_events::{plan_id, years_in};

    #[test]
    fn plan_id_is_stable_across_spacing_and_case() {
        let a = plan_id(PlanLevel::Regional, None, "План  мероприятий 2021-2025");
        let b = plan_id(PlanLevel::Regional, Some("38-01"), "план мероприятий 2021-2025 ");
        assert_eq!(a, b);
        assert_ne!(a, plan_id(PlanLevel::Municipal, None, "план мероприятий 2021-2025"));
        // Two municipalities' plans of the same title are two plans.
        let ours = plan_id(PlanLevel::Municipal, Some("38-01"), "План мероприятий на 2024 год");
        let theirs = plan_id(PlanLevel::Municipal, Some("38-12"), "План мероприятий на 2024 год");
        assert_ne!(ours, theirs);
        assert_eq!(
            ours,
            plan_id(PlanLevel::Municipal, Some(" 38-01 "), "план мероприятий на 2024 год")
        );
    }

    #[test]
    fn years_are_read_from_titles() {
        assert_eq!(years_in("на 2021-2025 годы"), vec![2021, 2025]);
        assert_eq!(years_in("№ 12345 от 2023"), vec![2023]);
    }
}
