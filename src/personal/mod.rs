//! The personal-data directory: names, СНИЛС and contacts of people, keyed by their pseudonymous
//! id, in a room of the store of their own (`store::Persons`), outside the hash chain, so that
//! they can be erased.
//!
//! **Invariant:** nothing here is ever written into an event, hashed, or logged: events carry
//! only pseudonymous ids, so erasing a person leaves every hash (and `verify`) intact. Error
//! messages name ids and fields, never values.

use serde::{Deserialize, Serialize};

use crate::store::{Persons, Store, StoreError};

/// Longest accepted full name, bytes.
pub const FULL_NAME_BYTES_MAX: usize = 512;
/// Longest accepted contact entry, bytes.
pub const CONTACT_BYTES_MAX: usize = 256;
/// Most contact entries per person.
pub const CONTACTS_MAX: usize = 16;
/// Longest accepted pseudonymous id, bytes (the vocabulary's id limit).
pub const PERSON_ID_BYTES_MAX: usize = 64;

/// A person's personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    /// Full name as in the documents.
    pub full_name: String,
    /// СНИЛС: 11 digits, with or without the usual `123-456-789 01` separators.
    pub snils: Option<String>,
    /// Contacts (e-mail, phone), as given.
    #[serde(default)]
    pub contacts: Vec<String>,
}

// A hand-written Debug so that a record never reaches a log by accident.
impl std::fmt::Debug for PersonRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonRecord { .. }")
    }
}

/// Errors of the directory. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum PersonalError {
    /// A field fails its rule.
    #[error("поле {field}: {rule}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// The rule.
        rule: String,
    },
    /// A stored record does not decode.
    #[error("сохранённая запись персональных данных {id} повреждена")]
    Corrupt {
        /// The id.
        id: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who is asking to read personal data, with what they are asking about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadContext<'a> {
    /// Municipality of the person's current (or last) organisation, if known.
    pub municipality: Option<&'a str>,
    /// The person's current (or last) organisation, if known.
    pub organisation: Option<&'a str>,
}

/// May `role` read the personal data of a person in `context`? Operator and ministry may read
/// everyone; a municipality only people of its organisations; an organisation only its own
/// people; auditors and the system tooling may not (auditors check the chain, which holds none).
pub fn may_read(role: &proto_events::ActorRole, context: ReadContext<'_>) -> bool {
    use proto_events::ActorRole;
    match role {
        ActorRole::Operator | ActorRole::Ministry => true,
        ActorRole::Municipality(code) => context.municipality == Some(code.as_str()),
        ActorRole::Organisation(id) => context.organisation == Some(id.as_str()),
        ActorRole::Auditor | ActorRole::System => false,
    }
}

/// The directory over one store's room of personal records (`store::Persons`): validation and
/// the record's encoding (JSON) here, the bytes there. Cloning is cheap.
#[derive(Clone)]
pub struct PersonalDirectory {
    room: Persons,
}

impl PersonalDirectory {
    /// Opens the directory of `store`.
    pub fn open(store: &Store) -> Result<PersonalDirectory, PersonalError> {
        Ok(PersonalDirectory { room: store.persons()? })
    }

    /// Stores (or replaces) a person's record, durably.
    pub fn put(&self, id: &str, record: &PersonRecord) -> Result<(), PersonalError> {
        check_id(id)?;
        validate(record)?;
        let bytes = serde_json::to_vec(record).map_err(|_| PersonalError::Invalid {
            field: "record",
            rule: "запись не удалось сохранить в формате справочника".into(),
        })?;
        self.room.put(id, &bytes)?;
        Ok(())
    }

    /// A person's record, if present.
    pub fn get(&self, id: &str) -> Result<Option<PersonRecord>, PersonalError> {
        check_id(id)?;
        match self.room.get(id)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| PersonalError::Corrupt { id: id.to_string() }),
        }
    }

    /// Removes a person's record durably; true when there was one.
    pub fn erase(&self, id: &str) -> Result<bool, PersonalError> {
        check_id(id)?;
        Ok(self.room.erase(id)?)
    }

    /// Every id with a record, in byte order.
    pub fn list_ids(&self) -> Result<Vec<String>, PersonalError> {
        Ok(self.room.ids()?)
    }
}

/// Checks a СНИЛС: 11 digits (separators `-` and spaces ignored) whose last two are the
/// official check number: Σ digitᵢ × (10 − i) for the first nine; below 100 it is the sum, 100
/// and 101 give 00, above 101 the sum mod 101 (then 100 → 00). Numbers up to 001-001-998 carry
/// no check number and are accepted as they are.
pub fn snils_is_valid(snils: &str) -> bool {
    let digits: Vec<u32> = snils
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default();
    if digits.len() != 11 {
        return false;
    }
    let (body, check) = digits.split_at(9);
    let number = body.iter().fold(0u64, |n, d| n * 10 + u64::from(*d));
    let check = check.iter().fold(0u32, |n, d| n * 10 + d);
    if number <= 1_001_998 {
        return true;
    }
    let sum: u32 = body.iter().zip((1..=9).rev()).map(|(digit, weight)| digit * weight).sum();
    let expected = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => match sum % 101 {
            100 => 0,
            rest => rest,
        },
    };
    check == expected
}

fn check_id(id: &str) -> Result<(), PersonalError> {
    proto_events::vocabulary::PersonId::new(id)
        .map(|_| ())
        .map_err(|error| PersonalError::Invalid { field: "id", rule: error.to_string() })
}

fn validate(record: &PersonRecord) -> Result<(), PersonalError> {
    let name = record.full_name.trim();
    if name.is_empty() || record.full_name.len() > FULL_NAME_BYTES_MAX {
        return Err(PersonalError::Invalid {
            field: "full_name",
            rule: format!("длина должна быть от 1 до {FULL_NAME_BYTES_MAX} байт"),
        });
    }
    if record.full_name.chars().any(char::is_control) {
        return Err(PersonalError::Invalid {
            field: "full_name",
            rule: "значение не должно содержать управляющих символов".into(),
        });
    }
    if let Some(snils) = &record.snils {
        if !snils_is_valid(snils) {
            return Err(PersonalError::Invalid {
                field: "snils",
                rule: "СНИЛС должен состоять из 11 цифр с верным контрольным числом".into(),
            });
        }
    }
    if record.contacts.len() > CONTACTS_MAX
        || record.contacts.iter().any(|c| {
            c.trim().is_empty() || c.len() > CONTACT_BYTES_MAX || c.chars().any(char::is_control)
        })
    {
        return Err(PersonalError::Invalid {
            field: "contacts",
            rule: format!(
                "не больше {CONTACTS_MAX} непустых записей длиной не больше {CONTACT_BYTES_MAX} байт"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::snils_is_valid;

    #[test]
    fn snils_checksum() {
        // 112-233-445 95: Σ = 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95 (the textbook example).
        assert!(snils_is_valid("112-233-445 95"));
        assert!(snils_is_valid("11223344595"));
        assert!(!snils_is_valid("112-233-445 96"));
        assert!(!snils_is_valid("1122334459"));
        assert!(!snils_is_valid("1122334459a"));
    }
}
