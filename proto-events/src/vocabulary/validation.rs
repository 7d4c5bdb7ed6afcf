//! Stateless checks of payload fields: limits on every length and range, and the one error type
//! that names the offending field by its dotted path.
//!
//! Decoding is deliberately lenient (any well-formed canonical bytes decode) so that tightening a
//! rule here never makes recorded history unreadable; these checks run before an event is
//! written. Checks that need the ledger's state (does the teacher exist?) belong to the command
//! layer, not here.

use std::fmt;

use crate::time::Date;
use crate::vocabulary::personal_data::personal_data_shape;

/// Longest id of any kind (teacher, organisation, plan…), in bytes of UTF-8. Short enough that
/// `<category>/<id>` always fits `STREAM_NAME_BYTES_MAX`.
pub const ID_BYTES_MAX: usize = 64;
/// Longest name or title (of a program, plan, activity, event), in bytes.
pub const TITLE_BYTES_MAX: usize = 1024;
/// Longest short label (certificate number, responsible subject, subject name), in bytes.
pub const LABEL_BYTES_MAX: usize = 256;
/// Longest free text (key result, evidence, reason, term as written), in bytes.
pub const TEXT_BYTES_MAX: usize = 8192;
/// Most items in any list or map of a payload.
pub const ITEMS_MAX: usize = 256;
/// Longest activity number such as `5.7.1`, in bytes.
pub const ACTIVITY_NUMBER_BYTES_MAX: usize = 32;
/// Largest number of hours of one program or completion (long retraining programs run ~1000).
pub const HOURS_MAX: u32 = 4000;
/// Basis points of a whole: 10000 bp = 100 %.
pub const BASIS_POINTS_MAX: u32 = 10_000;
/// Largest diagnostic score: scores are basis points of the procedure's maximum.
pub const SCORE_MAX: u16 = 10_000;
/// Earliest plausible birth year of a working teacher.
pub const BIRTH_YEAR_MIN: u16 = 1930;
/// Latest plausible birth year of a working teacher.
pub const BIRTH_YEAR_MAX: u16 = 2010;
/// Earliest year of any date in a payload.
pub const DATE_YEAR_MIN: i32 = 1950;
/// Latest year of any date in a payload.
pub const DATE_YEAR_MAX: i32 = 2100;

/// A payload field that breaks a stateless rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `scores.pk-1` or `replacement.payload.hours`.
    pub field: String,
    /// The offending value as text (shortened when long).
    pub value: String,
    /// The rule it breaks, in words.
    pub rule: String,
}

impl FieldError {
    /// Builds an error; long values are shortened so messages stay readable.
    pub fn new(
        field: impl Into<String>,
        value: impl fmt::Display,
        rule: impl Into<String>,
    ) -> Self {
        let value = value.to_string();
        let value = match value.char_indices().nth(VALUE_CHARS_SHOWN) {
            Some((cut, _)) => format!("{}…", value.get(..cut).unwrap_or("")),
            None => value,
        };
        FieldError { field: field.into(), value, rule: rule.into() }
    }

    /// The same error for a field nested under `prefix`.
    pub fn within(self, prefix: &str) -> FieldError {
        FieldError { field: format!("{prefix}.{}", self.field), ..self }
    }
}

const VALUE_CHARS_SHOWN: usize = 80;

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "поле {} = {:?}: {}", self.field, self.value, self.rule)
    }
}

impl std::error::Error for FieldError {}

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is empty.
    #[error("идентификатор пуст")]
    Empty,
    /// The id is longer than `ID_BYTES_MAX`.
    #[error("идентификатор длиной {length} байт, допускается не больше {max}")]
    TooLong {
        /// Its length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The id has a character outside letters, digits and `-_.:`.
    #[error("идентификатор содержит недопустимый символ {character:?}; допускаются буквы, цифры и символы - _ . :")]
    BadCharacter {
        /// The first offending character.
        character: char,
    },
}

/// Checks the text of an id: non-empty, at most `ID_BYTES_MAX` bytes, letters, digits and `-_.:`.
pub fn check_id_text(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.len() > ID_BYTES_MAX {
        return Err(IdError::TooLong { length: id.len(), max: ID_BYTES_MAX });
    }
    match id.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))) {
        Some(character) => Err(IdError::BadCharacter { character }),
        None => Ok(()),
    }
}

pub(crate) fn id(field: &str, id: &str) -> Result<(), FieldError> {
    check_id_text(id).map_err(|error| FieldError::new(field, id, error.to_string()))
}

/// A one-line text: non-empty after trimming, at most `max` bytes, no control characters.
pub(crate) fn line(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, text, "значение не должно быть пустым"));
    }
    if text.len() > max {
        return Err(FieldError::new(
            field,
            text,
            format!("длина {} байт, допускается не больше {max}", text.len()),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            text,
            "значение не должно содержать управляющих символов",
        ));
    }
    no_personal_data(field, text)
}

pub(crate) fn title(field: &str, text: &str) -> Result<(), FieldError> {
    line(field, text, TITLE_BYTES_MAX)
}

pub(crate) fn label(field: &str, text: &str) -> Result<(), FieldError> {
    line(field, text, LABEL_BYTES_MAX)
}

/// Free text: non-empty, at most `TEXT_BYTES_MAX` bytes, line breaks and tabs allowed.
pub(crate) fn text(field: &str, text: &str) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, text, "значение не должно быть пустым"));
    }
    if text.len() > TEXT_BYTES_MAX {
        let rule = format!("длина {} байт, допускается не больше {TEXT_BYTES_MAX}", text.len());
        return Err(FieldError::new(field, text, rule));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(
            field,
            text,
            "значение не должно содержать управляющих символов",
        ));
    }
    no_personal_data(field, text)
}

/// Refuses text shaped like a СНИЛС, a phone number or an e-mail address (see `personal_data`);
/// the error does not repeat the value, so the personal data goes no further than the refusal.
pub(crate) fn no_personal_data(field: &str, text: &str) -> Result<(), FieldError> {
    match personal_data_shape(text) {
        None => Ok(()),
        Some(shape) => Err(FieldError::new(
            field,
            "(скрыто)",
            format!(
                "текст похож на {}: персональные данные не записываются в журнал, события хранятся вечно; \
                 укажите псевдонимный идентификатор, а сведения о человеке внесите в справочник персональных данных",
                shape.russian_name()
            ),
        )),
    }
}

pub(crate) fn optional_text(field: &str, value: &Option<String>) -> Result<(), FieldError> {
    value.as_deref().map_or(Ok(()), |value| text(field, value))
}

pub(crate) fn optional_label(field: &str, value: &Option<String>) -> Result<(), FieldError> {
    value.as_deref().map_or(Ok(()), |value| label(field, value))
}

pub(crate) fn date(field: &str, date: Date) -> Result<(), FieldError> {
    let year = date.to_naive().map(|_| date.year());
    match year {
        Some(year) if (DATE_YEAR_MIN..=DATE_YEAR_MAX).contains(&year) => Ok(()),
        _ => Err(FieldError::new(
            field,
            date,
            format!("год должен быть в пределах {DATE_YEAR_MIN}–{DATE_YEAR_MAX}"),
        )),
    }
}

/// The envelope's `effective` (the valid time of the fact) within the years of any payload date:
/// a fact of the year 0 or 9999 is a mistake, and the valid-time projections would count it.
pub fn effective(effective: &crate::envelope::Effective) -> Result<(), FieldError> {
    match effective.date() {
        Some(day) => date("effective", day),
        None => Err(FieldError::new(
            "effective",
            effective,
            format!("год должен быть в пределах {DATE_YEAR_MIN}–{DATE_YEAR_MAX}"),
        )),
    }
}

/// Both dates plausible and `from <= to`; the error names the later field.
pub(crate) fn date_range(
    from_field: &str,
    from: Date,
    to_field: &str,
    to: Date,
) -> Result<(), FieldError> {
    date(from_field, from)?;
    date(to_field, to)?;
    if to < from {
        return Err(FieldError::new(
            to_field,
            to,
            format!("не может быть раньше {from_field} ({from})"),
        ));
    }
    Ok(())
}

pub(crate) fn basis_points(field: &str, value: u32) -> Result<(), FieldError> {
    if value > BASIS_POINTS_MAX {
        return Err(FieldError::new(
            field,
            value,
            "значение в базисных пунктах должно быть не больше 10000 (100 %)",
        ));
    }
    Ok(())
}

pub(crate) fn hours(field: &str, value: u32) -> Result<(), FieldError> {
    if value == 0 || value > HOURS_MAX {
        return Err(FieldError::new(
            field,
            value,
            format!("количество часов должно быть от 1 до {HOURS_MAX}"),
        ));
    }
    Ok(())
}

/// A list or map length within `min..=ITEMS_MAX`.
pub(crate) fn items(field: &str, length: usize, min: usize) -> Result<(), FieldError> {
    if length < min {
        return Err(FieldError::new(
            field,
            length,
            format!("число элементов должно быть не меньше {min}"),
        ));
    }
    if length > ITEMS_MAX {
        return Err(FieldError::new(
            field,
            length,
            format!("допускается не больше {ITEMS_MAX} элементов"),
        ));
    }
    Ok(())
}

/// Each id in a set, with the path `field.<index>`.
pub(crate) fn ids<'a>(
    field: &str,
    values: impl IntoIterator<Item = &'a str>,
) -> Result<(), FieldError> {
    for (index, value) in values.into_iter().enumerate() {
        id(&format!("{field}.{index}"), value)?;
    }
    Ok(())
}

/// A number as written in plans: digits separated by single dots, e.g. `5`, `5.7`, `2.1.3`.
pub(crate) fn dotted_number(field: &str, number: &str) -> Result<(), FieldError> {
    let well_formed = !number.is_empty()
        && number.len() <= ACTIVITY_NUMBER_BYTES_MAX
        && number
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(FieldError::new(
            field,
            number,
            format!("номер должен состоять из цифр, разделённых точками (например, 5.7), длиной не больше {ACTIVITY_NUMBER_BYTES_MAX} байт"),
        ));
    }
    Ok(())
}
