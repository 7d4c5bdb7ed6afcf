//! The two times of an event: valid dates (`Date`) and transaction instants (`Timestamp`).
//!
//! Both have one fixed-width binary form (days since 1970-01-01 as i32; microseconds since the
//! Unix epoch as i64) and a human-readable form in JSON ("2024-12-31"; RFC 3339 in UTC).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A valid-time calendar date, as the paperwork says; never converted to an instant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl Date {
    /// Builds a date from year, month and day; `None` when there is no such day.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date::from_naive)
    }

    /// Converts from chrono.
    pub fn from_naive(date: NaiveDate) -> Date {
        Date(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
    }

    /// Converts to chrono; `None` only for day numbers outside chrono's range.
    pub fn to_naive(self) -> Option<NaiveDate> {
        self.0.checked_add(UNIX_EPOCH_DAYS_FROM_CE).and_then(NaiveDate::from_num_days_from_ce_opt)
    }

    /// Days since 1970-01-01 (the encoded form).
    pub fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// From days since 1970-01-01.
    pub fn from_days_since_epoch(days: i32) -> Date {
        Date(days)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        if text.len() != 10 {
            return None;
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Date::from_naive)
    }

    /// Parses `DD.MM.YYYY`, the Russian paperwork form.
    pub fn parse_russian(text: &str) -> Option<Date> {
        NaiveDate::parse_from_str(text.trim(), "%d.%m.%Y").ok().map(Date::from_naive)
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.to_naive().map(|d| d.year()).unwrap_or(1970)
    }

    /// `DD.MM.YYYY`.
    pub fn to_russian(self) -> String {
        match self.to_naive() {
            Some(date) => date.format("%d.%m.%Y").to_string(),
            None => format!("day{}", self.0),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_naive() {
            Some(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            None => write!(f, "day{}", self.0),
        }
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Date::parse_iso(&text).ok_or_else(|| {
                serde::de::Error::custom(format!("ожидается дата ГГГГ-ММ-ДД, получено {text:?}"))
            })
        } else {
            i32::deserialize(deserializer).map(Date)
        }
    }
}

/// A transaction-time instant in UTC with microsecond precision.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From microseconds since the Unix epoch (the encoded form).
    pub fn from_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// Microseconds since the Unix epoch.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// From chrono (sub-microsecond precision is dropped).
    pub fn from_datetime(time: DateTime<Utc>) -> Timestamp {
        Timestamp(time.timestamp_micros())
    }

    /// To chrono; `None` outside chrono's range.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.0)
    }

    /// Parses RFC 3339 with any offset.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Timestamp::from_datetime(t.with_timezone(&Utc)))
    }

    /// The UTC calendar date of this instant.
    pub fn date_utc(self) -> Option<Date> {
        self.to_datetime().map(|t| Date::from_naive(t.date_naive()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(time) => f.write_str(&time.to_rfc3339_opts(SecondsFormat::Micros, true)),
            None => write!(f, "us{}", self.0),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Timestamp::parse_rfc3339(&text).ok_or_else(|| {
                serde::de::Error::custom(format!("ожидается время RFC 3339, получено {text:?}"))
            })
        } else {
            i64::deserialize(deserializer).map(Timestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_epoch_and_formats() {
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days_since_epoch(), 0);
        let date = Date::from_ymd(2023, 6, 13).unwrap();
        assert_eq!(date.to_string(), "2023-06-13");
        assert_eq!(date.to_russian(), "13.06.2023");
        assert_eq!(Date::parse_russian("13.06.2023"), Some(date));
        assert_eq!(Date::parse_iso("2023-6-13"), None);
        assert_eq!(Date::from_ymd(2023, 2, 30), None);
    }

    #[test]
    fn timestamp_rfc3339_round_trip() {
        let time = Timestamp::parse_rfc3339("2025-01-15T10:00:00+03:00").unwrap();
        assert_eq!(time.to_string(), "2025-01-15T07:00:00.000000Z");
        assert_eq!(Timestamp::parse_rfc3339(&time.to_string()), Some(time));
    }
}
