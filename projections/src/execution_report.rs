//! The report on a plan's execution for a period (the act's own «отчёт об исполнении плана /
//! информационно-аналитическая справка»): every activity with its term, responsible and status
//! at the period's end, the execution's evidence and date or the cancelling act, and the counts
//! by status. Built from the plan view at the period's last day, so it says exactly what `plans`
//! says on that day; nothing is recomputed here but the grouping.

use proto_events::term::Term;
use proto_events::vocabulary::{PlanId, PlanLevel};
use proto_events::Date;
use serde::Serialize;

use crate::plan::{
    ActivityStatus, ActivityView, DeadlineView, PlanChangeView, PlanStatus, PlanView,
};

/// An activity's status at the period's end as the report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionReportStatus {
    /// Выполнено.
    Done,
    /// Выполнено частично.
    Partly,
    /// Не выполнено (reported so after its deadline).
    NotDone,
    /// Просрочено: a deadline passed with no report settling it.
    Overdue,
    /// Срок не наступил.
    NotYetDue,
    /// Отменено (by an act in force).
    Cancelled,
}

impl ExecutionReportStatus {
    /// Every status in the order of the summary.
    pub const ALL: [ExecutionReportStatus; 6] = [
        ExecutionReportStatus::Done,
        ExecutionReportStatus::Partly,
        ExecutionReportStatus::NotDone,
        ExecutionReportStatus::Overdue,
        ExecutionReportStatus::NotYetDue,
        ExecutionReportStatus::Cancelled,
    ];

    /// The status of an activity whose plan status is `status`.
    pub fn of(status: ActivityStatus) -> ExecutionReportStatus {
        match status {
            ActivityStatus::Done => ExecutionReportStatus::Done,
            ActivityStatus::Partly => ExecutionReportStatus::Partly,
            ActivityStatus::NotDone => ExecutionReportStatus::NotDone,
            ActivityStatus::Overdue => ExecutionReportStatus::Overdue,
            ActivityStatus::Planned | ActivityStatus::InProgress => {
                ExecutionReportStatus::NotYetDue
            }
            ActivityStatus::Cancelled => ExecutionReportStatus::Cancelled,
        }
    }

    /// The Russian words of the report.
    pub fn label_ru(self) -> &'static str {
        match self {
            ExecutionReportStatus::Done => "выполнено",
            ExecutionReportStatus::Partly => "выполнено частично",
            ExecutionReportStatus::NotDone => "не выполнено",
            ExecutionReportStatus::Overdue => "просрочено",
            ExecutionReportStatus::NotYetDue => "срок не наступил",
            ExecutionReportStatus::Cancelled => "отменено",
        }
    }
}

/// The report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecutionReport {
    /// The plan.
    pub plan: PlanId,
    /// Its title at the period's end.
    pub title: String,
    /// Its level.
    pub level: PlanLevel,
    /// Its approving act, as text.
    pub basis: Option<String>,
    /// Its own status at the period's end.
    pub plan_status: PlanStatus,
    /// Whether its agreement by the region is in force at the period's end.
    pub agreed: bool,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period: every status is as of this day.
    pub to: Date,
    /// Counts by status, in `ExecutionReportStatus::ALL` order (zeros included).
    pub summary: Vec<(ExecutionReportStatus, u32)>,
    /// One row per activity, in the plan's order.
    pub rows: Vec<ExecutionRow>,
    /// The plan-level changes (approval, amendments, agreement, supersession, revocation) in
    /// force at the period's end.
    pub plan_changes: Vec<PlanChangeView>,
}

/// One activity of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecutionRow {
    /// Its section, number and title as written.
    pub section: String,
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its term: as written and as understood.
    pub term: Term,
    /// Each deadline of a term with several dates, with its own fate.
    pub deadlines: Vec<DeadlineView>,
    /// The responsible executor.
    pub responsible: String,
    /// The status at the period's end.
    pub status: ExecutionReportStatus,
    /// The latest execution report by the period's end: its evidence.
    pub evidence: Option<String>,
    /// … and its date.
    pub executed_on: Option<Date>,
    /// Whether that report falls within the period.
    pub executed_in_period: bool,
    /// For a cancelled activity: the cancelling act, as text.
    pub cancelled_by: Option<String>,
    /// … and why.
    pub cancellation_reason: Option<String>,
}

/// The report of `plan`, which is the plan's view at `to` (the period's last day).
pub fn execution_report(plan: &PlanView, from: Date, to: Date) -> ExecutionReport {
    let mut rows = Vec::new();
    for section in &plan.sections {
        let name = match &section.number {
            Some(number) => format!("{number}. {}", section.title),
            None => section.title.clone(),
        };
        for activity in &section.activities {
            rows.push(row(&name, activity, from));
        }
    }
    let summary = ExecutionReportStatus::ALL
        .iter()
        .map(|status| {
            let count = rows.iter().filter(|row| row.status == *status).count();
            (*status, u32::try_from(count).unwrap_or(u32::MAX))
        })
        .collect();
    ExecutionReport {
        plan: plan.id.clone(),
        title: plan.title.clone(),
        level: plan.level,
        basis: plan.basis.clone(),
        plan_status: plan.status,
        agreed: plan.agreed,
        from,
        to,
        summary,
        rows,
        plan_changes: plan.history.iter().filter(|change| change.in_force).cloned().collect(),
    }
}

fn row(section: &str, activity: &ActivityView, from: Date) -> ExecutionRow {
    let status = ExecutionReportStatus::of(activity.status);
    // The plan view lists the reports made by its date, in date order.
    let latest = activity.executions.last();
    let cancellation = activity.cancellation.as_ref().filter(|cancellation| cancellation.in_force);
    ExecutionRow {
        section: section.to_string(),
        number: activity.number.clone(),
        title: activity.title.clone(),
        term: activity.term.clone(),
        deadlines: activity.deadlines.clone(),
        responsible: activity.responsible.clone(),
        status,
        evidence: latest.map(|report| report.evidence.clone()),
        executed_on: latest.map(|report| report.reported_on),
        executed_in_period: latest.is_some_and(|report| report.reported_on >= from),
        cancelled_by: cancellation.and_then(|cancellation| cancellation.basis.clone()),
        cancellation_reason: cancellation.map(|cancellation| cancellation.reason.clone()),
    }
}
