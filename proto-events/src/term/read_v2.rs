//! Reading rules version 2 of plan terms (сроки): version 1, and a list of due dates.
//!
//! A roadmap that repeats an activity writes its deadlines one after another: «ноябрь 2023 года
//! ноябрь 2024 года», «01.03.2023 года 01.02.2024 года», «декабрь 2023, декабрь 2024». Version 1
//! read such a term as one span from the first to the last (13 months); the act means two
//! deadlines, and a deadline missed in 2023 is missed whatever happens in 2024. Version 2 reads
//! a term that is nothing but two or more points (a day, or a month, quarter or half-year), each
//! with its own year, separated only by spaces, commas, semicolons or «и», as
//! [`TermMeaning::Dates`]: each point's last day, earliest first. A dash, «с … по», «до» or any
//! other word keeps the term to version 1, which is called unchanged for everything else (so
//! version 1 stays frozen and this file holds only what is new).

use crate::term::{read_v1, Term, TermMeaning, TERM_DATES_MAX, TERM_TEXT_BYTES_MAX};
use crate::time::Date;

/// Words a point of a list may span ("01.03.2023 года", "IV квартал 2023 г.").
const POINT_WORDS_MAX: usize = 4;

/// Reads a term of a plan whose period is `period` by the rules of version 2.
pub(crate) fn parse_in_period(text: &str, period: Option<(i32, i32)>) -> Term {
    match read_dates(text, period) {
        Some(dates) => Term { text: text.to_string(), meaning: TermMeaning::Dates { dates } },
        None => read_v1::parse_in_period(text, period),
    }
}

/// The due dates of a term that lists points, or `None` when it is anything else.
fn read_dates(text: &str, period: Option<(i32, i32)>) -> Option<Vec<Date>> {
    if text.len() > TERM_TEXT_BYTES_MAX || text.contains(['-', '–', '—', '(', ')']) {
        return None;
    }
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|word| !word.is_empty() && *word != "и")
        .collect();
    if words.len() < 2 || words.len() > TERM_DATES_MAX.saturating_mul(POINT_WORDS_MAX) {
        return None;
    }
    let dates = points(&words, period)?;
    let ascending = dates.windows(2).all(|pair| pair.first() < pair.get(1));
    (dates.len() >= 2 && dates.len() <= TERM_DATES_MAX && ascending).then_some(dates)
}

/// Splits `words` into consecutive points, each read by version 1 as a dated point with its own
/// year, and returns their due dates; `None` when no such split covers every word. The first
/// split found, trying longer points first, wins. A start from which no split exists is
/// remembered (`dead`), so a hostile term whose points can be cut two ways costs at most
/// `POINT_WORDS_MAX` readings per word, not one per way of cutting it.
fn points(words: &[&str], period: Option<(i32, i32)>) -> Option<Vec<Date>> {
    let mut dead = vec![false; words.len()];
    points_from(words, 0, period, &mut dead)
}

fn points_from(
    words: &[&str],
    start: usize,
    period: Option<(i32, i32)>,
    dead: &mut [bool],
) -> Option<Vec<Date>> {
    let rest = words.get(start..)?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    if dead.get(start).copied().unwrap_or(true) {
        return None;
    }
    for length in (1..=POINT_WORDS_MAX.min(rest.len())).rev() {
        let Some(due) = rest.get(..length).and_then(|head| point(head, period)) else { continue };
        if let Some(mut later) = points_from(words, start.saturating_add(length), period, dead) {
            later.insert(0, due);
            return Some(later);
        }
    }
    if let Some(slot) = dead.get_mut(start) {
        *slot = true;
    }
    None
}

/// The due date of one point: version 1 reads it as a dated window (a day, a month, a quarter
/// or a half-year: `Date` with `from`), and it names its year itself.
fn point(words: &[&str], period: Option<(i32, i32)>) -> Option<Date> {
    let names_year = words
        .iter()
        .any(|word| word.split(|c: char| !c.is_ascii_digit()).any(|digits| digits.len() == 4));
    if !names_year {
        return None;
    }
    match read_v1::parse_in_period(&words.join(" "), period).meaning {
        TermMeaning::Date { due, from: Some(_) } => Some(due),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::term::read_v2::parse_in_period;
    use crate::term::TermMeaning;
    use crate::time::Date;

    fn dates(text: &str) -> Option<Vec<String>> {
        match parse_in_period(text, Some((2023, 2024))).meaning {
            TermMeaning::Dates { dates } => Some(dates.iter().map(Date::to_string).collect()),
            _ => None,
        }
    }

    #[test]
    fn points_one_after_another_are_deadlines() {
        let both = |a: &str, b: &str| Some(vec![a.to_string(), b.to_string()]);
        assert_eq!(dates("ноябрь 2023 года ноябрь 2024 года"), both("2023-11-30", "2024-11-30"));
        assert_eq!(dates("01.03.2023 года 01.02.2024 года"), both("2023-03-01", "2024-02-01"));
        assert_eq!(dates("декабрь 2023, декабрь 2024"), both("2023-12-31", "2024-12-31"));
        assert_eq!(dates("IV квартал 2023 и IV квартал 2024"), both("2023-12-31", "2024-12-31"));
        assert_eq!(
            dates("май 2023; сентябрь 2023; май 2024"),
            Some(vec!["2023-05-31".into(), "2023-09-30".into(), "2024-05-31".into()])
        );
    }

    #[test]
    fn spans_deadlines_and_points_without_a_year_are_not_lists() {
        // A dash or «с … по» is a span; «до» a deadline; a lone point a date.
        assert_eq!(dates("ноябрь 2023 – ноябрь 2024"), None);
        assert_eq!(dates("с 01.03.2023 по 01.02.2024"), None);
        assert_eq!(dates("до 31.12.2024 года"), None);
        assert_eq!(dates("июнь 2023 г."), None);
        // Points without their own year are a list or a span: version 1 says it cannot tell.
        assert_eq!(dates("май сентябрь"), None);
        assert_eq!(dates("май 2023 сентябрь"), None);
        // Not ascending, or the same date twice: not a list of deadlines.
        assert_eq!(dates("ноябрь 2024 ноябрь 2023"), None);
        assert_eq!(dates("ноябрь 2024 ноябрь 2024"), None);
        assert_eq!(dates("2023 2024"), None);
    }

    /// Points that can be cut two ways («IV квартал 2023» or «IV квартал 2023 г.») and a tail
    /// that spoils every cut: without remembering dead starts this would read 2^n cuts.
    #[test]
    fn a_term_cut_many_ways_with_a_bad_tail_is_read_once_per_start() {
        let mut text = "IV квартал 2023 г. ".repeat(17);
        text.push_str("когда-нибудь");
        assert!(text.len() <= crate::term::TERM_TEXT_BYTES_MAX, "{}", text.len());
        assert_eq!(dates(&text), None);
        let mut good = String::new();
        for year in 2001..2018 {
            good.push_str(&format!("IV квартал {year} г. "));
        }
        assert_eq!(dates(&good).map(|d| d.len()), Some(17));
    }
}
