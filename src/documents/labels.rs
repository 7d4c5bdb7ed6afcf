//! The Russian words officials read for the plan vocabulary (statuses, levels, amended fields),
//! shared by the documents both ways: the exported workbook writes them, the importer's diff
//! report names amended fields with them, and the CLI's tables show them. Neither direction
//! depends on the other for them.

use proto_events::vocabulary::{ActivityField, DecisionForm, PlanLevel};

use projections::plan::{ActivityStatus, PlanChangeKind, PlanStatus};

/// The status of an activity as officials write it.
pub fn status_label(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Planned => "запланировано",
        ActivityStatus::InProgress => "выполняется",
        ActivityStatus::Done => "выполнено",
        ActivityStatus::Partly => "выполнено частично",
        ActivityStatus::NotDone => "не выполнено",
        ActivityStatus::Cancelled => "отменено",
        ActivityStatus::Overdue => "просрочено",
    }
}

/// The level of a plan in Russian.
pub fn level_label(level: &PlanLevel) -> &'static str {
    match level {
        PlanLevel::Federal => "федеральный",
        PlanLevel::Regional => "региональный",
        PlanLevel::Municipal => "муниципальный",
        PlanLevel::Organisation => "уровень организации",
    }
}

/// The field of an amendment in Russian.
pub fn field_label(field: ActivityField) -> &'static str {
    match field {
        ActivityField::Section => "раздел",
        ActivityField::Number => "номер",
        ActivityField::Title => "наименование",
        ActivityField::Responsible => "ответственный исполнитель",
        ActivityField::CoExecutors => "соисполнители",
        ActivityField::Term => "срок",
        ActivityField::KeyResult => "ключевой результат",
        ActivityField::FixingDocuments => "документ, фиксирующий результат",
        ActivityField::Indicator => "показатель",
        ActivityField::PlannedValue => "плановое значение",
    }
}

/// A plan's own status in Russian.
pub fn plan_status_label(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::Draft => "проект (не утверждён)",
        PlanStatus::Approved => "утверждён, действует",
        PlanStatus::Superseded => "заменён другим планом",
        PlanStatus::Revoked => "утратил силу",
    }
}

/// What a plan-level change did, in Russian.
pub fn plan_change_label(kind: PlanChangeKind) -> &'static str {
    match kind {
        PlanChangeKind::Amended => "изменение плана",
        PlanChangeKind::Agreed => "согласование с регионом",
        PlanChangeKind::Superseded => "замена другим планом",
        PlanChangeKind::Revoked => "признание утратившим силу",
    }
}

/// The form of a management decision in Russian; a recommendation has none.
pub fn decision_form_label(form: Option<DecisionForm>) -> &'static str {
    match form {
        None => "рекомендация",
        Some(DecisionForm::Protocol) => "протокол",
        Some(DecisionForm::Order) => "распоряжение",
        Some(DecisionForm::Instruction) => "поручение",
    }
}
