//! The genre's page-break artefacts, the same in every input format: rows that are not
//! activities (an approval sheet after the table, signatures, page numbers, running headers),
//! and the tail of a row that did not fit on its page, printed as the first paragraph of the
//! next row's cell. The readers ask these rules; what they skip and what they join goes into
//! the import report (`ParsedPlan::skipped`, `ParsedPlan::joined`), never silently.

/// Why a row is not an activity, in the words of the report.
pub(crate) const REASON_REPEATED_HEADER: &str = "повтор заголовка таблицы (разрыв страницы)";
pub(crate) const REASON_COLUMN_NUMBERS: &str = "повтор строки с номерами граф (разрыв страницы)";
pub(crate) const REASON_APPROVAL: &str =
    "лист согласования или изменений, подписи или заключение после таблицы";
pub(crate) const REASON_PAGE_NUMBER: &str = "номер страницы";
pub(crate) const REASON_RUNNING_HEADER: &str = "колонтитул или надпись о продолжении таблицы";
pub(crate) const REASON_SUSPECT: &str =
    "строка с номером после последнего мероприятия без срока и ответственного: \
     похоже, не мероприятие (лист согласования, подпись); не импортирована";

/// Words that open an approval sheet or the signatures after a plan's table; everything from
/// such a row to the end of the table is not the plan. The strong openings stand anywhere; the
/// weak ones (a position, "Заключение") only in a row of at most two filled cells, since an
/// activity's title may begin with the same word ("Заключение соглашений …").
pub(crate) fn starts_approval_block(text: &str, filled_cells: usize) -> bool {
    const STRONG: &[&str] = &[
        "лист согласования",
        "лист ознакомления",
        "лист изменений",
        "согласовано",
        "утверждаю",
        "исполнитель:",
        "исп.",
    ];
    const WEAK: &[&str] = &[
        "заключение",
        "подписи",
        "визы",
        "министр ",
        "заместитель министра",
        "первый заместитель",
        "начальник управления",
        "исполнитель ",
    ];
    let lower = text.trim().to_lowercase();
    // "Утверждаю", not "утверждающий": an opening is a whole word.
    let opens = |opening: &&str| {
        lower.strip_prefix(*opening).is_some_and(|rest| {
            opening.ends_with(|c: char| !c.is_alphabetic())
                || !rest.starts_with(|c: char| c.is_alphabetic())
        })
    };
    let weak = filled_cells <= 2 && {
        let short_or_colon = lower.chars().count() <= 80 || lower.contains(':');
        short_or_colon && WEAK.iter().any(opens)
    };
    weak || STRONG.iter().any(opens)
}

/// A row's text that is a page number ("13", "- 13 -", "стр. 13", "Страница 2 из 9").
pub(crate) fn is_page_number(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let stripped = lower
        .trim_start_matches("страница")
        .trim_start_matches("стр.")
        .trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c.is_whitespace());
    let mut parts = stripped.split(" из ");
    let is_count = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
    };
    let first = parts.next();
    match parts.next() {
        Some(total) => is_count(first) && is_count(Some(total)),
        None => is_count(first) && !stripped.contains('.'),
    }
}

/// A running header or a note that the table goes on ("Продолжение таблицы", "Окончание
/// приложения 1").
pub(crate) fn is_running_header(text: &str) -> bool {
    const OPENINGS: &[&str] = &[
        "продолжение таблицы",
        "продолжение приложения",
        "окончание таблицы",
        "окончание приложения",
    ];
    let lower = text.trim().to_lowercase();
    OPENINGS.iter().any(|opening| lower.starts_with(opening))
}

/// A signature line: a blank to sign or date, or a stamp.
pub(crate) fn is_signature(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("(подпись)")
        || lower.contains("м.п.")
        || lower.contains("____")
        || lower.contains("«__»")
        || lower.contains("\"__\"")
}

/// Splits the first paragraph off a row's first text cell (`raw`, paragraphs on their own
/// lines) when it is the tail of the previous row's cell (`previous`) carried over a page
/// break: it starts in lower case, or it closes a parenthesis or quote the previous cell left
/// open, or it is a lone word after a previous cell that does not end its sentence, or, right
/// after a page break, it continues a previous cell that does not end its sentence and does not
/// open a title itself. The rest of the cell must start like a title of its own. Returns (tail,
/// rest of the cell).
///
/// A cell of one paragraph (a tab-separated text dump keeps no paragraph boundaries) is split
/// only right after a page break (`after_page_break`), and only where a word opens an activity's
/// title as the genre writes them: a capitalised verbal noun in the nominative («Организация»,
/// «Проведение», «Разработка») or one of the genre's event words («Конкурс», «Форум»). A proper
/// noun inside the tail («Академии», «Минпросвещения») is in an oblique case and does not match.
pub(crate) fn split_continuation(
    raw: &str,
    previous: &str,
    after_page_break: bool,
) -> Option<(String, String)> {
    let mut paragraphs = raw.split('\n').map(str::trim).filter(|p| !p.is_empty());
    let first = paragraphs.next()?;
    let rest: Vec<&str> = paragraphs.collect();
    let (first, rest) = match rest.first() {
        Some(_) => (first.to_string(), rest.join("\n")),
        None if after_page_break => {
            let (tail, title) = split_at_title_opening(first)?;
            (tail.to_string(), title.to_string())
        }
        None => return None,
    };
    let rest_starts_title =
        rest.chars().next().is_some_and(|c| c.is_uppercase() || c == '«' || c == '"');
    if !rest_starts_title || previous.trim().is_empty() {
        return None;
    }
    let starts_lower = first.chars().next().is_some_and(char::is_lowercase);
    let unclosed = |open: char, close: char| {
        previous.chars().filter(|c| *c == open).count()
            > previous.chars().filter(|c| *c == close).count()
            && first.contains(close)
    };
    let closes_previous = unclosed('(', ')') || unclosed('«', '»');
    let previous_open = !previous.trim_end().ends_with(['.', '!', '?', ';', ':', ')', '»']);
    let lone_word = first.split_whitespace().count() == 1 && previous_open;
    // Right after a page break, a previous cell left open continues into a first paragraph
    // that does not open a title of its own («Российской Федерации» after «… программ»).
    let open_across_break = after_page_break
        && previous_open
        && first.chars().next().is_some_and(char::is_uppercase)
        && first.split_whitespace().next().is_some_and(|word| !opens_title(word));
    (starts_lower || closes_previous || lone_word || open_across_break).then_some((first, rest))
}

/// Words that open an activity's title in the genre without being verbal nouns.
const TITLE_OPENINGS: &[&str] = &[
    "анализ",
    "апробация",
    "вебинар",
    "выставка",
    "конкурс",
    "конференция",
    "курсы",
    "мастер-класс",
    "мониторинг",
    "олимпиада",
    "оценка",
    "педсовет",
    "подготовка",
    "поддержка",
    "практикум",
    "разработка",
    "семинар",
    "смотр",
    "стажировка",
    "съезд",
    "форум",
    "фестиваль",
    "экспертиза",
];

/// A one-paragraph cell split before the first word (not the first) that opens a title: the
/// text before it is a tail only if it does not itself start like a title.
fn split_at_title_opening(cell: &str) -> Option<(&str, &str)> {
    let mut words = cell.char_indices().filter(|(index, c)| {
        !c.is_whitespace() && (*index == 0 || cell[..*index].ends_with(char::is_whitespace))
    });
    words.next()?;
    for (index, _) in words {
        let word: String =
            cell[index..].chars().take_while(|c| c.is_alphabetic() || *c == '-').collect();
        if opens_title(&word) {
            let tail = cell[..index].trim_end();
            return Some((tail, &cell[index..]));
        }
    }
    None
}

fn opens_title(word: &str) -> bool {
    let mut chars = word.chars();
    let capitalised = chars.next().is_some_and(char::is_uppercase)
        && chars.next().is_some_and(char::is_lowercase);
    if !capitalised {
        return false;
    }
    let lower = word.to_lowercase();
    const VERBAL_NOUN_ENDINGS: &[&str] = &["ние", "тие", "ция", "ство"];
    VERBAL_NOUN_ENDINGS.iter().any(|ending| lower.ends_with(ending))
        || TITLE_OPENINGS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use crate::documents::import::page_breaks::{
        is_page_number, split_continuation, starts_approval_block,
    };

    #[test]
    fn page_numbers_are_told_from_text() {
        assert!(is_page_number("13"));
        assert!(is_page_number("- 13 -"));
        assert!(is_page_number("Страница 2 из 9"));
        assert!(!is_page_number("5.1"));
        assert!(!is_page_number("2021-2025"));
    }

    #[test]
    fn approval_blocks_are_recognised() {
        assert!(starts_approval_block("ЛИСТ СОГЛАСОВАНИЯ", 1));
        assert!(starts_approval_block("Согласовано:", 3));
        assert!(starts_approval_block("Заключение: план соответствует", 1));
        assert!(!starts_approval_block("Заключение соглашений", 4));
        assert!(!starts_approval_block("Согласование планов с муниципалитетами", 1));
        assert!(!starts_approval_block("утверждающий план и", usize::MAX));
    }

    #[test]
    fn continuations_are_split_off() {
        let previous = "Повышение квалификации педагогических работников";
        assert_eq!(
            split_continuation("и управленческих кадров\nОрганизация стажировок", previous, false),
            Some(("и управленческих кадров".to_string(), "Организация стажировок".to_string()))
        );
        assert_eq!(
            split_continuation("наставников)\nКонкурс", "Форум (для молодых педагогов и", false),
            Some(("наставников)".to_string(), "Конкурс".to_string()))
        );
        assert_eq!(
            split_continuation("Красноярского\nКонкурс", "Форум педагогов", false),
            Some(("Красноярского".to_string(), "Конкурс".to_string()))
        );
        assert_eq!(split_continuation("Организация стажировок", previous, true), None);
        assert_eq!(split_continuation("Форум.\nКонкурс", "Съезд.", false), None);
    }

    #[test]
    fn one_paragraph_continuations_split_only_after_a_page_break_at_a_title_opening() {
        let previous = "Повышение квалификации педагогических работников";
        let cell = "и управленческих кадров Организация стажировок";
        assert_eq!(
            split_continuation(cell, previous, true),
            Some(("и управленческих кадров".to_string(), "Организация стажировок".to_string()))
        );
        assert_eq!(split_continuation(cell, previous, false), None);
        // A proper noun in the tail is not a title's opening; the verbal noun after it is.
        assert_eq!(
            split_continuation(
                "в Академии Минпросвещения России Проведение семинара",
                "Курсы повышения квалификации тьюторов",
                true
            ),
            Some((
                "в Академии Минпросвещения России".to_string(),
                "Проведение семинара".to_string()
            ))
        );
        // No title opening in the cell: nothing is moved, whatever its case.
        assert_eq!(split_continuation("для педагогов Иркутска", previous, true), None);
        // A title of its own is not split, even where a title opening follows.
        assert_eq!(split_continuation("Конкурс «Организация года»", previous, true), None);
        // After a page break, an open previous cell takes a capitalised tail that opens no title,
        // but not a first paragraph that is a title itself.
        let open = "Реализация программ Министерства просвещения";
        assert_eq!(
            split_continuation("Российской Федерации\nОрганизация стажировок", open, true),
            Some(("Российской Федерации".to_string(), "Организация стажировок".to_string()))
        );
        assert_eq!(split_continuation("Российской Федерации\nОрганизация", open, false), None);
        assert_eq!(split_continuation("Конкурс профмастерства\nЭтап 1", open, true), None);
        assert_eq!(split_continuation("«Школа наставника»\nСеминар", open, true), None);
        assert_eq!(split_continuation("100-летие школы\nЦНППМ", open, true), None);
    }
}
