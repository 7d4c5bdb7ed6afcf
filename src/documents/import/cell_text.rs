//! Cell text: cleaning (HTML remnants, spaces), joining lines, repairing words broken by stray
//! spaces, and recognising what a piece of text is: a term (срок), a responsible subject
//! (организация, должностное лицо), a section heading. These recognisers are what lets the
//! text-dump reader put a line into the right column when the dump lost the table's borders.

/// Words that can legitimately stand alone as short tokens in Russian plan texts; a run of
/// short tokens made mostly of *other* fragments is a word broken by spaces.
const SHORT_WORDS: &[&str] = &[
    "в",
    "во",
    "и",
    "с",
    "со",
    "к",
    "ко",
    "о",
    "об",
    "у",
    "а",
    "на",
    "по",
    "до",
    "из",
    "за",
    "от",
    "не",
    "ни",
    "но",
    "же",
    "ли",
    "бы",
    "для",
    "при",
    "без",
    "под",
    "над",
    "про",
    "их",
    "его",
    "ее",
    "ей",
    "им",
    "как",
    "так",
    "что",
    "где",
    "все",
    "том",
    "тех",
    "тем",
    "год",
    "лет",
    "или",
    "уже",
    "это",
    "эти",
    "чем",
    "мер",
    "вуз",
    "вузы",
    "дети",
    "план",
    "сайт",
    "база",
    "базе",
    "роль",
    "цель",
    "суть",
    "рост",
    "опыт",
    "курс",
    "виде",
    "ходе",
    "мире",
    "школ",
    "школа",
    "школы",
    "форм",
    "форма",
    "норм",
    "лиц",
    "дней",
    "групп",
    "кадров",
    "работы",
];

/// Endings after which a rejoined broken word most likely ends (a space was a word gap).
const WORD_ENDINGS: &[&str] = &[
    "ого", "его", "ых", "их", "ой", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ом", "ем",
    "ам", "ям", "ах", "ях", "ия", "ей", "ов", "ами", "ями", "ими", "ыми", "ции", "ния",
];

/// Non-organisation abbreviations that are frequent in titles and results.
const CONTENT_ABBREVIATIONS: &[&str] = &[
    "ЕГЭ", "ОГЭ", "ГИА", "ВПР", "ФГОС", "ИОМ", "ДПП", "ЕФОМ", "ШНОР", "ЦОС", "РФ", "ООП", "НМС",
    "ПК", "ФР", "IT", "ИКТ", "СМИ", "ЧЕЛ", "ПП",
];

/// Abbreviations of subjects that are typically responsible for activities.
const ORGANISATION_ABBREVIATIONS: &[&str] = &[
    "ЦНППМ",
    "ИРО",
    "МО",
    "ОО",
    "ОУ",
    "ММС",
    "МОУО",
    "МОУ",
    "ЦОПМКИМКО",
    "ЦОПМКПИМКО",
    "ЦОПМКПМКО",
    "РИКП",
    "ПРО",
    "РУМО",
    "УО",
    "ТРЦ",
    "РМО",
    "ИПК",
    "ЦОКО",
    "ГАУ",
    "ГКУ",
    "МКОУ",
    "РМА",
    "ФИРО",
    "ВО",
    "СПО",
    "ППС",
    "ФНМЦ",
    "ФНМИЦ",
    "РТПК",
    "РТИК",
    "МОИО",
    "КК",
    "ДОО",
    "ИО",
    "ДПО",
    "ОИВ",
    "ЦРО",
    "ИМЦ",
    "РЦ",
];

/// Word stems of responsible subjects and officials.
const RESPONSIBLE_STEMS: &[&str] = &[
    "министерств",
    "управлени",
    "отдел",
    "начальник",
    "методист",
    "руководител",
    "заместител",
    "зам.",
    "специалист",
    "директор",
    "администрац",
    "муниципальн",
    "орган",
    "комитет",
    "институт",
    "центр",
    "субъект",
    "куратор",
    "тьютор",
    "организации",
    "учреждени",
    "совет",
];

const MONTH_STEMS: &[&str] = &[
    "январ",
    "феврал",
    "март",
    "апрел",
    "май",
    "мая",
    "мае",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
];

const TERM_STRONG_WORDS: &[&str] = &[
    "ежегодно",
    "ежемесячно",
    "ежеквартально",
    "еженедельно",
    "постоянно",
    "течение",
    "течении",
    "ежедневно",
    "систематически",
    "регулярно",
];

const TERM_WEAK_WORDS: &[&str] = &[
    "г",
    "гг",
    "год",
    "года",
    "году",
    "годы",
    "годов",
    "в",
    "до",
    "с",
    "со",
    "по",
    "квартал",
    "квартала",
    "полугодие",
    "полугодия",
    "далее",
    "учебного",
    "учебный",
    "учебном",
    "раз",
    "месяц",
    "весь",
    "период",
    "периода",
    "конец",
    "начало",
    "середина",
    "i",
    "ii",
    "iii",
    "iv",
    "1",
    "2",
    "3",
    "4",
    "–",
    "-",
    "—",
    "и",
    "года,",
    "мере",
    "необходимости",
    "графику",
    "плану",
    "всего",
    "года.",
];

/// Removes HTML remnants and entities, collapses whitespace.
pub(crate) fn clean_cell(text: &str) -> String {
    let mut without_tags = String::with_capacity(text.len());
    let mut in_tag = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_tag {
            if c == '>' {
                in_tag = false;
                without_tags.push(' ');
            }
            continue;
        }
        if c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '/') {
            in_tag = true;
            continue;
        }
        without_tags.push(c);
    }
    let decoded = without_tags
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&laquo;", "«")
        .replace("&raquo;", "»")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    collapse_spaces(&decoded)
}

pub(crate) fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Appends `text` to `target` as a continuation: separated by one space, or glued after a
/// line-end hyphen when the continuation starts with a lowercase letter ("учителей-" +
/// "наставников").
pub(crate) fn append_text(target: &mut String, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let trimmed_len = target.trim_end().len();
    target.truncate(trimmed_len);
    if target.is_empty() {
        target.push_str(text);
        return;
    }
    let hyphen_glue = target.ends_with('-')
        && target.chars().rev().nth(1).is_some_and(char::is_alphabetic)
        && text.chars().next().is_some_and(char::is_lowercase);
    if !hyphen_glue {
        target.push(' ');
    }
    target.push_str(text);
}

/// "1.1." → "1.1", ".3.3" → "3.3", "12." → "12".
pub(crate) fn trim_number(number: &str) -> String {
    number.trim().trim_matches('.').trim().to_string()
}

/// Splits a list of subjects on commas and semicolons outside quotes and parentheses.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth: u32 = 0;
    let mut in_straight_quotes = false;
    for c in text.chars() {
        match c {
            '«' | '(' | '“' => depth = depth.saturating_add(1),
            '»' | ')' | '”' => depth = depth.saturating_sub(1),
            '"' => in_straight_quotes = !in_straight_quotes,
            _ => {}
        }
        if (c == ',' || c == ';') && depth == 0 && !in_straight_quotes {
            push_item(&mut items, &current);
            current.clear();
        } else {
            current.push(c);
        }
    }
    push_item(&mut items, &current);
    items
}

fn push_item(items: &mut Vec<String>, text: &str) {
    let item = text.trim().trim_end_matches('.').trim();
    if item.is_empty() {
        return;
    }
    // "Субъекты РС НМС, осуществляющие деятельность …": a lowercase part qualifies the
    // previous subject rather than naming a new one.
    if item.chars().next().is_some_and(char::is_lowercase) {
        if let Some(previous) = items.last_mut() {
            previous.push_str(", ");
            previous.push_str(item);
            return;
        }
    }
    items.push(item.to_string());
}

/// Recognises a section heading: "Направление 1. «…»", "Раздел 2 …", "II. …", "3. Title".
/// Returns (number, title); the title may be empty when the row holds only the marker.
pub(crate) fn section_marker(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let lower = text.to_lowercase();
    for keyword in ["направление", "раздел", "подраздел", "глава", "блок"]
    {
        if let Some(rest) = lower.strip_prefix(keyword) {
            let rest_original = text.get(text.len().saturating_sub(rest.len())..).unwrap_or("");
            let rest_original = rest_original.trim_start().trim_start_matches('№').trim_start();
            let digits: String = rest_original
                .chars()
                .take_while(|c| c.is_ascii_digit() || is_roman(*c) || *c == '.')
                .collect();
            let number = digits.trim_end_matches('.').to_string();
            if number.is_empty() || !rest.starts_with(char::is_whitespace) {
                return None;
            }
            let title = rest_original.get(digits.len()..).unwrap_or("");
            return Some((number, clean_title(title)));
        }
    }
    let first = text.split_whitespace().next()?;
    let marker = first.trim_end_matches('.');
    let after = text.get(first.len()..).unwrap_or("").trim_start_matches(['.', ' ']);
    let title_starts_upper = after.chars().next().is_some_and(|c| c.is_uppercase() || c == '«');
    let is_roman_marker = !marker.is_empty()
        && marker.chars().all(is_roman)
        && first.ends_with('.')
        && marker.chars().count() <= 4;
    let is_arabic_marker = !marker.is_empty()
        && marker.chars().all(|c| c.is_ascii_digit())
        && marker.len() <= 2
        && first.ends_with('.');
    if (is_roman_marker || is_arabic_marker) && title_starts_upper {
        return Some((marker.to_string(), clean_title(after)));
    }
    None
}

fn clean_title(title: &str) -> String {
    title.trim().trim_start_matches(['.', ':', ' ']).trim().to_string()
}

fn is_roman(c: char) -> bool {
    matches!(c, 'I' | 'V' | 'X' | 'L')
}

/// A token of a term, lowercased and stripped of surrounding punctuation.
fn term_token_kind(token: &str) -> TermToken {
    let token = token
        .trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')' | '«' | '»' | '"'))
        .to_lowercase()
        .replace('ё', "е");
    if token.is_empty() {
        return TermToken::Weak;
    }
    if is_year_or_range(&token) || is_date(&token) {
        return TermToken::Strong;
    }
    let parts: Vec<&str> = token.split(['-', '–', '—']).filter(|p| !p.is_empty()).collect();
    if !parts.is_empty() && parts.iter().all(|p| MONTH_STEMS.iter().any(|m| p.starts_with(m))) {
        return TermToken::Strong;
    }
    if TERM_STRONG_WORDS.contains(&token.as_str()) {
        return TermToken::Strong;
    }
    let bare = token.trim_end_matches('.');
    if TERM_WEAK_WORDS.contains(&token.as_str()) || TERM_WEAK_WORDS.contains(&bare) {
        return TermToken::Weak;
    }
    TermToken::Other
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermToken {
    Strong,
    Weak,
    Other,
}

fn is_year_or_range(token: &str) -> bool {
    let token = token
        .trim_end_matches('.')
        .trim_end_matches("гг")
        .trim_end_matches('г')
        .trim_end_matches('.');
    let parts: Vec<&str> = token.split(['-', '–', '—', '/']).map(str::trim).collect();
    !parts.is_empty()
        && parts.iter().any(|p| !p.is_empty())
        && parts.iter().all(|p| p.is_empty() || is_year(p))
}

fn is_year(text: &str) -> bool {
    text.len() == 4
        && text.chars().all(|c| c.is_ascii_digit())
        && (text.starts_with("19") || text.starts_with("20"))
}

fn is_date(token: &str) -> bool {
    let token = token.trim_end_matches('.');
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
}

/// How strongly a piece of text looks like a term: `Some(true)` = clearly a term (has a year,
/// a date, a month or "ежегодно" and nothing else of substance), `Some(false)` = only filler
/// words of terms ("года", "в"), `None` = not a term.
pub(crate) fn term_kind(text: &str) -> Option<bool> {
    let mut strong: u32 = 0;
    let mut other: u32 = 0;
    let mut total: u32 = 0;
    for token in text.split_whitespace() {
        total = total.saturating_add(1);
        match term_token_kind(token) {
            TermToken::Strong => strong = strong.saturating_add(1),
            TermToken::Weak => {}
            TermToken::Other => other = other.saturating_add(1),
        }
    }
    if total == 0 {
        return None;
    }
    let lower = text.trim().to_lowercase();
    const TERM_PHRASES: &[&str] = &[
        "по мере",
        "в течение",
        "по согласованию",
        "по графику",
        "по плану",
        "в соответствии с графиком",
    ];
    if TERM_PHRASES.iter().any(|p| lower.starts_with(p)) && total <= 8 {
        return Some(true);
    }
    if other == 0 {
        return Some(strong > 0);
    }
    None
}

/// True when the text reads as a term on its own ("2021-2025", "В течение года", "Май").
pub(crate) fn looks_like_term(text: &str) -> bool {
    term_kind(text) == Some(true)
}

/// Splits a line that begins with a term and continues with another cell:
/// "2021-2025 МОУО" → ("2021-2025", "МОУО"), "Май  Организация …" → ("Май", "Организация …").
pub(crate) fn split_term_prefix(text: &str) -> Option<(String, String)> {
    let mut prefix_end = 0usize;
    let mut has_strong = false;
    for (start, token) in token_offsets(text) {
        match term_token_kind(token) {
            TermToken::Strong => has_strong = true,
            TermToken::Weak => {}
            TermToken::Other => {
                if has_strong && starts_cell_like(token) && start > 0 {
                    let head = text.get(..prefix_end)?.trim().to_string();
                    let tail = text.get(start..)?.trim().to_string();
                    return Some((head, tail));
                }
                return None;
            }
        }
        prefix_end = start.saturating_add(token.len());
    }
    None
}

fn starts_cell_like(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_uppercase() || c == '«' || c == '"')
}

/// Byte offsets and texts of whitespace-separated tokens.
pub(crate) fn token_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                if let Some(token) = text.get(s..index) {
                    tokens.push((s, token));
                }
            }
        } else if start.is_none() {
            start = Some(index);
        }
    }
    if let Some(s) = start {
        if let Some(token) = text.get(s..) {
            tokens.push((s, token));
        }
    }
    tokens
}

/// Byte offsets where a person's name with initials starts after other text
/// ("… ГАУ ДПО ИРО Головных Е.К., методист" → offset of "Головных").
pub(crate) fn person_name_offsets(text: &str) -> Vec<usize> {
    let tokens = token_offsets(text);
    let mut offsets = Vec::new();
    for pair in tokens.windows(2) {
        let (Some((start, word)), Some((_, next))) = (pair.first(), pair.get(1)) else { continue };
        if *start > 0 && is_surname(word) && starts_with_initials(next) {
            offsets.push(*start);
        }
    }
    offsets
}

/// Byte offsets where a percentage ("50%", "90 %") starts after other text: results in
/// municipal plans begin so, right after the responsible person.
pub(crate) fn percent_offsets(text: &str) -> Vec<usize> {
    let tokens = token_offsets(text);
    let mut offsets = Vec::new();
    for (position, (start, token)) in tokens.iter().enumerate() {
        if *start == 0 {
            continue;
        }
        let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 3 {
            continue;
        }
        let after = token.get(digits.len()..).unwrap_or("");
        let next_is_percent =
            tokens.get(position.saturating_add(1)).is_some_and(|(_, t)| t.starts_with('%'));
        if after.starts_with('%') || (after.is_empty() && next_is_percent) {
            offsets.push(*start);
        }
    }
    offsets
}

fn is_surname(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    let rest: Vec<char> = chars.collect();
    is_cyrillic(first)
        && first.is_uppercase()
        && rest.len() >= 2
        && rest.iter().all(|c| (is_cyrillic(*c) && c.is_lowercase()) || *c == '-')
}

fn starts_with_initials(token: &str) -> bool {
    let chars: Vec<char> = token.chars().take(4).collect();
    matches!(
        chars.as_slice(),
        [a, '.', b, '.'] if a.is_uppercase() && b.is_uppercase() && is_cyrillic(*a) && is_cyrillic(*b)
    )
}

fn has_person_name(text: &str) -> bool {
    let tokens = token_offsets(text);
    tokens.windows(2).any(|pair| match (pair.first(), pair.get(1)) {
        (Some((_, word)), Some((_, next))) => is_surname(word) && starts_with_initials(next),
        _ => false,
    })
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')
}

/// Byte offsets where an ordinary capitalised word follows an organisation abbreviation
/// ("Руководители РМО Повышение …" → offset of "Повышение"): a possible cell boundary.
pub(crate) fn abbreviation_boundary_offsets(text: &str) -> Vec<usize> {
    let tokens = token_offsets(text);
    let mut offsets = Vec::new();
    for pair in tokens.windows(2) {
        let (Some((_, previous)), Some((start, word))) = (pair.first(), pair.get(1)) else {
            continue;
        };
        let word_chars: Vec<char> = word.chars().collect();
        let ordinary_capitalised = word_chars.len() >= 4
            && word_chars.first().is_some_and(|c| c.is_uppercase() && is_cyrillic(*c))
            && word_chars.iter().skip(1).all(|c| c.is_lowercase() || *c == ',' || *c == '-');
        if ordinary_capitalised && abbreviation_kind(previous) == Abbreviation::Organisation {
            offsets.push(*start);
        }
    }
    offsets
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abbreviation {
    None,
    Content,
    Organisation,
}

fn abbreviation_kind(token: &str) -> Abbreviation {
    let bare: String = token.chars().filter(|c| c.is_alphabetic()).collect();
    if token.ends_with('.') {
        return Abbreviation::None;
    }
    let letters = bare.chars().count();
    let upper = bare.chars().filter(|c| c.is_uppercase()).count();
    if letters < 2 || upper < 2 || upper.saturating_mul(10) < letters.saturating_mul(6) {
        return Abbreviation::None;
    }
    let key = bare.to_uppercase();
    if CONTENT_ABBREVIATIONS.contains(&key.as_str()) || bare.chars().all(is_roman) {
        return Abbreviation::Content;
    }
    Abbreviation::Organisation
}

/// How many signs of a responsible subject the text carries: organisation abbreviations,
/// names with initials, words like "министерство", "начальник".
pub(crate) fn responsible_hits(text: &str) -> u32 {
    let mut hits: u32 = 0;
    if has_person_name(text) {
        hits = hits.saturating_add(3);
    }
    for token in
        text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '«' | '»'))
    {
        if token.is_empty() {
            continue;
        }
        match abbreviation_kind(token) {
            Abbreviation::Organisation => {
                let key: String =
                    token.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_uppercase();
                let known = ORGANISATION_ABBREVIATIONS.contains(&key.as_str());
                hits = hits.saturating_add(if known { 2 } else { 1 });
            }
            Abbreviation::Content | Abbreviation::None => {
                let lower = token.to_lowercase();
                if RESPONSIBLE_STEMS.iter().any(|stem| lower.starts_with(stem)) {
                    hits = hits.saturating_add(1);
                }
            }
        }
    }
    hits
}

/// True when the text starts like a document name ("Нормативный акт", "Положение …").
pub(crate) fn starts_like_document(text: &str) -> bool {
    const STEMS: &[&str] = &[
        "нормативн",
        "положени",
        "приказ",
        "распоряжени",
        "постановлени",
        "методическ",
        "отчет",
        "отчёт",
        "аналитическ",
        "протокол",
        "справк",
        "программ",
        "план",
        "соглашени",
        "публикац",
        "сборник",
        "реестр",
        "перечень",
        "информационн",
        "муниципальные «",
        "дорожн",
        "порядок",
        "регламент",
        "ежегодный",
        "приказы",
        "акт",
    ];
    let lower = text.trim().to_lowercase();
    STEMS.iter().any(|stem| lower.starts_with(stem))
}

/// True when the text reads like a result ("Созданы …", "90% педагогов …", "Повышение …").
pub(crate) fn looks_like_result(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    if lower.contains('%') {
        return true;
    }
    let Some(first) = lower.split_whitespace().next() else { return false };
    let first = first.trim_matches(|c: char| !c.is_alphabetic());
    const PARTICIPLE_ENDINGS: &[&str] =
        &["ан", "ана", "аны", "ано", "ен", "ена", "ены", "ено", "ят", "ют", "ится", "ется"];
    const RESULT_WORDS: &[&str] = &[
        "повышение",
        "увеличение",
        "получение",
        "снижение",
        "рост",
        "обеспечение",
        "наличие",
        "доля",
        "не",
        "количество",
        "положительная",
        "утверждение",
        "реализация",
    ];
    (first.chars().count() >= 5 && PARTICIPLE_ENDINGS.iter().any(|e| first.ends_with(e)))
        || RESULT_WORDS.contains(&first)
}

/// True when the text starts like an activity title (a verbal noun: "Разработка",
/// "Организация", "Проведение", "Создание").
pub(crate) fn starts_like_title(text: &str) -> bool {
    let Some(first) = text.split_whitespace().next() else { return false };
    if !first.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let lower = first.to_lowercase();
    ["ние", "ция", "тие", "ка", "ство", "ование", "ание", "ение", "ция,", "ии"]
        .iter()
        .any(|ending| lower.ends_with(ending))
        && lower.chars().count() >= 6
}

/// Re-joins words broken by stray spaces ("до п ол н ител ь н о го об разо ва н и я" →
/// "дополнительного образования"). Only runs of short fragments, most of which cannot be
/// words, are touched; a gap is kept after a typical word ending. Returns the text and the
/// (before, after) pairs that were repaired, so a warning can show them.
pub(crate) fn rejoin_broken_words(text: &str) -> (String, Vec<(String, String)>) {
    let tokens: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut repaired = Vec::new();
    let mut index = 0usize;
    while index < tokens.len() {
        let run_end = fragment_run_end(&tokens, index);
        let mut run: Vec<&str> =
            tokens.get(index..run_end).map(<[&str]>::to_vec).unwrap_or_default();
        let non_words = run.iter().filter(|t| is_non_word_fragment(t)).count();
        let impossible = run.iter().filter(|t| is_impossible_word(t)).count();
        if run.len() >= 4 && non_words >= 2 && impossible >= 2 {
            // Real words at the start of the run stay as they are.
            let mut kept = 0usize;
            while let (Some(first), Some(second)) = (run.get(kept), run.get(kept.saturating_add(1)))
            {
                if !is_leading_real_word(first, second) {
                    break;
                }
                out.push((*first).to_string());
                kept = kept.saturating_add(1);
            }
            run.drain(..kept);
            let joined = join_fragments(&run);
            let glue_to_previous = run.first().is_some_and(|t| t.starts_with(['ь', 'ъ', 'ы']));
            let before = run.join(" ");
            match out.last_mut() {
                Some(previous) if glue_to_previous => {
                    let original = format!("{previous} {before}");
                    previous.push_str(&joined);
                    repaired.push((original, previous.clone()));
                }
                _ => {
                    repaired.push((before, joined.clone()));
                    out.push(joined);
                }
            }
            index = run_end;
        } else {
            if let Some(token) = tokens.get(index) {
                out.push((*token).to_string());
            }
            index = index.saturating_add(1);
        }
    }
    (out.join(" "), repaired)
}

/// A token at the start of a fragment run that is a word of its own: a conjunction, a long
/// word with a typical ending, or a preposition followed by a fragment that starts a word.
fn is_leading_real_word(token: &str, next: &str) -> bool {
    let lower = token.to_lowercase();
    if matches!(lower.as_str(), "и" | "а" | "или") {
        return true;
    }
    if lower.chars().count() >= 3 && SHORT_WORDS.contains(&lower.as_str()) {
        return true;
    }
    if lower.chars().count() >= 5 && WORD_ENDINGS.iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    let next_has_vowel = next.chars().any(|c| "аеёиоуыэюя".contains(c));
    matches!(lower.as_str(), "по" | "в" | "на" | "к" | "у" | "до" | "за" | "из" | "от" | "для")
        && next_has_vowel
        && next.chars().count() >= 3
}

fn fragment_run_end(tokens: &[&str], start: usize) -> usize {
    let mut end = start;
    while let Some(token) = tokens.get(end) {
        let first_in_run = end == start;
        if !is_fragment(token, first_in_run) {
            break;
        }
        end = end.saturating_add(1);
        if token.ends_with([',', '.', ';', ':', ')']) {
            break;
        }
    }
    end
}

fn is_fragment(token: &str, first_in_run: bool) -> bool {
    let bare = token.trim_end_matches([',', '.', ';', ':', ')']);
    let count = bare.chars().count();
    if count == 0 || count > 6 {
        return false;
    }
    bare.chars()
        .enumerate()
        .all(|(i, c)| is_cyrillic(c) && (c.is_lowercase() || (first_in_run && i == 0)))
}

/// A fragment no Russian word can be: no vowel (except the one-letter prepositions) or a
/// soft/hard sign or "ы" at its start.
fn is_impossible_word(token: &str) -> bool {
    let lower = token.trim_end_matches([',', '.', ';', ':', ')']).to_lowercase();
    if matches!(lower.as_str(), "в" | "к" | "с") {
        return false;
    }
    let has_vowel = lower.chars().any(|c| "аеёиоуыэюя".contains(c));
    !has_vowel || lower.starts_with(['ь', 'ъ', 'ы'])
}

fn is_non_word_fragment(token: &str) -> bool {
    let lower = token.trim_end_matches([',', '.', ';', ':', ')']).to_lowercase();
    if SHORT_WORDS.contains(&lower.as_str()) {
        return false;
    }
    let has_vowel = lower.chars().any(|c| "аеёиоуыэюя".contains(c));
    !has_vowel || lower.chars().count() <= 4 || lower.starts_with(['ь', 'ъ', 'ы'])
}

fn join_fragments(run: &[&str]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (position, fragment) in run.iter().enumerate() {
        current.push_str(fragment);
        let next = run.get(position.saturating_add(1));
        let next_starts_soft = next.is_some_and(|n| n.starts_with(['ь', 'ъ', 'ы']));
        let ends_word = current.chars().count() >= 6
            && WORD_ENDINGS.iter().any(|e| current.ends_with(e))
            && !next_starts_soft;
        if ends_word && next.is_some() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use crate::documents::import::cell_text::{
        clean_cell, looks_like_term, person_name_offsets, rejoin_broken_words, section_marker,
        split_list, split_term_prefix,
    };

    #[test]
    fn broken_words_are_rejoined_at_word_endings() {
        let check =
            |input: &str, expected: &str| assert_eq!(rejoin_broken_words(input).0, expected);
        check(
            "организациями до п ол н ител ь н о го об разо ва н и я",
            "организациями дополнительного образования",
        );
        check(
            "п рофесс и о н ал ь н о го с а м ооп ре де л е н и я",
            "профессионального самоопределения",
        );
        check("педа гоги ч ес к их с пе ци а л ь н осте й", "педагогических специальностей");
        check(
            "на региональном и м у н и ц и п а л ь н о м у р о в н я х",
            "на региональном и муниципальном уровнях",
        );
        check("создание сети в регионе и в городах", "создание сети в регионе и в городах");
    }

    #[test]
    fn terms_are_recognised() {
        for term in [
            "2021-2025",
            "2018 – 2020 годы",
            "июнь 2023 г.",
            "Ежегодно 4 квартал",
            "В течение года",
            "До сентября",
            "Октябрь-ноябрь",
            "01.03.2023 года 01.02.2024 года",
            "2023, далее ежегодно",
            "Ежемесячно",
        ] {
            assert!(looks_like_term(term), "{term}");
        }
        for not_term in ["Министерство образования", "Создание сети", "года"]
        {
            assert!(!looks_like_term(not_term), "{not_term}");
        }
        assert_eq!(split_term_prefix("2021-2025 МОУО"), Some(("2021-2025".into(), "МОУО".into())));
        assert_eq!(
            split_term_prefix("Май  Организация и проведение"),
            Some(("Май".into(), "Организация и проведение".into()))
        );
        assert_eq!(split_term_prefix("В течение года"), None);
    }

    #[test]
    fn headings_lists_and_names() {
        assert_eq!(section_marker("Направление 1"), Some(("1".into(), String::new())));
        assert_eq!(
            section_marker("Направление 2 «Непрерывное»"),
            Some(("2".into(), "«Непрерывное»".into()))
        );
        assert_eq!(section_marker("II. Кадры"), Some(("II".into(), "Кадры".into())));
        assert_eq!(
            section_marker("3. Повышение квалификации"),
            Some(("3".into(), "Повышение квалификации".into()))
        );
        assert_eq!(section_marker("Наименование мероприятия"), None);
        assert_eq!(
            split_list("ГАУ ДПО ИРО, МО ИО; Центры «Точка роста», «IT-куб»"),
            vec!["ГАУ ДПО ИРО", "МО ИО", "Центры «Точка роста»", "«IT-куб»"]
        );
        let line = "ЦНППМ ГАУ ДПО ИРО Головных Е.К., методист ТРЦ";
        assert_eq!(person_name_offsets(line), vec![line.find("Головных").unwrap()]);
        assert_eq!(clean_cell("<p>Один.</p> <p>Два</p>"), "Один. Два");
    }
}
