//! Terms (сроки) of plan activities as the acts write them: original text plus, where it can be
//! read without guessing, a structured meaning.
