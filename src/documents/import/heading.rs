//! The text around a plan's table: the act named in the document's heading («Приложение к
//! приказу от 28.01.2021 г. № 54-од»), found in any word order and returned in the form
//! `--basis` takes («Приказ №54-од от 28.01.2021»), so a document that names its act needs no
//! `--basis`.

use proto_events::Basis;

/// Paragraphs of the heading looked at (an act is named at the top, not after the table).
const HEADING_PARAGRAPHS_MAX: usize = 40;

/// The act the heading names, as `--basis` takes it; `None` when no paragraph names a kind of
/// act, its number and its date together.
pub(crate) fn basis_in_heading(paragraphs: &[String]) -> Option<String> {
    let heading: Vec<&String> = paragraphs.iter().take(HEADING_PARAGRAPHS_MAX).collect();
    for (index, paragraph) in heading.iter().enumerate() {
        // An act's reference may wrap onto the next paragraph ("Приложение к приказу" /
        // "от 28.01.2021 г. № 54-од").
        let mut text = paragraph.to_string();
        if let Some(next) = heading.get(index.saturating_add(1)) {
            text.push(' ');
            text.push_str(next);
        }
        if let Some(basis) = basis_in_text(&text) {
            return Some(basis);
        }
    }
    None
}

/// The act named in one piece of text: a kind word, then "№ <номер>" and "от <дд.мм.гггг>" in
/// either order.
pub(crate) fn basis_in_text(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let (kind_index, kind) =
        tokens.iter().enumerate().find_map(|(i, t)| act_kind(t).map(|k| (i, k)))?;
    let rest = tokens.get(kind_index.saturating_add(1)..)?;
    let mut number: Option<String> = None;
    let mut date: Option<String> = None;
    let mut tokens = rest.iter().take(12).peekable();
    while let Some(token) = tokens.next() {
        if let Some(after) = token.strip_prefix('№') {
            let value = if after.is_empty() { tokens.next().copied() } else { Some(after) };
            number = number.or(value.map(|v| v.trim_end_matches([',', ';']).to_string()));
        } else if token.eq_ignore_ascii_case("от") {
            if let Some(value) = tokens.next() {
                let value = value.trim_end_matches(['г', '.', ',', ';']);
                date = date.or(Some(value.to_string()));
            }
        }
    }
    let text = format!("{kind} №{} от {}", number?, date?);
    Basis::parse(&text).map(|_| text)
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
    use crate::documents::import::heading::basis_in_text;

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
}
