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
    /// A span between two dates, both included ("01.03.2023 года 01.02.2024 года").
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
}

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

/// Reads a term on its own; terms that name no year stay text with [`TextReason::NoYear`].
pub fn parse(text: &str) -> Term {
    parse_in_period(text, None)
}

/// Reads a term of a plan whose period is `period` (first and last year, both included).
///
/// The period dates terms that name no year ("До сентября", "Октябрь-ноябрь", "В течение года")
/// only when it is a single year; otherwise they stay as they would be without it.
pub fn parse_in_period(text: &str, period: Option<(i32, i32)>) -> Term {
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
        }
    }

    /// See [`Term::deadline_on_or_before`].
    pub fn deadline_on_or_before(&self, as_of: Date) -> Option<Date> {
        match self {
            TermMeaning::Recurring(recurrence) => recurrence.latest_deadline(as_of),
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
// Reading: text -> tokens -> atoms -> meaning.

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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
                ("01.03.2023 года 01.02.2024 года", r#"{"kind":"range","from":"2023-03-01","to":"2024-02-01"}"#),
                ("ноябрь 2023 года ноябрь 2024 года", r#"{"kind":"range","from":"2023-11-01","to":"2024-11-30"}"#),
                ("декабрь 2023 декабрь 2024", r#"{"kind":"range","from":"2023-12-01","to":"2024-12-31"}"#),
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
        check_deadlines("ноябрь 2023 года ноябрь 2024 года", None, "2024-11-30", &[]);
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
        ] {
            assert!(serde_json::from_str::<Term>(json).is_err(), "{json}");
        }
        let bad = Term {
            text: "x".to_string(),
            meaning: TermMeaning::Range { from: date("2024-01-01"), to: date("2023-01-01") },
        };
        let bytes = encode("term", &bad).unwrap();
        assert!(decode::<Term>("term", &bytes).is_err());
    }

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
