//! The scope of a target or a reported figure: the whole region, one municipality or one
//! organisation.
//!
//! Text form (JSON, CLI, URLs): `region`, `municipality:<code>`, `organisation:<id>`. Binary form:
//! an externally tagged enum (u32 variant index, then the id string).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::vocabulary::ids::{MunicipalityCode, OrgId};
use crate::vocabulary::validation::{self, FieldError};

/// Where a figure or target applies.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Scope {
    /// The whole region.
    Region,
    /// One municipality.
    Municipality(MunicipalityCode),
    /// One organisation.
    Organisation(OrgId),
}

/// Why a scope text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("область {text:?} не имеет вида region, municipality:<код> или organisation:<идентификатор>: {reason}")]
pub struct ScopeError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Scope {
    pub(crate) fn validate(&self, field: &str) -> Result<(), FieldError> {
        match self {
            Scope::Region => Ok(()),
            Scope::Municipality(code) => validation::id(field, code.as_str()),
            Scope::Organisation(id) => validation::id(field, id.as_str()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Region => f.write_str("region"),
            Scope::Municipality(code) => write!(f, "municipality:{code}"),
            Scope::Organisation(id) => write!(f, "organisation:{id}"),
        }
    }
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| ScopeError { text: text.to_string(), reason };
        if text == "region" {
            return Ok(Scope::Region);
        }
        match text.split_once(':') {
            Some(("municipality", code)) => MunicipalityCode::new(code)
                .map(Scope::Municipality)
                .map_err(|e| error(e.to_string())),
            Some(("organisation", id)) => {
                OrgId::new(id).map(Scope::Organisation).map_err(|e| error(e.to_string()))
            }
            _ => Err(error("неизвестный вид области".to_string())),
        }
    }
}

#[derive(Serialize, Deserialize)]
enum ScopeRepr {
    Region,
    Municipality(MunicipalityCode),
    Organisation(OrgId),
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            match self.clone() {
                Scope::Region => ScopeRepr::Region,
                Scope::Municipality(code) => ScopeRepr::Municipality(code),
                Scope::Organisation(id) => ScopeRepr::Organisation(id),
            }
            .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            Ok(match ScopeRepr::deserialize(deserializer)? {
                ScopeRepr::Region => Scope::Region,
                ScopeRepr::Municipality(code) => Scope::Municipality(code),
                ScopeRepr::Organisation(id) => Scope::Organisation(id),
            })
        }
    }
}
