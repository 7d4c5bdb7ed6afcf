//! The event vocabulary: every typed payload the acts require, with stable kind tags and schema
//! versions.
