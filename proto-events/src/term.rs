//! Terms (сроки) of plan activities as the acts write them: original text plus, where it can be
//! read without guessing, a structured meaning.
//!
//! The acts write terms in many shapes: "2021-2025", "июнь 2023 г.", "Ежегодно 4 квартал",
//! "01.03.2023 года 01.02.2024 года", "В течение года", "по мере обновления федеральной
//! нормативной базы". [`parse`] keeps the text untouched and adds a [`TermMeaning`] when the text
//! has exactly one reading; anything else stays [`TermMeaning::Text`] with a [`TextReason`].
//! A month without a year ("До сентября") is dated only by [`parse_in_period`], and only when the
//! plan's period is a single year.
//!
//! The parser is called where an event is made (import, the command path, the demo), never by a
//! fold: plan events carry the term's meaning as read when recorded ([`parse_in_plan`]), so a
//! better parser cannot change what an old event means. The reading rules are versioned
//! ([`READING_VERSION`]); version 1 is frozen in `term/read_v1.rs` because the upcaster of
//! `activity_amended` schema 1, whose term changes are text only, reads with it.
//!
//! Reading rules that are choices, stated once:
//! - "до 01.09.2023" and "к 31.12.2024" are due on the date written (the acts write
//!   "до 31.12.2024 года" for "by the end of 2024").
//! - "до сентября" is due on the last day before September; "до конца сентября" and
//!   "не позднее сентября" on its last day. "до 2024 года" stays text: the acts also write
//!   "на период до 2024 года" for a period that includes 2024.
//! - Two dates or two month-years with no separator between them (the dumps lost it) are a range.
//!
//! Encoding: in JSON a term is one flat object, `{"text": .., "kind": "date", "due": .., ..}`;
//! in the canonical binary codec it is a plain externally tagged mirror with a fixed field order.
//! The variant order of that mirror is part of the format: never reorder, only append.
//!
//! Messages: officials read why a term stays text (the plan importer's report, the API's
//! refusals), so [`TextReason`], [`TermMeaning`], [`Within`] and [`Frequency`] display in Russian,
//! and so do the reasons decoding refuses a meaning the parser never makes. They are texts for
//! people only: nothing encodes or hashes them.

use chrono::Datelike;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Date;

mod read_v1;
mod read_v2;

/// Longest term text that is read for a meaning, in bytes; longer texts stay text.
pub const TERM_TEXT_BYTES_MAX: usize = 512;
/// Earliest year a term may name.
pub const TERM_YEAR_MIN: i32 = 1900;
/// Latest year a term may name.
pub const TERM_YEAR_MAX: i32 = 2199;

/// A term as written in an act, with its meaning where it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The original text, exactly as given.
    pub text: String,
    /// What the text means, or why it stays text.
    pub meaning: TermMeaning,
}

/// The structured meaning of a term; JSON `kind` is the snake_case variant name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermMeaning {
    /// A due date, with the first day of its window when the term names one ("июнь 2023 г.").
    Date {
        /// The last day on which the activity is on time.
        due: Date,
        /// The first day of the window, if the term has one ("до ..." has none).
        from: Option<Date>,
    },
    /// A span between two dates, both included ("с 01.03.2023 по 01.02.2024").
    Range {
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
    /// One calendar year ("2022").
    Year {
        /// The year.
        year: i32,
    },
    /// Several whole calendar years ("2021-2025"); `from_year < to_year`.
    Years {
        /// First year.
        from_year: i32,
        /// Last year, included.
        to_year: i32,
    },
    /// A recurring activity ("Ежегодно 4 квартал", "2023, далее ежегодно").
    Recurring(Recurrence),
    /// An activity carried on throughout a period ("В течение года", "постоянно").
    Continuous {
        /// First day, when the period is known.
        from: Option<Date>,
        /// Last day, when the period is known.
        to: Option<Date>,
    },
    /// No structured meaning; the text is all there is.
    Text {
        /// Why the text could not be read.
        reason: TextReason,
    },
    /// Several due dates, each a deadline of its own: a roadmap that repeats an activity writes
    /// its deadlines one after another ("ноябрь 2023 года ноябрь 2024 года",
    /// "01.03.2023 года 01.02.2024 года"). From 2 to [`TERM_DATES_MAX`], strictly ascending.
    Dates {
        /// The due dates, earliest first.
        dates: Vec<Date>,
    },
}

/// Most due dates a `dates` term lists.
pub const TERM_DATES_MAX: usize = 24;

/// How often a recurring activity happens, and within which bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    /// Monthly, quarterly or yearly.
    pub frequency: Frequency,
    /// For yearly activities: the part of each year they fall in ("4 квартал", "декабрь").
    pub within: Option<Within>,
    /// The first year with an occurrence, if the term says.
    pub start_year: Option<i32>,
    /// The last year with an occurrence, if the term says; `None` is open-ended.
    pub end_year: Option<i32>,
}

/// Frequency of a recurring term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// "ежемесячно": due at the end of every month.
    Monthly,
    /// "ежеквартально": due at the end of every quarter.
    Quarterly,
    /// "ежегодно": due at the end of every year, or of the part of it named by `within`.
    Yearly,
}

/// The part of a year a yearly term falls in; months are 1..=12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Within {
    /// One month ("ежегодно, декабрь").
    Month(u8),
    /// Consecutive months, both included ("ежегодно, январь-декабрь").
    Months {
        /// First month.
        first: u8,
        /// Last month.
        last: u8,
    },
    /// A quarter, 1..=4 ("4 квартал", "IV квартал").
    Quarter(u8),
    /// A half-year, 1..=2 ("I полугодие").
    HalfYear(u8),
}

/// Why a term stays text. Its `Display` is the Russian explanation an official reads: what was
/// not understood and how to write the term; its JSON code (`unrecognised`, ...) is for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextReason {
    /// Nothing in it reads as a date, a period or a recurrence.
    Unrecognised,
    /// It has more than one reading ("Май (сентябрь)", "до 2024 года").
    Ambiguous,
    /// It names months or quarters without a year, and the plan's period is not a single year.
    NoYear,
    /// It depends on an event, not on the calendar ("по мере обновления ...").
    Conditional,
    /// It names a day that does not exist, or a span that ends before it starts.
    InvalidDate,
    /// It is longer than [`TERM_TEXT_BYTES_MAX`].
    TooLong,
}

/// The version of the reading rules [`parse`] applies. Version 1 is frozen in `term/read_v1.rs`
/// (events of `activity_amended` schema 1 are read with it); version 2 (`term/read_v2.rs`) reads
/// due dates written one after another as a list of deadlines ([`TermMeaning::Dates`]) where
/// version 1 read one span from the first to the last.
pub const READING_VERSION: u16 = 2;

/// Reads a term on its own; terms that name no year stay text with [`TextReason::NoYear`].
pub fn parse(text: &str) -> Term {
    parse_in_period(text, None)
}

/// Reads a term of a plan whose period is `period` (first and last year, both included).
///
/// The period dates terms that name no year ("До сентября", "Октябрь-ноябрь", "В течение года")
/// only when it is a single year; otherwise they stay as they would be without it.
pub fn parse_in_period(text: &str, period: Option<(i32, i32)>) -> Term {
    read_v2::parse_in_period(text, period)
}

/// Reads a term of a plan as it is recorded in an event (`activity_added`'s `term`,
/// `activity_amended`'s `meaning`): on its own, or, when the text names no year
/// ([`TextReason::NoYear`]), in the plan's period. This is the one rule the recorders apply and
/// the command gate checks; the folds never call it, they read what was recorded.
pub fn parse_in_plan(text: &str, period: Option<(i32, i32)>) -> Term {
    let alone = parse(text);
    if alone.meaning == (TermMeaning::Text { reason: TextReason::NoYear }) {
        parse_in_period(text, period)
    } else {
        alone
    }
}

/// The reading of version 1 in a plan's period, frozen: what the plan fold made of a term
/// amendment recorded at `activity_amended` schema 1 (text only). Only that upcaster calls it.
pub(crate) fn parse_v1_in_period(text: &str, period: Option<(i32, i32)>) -> Term {
    read_v1::parse_in_period(text, period)
}

impl Term {
    /// The final deadline, if the term has one; `None` for open-ended and text terms.
    pub fn due_date(&self) -> Option<Date> {
        self.meaning.due_date()
    }

    /// The latest deadline on or before `as_of`: for a recurring term the deadline of its latest
    /// occurrence (e.g. "Ежегодно 4 квартал" is due on 31 December of each year), otherwise the
    /// due date if it is not after `as_of`.
    pub fn deadline_on_or_before(&self, as_of: Date) -> Option<Date> {
        self.meaning.deadline_on_or_before(as_of)
    }

    /// Whether the term has a structured meaning (anything but [`TermMeaning::Text`]).
    pub fn is_structured(&self) -> bool {
        self.meaning.is_structured()
    }
}

impl TermMeaning {
    /// See [`Term::due_date`].
    pub fn due_date(&self) -> Option<Date> {
        match self {
            TermMeaning::Date { due, .. } => Some(*due),
            TermMeaning::Range { to, .. } => Some(*to),
            TermMeaning::Year { year } => year_end(*year),
            TermMeaning::Years { to_year, .. } => year_end(*to_year),
            TermMeaning::Recurring(recurrence) => recurrence
                .end_year
                .and_then(year_end)
                .and_then(|end| recurrence.latest_deadline(end)),
            TermMeaning::Continuous { to, .. } => *to,
            TermMeaning::Text { .. } => None,
            TermMeaning::Dates { dates } => dates.last().copied(),
        }
    }

    /// See [`Term::deadline_on_or_before`].
    pub fn deadline_on_or_before(&self, as_of: Date) -> Option<Date> {
        match self {
            TermMeaning::Recurring(recurrence) => recurrence.latest_deadline(as_of),
            TermMeaning::Dates { dates } => dates.iter().rev().find(|due| **due <= as_of).copied(),
            _ => self.due_date().filter(|due| *due <= as_of),
        }
    }

    /// See [`Term::is_structured`].
    pub fn is_structured(&self) -> bool {
        !matches!(self, TermMeaning::Text { .. })
    }

    /// Checks the invariants the parser guarantees; decoding rejects values that break them, with
    /// the returned reason (in Russian: it reaches officials through the API).
    fn validate(&self) -> Result<(), String> {
        let year = |year: i32| {
            if year_in_range(year) {
                Ok(())
            } else {
                Err(format!("год {year} вне допустимых пределов {TERM_YEAR_MIN}–{TERM_YEAR_MAX}"))
            }
        };
        match self {
            TermMeaning::Date { due, from } => match from {
                Some(from) if from > due => {
                    Err(format!("начало срока ({from}) позже даты исполнения ({due})"))
                }
                _ => Ok(()),
            },
            TermMeaning::Range { from, to } if from > to => {
                Err(format!("период начинается ({from}) позже, чем заканчивается ({to})"))
            }
            TermMeaning::Range { .. } => Ok(()),
            TermMeaning::Year { year: value } => year(*value),
            TermMeaning::Years { from_year, to_year } => {
                year(*from_year)?;
                year(*to_year)?;
                if from_year < to_year {
                    Ok(())
                } else {
                    Err(format!(
                        "годы {from_year}–{to_year} должны идти по возрастанию (один год \
                         записывается отдельным видом срока)"
                    ))
                }
            }
            TermMeaning::Recurring(recurrence) => {
                if let Some(start) = recurrence.start_year {
                    year(start)?;
                }
                if let Some(end) = recurrence.end_year {
                    year(end)?;
                }
                if let (Some(start), Some(end)) = (recurrence.start_year, recurrence.end_year) {
                    if start > end {
                        return Err(format!(
                            "повторение начинается в {start} году, позже, чем заканчивается \
                             ({end})"
                        ));
                    }
                }
                match recurrence.within {
                    None => Ok(()),
                    Some(_) if recurrence.frequency != Frequency::Yearly => {
                        Err("часть года указывается только для ежегодного срока".to_string())
                    }
                    Some(within) => match within.months() {
                        Some(_) => Ok(()),
                        None => Err(format!("недопустимая часть года: {within}")),
                    },
                }
            }
            TermMeaning::Continuous { from: Some(from), to: Some(to) } if from > to => {
                Err(format!("период начинается ({from}) позже, чем заканчивается ({to})"))
            }
            TermMeaning::Continuous { .. } | TermMeaning::Text { .. } => Ok(()),
            TermMeaning::Dates { dates } => {
                if !(2..=TERM_DATES_MAX).contains(&dates.len()) {
                    return Err(format!(
                        "в списке сроков должно быть от 2 до {TERM_DATES_MAX} дат, а их {}",
                        dates.len()
                    ));
                }
                match dates.windows(2).find(|pair| pair.first() >= pair.get(1)) {
                    Some(pair) => Err(format!(
                        "даты списка сроков должны идти по возрастанию без повторов: {}",
                        pair.iter().map(Date::to_string).collect::<Vec<_>>().join(", ")
                    )),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Recurrence {
    /// The deadline of the latest occurrence that is due on or before `as_of`.
    fn latest_deadline(&self, as_of: Date) -> Option<Date> {
        let mut limit = as_of;
        if let Some(end) = self.end_year.and_then(year_end) {
            limit = limit.min(end);
        }
        let last_month = match (self.frequency, self.within) {
            (Frequency::Yearly, Some(within)) => within.months()?.1,
            _ => 12,
        };
        let naive = limit.to_naive()?;
        let mut year = naive.year();
        let mut month = u8::try_from(naive.month()).ok()?;
        // Every frequency has a deadline month among any twelve consecutive months; the thirteenth
        // step covers a deadline month whose deadline is still ahead of `limit` this year.
        for _ in 0..=12 {
            let is_deadline_month = match self.frequency {
                Frequency::Monthly => true,
                Frequency::Quarterly => month % 3 == 0,
                Frequency::Yearly => month == last_month,
            };
            if is_deadline_month {
                let deadline = month_end(year, month)?;
                if deadline <= limit {
                    return match self.start_year {
                        Some(start) if year < start => None,
                        _ => Some(deadline),
                    };
                }
            }
            if month == 1 {
                month = 12;
                year = year.checked_sub(1)?;
            } else {
                month -= 1;
            }
        }
        None
    }
}

impl Within {
    /// First and last month, or `None` when out of range.
    fn months(self) -> Option<(u8, u8)> {
        let (first, last) = match self {
            Within::Month(month) => (month, month),
            Within::Months { first, last } => (first, last),
            Within::Quarter(quarter @ 1..=4) => (quarter * 3 - 2, quarter * 3),
            Within::HalfYear(half @ 1..=2) => (half * 6 - 5, half * 6),
            Within::Quarter(_) | Within::HalfYear(_) => return None,
        };
        ((1..=12).contains(&first) && (first..=12).contains(&last)).then_some((first, last))
    }
}

// ---------------------------------------------------------------------------------------------
// Messages for people.
//
// Officials read these (the plan importer's report, the API's refusals), so they are in Russian:
// what was not understood and how to write the term instead. Every example a message gives is a
// form the parser reads (see the tests). They describe terms; they are never encoded or hashed.

/// Why a term stays text, for the official who wrote it: what was not understood and which forms
/// are read.
impl std::fmt::Display for TextReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextReason::Unrecognised => f.write_str(
                "не удалось распознать срок: ожидается дата (25.12.2024, до 25.12.2024), месяц, \
                 квартал или полугодие с годом (сентябрь 2024, IV квартал 2024, I полугодие 2024), \
                 год или годы (2024, 2021–2025), период (с 01.03.2024 по 31.05.2024), «в течение \
                 2024 года», «постоянно» или повторяющийся срок («ежегодно, IV квартал», \
                 «ежеквартально», «ежемесячно»)",
            ),
            TextReason::Ambiguous => f.write_str(
                "срок можно понять по-разному (например, «до 2024 года» — до начала или до конца \
                 2024 года, «ноябрь–февраль» — неясно, каких лет): укажите дату (до 31.12.2024) \
                 или период с годами (с 01.11.2023 по 29.02.2024)",
            ),
            TextReason::NoYear => f.write_str(
                "в сроке не указан год, а по периоду плана его не определить (план не на один \
                 год): укажите год (сентябрь 2024, IV квартал 2024)",
            ),
            TextReason::Conditional => f.write_str(
                "срок зависит от события, а не от календаря («по мере необходимости», «по \
                 запросу»): дату исполнения по нему не определить",
            ),
            TextReason::InvalidDate => f.write_str(
                "в сроке указан несуществующий день (например, 31.02.2024) или период, который \
                 кончается раньше, чем начинается",
            ),
            TextReason::TooLong => write!(
                f,
                "текст срока длиннее {TERM_TEXT_BYTES_MAX} байт и не разбирается: запишите срок \
                 короче (IV квартал 2024)"
            ),
        }
    }
}

/// The frequency as the acts write it: «ежегодно».
impl std::fmt::Display for Frequency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Frequency::Monthly => "ежемесячно",
            Frequency::Quarterly => "ежеквартально",
            Frequency::Yearly => "ежегодно",
        })
    }
}

/// The part of the year in Russian: «декабрь», «январь–март», «IV квартал», «I полугодие».
impl std::fmt::Display for Within {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Within::Month(month) => write_month(f, month),
            Within::Months { first, last } => {
                write_month(f, first)?;
                f.write_str("–")?;
                write_month(f, last)
            }
            Within::Quarter(quarter) => match roman_numeral(quarter, 4) {
                Some(numeral) => write!(f, "{numeral} квартал"),
                None => write!(f, "квартал {quarter}"),
            },
            Within::HalfYear(half) => match roman_numeral(half, 2) {
                Some(numeral) => write!(f, "{numeral} полугодие"),
                None => write!(f, "полугодие {half}"),
            },
        }
    }
}

/// The reading of a term in Russian, with dates as officials write them: «не позднее
/// 31.08.2024», «с 01.10.2023 по 30.11.2023», «2021–2025 годы», «ежегодно, IV квартал».
impl std::fmt::Display for TermMeaning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TermMeaning::Date { due, from: Some(from) } if from == due => {
                f.write_str(&due.to_russian())
            }
            TermMeaning::Date { due, from: Some(from) } => {
                write!(f, "с {} по {}", from.to_russian(), due.to_russian())
            }
            TermMeaning::Date { due, from: None } => write!(f, "не позднее {}", due.to_russian()),
            TermMeaning::Range { from, to } => {
                write!(f, "с {} по {}", from.to_russian(), to.to_russian())
            }
            TermMeaning::Year { year } => write!(f, "{year} год"),
            TermMeaning::Years { from_year, to_year } => write!(f, "{from_year}–{to_year} годы"),
            TermMeaning::Recurring(recurrence) => {
                write!(f, "{}", recurrence.frequency)?;
                if let Some(within) = recurrence.within {
                    write!(f, ", {within}")?;
                }
                match (recurrence.start_year, recurrence.end_year) {
                    (Some(start), Some(end)) => write!(f, ", с {start} по {end} год"),
                    (Some(start), None) => write!(f, ", начиная с {start} года"),
                    (None, Some(end)) => write!(f, ", по {end} год"),
                    (None, None) => Ok(()),
                }
            }
            TermMeaning::Continuous { from, to } => {
                f.write_str("постоянно")?;
                match (from, to) {
                    (Some(from), Some(to)) => {
                        write!(f, ", с {} по {}", from.to_russian(), to.to_russian())
                    }
                    (Some(from), None) => write!(f, ", начиная с {}", from.to_russian()),
                    (None, Some(to)) => write!(f, ", по {}", to.to_russian()),
                    (None, None) => Ok(()),
                }
            }
            TermMeaning::Text { reason } => write!(f, "только текст: {reason}"),
            TermMeaning::Dates { dates } => {
                f.write_str("сроки: ")?;
                for (index, due) in dates.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&due.to_russian())?;
                }
                Ok(())
            }
        }
    }
}

fn write_month(f: &mut std::fmt::Formatter<'_>, month: u8) -> std::fmt::Result {
    const NAMES: [&str; 12] = [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ];
    match usize::from(month).checked_sub(1).and_then(|index| NAMES.get(index)) {
        Some(name) => f.write_str(name),
        None => write!(f, "месяц {month}"),
    }
}

/// "I".."IV" for 1..=`max` (at most 4).
fn roman_numeral(value: u8, max: u8) -> Option<&'static str> {
    const NUMERALS: [&str; 4] = ["I", "II", "III", "IV"];
    if value > max {
        return None;
    }
    usize::from(value).checked_sub(1).and_then(|index| NUMERALS.get(index)).copied()
}

// ---------------------------------------------------------------------------------------------
// Encoding.

/// Binary mirror of [`TermMeaning`]: externally tagged, fixed field order. Append-only.
#[derive(Serialize, Deserialize)]
enum MeaningRepr {
    Date { due: Date, from: Option<Date> },
    Range { from: Date, to: Date },
    Year { year: i32 },
    Years { from_year: i32, to_year: i32 },
    Recurring(Recurrence),
    Continuous { from: Option<Date>, to: Option<Date> },
    Text { reason: TextReason },
    Dates { dates: Vec<Date> },
}

#[derive(Serialize, Deserialize)]
struct TermRepr {
    text: String,
    meaning: MeaningRepr,
}

/// JSON mirror of [`TermMeaning`]: internally tagged by `kind`, absent fields omitted.
/// `from` and `to` of `year` and `years` are written for readers and checked when read back.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum MeaningJson {
    Date {
        due: Date,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
    },
    Range {
        from: Date,
        to: Date,
    },
    Year {
        year: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Date>,
    },
    Years {
        from_year: i32,
        to_year: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Date>,
    },
    Recurring {
        frequency: Frequency,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        month: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_month: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_month: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quarter: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        half_year: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_year: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_year: Option<i32>,
    },
    Continuous {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Date>,
    },
    Text {
        reason: TextReason,
    },
    Dates {
        dates: Vec<Date>,
    },
}

#[derive(Serialize, Deserialize)]
struct TermJson {
    text: String,
    #[serde(flatten)]
    meaning: MeaningJson,
}

impl From<&TermMeaning> for MeaningRepr {
    fn from(meaning: &TermMeaning) -> MeaningRepr {
        match *meaning {
            TermMeaning::Date { due, from } => MeaningRepr::Date { due, from },
            TermMeaning::Range { from, to } => MeaningRepr::Range { from, to },
            TermMeaning::Year { year } => MeaningRepr::Year { year },
            TermMeaning::Years { from_year, to_year } => MeaningRepr::Years { from_year, to_year },
            TermMeaning::Recurring(recurrence) => MeaningRepr::Recurring(recurrence),
            TermMeaning::Continuous { from, to } => MeaningRepr::Continuous { from, to },
            TermMeaning::Text { reason } => MeaningRepr::Text { reason },
            TermMeaning::Dates { ref dates } => MeaningRepr::Dates { dates: dates.clone() },
        }
    }
}

impl TryFrom<MeaningRepr> for TermMeaning {
    type Error = String;
    fn try_from(repr: MeaningRepr) -> Result<TermMeaning, String> {
        let meaning = match repr {
            MeaningRepr::Date { due, from } => TermMeaning::Date { due, from },
            MeaningRepr::Range { from, to } => TermMeaning::Range { from, to },
            MeaningRepr::Year { year } => TermMeaning::Year { year },
            MeaningRepr::Years { from_year, to_year } => TermMeaning::Years { from_year, to_year },
            MeaningRepr::Recurring(recurrence) => TermMeaning::Recurring(recurrence),
            MeaningRepr::Continuous { from, to } => TermMeaning::Continuous { from, to },
            MeaningRepr::Text { reason } => TermMeaning::Text { reason },
            MeaningRepr::Dates { dates } => TermMeaning::Dates { dates },
        };
        meaning.validate()?;
        Ok(meaning)
    }
}

impl From<&TermMeaning> for MeaningJson {
    fn from(meaning: &TermMeaning) -> MeaningJson {
        match *meaning {
            TermMeaning::Date { due, from } => MeaningJson::Date { due, from },
            TermMeaning::Range { from, to } => MeaningJson::Range { from, to },
            TermMeaning::Year { year } => {
                MeaningJson::Year { year, from: year_start(year), to: year_end(year) }
            }
            TermMeaning::Years { from_year, to_year } => MeaningJson::Years {
                from_year,
                to_year,
                from: year_start(from_year),
                to: year_end(to_year),
            },
            TermMeaning::Recurring(recurrence) => {
                let (mut month, mut from_month, mut to_month, mut quarter, mut half_year) =
                    (None, None, None, None, None);
                match recurrence.within {
                    None => {}
                    Some(Within::Month(value)) => month = Some(value),
                    Some(Within::Months { first, last }) => {
                        from_month = Some(first);
                        to_month = Some(last);
                    }
                    Some(Within::Quarter(value)) => quarter = Some(value),
                    Some(Within::HalfYear(value)) => half_year = Some(value),
                }
                MeaningJson::Recurring {
                    frequency: recurrence.frequency,
                    month,
                    from_month,
                    to_month,
                    quarter,
                    half_year,
                    start_year: recurrence.start_year,
                    end_year: recurrence.end_year,
                }
            }
            TermMeaning::Continuous { from, to } => MeaningJson::Continuous { from, to },
            TermMeaning::Text { reason } => MeaningJson::Text { reason },
            TermMeaning::Dates { ref dates } => MeaningJson::Dates { dates: dates.clone() },
        }
    }
}

impl TryFrom<MeaningJson> for TermMeaning {
    type Error = String;
    fn try_from(json: MeaningJson) -> Result<TermMeaning, String> {
        let derived = |name: &str, given: Option<Date>, expected: Option<Date>| match given {
            Some(given) if Some(given) != expected => {
                Err(format!("поле {name} ({given}) не совпадает с границей указанных лет"))
            }
            _ => Ok(()),
        };
        let meaning = match json {
            MeaningJson::Date { due, from } => TermMeaning::Date { due, from },
            MeaningJson::Range { from, to } => TermMeaning::Range { from, to },
            MeaningJson::Year { year, from, to } => {
                derived("from", from, year_start(year))?;
                derived("to", to, year_end(year))?;
                TermMeaning::Year { year }
            }
            MeaningJson::Years { from_year, to_year, from, to } => {
                derived("from", from, year_start(from_year))?;
                derived("to", to, year_end(to_year))?;
                TermMeaning::Years { from_year, to_year }
            }
            MeaningJson::Recurring {
                frequency,
                month,
                from_month,
                to_month,
                quarter,
                half_year,
                start_year,
                end_year,
            } => {
                let within = match (month, from_month, to_month, quarter, half_year) {
                    (None, None, None, None, None) => None,
                    (Some(month), None, None, None, None) => Some(Within::Month(month)),
                    (None, Some(first), Some(last), None, None) => {
                        Some(Within::Months { first, last })
                    }
                    (None, None, None, Some(quarter), None) => Some(Within::Quarter(quarter)),
                    (None, None, None, None, Some(half)) => Some(Within::HalfYear(half)),
                    _ => {
                        return Err("укажите не больше одного из полей: month, from_month \
                                    вместе с to_month, quarter, half_year"
                            .to_string())
                    }
                };
                TermMeaning::Recurring(Recurrence { frequency, within, start_year, end_year })
            }
            MeaningJson::Continuous { from, to } => TermMeaning::Continuous { from, to },
            MeaningJson::Text { reason } => TermMeaning::Text { reason },
            MeaningJson::Dates { dates } => TermMeaning::Dates { dates },
        };
        meaning.validate()?;
        Ok(meaning)
    }
}

impl Serialize for TermMeaning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            MeaningJson::from(self).serialize(serializer)
        } else {
            MeaningRepr::from(self).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for TermMeaning {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            TermMeaning::try_from(MeaningJson::deserialize(deserializer)?)
                .map_err(serde::de::Error::custom)
        } else {
            TermMeaning::try_from(MeaningRepr::deserialize(deserializer)?)
                .map_err(serde::de::Error::custom)
        }
    }
}

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            TermJson { text: self.text.clone(), meaning: MeaningJson::from(&self.meaning) }
                .serialize(serializer)
        } else {
            TermRepr { text: self.text.clone(), meaning: MeaningRepr::from(&self.meaning) }
                .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Term {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let json = TermJson::deserialize(deserializer)?;
            let meaning = TermMeaning::try_from(json.meaning).map_err(serde::de::Error::custom)?;
            Ok(Term { text: json.text, meaning })
        } else {
            let repr = TermRepr::deserialize(deserializer)?;
            let meaning = TermMeaning::try_from(repr.meaning).map_err(serde::de::Error::custom)?;
            Ok(Term { text: repr.text, meaning })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar helpers.

fn year_in_range(year: i32) -> bool {
    (TERM_YEAR_MIN..=TERM_YEAR_MAX).contains(&year)
}

fn year_start(year: i32) -> Option<Date> {
    Date::from_ymd(year, 1, 1)
}

fn year_end(year: i32) -> Option<Date> {
    Date::from_ymd(year, 12, 31)
}

fn month_end(year: i32, month: u8) -> Option<Date> {
    (28..=31).rev().find_map(|day| Date::from_ymd(year, u32::from(month), day))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Reading rules version 1 are history (see `term/read_v1.rs`): any change to that file,
    /// even a comment, fails here. Do not update the pin; copy the file to a new version.
    #[test]
    fn reading_v1_is_frozen() {
        let source = include_str!("term/read_v1.rs");
        let pinned = "908049429bdd8987d6f0d778aeecffa47829256835cb24a92923ecb74dc37399";
        assert_eq!(blake3::hash(source.as_bytes()).to_hex().as_str(), pinned);
    }

    use crate::codec::{decode, encode};
    use crate::term::{
        parse, parse_in_period, Frequency, Recurrence, Term, TermMeaning, TextReason, Within,
    };
    use crate::time::Date;

    /// Reads `input` (in `period` when given) and compares the meaning's JSON with `expected`;
    /// also checks that the text is kept exactly, that the term's JSON is flat and that both
    /// encodings round-trip.
    fn check(input: &str, period: Option<(i32, i32)>, expected: &str) {
        let term = match period {
            None => parse(input),
            Some(period) => parse_in_period(input, Some(period)),
        };
        assert_eq!(term.text, input);
        let actual = serde_json::to_string(&term.meaning).unwrap();
        assert_eq!(actual, expected, "term {input:?} in {period:?}");

        let json = serde_json::to_string(&term).unwrap();
        let prefix = format!("{{\"text\":{},", serde_json::to_string(input).unwrap());
        assert!(json.starts_with(&prefix), "{json}");
        assert_eq!(json.get(prefix.len()..), expected.get(1..), "flat JSON of {input:?}");
        assert_eq!(serde_json::from_str::<Term>(&json).unwrap(), term);
        assert_eq!(serde_json::from_str::<TermMeaning>(&actual).unwrap(), term.meaning);

        let bytes = encode("term", &term).unwrap();
        assert_eq!(decode::<Term>("term", &bytes).unwrap(), term);
        let bytes = encode("term meaning", &term.meaning).unwrap();
        assert_eq!(decode::<TermMeaning>("term meaning", &bytes).unwrap(), term.meaning);
    }

    fn check_table(period: Option<(i32, i32)>, table: &[(&str, &str)]) {
        for (input, expected) in table {
            check(input, period, expected);
        }
    }

    const YEARS_2021_2025: &str =
        r#"{"kind":"years","from_year":2021,"to_year":2025,"from":"2021-01-01","to":"2025-12-31"}"#;
    const YEARS_2023_2024: &str =
        r#"{"kind":"years","from_year":2023,"to_year":2024,"from":"2023-01-01","to":"2024-12-31"}"#;
    const CONDITIONAL: &str = r#"{"kind":"text","reason":"conditional"}"#;
    const YEARLY_ALL_YEAR: &str =
        r#"{"kind":"recurring","frequency":"yearly","from_month":1,"to_month":12}"#;
    const YEARLY: &str = r#"{"kind":"recurring","frequency":"yearly"}"#;

    /// Seed 000, Irkutsk plan 2020-2025, column "Срок реализации".
    #[test]
    #[rustfmt::skip]
    fn seed_000_terms() {
        check_table(
            Some((2020, 2025)),
            &[
                ("2021-2025", YEARS_2021_2025),
                ("2021-2022", r#"{"kind":"years","from_year":2021,"to_year":2022,"from":"2021-01-01","to":"2022-12-31"}"#),
                ("2021-2023", r#"{"kind":"years","from_year":2021,"to_year":2023,"from":"2021-01-01","to":"2023-12-31"}"#),
                ("2022-2025", r#"{"kind":"years","from_year":2022,"to_year":2025,"from":"2022-01-01","to":"2025-12-31"}"#),
                ("2022 - 2025", r#"{"kind":"years","from_year":2022,"to_year":2025,"from":"2022-01-01","to":"2025-12-31"}"#),
                ("2023-2025", r#"{"kind":"years","from_year":2023,"to_year":2025,"from":"2023-01-01","to":"2025-12-31"}"#),
                ("2022-2023", r#"{"kind":"years","from_year":2022,"to_year":2023,"from":"2022-01-01","to":"2023-12-31"}"#),
                ("2022", r#"{"kind":"year","year":2022,"from":"2022-01-01","to":"2022-12-31"}"#),
                ("по мере \nобновления \nфедеральной \nнормативной \nбазы", CONDITIONAL),
                ("По мере \nобновления \nфедеральной \nнормативной \nбазы", CONDITIONAL),
                ("по мере обновления федеральной нормативной базы", CONDITIONAL),
            ],
        );
    }

    /// Seed 001, Irkutsk roadmap 2023-2024, column "Срок"; the last two are deadlines written
    /// inside the indicator table of the same act.
    #[test]
    #[rustfmt::skip]
    fn seed_001_terms() {
        check_table(
            Some((2023, 2024)),
            &[
                ("июнь 2023 г.", r#"{"kind":"date","due":"2023-06-30","from":"2023-06-01"}"#),
                ("Сентябрь 2023 г.", r#"{"kind":"date","due":"2023-09-30","from":"2023-09-01"}"#),
                ("сентябрь 2023 года", r#"{"kind":"date","due":"2023-09-30","from":"2023-09-01"}"#),
                ("Ежегодно 4 квартал", r#"{"kind":"recurring","frequency":"yearly","quarter":4}"#),
                ("июнь – октябрь 2023 года", r#"{"kind":"range","from":"2023-06-01","to":"2023-10-31"}"#),
                // The roadmap repeats these yearly: two deadlines, not one 13-month span.
                ("01.03.2023 года 01.02.2024 года", r#"{"kind":"dates","dates":["2023-03-01","2024-02-01"]}"#),
                ("ноябрь 2023 года ноябрь 2024 года", r#"{"kind":"dates","dates":["2023-11-30","2024-11-30"]}"#),
                ("декабрь 2023 декабрь 2024", r#"{"kind":"dates","dates":["2023-12-31","2024-12-31"]}"#),
                ("2023–2024 годы", YEARS_2023_2024),
                ("2023-2024 годы", YEARS_2023_2024),
                ("2023–2024", YEARS_2023_2024),
                ("2023–2024 год", YEARS_2023_2024),
                ("2023 год", r#"{"kind":"year","year":2023,"from":"2023-01-01","to":"2023-12-31"}"#),
                ("2024 год", r#"{"kind":"year","year":2024,"from":"2024-01-01","to":"2024-12-31"}"#),
                ("2023, далее ежегодно", r#"{"kind":"recurring","frequency":"yearly","start_year":2023}"#),
                ("Ежемесячно", r#"{"kind":"recurring","frequency":"monthly"}"#),
                ("Ежегодно, начиная с 2023 года", r#"{"kind":"recurring","frequency":"yearly","start_year":2023}"#),
                ("до 31.12.2024 года", r#"{"kind":"date","due":"2024-12-31"}"#),
                ("к 31.12. 2024 году", r#"{"kind":"date","due":"2024-12-31"}"#),
            ],
        );
    }

    /// Seed 002, Krasnoyarsk plan 2021-2023, column "Сроки"; the schedule notes say how, not when.
    #[test]
    #[rustfmt::skip]
    fn seed_002_terms() {
        check_table(
            Some((2021, 2023)),
            &[
                ("Ежегодно, январь-декабрь", YEARLY_ALL_YEAR),
                ("Ежегодно, январь-декабрь (по графику)", YEARLY_ALL_YEAR),
                ("Ежегодно, январь-декабрь (в соответствии с планом)", YEARLY_ALL_YEAR),
                ("Ежегодно, январь-декабрь (по отдельному плану)", YEARLY_ALL_YEAR),
                ("Ежегодно, январь-декабрь (в соответствии с графиком достижения показателей)", YEARLY_ALL_YEAR),
                ("Ежегодно, по графику организатора", YEARLY),
                ("Ежегодно, (по отдельному плану)", YEARLY),
                // The approval date and the period in the act's heading.
                ("01.09.2021", r#"{"kind":"date","due":"2021-09-01","from":"2021-09-01"}"#),
                ("на 2021 – 2023 годы**", r#"{"kind":"years","from_year":2021,"to_year":2023,"from":"2021-01-01","to":"2023-12-31"}"#),
            ],
        );
    }

    /// Seed 003, Zhigalovsky district plan for 2022, column "Период реализации", as the dump
    /// breaks the cells over lines.
    #[test]
    #[rustfmt::skip]
    fn seed_003_terms_in_its_single_year() {
        let year = r#"{"kind":"continuous","from":"2022-01-01","to":"2022-12-31"}"#;
        check_table(
            Some((2022, 2022)),
            &[
                ("В течение \n\nгода ", year),
                ("В течение  \n\nгода ", year),
                ("В течение года", year),
                ("Май \n\n(сентябрь) ", r#"{"kind":"text","reason":"ambiguous"}"#),
                ("Май (сентябрь)", r#"{"kind":"text","reason":"ambiguous"}"#),
                ("Май ", r#"{"kind":"date","due":"2022-05-31","from":"2022-05-01"}"#),
                ("Июнь- \n\nавгуст  ", r#"{"kind":"range","from":"2022-06-01","to":"2022-08-31"}"#),
                ("Сентябрь  ", r#"{"kind":"date","due":"2022-09-30","from":"2022-09-01"}"#),
                ("Октябрь ", r#"{"kind":"date","due":"2022-10-31","from":"2022-10-01"}"#),
                ("До \n\nсентября ", r#"{"kind":"date","due":"2022-08-31"}"#),
                ("До сентября", r#"{"kind":"date","due":"2022-08-31"}"#),
                ("Июнь ", r#"{"kind":"date","due":"2022-06-30","from":"2022-06-01"}"#),
                ("Октябрь-\n\nноябрь  ", r#"{"kind":"range","from":"2022-10-01","to":"2022-11-30"}"#),
                ("Октябрь-ноябрь", r#"{"kind":"range","from":"2022-10-01","to":"2022-11-30"}"#),
                ("Декабрь ", r#"{"kind":"date","due":"2022-12-31","from":"2022-12-01"}"#),
                ("Февраль ", r#"{"kind":"date","due":"2022-02-28","from":"2022-02-01"}"#),
                ("Март ", r#"{"kind":"date","due":"2022-03-31","from":"2022-03-01"}"#),
                ("Апрель ", r#"{"kind":"date","due":"2022-04-30","from":"2022-04-01"}"#),
                ("Март-\n\nдекабрь ", r#"{"kind":"range","from":"2022-03-01","to":"2022-12-31"}"#),
                ("Май-\n\nдекабрь ", r#"{"kind":"range","from":"2022-05-01","to":"2022-12-31"}"#),
                ("Апрель-\n\nмай  ", r#"{"kind":"range","from":"2022-04-01","to":"2022-05-31"}"#),
                ("Август  ", r#"{"kind":"date","due":"2022-08-31","from":"2022-08-01"}"#),
                // In the act's prose: the academic year's bounds are not written down anywhere.
                ("В течение 2020-2021 учебного года", r#"{"kind":"text","reason":"unrecognised"}"#),
            ],
        );
    }

    /// The same terms alone, or in a plan of several years: no year is guessed.
    #[test]
    #[rustfmt::skip]
    fn terms_without_a_year_stay_text_outside_a_single_year_plan() {
        let no_year = r#"{"kind":"text","reason":"no_year"}"#;
        for period in [None, Some((2021, 2023))] {
            check_table(
                period,
                &[
                    ("До сентября", no_year),
                    ("Октябрь-ноябрь", no_year),
                    ("Май", no_year),
                    ("Июнь- \n\nавгуст  ", no_year),
                    ("IV квартал", no_year),
                    ("до конца года", no_year),
                    ("Май (сентябрь)", r#"{"kind":"text","reason":"ambiguous"}"#),
                    ("В течение года", r#"{"kind":"continuous"}"#),
                ],
            );
        }
    }

    /// The examples of the domain brief and of the term parser's brief, and the noise the dumps
    /// make.
    #[test]
    #[rustfmt::skip]
    fn written_forms() {
        check_table(
            None,
            &[
                ("2018 – 2020 годы", r#"{"kind":"years","from_year":2018,"to_year":2020,"from":"2018-01-01","to":"2020-12-31"}"#),
                ("2023-2024 гг.", YEARS_2023_2024),
                ("2023—2024гг", YEARS_2023_2024),
                ("  2022 г.  ", r#"{"kind":"year","year":2022,"from":"2022-01-01","to":"2022-12-31"}"#),
                ("2022\u{a0}год;", r#"{"kind":"year","year":2022,"from":"2022-01-01","to":"2022-12-31"}"#),
                ("2023-2023", r#"{"kind":"year","year":2023,"from":"2023-01-01","to":"2023-12-31"}"#),
                ("до 01.09.2023", r#"{"kind":"date","due":"2023-09-01"}"#),
                ("не позднее 01.09.2023 г.", r#"{"kind":"date","due":"2023-09-01"}"#),
                ("в срок до 1.9.2023", r#"{"kind":"date","due":"2023-09-01"}"#),
                ("до сентября 2023 года", r#"{"kind":"date","due":"2023-08-31"}"#),
                ("до конца сентября 2023 г.", r#"{"kind":"date","due":"2023-09-30"}"#),
                ("не позднее июня 2023 года", r#"{"kind":"date","due":"2023-06-30"}"#),
                ("до конца 2023 года", r#"{"kind":"date","due":"2023-12-31"}"#),
                ("в июне 2023 г.", r#"{"kind":"date","due":"2023-06-30","from":"2023-06-01"}"#),
                ("сентябр ь 2023", r#"{"kind":"date","due":"2023-09-30","from":"2023-09-01"}"#),
                ("СЕНТЯБРЯ 2023", r#"{"kind":"date","due":"2023-09-30","from":"2023-09-01"}"#),
                ("IV квартал 2023 г.", r#"{"kind":"date","due":"2023-12-31","from":"2023-10-01"}"#),
                ("4-й квартал 2023 года", r#"{"kind":"date","due":"2023-12-31","from":"2023-10-01"}"#),
                ("I полугодие 2024", r#"{"kind":"date","due":"2024-06-30","from":"2024-01-01"}"#),
                ("Октябрь-ноябрь 2023", r#"{"kind":"range","from":"2023-10-01","to":"2023-11-30"}"#),
                ("с 01.03.2023 по 01.02.2024", r#"{"kind":"range","from":"2023-03-01","to":"2024-02-01"}"#),
                ("01.03.2023 – 01.02.2024", r#"{"kind":"range","from":"2023-03-01","to":"2024-02-01"}"#),
                ("с 2021 по 2025 год", YEARS_2021_2025),
                ("ежеквартально", r#"{"kind":"recurring","frequency":"quarterly"}"#),
                ("ежегодно, декабрь", r#"{"kind":"recurring","frequency":"yearly","month":12}"#),
                ("Ежегодно в IV квартале", r#"{"kind":"recurring","frequency":"yearly","quarter":4}"#),
                ("ежегодно, I полугодие", r#"{"kind":"recurring","frequency":"yearly","half_year":1}"#),
                ("ежегодно с 2023 по 2025 год", r#"{"kind":"recurring","frequency":"yearly","start_year":2023,"end_year":2025}"#),
                ("2023-2025, ежегодно, декабрь", r#"{"kind":"recurring","frequency":"yearly","month":12,"start_year":2023,"end_year":2025}"#),
                ("Ежегод но", YEARLY),
                ("постоянно", r#"{"kind":"continuous"}"#),
                ("в течение 2023 года", r#"{"kind":"continuous","from":"2023-01-01","to":"2023-12-31"}"#),
                ("в течение 2023-2024 годов", r#"{"kind":"continuous","from":"2023-01-01","to":"2024-12-31"}"#),
                ("по необходимости", CONDITIONAL),
            ],
        );
    }

    /// What must stay text, and why.
    #[test]
    #[rustfmt::skip]
    fn unreadable_terms_stay_text() {
        let ambiguous = r#"{"kind":"text","reason":"ambiguous"}"#;
        let unrecognised = r#"{"kind":"text","reason":"unrecognised"}"#;
        let invalid = r#"{"kind":"text","reason":"invalid_date"}"#;
        check_table(
            Some((2022, 2022)),
            &[
                // "до 2024 года": the acts also write "на период до 2024 года" for 2023-2024.
                ("до 2024 года", ambiguous),
                ("до IV квартала 2023 г.", ambiguous),
                ("к 2025 году", ambiguous),
                // Which new year the span crosses, the text does not say.
                ("ноябрь-февраль 2023", ambiguous),
                ("ноябрь-февраль", ambiguous),
                ("сентябрь 2023 - май", ambiguous),
                ("Май (2023)", ambiguous),
                ("Май, сентябрь", unrecognised),
                ("май сентябрь", unrecognised),
                ("2023 2024", unrecognised),
                ("2021-", unrecognised),
                ("с 2023 года", unrecognised),
                ("Ежедневно", unrecognised),
                ("ежемесячно, декабрь", unrecognised),
                ("ежегодно ежемесячно", unrecognised),
                ("ежегодно 2023", unrecognised),
                ("в течение месяца", unrecognised),
                ("Май (кроме выходных)", unrecognised),
                ("(по графику", unrecognised),
                ("", unrecognised),
                ("   ", unrecognised),
                ("№ 54-од", unrecognised),
                ("1850", unrecognised),
                ("31.02.2023", invalid),
                ("2025-2021", invalid),
                ("с 01.02.2024 по 01.03.2023", invalid),
                ("ежегодно с 2025 по 2023 год", invalid),
                (&"2022 ".repeat(200), r#"{"kind":"text","reason":"too_long"}"#),
            ],
        );
    }

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    /// Checks `due_date` and `deadline_on_or_before(as_of)` of a term (`""` for `None`).
    fn check_deadlines(input: &str, period: Option<(i32, i32)>, due: &str, at: &[(&str, &str)]) {
        let term = parse_in_period(input, period);
        let show = |date: Option<Date>| date.map(|date| date.to_string()).unwrap_or_default();
        assert_eq!(show(term.due_date()), due, "due date of {input:?}");
        for (as_of, expected) in at {
            let actual = show(term.deadline_on_or_before(date(as_of)));
            assert_eq!(actual, *expected, "deadline of {input:?} as of {as_of}");
        }
        assert_eq!(term.is_structured(), !matches!(term.meaning, TermMeaning::Text { .. }));
    }

    #[test]
    fn deadlines() {
        check_deadlines(
            "Ежегодно 4 квартал",
            None,
            "",
            &[
                ("2024-06-15", "2023-12-31"),
                ("2024-12-31", "2024-12-31"),
                ("2024-12-30", "2023-12-31"),
            ],
        );
        check_deadlines(
            "2023, далее ежегодно",
            Some((2023, 2024)),
            "",
            &[("2023-06-01", ""), ("2023-12-31", "2023-12-31"), ("2031-01-10", "2030-12-31")],
        );
        check_deadlines(
            "Ежемесячно",
            None,
            "",
            &[
                ("2024-03-15", "2024-02-29"),
                ("2024-03-31", "2024-03-31"),
                ("2024-01-01", "2023-12-31"),
            ],
        );
        check_deadlines("ежеквартально", None, "", &[("2024-05-20", "2024-03-31")]);
        check_deadlines("ежегодно, декабрь", None, "", &[("2024-05-20", "2023-12-31")]);
        check_deadlines("ежегодно, I полугодие", None, "", &[("2024-05-20", "2023-06-30")]);
        check_deadlines(
            "ежегодно с 2023 по 2024 год",
            None,
            "2024-12-31",
            &[("2022-12-31", ""), ("2024-01-01", "2023-12-31"), ("2030-01-01", "2024-12-31")],
        );
        check_deadlines(
            "Ежегодно, январь-декабрь (по графику)",
            Some((2021, 2023)),
            "",
            &[("2022-12-30", "2021-12-31")],
        );
        check_deadlines(
            "июнь 2023 г.",
            None,
            "2023-06-30",
            &[("2023-06-29", ""), ("2023-06-30", "2023-06-30"), ("2024-01-01", "2023-06-30")],
        );
        check_deadlines("до 01.09.2023", None, "2023-09-01", &[("2023-09-02", "2023-09-01")]);
        check_deadlines("2021-2025", None, "2025-12-31", &[("2025-12-30", "")]);
        check_deadlines("2022", None, "2022-12-31", &[]);
        // A missed 2023 deadline stays the latest one due until 2024's.
        check_deadlines(
            "ноябрь 2023 года ноябрь 2024 года",
            None,
            "2024-11-30",
            &[("2023-11-29", ""), ("2024-06-01", "2023-11-30"), ("2025-01-01", "2024-11-30")],
        );
        check_deadlines("В течение года", Some((2022, 2022)), "2022-12-31", &[]);
        check_deadlines("В течение года", None, "", &[("2030-01-01", "")]);
        check_deadlines("постоянно", None, "", &[]);
        check_deadlines("по мере обновления федеральной нормативной базы", None, "", &[]);
        check_deadlines("До сентября", None, "", &[]);
    }

    #[test]
    fn json_shape_of_a_term_is_flat() {
        let term = parse("Ежегодно 4 квартал");
        assert_eq!(
            serde_json::to_string(&term).unwrap(),
            r#"{"text":"Ежегодно 4 квартал","kind":"recurring","frequency":"yearly","quarter":4}"#
        );
    }

    #[test]
    fn decoding_rejects_meanings_the_parser_never_makes() {
        for json in [
            r#"{"text":"x","kind":"years","from_year":2025,"to_year":2021}"#,
            r#"{"text":"x","kind":"year","year":2022,"from":"2022-01-02"}"#,
            r#"{"text":"x","kind":"date","due":"2022-01-01","from":"2022-02-01"}"#,
            r#"{"text":"x","kind":"recurring","frequency":"monthly","month":12}"#,
            r#"{"text":"x","kind":"recurring","frequency":"yearly","month":12,"quarter":4}"#,
            r#"{"text":"x","kind":"recurring","frequency":"yearly","quarter":5}"#,
            r#"{"text":"x","kind":"sometime"}"#,
            r#"{"text":"x","kind":"dates","dates":["2023-11-30"]}"#,
            r#"{"text":"x","kind":"dates","dates":["2024-11-30","2023-11-30"]}"#,
            r#"{"text":"x","kind":"dates","dates":["2023-11-30","2023-11-30"]}"#,
        ] {
            assert!(serde_json::from_str::<Term>(json).is_err(), "{json}");
        }
        let bad = Term {
            text: "x".to_string(),
            meaning: TermMeaning::Range { from: date("2024-01-01"), to: date("2023-01-01") },
        };
        let bytes = encode("term", &bad).unwrap();
        assert!(decode::<Term>("term", &bytes).is_err());
        let unordered = Term {
            text: "x".to_string(),
            meaning: TermMeaning::Dates { dates: vec![date("2024-01-01"), date("2023-01-01")] },
        };
        let bytes = encode("term", &unordered).unwrap();
        assert!(decode::<Term>("term", &bytes).is_err());
    }

    /// The binary form of a `dates` term is pinned: variant 7 of the mirror (appended after
    /// `text`, 4 bytes), the count (8 bytes) and the days since 1970 (4 bytes each), big-endian,
    /// so events that carry it never change meaning.
    #[test]
    fn dates_term_golden_encoding() {
        let term = parse("ноябрь 2023 года ноябрь 2024 года");
        let bytes = encode("term", &term).unwrap();
        let text_len = term.text.len();
        assert_eq!(bytes.get(..8), Some(&(text_len as u64).to_be_bytes()[..]));
        let meaning = bytes.get(8 + text_len..).unwrap();
        assert_eq!(hex::encode(meaning), GOLDEN_DATES_MEANING);
        assert_eq!(decode::<Term>("term", &bytes).unwrap(), term);
    }
    const GOLDEN_DATES_MEANING: &str = "00000007000000000000000200004ceb00004e59";

    /// The words in Latin letters in `text`.
    fn latin_words(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_ascii_alphabetic()).filter(|word| !word.is_empty()).collect()
    }

    /// Fails unless `text` has Cyrillic in it and its only words in Latin letters are in `allowed`
    /// (Roman numerals of quarters, API field names): officials read it.
    fn assert_reads_in_russian(text: &str, allowed: &[&str]) {
        assert!(text.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')), "{text:?}");
        for word in latin_words(text) {
            assert!(allowed.contains(&word), "Latin word {word:?} in {text:?}");
        }
    }

    const ROMAN: &[&str] = &["I", "II", "III", "IV"];

    /// Every reason, in variant order: the codec writes a variant as its index.
    fn all_reasons() -> Vec<TextReason> {
        (0u32..)
            .map_while(|index| decode::<TextReason>("reason", &index.to_be_bytes()).ok())
            .collect()
    }

    /// A term that stays text for `reason`; the match makes a new reason need an example.
    fn example_of(reason: TextReason) -> String {
        match reason {
            TextReason::Unrecognised => "по графику работы".to_string(),
            TextReason::Ambiguous => "до 2024 года".to_string(),
            TextReason::NoYear => "IV квартал".to_string(),
            TextReason::Conditional => "по мере необходимости".to_string(),
            TextReason::InvalidDate => "31.02.2024".to_string(),
            TextReason::TooLong => "2024 ".repeat(200),
        }
    }

    /// What an official reads when a term stays text says, in Russian, what was not understood;
    /// the reasons of terms written in no known form also say which forms are read.
    #[test]
    fn every_reason_reads_in_russian() {
        let reasons = all_reasons();
        assert_eq!(reasons.len(), 6, "{reasons:?}");
        for reason in reasons {
            let term = parse(&example_of(reason));
            assert_eq!(term.meaning, TermMeaning::Text { reason }, "{reason:?}");
            let message = reason.to_string();
            assert_reads_in_russian(&message, ROMAN);
            assert_reads_in_russian(&term.meaning.to_string(), ROMAN);
        }
        let unrecognised = TextReason::Unrecognised.to_string();
        assert!(unrecognised.starts_with("не удалось распознать срок: ожидается дата"));
        assert!(TextReason::TooLong.to_string().contains("512 байт"));
    }

    /// The forms the messages give as examples are forms the parser reads.
    #[test]
    fn forms_the_messages_advertise_are_read() {
        let unrecognised = TextReason::Unrecognised.to_string();
        for form in [
            "25.12.2024",
            "до 25.12.2024",
            "сентябрь 2024",
            "IV квартал 2024",
            "I полугодие 2024",
            "2024",
            "2021–2025",
            "с 01.03.2024 по 31.05.2024",
            "в течение 2024 года",
            "постоянно",
            "ежегодно, IV квартал",
            "ежеквартально",
            "ежемесячно",
        ] {
            assert!(unrecognised.contains(form), "{form} is not in {unrecognised}");
            assert!(parse(form).is_structured(), "{form}");
        }
        for (reason, forms) in [
            (TextReason::Ambiguous, &["до 31.12.2024", "с 01.11.2023 по 29.02.2024"][..]),
            (TextReason::NoYear, &["сентябрь 2024", "IV квартал 2024"][..]),
            (TextReason::TooLong, &["IV квартал 2024"][..]),
        ] {
            for form in forms {
                assert!(reason.to_string().contains(form), "{form} is not in {reason}");
                assert!(parse(form).is_structured(), "{form}");
            }
        }
    }

    /// A meaning shown to an official (a refusal naming the reading of a term) is in Russian.
    #[test]
    #[rustfmt::skip]
    fn meanings_read_in_russian() {
        for (input, period, expected) in [
            ("25.12.2024", None, "25.12.2024"),
            ("до 01.09.2023", None, "не позднее 01.09.2023"),
            ("июнь 2023 г.", None, "с 01.06.2023 по 30.06.2023"),
            ("Октябрь-ноябрь 2023", None, "с 01.10.2023 по 30.11.2023"),
            ("2022", None, "2022 год"),
            ("2021-2025", None, "2021–2025 годы"),
            ("Ежегодно 4 квартал", None, "ежегодно, IV квартал"),
            ("ежегодно, I полугодие", None, "ежегодно, I полугодие"),
            ("ежегодно, декабрь", None, "ежегодно, декабрь"),
            ("Ежегодно, январь-декабрь", None, "ежегодно, январь–декабрь"),
            ("ежегодно с 2023 по 2025 год", None, "ежегодно, с 2023 по 2025 год"),
            ("2023, далее ежегодно", None, "ежегодно, начиная с 2023 года"),
            ("ежеквартально", None, "ежеквартально"),
            ("Ежемесячно", None, "ежемесячно"),
            ("постоянно", None, "постоянно"),
            ("В течение года", Some((2022, 2022)), "постоянно, с 01.01.2022 по 31.12.2022"),
            ("IV квартал", None, "только текст: в сроке не указан год, а по периоду плана его не определить (план не на один год): укажите год (сентябрь 2024, IV квартал 2024)"),
        ] {
            let shown = parse_in_period(input, period).meaning.to_string();
            assert_eq!(shown, expected, "{input:?}");
            // A single day is all digits; everything else has Russian words.
            assert!(latin_words(&shown).iter().all(|word| ROMAN.contains(word)), "{shown}");
        }
        // Values the parser never makes still render, without a panic.
        for within in [Within::Month(0), Within::Month(13), Within::Quarter(5), Within::HalfYear(0)] {
            assert_reads_in_russian(&within.to_string(), &[]);
        }
        assert_eq!(Within::Months { first: 1, last: 3 }.to_string(), "январь–март");
    }

    /// Meanings the parser never makes are refused on decoding (an API body, a stored record)
    /// with a reason in Russian; API field names are the only Latin words.
    #[test]
    fn decoding_refusals_read_in_russian() {
        let fields = ["month", "from", "to", "quarter", "half", "year"];
        for json in [
            r#"{"kind":"years","from_year":2025,"to_year":2021}"#,
            r#"{"kind":"years","from_year":1850,"to_year":2021}"#,
            r#"{"kind":"year","year":2022,"from":"2022-01-02"}"#,
            r#"{"kind":"date","due":"2022-01-01","from":"2022-02-01"}"#,
            r#"{"kind":"range","from":"2024-01-01","to":"2023-01-01"}"#,
            r#"{"kind":"continuous","from":"2024-01-01","to":"2023-01-01"}"#,
            r#"{"kind":"recurring","frequency":"monthly","month":12}"#,
            r#"{"kind":"recurring","frequency":"yearly","month":12,"quarter":4}"#,
            r#"{"kind":"recurring","frequency":"yearly","quarter":5}"#,
            r#"{"kind":"recurring","frequency":"yearly","start_year":2025,"end_year":2023}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let error = serde_json::from_value::<TermMeaning>(value).unwrap_err().to_string();
            assert_reads_in_russian(&error, &fields);
        }
        let error = TermMeaning::Recurring(Recurrence {
            frequency: Frequency::Yearly,
            within: Some(Within::Quarter(5)),
            start_year: None,
            end_year: None,
        })
        .validate()
        .unwrap_err();
        assert_eq!(error, "недопустимая часть года: квартал 5");
    }

    /// Pieces the dumps are made of, so that random terms get past the first token.
    const PIECES: &[&str] = &[
        "2023",
        "2024",
        "1",
        "4",
        "01.09.2023",
        "31.02.2023",
        "31.12.",
        " ",
        "  ",
        "-",
        "–",
        "—",
        ".",
        ",",
        "(",
        ")",
        "г.",
        "года",
        "гг.",
        "годы",
        "июнь",
        "сентябр",
        "ь",
        "декабрь",
        "май",
        "квартал",
        "IV",
        "I",
        "полугодие",
        "ежегодно",
        "ежемесячно",
        "далее",
        "начиная",
        "с",
        "по",
        "до",
        "конца",
        "не",
        "позднее",
        "к",
        "в",
        "течение",
        "постоянно",
        "мере",
        "по графику",
        "\u{a0}",
        "\n",
        "\u{ad}",
        "ё",
        "й",
        "9999999999",
        "*",
    ];

    proptest! {
        #[test]
        fn parse_keeps_text_and_never_panics(text in "\\PC*", first in 1900i32..2200, length in 0i32..3) {
            let period = Some((first, first + length));
            for term in [parse(&text), parse_in_period(&text, period)] {
                prop_assert_eq!(&term.text, &text);
                let bytes = encode("term", &term).unwrap();
                prop_assert_eq!(decode::<Term>("term", &bytes).unwrap(), term.clone());
            }
        }

        #[test]
        fn termlike_text_round_trips(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..10),
            single_year in any::<bool>(),
            as_of in 0i32..40_000,
        ) {
            let text: String = pieces.concat();
            let period = if single_year { Some((2022, 2022)) } else { Some((2021, 2023)) };
            let term = parse_in_period(&text, period);
            prop_assert_eq!(&term.text, &text);
            let json = serde_json::to_string(&term).unwrap();
            prop_assert_eq!(serde_json::from_str::<Term>(&json).unwrap(), term.clone());
            let bytes = encode("term", &term).unwrap();
            prop_assert_eq!(decode::<Term>("term", &bytes).unwrap(), term.clone());
            let as_of = Date::from_days_since_epoch(as_of);
            if let Some(deadline) = term.deadline_on_or_before(as_of) {
                prop_assert!(deadline <= as_of);
            }
            if let Some(due) = term.due_date() {
                prop_assert_eq!(term.deadline_on_or_before(due), Some(due));
            }
        }
    }
}
