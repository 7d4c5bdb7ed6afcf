//! The text around a plan's table: the act named in the document's heading («Приложение к
//! приказу от 28.01.2021 г. № 54-од»), found in any word order and returned in the form
//! `--basis` takes («Приказ №54-од от 28.01.2021»), so a document that names its act needs no
//! `--basis`.

use proto_events::Basis;

/// Paragraphs of the heading looked at (an act is named at the top, not after the table).
const HEADING_PARAGRAPHS_MAX: usize = 40;
/// Paragraphs joined to look for one act: the kind, the date and the number often stand on
/// lines of their own («РАСПОРЯЖЕНИЕ» / «13 июня 2023 года» / «№ 55-494-мр»).
const ACT_PARAGRAPHS_MAX: usize = 3;
/// A paragraph longer than this is prose (a preamble citing other acts), not a heading.
const HEADING_PARAGRAPH_CHARS_MAX: usize = 160;
/// Words after the kind of act in which its number and date are looked for.
const ACT_WORDS_MAX: usize = 16;

/// The act the heading names, as `--basis` takes it; `None` when no short paragraph (with the
/// next two) names a kind of act, its number and its date together.
pub(crate) fn basis_in_heading(paragraphs: &[String]) -> Option<String> {
    let heading: Vec<&str> = paragraphs
        .iter()
        .take(HEADING_PARAGRAPHS_MAX)
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    for index in 0..heading.len() {
        let window: Vec<&str> = heading
            .iter()
            .skip(index)
            .take(ACT_PARAGRAPHS_MAX)
            .take_while(|p| p.chars().count() <= HEADING_PARAGRAPH_CHARS_MAX)
            .copied()
            .collect();
        if let Some(basis) = basis_in_text(&window.join(" ")) {
            return Some(basis);
        }
    }
    None
}

/// The act named in one piece of text: a kind word, then "№ <номер>" and a date ("от
/// 28.01.2021 г.", "13 июня 2023 года") in either order.
pub(crate) fn basis_in_text(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let (kind_index, kind) =
        tokens.iter().enumerate().find_map(|(i, t)| act_kind(t).map(|k| (i, k)))?;
    let rest: Vec<&str> =
        tokens.iter().skip(kind_index.saturating_add(1)).take(ACT_WORDS_MAX).copied().collect();
    let mut number: Option<String> = None;
    let mut date: Option<String> = None;
    let mut index = 0usize;
    while let Some(token) = rest.get(index) {
        index = index.saturating_add(1);
        if let Some(after) = token.strip_prefix('№') {
            let value = if after.is_empty() { rest.get(index).copied() } else { Some(after) };
            if after.is_empty() {
                index = index.saturating_add(1);
            }
            let value = value.map(|v| v.trim_matches(['*', ',', ';', '_']).to_string());
            number = number.or(value.filter(|v| !v.is_empty()));
            continue;
        }
        if date.is_none() {
            date = numeric_date(token).or_else(|| {
                let words = rest.get(index.saturating_sub(1)..index.saturating_add(2))?;
                worded_date(words)
            });
        }
    }
    let text = format!("{kind} №{} от {}", number?, date?);
    Basis::parse(&text).map(|_| text)
}

/// "28.01.2021", "28.01.2021г." as `дд.мм.гггг`.
fn numeric_date(token: &str) -> Option<String> {
    let token = token.trim_end_matches(['г', '.', ',', ';']);
    let parts: Vec<&str> = token.split('.').collect();
    let [day, month, year] = parts.as_slice() else { return None };
    let all_digits = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    (all_digits(day) && all_digits(month) && all_digits(year) && year.len() == 4)
        .then(|| format!("{day:0>2}.{month:0>2}.{year}"))
}

/// "13 июня 2023" as `дд.мм.гггг`.
fn worded_date(words: &[&str]) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ];
    let [day, month, year] = words else { return None };
    let day: u32 = day.trim_matches(['«', '»', '"']).parse().ok()?;
    let month = MONTHS.iter().position(|m| month.to_lowercase() == *m)?.saturating_add(1);
    let year = year.trim_end_matches(['г', '.', ',']);
    (year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) && (1..=31).contains(&day))
        .then(|| format!("{day:02}.{month:02}.{year}"))
}

/// The act's kind in the nominative ("приказу" → "Приказ").
fn act_kind(token: &str) -> Option<&'static str> {
    let word = token.to_lowercase();
    let word = word.trim_matches(|c: char| !c.is_alphabetic());
    [
        ("приказ", "Приказ"),
        ("распоряжени", "Распоряжение"),
        ("постановлени", "Постановление"),
        ("решени", "Решение"),
    ]
    .iter()
    .find(|(stem, _)| word.starts_with(stem))
    .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use crate::documents::import::heading::{basis_in_heading, basis_in_text};

    #[test]
    fn acts_are_found_in_either_order() {
        assert_eq!(
            basis_in_text("Приложение к приказу от 28.01.2021 г. № 54-од").as_deref(),
            Some("Приказ №54-од от 28.01.2021")
        );
        assert_eq!(
            basis_in_text("УТВЕРЖДЕН распоряжением №55-35-мпр от 13.06.2023").as_deref(),
            Some("Распоряжение №55-35-мпр от 13.06.2023")
        );
        assert_eq!(basis_in_text("План работы на 2022 год"), None);
    }

    #[test]
    fn an_act_set_on_lines_of_its_own_is_found() {
        let heading: Vec<String> = [
            "МИНИСТЕРСТВО ОБРАЗОВАНИЯ ИРКУТСКОЙ ОБЛАСТИ",
            "РАСПОРЯЖЕНИЕ",
            "13 июня 2023 года",
            "№ *55-494-мр*",
            "Иркутск",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            basis_in_heading(&heading).as_deref(),
            Some("Распоряжение №55-494-мр от 13.06.2023")
        );
    }
}
