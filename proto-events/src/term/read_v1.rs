//! Reading rules version 1 of plan terms (сроки): text -> tokens -> atoms -> meaning.
//!
//! **Frozen.** Events recorded before terms were stored structured (`activity_amended` schema 1)
//! carry a term as text only; their meaning is what this reader makes of it, in the plan's
//! period, as the plan fold made of it when they were recorded. So this file is history: a test
//! pins its bytes (`term::tests::reading_v1_is_frozen`). To read terms better, copy it to
//! `read_v2.rs`, change the copy, point `term::parse_in_period` at it and bump
//! `term::READING_VERSION`; the schema-1 upcaster keeps reading with this one.
//! It depends on nothing that may change under it: the calendar helpers below are its own, and
//! the types and `TermMeaning::validate` are the encoded format, which is frozen anyway.

use crate::term::{
    Frequency, Recurrence, Term, TermMeaning, TextReason, Within, TERM_TEXT_BYTES_MAX,
    TERM_YEAR_MAX, TERM_YEAR_MIN,
};
use crate::time::Date;

/// Reads a term of a plan whose period is `period` (first and last year, both included), by the
/// rules of version 1: the period dates terms that name no year only when it is a single year.
pub(crate) fn parse_in_period(text: &str, period: Option<(i32, i32)>) -> Term {
    let plan_year = match period {
        Some((first, last)) if first == last && year_in_range(first) => Some(first),
        _ => None,
    };
    let meaning = if text.len() > TERM_TEXT_BYTES_MAX {
        TermMeaning::Text { reason: TextReason::TooLong }
    } else {
        read(text, plan_year)
    };
    Term { text: text.to_string(), meaning }
}

// ---------------------------------------------------------------------------------------------
// Calendar helpers (this reader's own copies, so nothing outside this file changes a reading).

fn year_in_range(year: i32) -> bool {
    (TERM_YEAR_MIN..=TERM_YEAR_MAX).contains(&year)
}

fn year_start(year: i32) -> Option<Date> {
    Date::from_ymd(year, 1, 1)
}

fn year_end(year: i32) -> Option<Date> {
    Date::from_ymd(year, 12, 31)
}

fn month_start(year: i32, month: u8) -> Option<Date> {
    Date::from_ymd(year, u32::from(month), 1)
}

fn month_end(year: i32, month: u8) -> Option<Date> {
    (28..=31).rev().find_map(|day| Date::from_ymd(year, u32::from(month), day))
}

fn day_before(date: Date) -> Option<Date> {
    date.days_since_epoch().checked_sub(1).map(Date::from_days_since_epoch)
}

// ---------------------------------------------------------------------------------------------
// Reading.

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Number { value: u32, digits: u8 },
    Dash,
    Dot,
    Comma,
    Open,
    Close,
    Other,
}

/// Numbers longer than this are not years, days or months.
const NUMBER_DIGITS_MAX: u8 = 4;

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut number: Option<(u32, u8)> = None;
    let flush = |tokens: &mut Vec<Token>, word: &mut String, number: &mut Option<(u32, u8)>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
        if let Some((value, digits)) = number.take() {
            tokens.push(if digits <= NUMBER_DIGITS_MAX {
                Token::Number { value, digits }
            } else {
                Token::Other
            });
        }
    };
    for raw in text.chars().flat_map(char::to_lowercase) {
        match raw {
            // Soft hyphens and zero-width characters join what they sit in.
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            'ё' => {
                if number.is_some() {
                    flush(&mut tokens, &mut word, &mut number);
                }
                word.push('е');
            }
            digit if digit.is_ascii_digit() => {
                if !word.is_empty() {
                    flush(&mut tokens, &mut word, &mut number);
                }
                let (value, digits) = number.unwrap_or((0, 0));
                let value =
                    value.saturating_mul(10).saturating_add(digit.to_digit(10).unwrap_or(0));
                number = Some((value, digits.saturating_add(1)));
            }
            letter if letter.is_alphabetic() => {
                if number.is_some() {
                    flush(&mut tokens, &mut word, &mut number);
                }
                word.push(letter);
            }
            other => {
                flush(&mut tokens, &mut word, &mut number);
                match other {
                    '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => {
                        tokens.push(Token::Dash)
                    }
                    '.' => tokens.push(Token::Dot),
                    ',' => tokens.push(Token::Comma),
                    '(' => tokens.push(Token::Open),
                    ')' => tokens.push(Token::Close),
                    space if space.is_whitespace() => {}
                    _ => tokens.push(Token::Other),
                }
            }
        }
    }
    flush(&mut tokens, &mut word, &mut number);
    tokens
}

/// Words split by a stray space in the dumps ("сентябр ь") are joined when the pieces are not
/// words we know and the joined piece is.
fn join_split_words(tokens: Vec<Token>) -> Vec<Token> {
    const PIECES_MAX: usize = 6;
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut rest = tokens.as_slice();
    while let Some((first, tail)) = rest.split_first() {
        let joined = match first {
            Token::Word(word) if !is_known_word(word) => {
                let mut best: Option<(String, usize)> = None;
                let mut candidate = word.clone();
                for (count, next) in tail.iter().take(PIECES_MAX - 1).enumerate() {
                    match next {
                        Token::Word(piece) => candidate.push_str(piece),
                        _ => break,
                    }
                    if is_known_word(&candidate) {
                        best = Some((candidate.clone(), count + 1));
                    }
                }
                best
            }
            _ => None,
        };
        match joined {
            Some((word, consumed)) => {
                out.push(Token::Word(word));
                rest = tail.get(consumed..).unwrap_or_default();
            }
            None => {
                out.push(first.clone());
                rest = tail;
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Until,     // до
    Not,       // не
    Later,     // позднее
    By,        // к
    End,       // конца
    From,      // с
    To,        // по
    In,        // в
    For,       // на
    Course,    // течение
    YearWord,  // год, года
    Always,    // постоянно
    Then,      // далее
    Starting,  // начиная
    TermWord,  // срок
    Measure,   // мере (по мере)
    Necessity, // необходимости
    Request,   // запросу
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom {
    Day(Date),
    Month(u8),
    Year(i32),
    Quarter(u8),
    Half(u8),
    Frequency(Frequency),
    Word(Keyword),
    Dash,
    Comma,
    /// A date literal naming no such day ("31.02.2023").
    NoSuchDay,
    Unknown,
}

fn keyword(word: &str) -> Option<Keyword> {
    Some(match word {
        "до" => Keyword::Until,
        "не" => Keyword::Not,
        "позднее" | "позже" => Keyword::Later,
        "к" => Keyword::By,
        "конца" => Keyword::End,
        // A Latin "c" in place of the Cyrillic one is common in scanned acts.
        "с" | "c" | "со" => Keyword::From,
        "по" => Keyword::To,
        "в" | "во" => Keyword::In,
        "на" => Keyword::For,
        "течение" => Keyword::Course,
        "год" | "года" => Keyword::YearWord,
        "постоянно" => Keyword::Always,
        "далее" => Keyword::Then,
        "начиная" => Keyword::Starting,
        "срок" => Keyword::TermWord,
        "мере" => Keyword::Measure,
        "необходимости" => Keyword::Necessity,
        "запросу" => Keyword::Request,
        _ => return None,
    })
}

/// Month by any of the forms the acts use (nominative, genitive, prepositional).
fn month(word: &str) -> Option<u8> {
    const MONTHS: [(&str, &[&str]); 12] = [
        ("январ", &["ь", "я", "е"]),
        ("феврал", &["ь", "я", "е"]),
        ("март", &["", "а", "е"]),
        ("апрел", &["ь", "я", "е"]),
        ("ма", &["й", "я", "е"]),
        ("июн", &["ь", "я", "е"]),
        ("июл", &["ь", "я", "е"]),
        ("август", &["", "а", "е"]),
        ("сентябр", &["ь", "я", "е"]),
        ("октябр", &["ь", "я", "е"]),
        ("ноябр", &["ь", "я", "е"]),
        ("декабр", &["ь", "я", "е"]),
    ];
    MONTHS.iter().zip(1u8..).find_map(|((stem, endings), number)| {
        let ending = word.strip_prefix(stem)?;
        endings.contains(&ending).then_some(number)
    })
}

fn frequency(word: &str) -> Option<Frequency> {
    match word {
        "ежемесячно" => Some(Frequency::Monthly),
        "ежеквартально" => Some(Frequency::Quarterly),
        "ежегодно" => Some(Frequency::Yearly),
        _ => None,
    }
}

fn is_year_filler(word: &str) -> bool {
    matches!(word, "г" | "гг" | "год" | "года" | "году" | "годы" | "годов" | "годах" | "годом")
}

fn is_quarter_word(word: &str) -> bool {
    matches!(word, "квартал" | "квартала" | "квартале" | "кв")
}

fn is_half_word(word: &str) -> bool {
    matches!(word, "полугодие" | "полугодия" | "полугодии")
}

fn roman(word: &str) -> Option<u8> {
    match word {
        "i" => Some(1),
        "ii" => Some(2),
        "iii" => Some(3),
        "iv" => Some(4),
        _ => None,
    }
}

/// Ordinal endings after a dash: "4-й квартал", "1-е полугодие".
fn is_ordinal_ending(word: &str) -> bool {
    matches!(word, "й" | "ый" | "ой" | "ий" | "го" | "ого" | "м" | "ом" | "е" | "ое")
}

fn is_known_word(word: &str) -> bool {
    keyword(word).is_some()
        || month(word).is_some()
        || frequency(word).is_some()
        || is_year_filler(word)
        || is_quarter_word(word)
        || is_half_word(word)
        || roman(word).is_some()
}

/// Parenthesised or comma-separated notes that say how, not when: "(по графику)",
/// ", по графику организатора", "(в соответствии с планом)".
fn is_schedule_note(words: &[&str]) -> bool {
    matches!(
        words,
        ["по", "графику", ..]
            | ["по", "плану", ..]
            | ["по", "отдельному", "плану" | "графику", ..]
            | ["в", "соответствии", "с", ..]
            | ["согласно", ..]
    )
}

fn read(text: &str, plan_year: Option<i32>) -> TermMeaning {
    let tokens = join_split_words(tokenize(text));
    let words: Vec<&str> = tokens
        .iter()
        .filter_map(|token| match token {
            Token::Word(word) => Some(word.as_str()),
            _ => None,
        })
        .collect();
    if matches!(words.as_slice(), ["по", "мере" | "необходимости" | "запросу", ..])
    {
        return TermMeaning::Text { reason: TextReason::Conditional };
    }
    let tokens = match drop_notes(tokens) {
        Ok(tokens) => tokens,
        Err(reason) => return TermMeaning::Text { reason },
    };
    let atoms = atoms(&tokens);
    if atoms.contains(&Atom::NoSuchDay) {
        return TermMeaning::Text { reason: TextReason::InvalidDate };
    }
    let outcome = if atoms.iter().any(|atom| matches!(atom, Atom::Frequency(_))) {
        read_recurring(&atoms)
    } else {
        match atoms.as_slice() {
            [Atom::Word(Keyword::Always)] => Ok(TermMeaning::Continuous { from: None, to: None }),
            [Atom::Word(Keyword::In), Atom::Word(Keyword::Course), rest @ ..] => {
                read_continuous(rest, plan_year)
            }
            [Atom::Word(Keyword::In), Atom::Word(Keyword::TermWord), rest @ ..]
            | [Atom::Word(Keyword::TermWord), rest @ ..] => read_deadline(rest, plan_year),
            [Atom::Word(Keyword::Until | Keyword::Not | Keyword::By), ..] => {
                read_deadline(&atoms, plan_year)
            }
            _ => read_span(&atoms, plan_year),
        }
    };
    outcome.unwrap_or_else(|reason| TermMeaning::Text { reason })
}

/// Removes schedule notes; any other parenthesis makes the term text.
fn drop_notes(tokens: Vec<Token>) -> Result<Vec<Token>, TextReason> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut rest = tokens.as_slice();
    while let Some((first, tail)) = rest.split_first() {
        match first {
            Token::Open => {
                let close = tail
                    .iter()
                    .position(|token| *token == Token::Close)
                    .ok_or(TextReason::Unrecognised)?;
                let inside = tail.get(..close).unwrap_or_default();
                if note_words(inside).is_some_and(|words| is_schedule_note(&words)) {
                    rest = tail.get(close + 1..).unwrap_or_default();
                } else if inside.iter().any(names_time) {
                    // "Май (сентябрь)": the second month is a second reading.
                    return Err(TextReason::Ambiguous);
                } else {
                    return Err(TextReason::Unrecognised);
                }
            }
            Token::Close => return Err(TextReason::Unrecognised),
            Token::Comma => {
                let end =
                    tail.iter().position(|token| *token == Token::Comma).unwrap_or(tail.len());
                let segment = tail.get(..end).unwrap_or_default();
                if note_words(segment).is_some_and(|words| is_schedule_note(&words)) {
                    rest = tail.get(end..).unwrap_or_default();
                } else {
                    out.push(first.clone());
                    rest = tail;
                }
            }
            _ => {
                out.push(first.clone());
                rest = tail;
            }
        }
    }
    Ok(out)
}

/// The words of a note, if it is made of words only.
fn note_words(tokens: &[Token]) -> Option<Vec<&str>> {
    tokens
        .iter()
        .map(|token| match token {
            Token::Word(word) => Some(word.as_str()),
            _ => None,
        })
        .collect()
}

fn names_time(token: &Token) -> bool {
    match token {
        Token::Number { .. } => true,
        Token::Word(word) => {
            month(word).is_some()
                || frequency(word).is_some()
                || is_year_filler(word)
                || is_quarter_word(word)
                || is_half_word(word)
        }
        _ => false,
    }
}

fn atoms(tokens: &[Token]) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::with_capacity(tokens.len());
    let mut rest = tokens;
    // Trailing punctuation ("2021 – 2023 годы**", "2022.") says nothing; a trailing dash
    // ("2021-") may mean "from 2021 on", so it stays and makes the term unreadable.
    while let Some((Token::Dot | Token::Comma | Token::Other, init)) = rest.split_last() {
        rest = init;
    }
    while !rest.is_empty() {
        let (atom, consumed) = next_atom(rest);
        rest = rest.get(consumed.max(1)..).unwrap_or_default();
        match atom {
            None => {}
            Some(atom) => out.push(atom),
        }
        // "г.", "года", "гг." after a year or a day are noise.
        if matches!(out.last(), Some(Atom::Year(_) | Atom::Day(_))) {
            while let Some((Token::Word(word), tail)) = rest.split_first() {
                if !is_year_filler(word) {
                    break;
                }
                rest = tail;
                if let Some((Token::Dot, after_dot)) = rest.split_first() {
                    rest = after_dot;
                }
            }
        }
    }
    out
}

/// Reads one atom at the start of `tokens`: the atom (or `None` for ignorable noise) and how many
/// tokens it took.
fn next_atom(tokens: &[Token]) -> (Option<Atom>, usize) {
    use Token::{Dash, Dot, Number, Word};
    match tokens {
        [Number { value: day, digits: 1..=2 }, Dot, Number { value: month, digits: 1..=2 }, Dot, Number { value: year, digits: 4 }, ..] =>
        {
            let day = i32::try_from(*year)
                .ok()
                .filter(|year| year_in_range(*year))
                .and_then(|year| Date::from_ymd(year, *month, *day));
            (Some(day.map_or(Atom::NoSuchDay, Atom::Day)), 5)
        }
        [Number { value, digits: 1 }, Dash, Word(ending), Word(unit), ..]
            if is_ordinal_ending(ending) =>
        {
            match part_of_year(*value, unit) {
                Some(atom) => (Some(atom), 4),
                None => (Some(Atom::Unknown), 1),
            }
        }
        [Number { value, digits: 1 }, Word(unit), ..] => match part_of_year(*value, unit) {
            Some(atom) => (Some(atom), 2),
            None => (Some(Atom::Unknown), 1),
        },
        [Word(numeral), Word(unit), ..] if roman(numeral).is_some() => {
            match roman(numeral).and_then(|value| part_of_year(u32::from(value), unit)) {
                Some(atom) => (Some(atom), 2),
                None => (Some(Atom::Unknown), 1),
            }
        }
        [Number { value, digits: 4 }, ..] => {
            let year = i32::try_from(*value).ok().filter(|year| year_in_range(*year));
            (Some(year.map_or(Atom::Unknown, Atom::Year)), 1)
        }
        [Word(word), ..] => {
            let atom = if let Some(number) = month(word) {
                Atom::Month(number)
            } else if let Some(every) = frequency(word) {
                Atom::Frequency(every)
            } else if let Some(word) = keyword(word) {
                Atom::Word(word)
            } else {
                Atom::Unknown
            };
            (Some(atom), 1)
        }
        [Dash, ..] => (Some(Atom::Dash), 1),
        [Token::Comma, ..] => (Some(Atom::Comma), 1),
        [Dot, ..] => (None, 1),
        _ => (Some(Atom::Unknown), 1),
    }
}

fn part_of_year(value: u32, unit: &str) -> Option<Atom> {
    let value = u8::try_from(value).ok()?;
    if is_quarter_word(unit) && (1..=4).contains(&value) {
        Some(Atom::Quarter(value))
    } else if is_half_word(unit) && (1..=2).contains(&value) {
        Some(Atom::Half(value))
    } else {
        None
    }
}

/// A point in time as a term names it: a day, a month, a quarter, a half-year or a whole year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Day(Date),
    Month(u8),
    Quarter(u8),
    Half(u8),
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Point {
    unit: Unit,
    year: Option<i32>,
}

impl Point {
    /// First and last day, given the year to use when the point names none.
    fn bounds(self, year: i32) -> Option<(Date, Date)> {
        let year = self.year.unwrap_or(year);
        let (first, last) = match self.unit {
            Unit::Day(day) => return Some((day, day)),
            Unit::Year => return Some((year_start(year)?, year_end(year)?)),
            Unit::Month(month) => Within::Month(month).months()?,
            Unit::Quarter(quarter) => Within::Quarter(quarter).months()?,
            Unit::Half(half) => Within::HalfYear(half).months()?,
        };
        Some((month_start(year, first)?, month_end(year, last)?))
    }

    /// A day or a month with its year: complete enough to stand beside another with no dash.
    fn is_full(self) -> bool {
        matches!(self.unit, Unit::Day(_)) || (self.year.is_some() && self.unit != Unit::Year)
    }
}

/// Reads one point at the start of `atoms`.
fn take_point(atoms: &[Atom]) -> Option<(Point, &[Atom])> {
    let (unit, rest) = match atoms {
        [Atom::Day(day), rest @ ..] => {
            return Some((Point { unit: Unit::Day(*day), year: Some(day.year()) }, rest))
        }
        [Atom::Year(year), rest @ ..] => {
            return Some((Point { unit: Unit::Year, year: Some(*year) }, rest))
        }
        [Atom::Month(month), rest @ ..] => (Unit::Month(*month), rest),
        [Atom::Quarter(quarter), rest @ ..] => (Unit::Quarter(*quarter), rest),
        [Atom::Half(half), rest @ ..] => (Unit::Half(*half), rest),
        _ => return None,
    };
    match rest {
        [Atom::Year(year), rest @ ..] => Some((Point { unit, year: Some(*year) }, rest)),
        _ => Some((Point { unit, year: None }, rest)),
    }
}

type Outcome = Result<TermMeaning, TextReason>;

/// First and last year of a recurrence, each if given.
type YearBounds = (Option<i32>, Option<i32>);

/// A point or a span: "июнь 2023 г.", "2021-2025", "Октябрь-ноябрь", "с 01.03.2023 по ...".
fn read_span(atoms: &[Atom], plan_year: Option<i32>) -> Outcome {
    let (opened_with_from, atoms) = match atoms {
        [Atom::Word(Keyword::From), rest @ ..] => (true, rest),
        [Atom::Word(Keyword::In | Keyword::For), rest @ ..] => (false, rest),
        _ => (false, atoms),
    };
    let (first, rest) = take_point(atoms).ok_or(TextReason::Unrecognised)?;
    if rest.is_empty() && !opened_with_from {
        return single(first, plan_year);
    }
    let (explicit, rest) = match rest {
        [Atom::Dash, rest @ ..] if !opened_with_from => (true, rest),
        [Atom::Word(Keyword::To), rest @ ..] if opened_with_from => (true, rest),
        _ if !opened_with_from => (false, rest),
        _ => return Err(TextReason::Unrecognised),
    };
    let (second, rest) = take_point(rest).ok_or(TextReason::Unrecognised)?;
    if !rest.is_empty() {
        return Err(TextReason::Unrecognised);
    }
    if !(explicit || first.is_full() && second.is_full()) {
        // "май сентябрь": a list or a span, we cannot tell.
        return Err(TextReason::Unrecognised);
    }
    span(first, second, plan_year)
}

fn single(point: Point, plan_year: Option<i32>) -> Outcome {
    match (point.unit, point.year) {
        (Unit::Year, Some(year)) => Ok(TermMeaning::Year { year }),
        (Unit::Day(day), _) => Ok(TermMeaning::Date { due: day, from: Some(day) }),
        (_, year) => {
            let year = year.or(plan_year).ok_or(TextReason::NoYear)?;
            let (from, due) = point.bounds(year).ok_or(TextReason::InvalidDate)?;
            Ok(TermMeaning::Date { due, from: Some(from) })
        }
    }
}

fn span(first: Point, second: Point, plan_year: Option<i32>) -> Outcome {
    if let (Unit::Year, Unit::Year, Some(from_year), Some(to_year)) =
        (first.unit, second.unit, first.year, second.year)
    {
        return match from_year.cmp(&to_year) {
            std::cmp::Ordering::Less => Ok(TermMeaning::Years { from_year, to_year }),
            std::cmp::Ordering::Equal => Ok(TermMeaning::Year { year: from_year }),
            std::cmp::Ordering::Greater => Err(TextReason::InvalidDate),
        };
    }
    // "Октябрь-ноябрь 2023": the first point takes the second's year. The other way round
    // ("сентябрь 2023 - май") the end may fall in the next year, so it is not read.
    let (first_year, second_year, year_shared) = match (first.year, second.year) {
        (Some(a), Some(b)) => (a, b, false),
        (None, Some(b)) => (b, b, true),
        (Some(_), None) => return Err(TextReason::Ambiguous),
        (None, None) => {
            let year = plan_year.ok_or(TextReason::NoYear)?;
            (year, year, true)
        }
    };
    let (from, _) = first.bounds(first_year).ok_or(TextReason::InvalidDate)?;
    let (_, to) = second.bounds(second_year).ok_or(TextReason::InvalidDate)?;
    if from > to {
        // "ноябрь-февраль 2023" spans a new year: which one, the text does not say.
        return Err(if year_shared { TextReason::Ambiguous } else { TextReason::InvalidDate });
    }
    Ok(TermMeaning::Range { from, to })
}

/// After "в течение": "года", "2023 года", "2023-2024 годов".
fn read_continuous(atoms: &[Atom], plan_year: Option<i32>) -> Outcome {
    if let [Atom::Word(Keyword::YearWord)] = atoms {
        return Ok(match plan_year {
            Some(year) => TermMeaning::Continuous { from: year_start(year), to: year_end(year) },
            None => TermMeaning::Continuous { from: None, to: None },
        });
    }
    let (from, to) = match read_span(atoms, plan_year)? {
        TermMeaning::Year { year } => (year_start(year), year_end(year)),
        TermMeaning::Years { from_year, to_year } => (year_start(from_year), year_end(to_year)),
        TermMeaning::Range { from, to } => (Some(from), Some(to)),
        TermMeaning::Date { due, from: Some(from) } => (Some(from), Some(due)),
        _ => return Err(TextReason::Unrecognised),
    };
    Ok(TermMeaning::Continuous { from, to })
}

/// "до 01.09.2023", "До сентября", "до конца 2023 года", "не позднее июня 2023 г.", "к 31.12.2024".
fn read_deadline(atoms: &[Atom], plan_year: Option<i32>) -> Outcome {
    enum Edge {
        /// The day before the point starts ("до сентября").
        Before,
        /// The last day of the point ("до конца сентября", "не позднее сентября").
        End,
        /// Only a day is accepted, and it is the due date ("к 31.12.2024").
        Day,
    }
    let (edge, rest) = match atoms {
        [Atom::Word(Keyword::Until), Atom::Word(Keyword::End), rest @ ..] => (Edge::End, rest),
        [Atom::Word(Keyword::Until), rest @ ..] => (Edge::Before, rest),
        [Atom::Word(Keyword::Not), Atom::Word(Keyword::Later), rest @ ..] => (Edge::End, rest),
        [Atom::Word(Keyword::By), rest @ ..] => (Edge::Day, rest),
        _ => return Err(TextReason::Unrecognised),
    };
    if let (Edge::End, [Atom::Word(Keyword::YearWord)]) = (&edge, rest) {
        // "до конца года": of the plan's year, if it has one.
        let year = plan_year.ok_or(TextReason::NoYear)?;
        return Ok(TermMeaning::Date {
            due: year_end(year).ok_or(TextReason::InvalidDate)?,
            from: None,
        });
    }
    let (point, rest) = take_point(rest).ok_or(TextReason::Unrecognised)?;
    if !rest.is_empty() {
        return Err(TextReason::Unrecognised);
    }
    let due = match (edge, point.unit) {
        (_, Unit::Day(day)) => day,
        (Edge::Day, _) => return Err(TextReason::Ambiguous),
        // "до 2024 года" is read both as "before 2024" and as "through 2024" in the acts;
        // "до IV квартала" likewise.
        (Edge::Before, Unit::Year | Unit::Quarter(_) | Unit::Half(_)) => {
            return Err(TextReason::Ambiguous)
        }
        (edge, _) => {
            let year = point.year.or(plan_year).ok_or(TextReason::NoYear)?;
            let (start, end) = point.bounds(year).ok_or(TextReason::InvalidDate)?;
            match edge {
                Edge::Before => day_before(start).ok_or(TextReason::InvalidDate)?,
                _ => end,
            }
        }
    };
    Ok(TermMeaning::Date { due, from: None })
}

/// Terms with "ежегодно", "ежемесячно" or "ежеквартально", with at most one part of the year
/// and one set of year bounds around the frequency, in any order ("Ежегодно 4 квартал",
/// "2023, далее ежегодно", "ежегодно, начиная с 2023 года", "ежегодно, январь-декабрь").
fn read_recurring(atoms: &[Atom]) -> Outcome {
    let atoms: Vec<Atom> = atoms.iter().copied().filter(|atom| *atom != Atom::Comma).collect();
    let mut frequency: Option<Frequency> = None;
    let mut within: Option<Within> = None;
    let mut bounds: Option<YearBounds> = None;
    let mut rest = atoms.as_slice();
    while !rest.is_empty() {
        rest = if let [Atom::Frequency(every), tail @ ..] = rest {
            if frequency.replace(*every).is_some() {
                return Err(TextReason::Unrecognised);
            }
            tail
        } else if let Some((part, tail)) = take_within(rest) {
            if within.replace(part).is_some() {
                return Err(TextReason::Unrecognised);
            }
            tail
        } else if let Some((years, tail)) = take_bounds(rest) {
            if bounds.replace(years).is_some() {
                return Err(TextReason::Unrecognised);
            }
            tail
        } else {
            return Err(TextReason::Unrecognised);
        };
    }
    let frequency = frequency.ok_or(TextReason::Unrecognised)?;
    if within.is_some() && frequency != Frequency::Yearly {
        // "ежемесячно, декабрь" says nothing we can use.
        return Err(TextReason::Unrecognised);
    }
    let (start_year, end_year) = bounds.unwrap_or((None, None));
    let meaning = TermMeaning::Recurring(Recurrence { frequency, within, start_year, end_year });
    meaning.validate().map_err(|_| TextReason::InvalidDate)?;
    Ok(meaning)
}

/// "4 квартал", "в IV квартале", "декабрь", "январь-декабрь", "I полугодие".
fn take_within(atoms: &[Atom]) -> Option<(Within, &[Atom])> {
    let atoms = match atoms {
        [Atom::Word(Keyword::In), rest @ ..] => rest,
        _ => atoms,
    };
    match atoms {
        [Atom::Month(first), Atom::Dash, Atom::Month(last), rest @ ..] if first <= last => {
            Some((Within::Months { first: *first, last: *last }, rest))
        }
        [Atom::Month(month), rest @ ..] => Some((Within::Month(*month), rest)),
        [Atom::Quarter(quarter), rest @ ..] => Some((Within::Quarter(*quarter), rest)),
        [Atom::Half(half), rest @ ..] => Some((Within::HalfYear(*half), rest)),
        _ => None,
    }
}

/// Bounds in years: "2023" (before "далее"), "начиная с 2023 года", "с 2023 по 2025",
/// "2023-2025".
fn take_bounds(atoms: &[Atom]) -> Option<(YearBounds, &[Atom])> {
    match atoms {
        [Atom::Year(start), Atom::Word(Keyword::Then), rest @ ..] => {
            Some(((Some(*start), None), rest))
        }
        [Atom::Word(Keyword::Starting), Atom::Word(Keyword::From), Atom::Year(start), rest @ ..]
        | [Atom::Word(Keyword::From), Atom::Year(start), rest @ ..] => match rest {
            [Atom::Word(Keyword::To), Atom::Year(end), rest @ ..] => {
                Some(((Some(*start), Some(*end)), rest))
            }
            _ => Some(((Some(*start), None), rest)),
        },
        [Atom::Year(start), Atom::Dash, Atom::Year(end), rest @ ..] => {
            Some(((Some(*start), Some(*end)), rest))
        }
        _ => None,
    }
}
