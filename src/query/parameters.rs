//! The parameters every view takes, parsed once for the CLI and the API: the scope, the valid
//! date `D` and the knowledge point `K`. An error names the parameter by its API name and says
//! in Russian what is expected; the CLI writes it as a flag (`--known-at`), the API as a 400
//! naming the query field (`known_at`), so the two cannot drift apart.

use proto_events::vocabulary::Scope;
use proto_events::Date;

use crate::query::KnownAt;
use crate::store::Clock;

/// A parameter that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {value:?}: {rule}")]
pub struct ParameterError {
    /// The parameter's API name (`scope`, `date`, `known_at`).
    pub name: &'static str,
    /// The text given.
    pub value: String,
    /// What is expected, in Russian.
    pub rule: &'static str,
}

impl ParameterError {
    /// The parameter as the CLI names it: `known_at` is `--known-at`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }
}

/// The scope: `region`, `municipality:<code>` or `organisation:<id>`; absent, the region.
pub fn scope(text: Option<&str>) -> Result<Scope, ParameterError> {
    let text = text.unwrap_or("region");
    text.trim().parse().map_err(|_| ParameterError {
        name: "scope",
        value: text.to_string(),
        rule: "ожидается region, municipality:<код> или organisation:<id>",
    })
}

/// The valid date `YYYY-MM-DD`; absent, today (UTC) by `clock`, the ledger's or the system's.
pub fn date(text: Option<&str>, clock: &dyn Clock) -> Result<Date, ParameterError> {
    match text {
        Some(text) => Date::parse_iso(text.trim()).ok_or_else(|| ParameterError {
            name: "date",
            value: text.to_string(),
            rule: "ожидается дата ГГГГ-ММ-ДД",
        }),
        None => clock.now().date_utc().ok_or_else(|| ParameterError {
            name: "date",
            value: String::new(),
            rule: "сегодняшняя дата по часам вне допустимых пределов: укажите дату явно",
        }),
    }
}

/// The knowledge point: digits are a seq, anything else an RFC 3339 time; absent, now.
pub fn known_at(text: Option<&str>) -> Result<KnownAt, ParameterError> {
    match text {
        None => Ok(KnownAt::Now),
        Some(text) => KnownAt::parse(text).ok_or_else(|| ParameterError {
            name: "known_at",
            value: text.to_string(),
            rule: "ожидается номер события или время RFC 3339",
        }),
    }
}

#[cfg(test)]
mod tests {
    use proto_events::vocabulary::Scope;
    use proto_events::{Date, Timestamp};

    use crate::query::parameters::{date, known_at, scope};
    use crate::query::KnownAt;
    use crate::store::Clock;

    struct Noon;

    impl Clock for Noon {
        fn now(&self) -> Timestamp {
            Timestamp::parse_rfc3339("2024-12-31T12:00:00Z").unwrap()
        }
    }

    #[test]
    fn absent_parameters_mean_the_region_today_and_now() {
        assert_eq!(scope(None), Ok(Scope::Region));
        assert_eq!(date(None, &Noon), Ok(Date::parse_iso("2024-12-31").unwrap()));
        assert_eq!(known_at(None), Ok(KnownAt::Now));
    }

    #[test]
    fn each_error_names_its_parameter_for_the_api_and_the_cli() {
        let error = known_at(Some("вчера")).unwrap_err();
        assert_eq!((error.name, error.flag().as_str()), ("known_at", "--known-at"));
        assert_eq!(date(Some("31.12.2024"), &Noon).unwrap_err().name, "date");
        assert_eq!(scope(Some("district:1")).unwrap_err().name, "scope");
        assert_eq!(known_at(Some(" 42 ")), Ok(KnownAt::Seq(42)));
    }
}
