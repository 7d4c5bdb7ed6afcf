//! Russian as officials write it: dates `дд.мм.гггг`, the decimal comma, «87,5 %» with a
//! non-breaking space, thousands grouped by a narrow space, and the words of targets, periods
//! and statuses. Presentation only: every number shown comes from the query code's own values
//! (`query::json::value_json`), here only re-punctuated.

use chrono::{Datelike, Timelike};
use projections::monitoring::{TargetInForce, TargetStatus};
use proto_events::term::{Frequency, TermMeaning, Within};
use proto_events::vocabulary::{Accumulation, IndicatorCode, IndicatorMeasure, Scope, TargetValue};
use proto_events::{Date, Timestamp};
use serde_json::Value;

use crate::access::Role;
use crate::query::json::value_json;

/// The non-breaking space between a number and its sign («87,5 %»).
pub const NBSP: char = '\u{a0}';

/// `дд.мм.гггг`.
pub fn date(day: Date) -> String {
    day.to_russian()
}

/// `дд.мм.гггг чч:мм UTC` of a recorded time.
pub fn timestamp(time: Timestamp) -> String {
    match time.to_datetime() {
        Some(time) => format!(
            "{:02}.{:02}.{:04} {:02}:{:02} UTC",
            time.day(),
            time.month(),
            time.year(),
            time.hour(),
            time.minute()
        ),
        None => "—".to_string(),
    }
}

/// A JSON number with the decimal comma: `12.5` → `12,5`.
pub fn decimal(value: &Value) -> String {
    value.to_string().replace('.', ",")
}

/// A count with its thousands grouped: `12 345`.
pub fn count(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// A figure's value as shown: «87,5 %» for a share, the count, the ratio; «—» when undefined
/// (no one to count). The number is `value_json`'s, the API's.
pub fn figure_value(code: IndicatorCode, numerator: u64, denominator: u64) -> String {
    let value = value_json(code, numerator, denominator);
    if value.is_null() {
        return "—".to_string();
    }
    match code.measure() {
        IndicatorMeasure::Share => format!("{}{NBSP}%", decimal(&value)),
        IndicatorMeasure::Count => value.as_u64().map_or_else(|| decimal(&value), count),
        IndicatorMeasure::Ratio => decimal(&value),
    }
}

/// A target's value in words: «не менее 10 %», «не более 250», «положительная динамика».
pub fn target_value(value: TargetValue) -> String {
    let percent = |bp: u32| {
        let whole = bp / 100;
        let hundredths = bp % 100;
        let text = if hundredths == 0 {
            whole.to_string()
        } else if hundredths % 10 == 0 {
            format!("{whole},{}", hundredths / 10)
        } else {
            format!("{whole},{hundredths:02}")
        };
        format!("{text}{NBSP}%")
    };
    match value {
        TargetValue::ShareAtLeastBp(bp) => format!("не менее {}", percent(bp)),
        TargetValue::ShareAtMostBp(bp) => format!("не более {}", percent(bp)),
        TargetValue::CountAtLeast(n) => format!("не менее {}", count(u64::from(n))),
        TargetValue::CountAtMost(n) => format!("не более {}", count(u64::from(n))),
        TargetValue::PositiveDynamics => "положительная динамика".to_string(),
    }
}

/// A target's period rule: «ежегодно», «накопительным итогом с 2023 г.».
pub fn target_period(target: &TargetInForce) -> String {
    match (target.accumulation, target.from_year) {
        (Accumulation::Annual, _) => "ежегодно".to_string(),
        (Accumulation::Cumulative, Some(year)) => format!("накопительным итогом с {year} г."),
        (Accumulation::Cumulative, None) => "накопительным итогом".to_string(),
    }
}

/// A target's status, and the CSS class of its badge.
pub fn status(status: Option<TargetStatus>) -> (&'static str, &'static str) {
    match status {
        Some(TargetStatus::Met) => ("достигнуто", "met"),
        Some(TargetStatus::NotMet) => ("не достигнуто", "not-met"),
        Some(TargetStatus::NotDue) => ("срок не наступил", "not-due"),
        None => ("не оценивается", "none"),
    }
}

/// A figure's `met` as the element's `data-met`: `true`, `false`, or empty.
pub fn met_attribute(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// The names of the competences the demo region's procedures diagnose, by code (the dashboard's
/// own words). The vocabulary carries codes only (a procedure registers a set of codes, no
/// names), so a code not here is shown as its code.
const COMPETENCES: &[(&str, &str)] = &[
    ("k.subject", "Предметные компетенции"),
    ("k.method", "Методические компетенции (обновлённые ФГОС)"),
    ("k.literacy", "Формирование функциональной грамотности"),
    ("k.digital", "Цифровая образовательная среда"),
    ("k.assessment", "Оценка образовательных результатов"),
    ("k.upbringing", "Воспитательная работа"),
    ("k.talents", "Выявление и поддержка одарённых детей"),
    ("k.career", "Профессиональная ориентация обучающихся"),
    ("k.preschool", "Качество дошкольного образования"),
];

/// A competence's name, if it has one here.
pub fn competence(code: &str) -> Option<&'static str> {
    COMPETENCES.iter().find(|(known, _)| *known == code).map(|(_, name)| *name)
}

/// A scope in words: «регион», «муниципалитет 38-12», «организация o-001».
pub fn scope(scope: &Scope) -> String {
    match scope {
        Scope::Region => "регион".to_string(),
        Scope::Municipality(code) => format!("муниципалитет {code}"),
        Scope::Organisation(id) => format!("организация {id}"),
    }
}

/// A role as the page names it: «министерство», «муниципалитет 38-12».
pub fn role(role: &Role) -> String {
    match role {
        Role::System => "система".to_string(),
        Role::Ministry => "министерство".to_string(),
        Role::Operator => "региональный оператор (ЦНППМ)".to_string(),
        Role::Municipality(code) => format!("муниципалитет {code}"),
        Role::Organisation(id) => format!("организация {id}"),
        Role::Auditor => "аудитор".to_string(),
    }
}

/// What a plan term means, when it could be read: «до 30.06.2023», «ежегодно, IV квартал».
pub fn term_meaning(meaning: &TermMeaning) -> String {
    match meaning {
        TermMeaning::Date { due, from: Some(from) } => format!("{} – {}", date(*from), date(*due)),
        TermMeaning::Date { due, from: None } => format!("до {}", date(*due)),
        TermMeaning::Range { from, to } => format!("{} – {}", date(*from), date(*to)),
        TermMeaning::Year { year } => format!("{year} год"),
        TermMeaning::Years { from_year, to_year } => format!("{from_year}–{to_year} годы"),
        TermMeaning::Recurring(recurrence) => {
            let frequency = match recurrence.frequency {
                Frequency::Monthly => "ежемесячно",
                Frequency::Quarterly => "ежеквартально",
                Frequency::Yearly => "ежегодно",
            };
            let within = match recurrence.within {
                Some(Within::Month(month)) => format!(", месяц {month}"),
                Some(Within::Months { first, last }) => format!(", месяцы {first}–{last}"),
                Some(Within::Quarter(quarter)) => format!(", {quarter} квартал"),
                Some(Within::HalfYear(half)) => format!(", {half} полугодие"),
                None => String::new(),
            };
            let years = match (recurrence.start_year, recurrence.end_year) {
                (Some(from), Some(to)) => format!(", {from}–{to}"),
                (Some(from), None) => format!(", с {from}"),
                (None, Some(to)) => format!(", по {to}"),
                (None, None) => String::new(),
            };
            format!("{frequency}{within}{years}")
        }
        TermMeaning::Continuous { from, to } => match (from, to) {
            (Some(from), Some(to)) => format!("постоянно, {} – {}", date(*from), date(*to)),
            _ => "постоянно".to_string(),
        },
        TermMeaning::Text { reason } => format!("не прочитан: {reason}"),
        TermMeaning::Dates { dates } => {
            let days: Vec<String> = dates.iter().map(|day| date(*day)).collect();
            format!("сроки: до {}", days.join(", до "))
        }
    }
}

#[cfg(test)]
mod tests {
    use proto_events::vocabulary::{IndicatorCode, TargetValue};

    use crate::web::format::{count, figure_value, target_value};

    #[test]
    fn numbers_read_as_officials_write_them() {
        let code = |text: &str| text.parse::<IndicatorCode>().unwrap();
        assert_eq!(figure_value(code("diagnosed"), 7, 8), "87,5\u{a0}%");
        assert_eq!(figure_value(code("diagnosed"), 1, 3), "33,33\u{a0}%");
        assert_eq!(figure_value(code("diagnosed"), 0, 0), "—");
        assert_eq!(figure_value(code("regional_events"), 12345, 1), "12\u{202f}345");
        assert_eq!(count(999), "999");
        assert_eq!(target_value(TargetValue::ShareAtLeastBp(950)), "не менее 9,5\u{a0}%");
        assert_eq!(target_value(TargetValue::ShareAtLeastBp(1000)), "не менее 10\u{a0}%");
        assert_eq!(target_value(TargetValue::CountAtMost(250)), "не более 250");
    }
}
