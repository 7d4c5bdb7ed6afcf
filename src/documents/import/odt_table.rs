//! placeholder
use crate::documents::import::plan::{ImportError, ParsedPlan};
pub(crate) fn is_odt(_bytes: &[u8]) -> bool {
    false
}
pub(crate) fn read(file: &str, _bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    Err(ImportError::NotATable { file: file.to_string(), reason: String::new() })
}
