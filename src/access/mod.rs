//! Who may do and read what, and what a refused actor is told: the one place for access rules.
//! Pure: no I/O, no clock; the callers pass what the rules read (the gate's registry index, the
//! projected registry resolved into a `Reach`).
//!
//! - `Role` is the one type of who is acting, with newtyped scope ids; events carry it as
//!   `proto_events::ActorRole` (its wire form, `Role::actor_role`), tokens as its text.
//! - `covers` is the one answer to "does this role's scope cover this organisation"; every scope
//!   decision (records, projection reads, raw-event reads, who is named in a refusal) calls it.
//! - `record`: what a role may record (kind × scope), run by the command gate for every write
//!   path (HTTP, CLI, import, demo).
//! - `read`: what a role may read (endpoint and projection scope, `may`; raw-event reach
//!   is `may_read` applied per stream by `server::scope`).
//! - `refusal`: the refusal of the gate and the answers that must read alike (`unknown_*`).
//! - `dating`: how far from the day the ledger records an event each role may date it, and how
//!   far back a scoped role may date a hire (`may_date`, `may_date_hire`), run by the gate.
//! - `teacher`: what a scoped role reads of a teacher it employs: what was dated while the
//!   teacher worked in its scope, and the routes it continues (`periods_in_scope`,
//!   `may_read_teacher_event`, `routes_within`), run by `server::scope` and `server::views`.
//!
//! ## What a refused municipality or organisation is told
//!
//! Region-wide roles (system, ministry, operator, auditor) are told the refusal itself, naming
//! whatever it is about. A municipality or organisation ("scoped") must learn nothing of the
//! ledger outside its scope from an answer: neither that an id exists, nor where a teacher works.
//! Each row is backed by the tests named `secrecy_<row>_…` (checked by `tests/it/access.rs`).
//!
//! | row | when a scoped role … | it is told | where |
//! | --- | --- | --- | --- |
//! | 1 | asks for a projection `scope` (or `municipality`) outside its own | 403 naming only what was asked, whether or not it exists | `read::may_read`, `server::views` |
//! | 2 | reads one teacher's routes outside its scope (employed elsewhere, nowhere, or unknown) | 404 with one body, naming no employer; lists leave out the rest | `server::views` |
//! | 3 | reads a raw event outside its scope | 404 with the body of an unknown id; ranges and the feed skip it; a stream outside it is 403 whether or not it has events | `server::scope` |
//! | 4 | retracts or corrects an event it may not record | as about an id not in the ledger (422 `unknown_reference`, field `target`), at the same step, before any version check | `refusal::unknown_target`, the gate's `screen` |
//! | 5 | reuses the id of another actor's event | the request is checked in full as under a fresh id; where it would pass, 409 naming the id only; never a seq | `Idempotency::OwnEvents`, set by `commands::prepare` |
//! | 6 | (an organisation) records about another organisation's teacher, pair or route | as about one not registered (422 `unknown_reference`, same field and body) | `record::may_record`, `refusal::unknown_*` |
//! | 7 | (a municipality) hires a teacher employed outside its scope | 422 `invalid_field` `teacher`: what to do, naming no organisation | the gate's `employment` |
//! | 8 | records a move or departure from an organisation the teacher does not work in | "does not work in <the organisation it named>", the employer named only if `covers` | the gate's `employment` |
//! | 9 | — (a region-wide role) names another teacher's route | told whose route it is, also with no employment record | the gate's `route_of` |
//! | 10 | is refused anything naming a teacher's employer | the employer only when `covers` says its scope covers it | `covers` |
//! | 11 | hires a teacher who worked in the region before, dated before the departure or more than 31 days back | 422 `invalid_field` `effective`, naming neither the departure's date nor an employer | `dating::may_date_hire`, the gate's `dating` |
//! | 12 | reads a teacher it employs (raw events, figure evidence) | only what is dated in the periods the teacher worked in its scope, and what it recorded itself; the rest as outside its scope (row 3), left out of evidence | `teacher::may_read_teacher_event`, `server::scope` |
//! | 13 | reads the routes of a teacher it employs | diagnostics and routes dated in those periods; a route begun before and open at the period's start: id, deficits not closed before, steps not done before, supporters; not its opening day, diagnostic or scores | `teacher::routes_within`, `server::views` |
//!
//! What is left, known: a scoped role learns that an event id exists by offering, under it, a
//! command it may record (row 5: never its seq, stream or kind); a hire or a management-team
//! entry of a teacher registered and employed nowhere (or elsewhere, for the team) is accepted,
//! so a municipality can learn that such a teacher id exists (not where it worked), and a
//! conflict on such a teacher's stream reports its version. A hire opens a teacher's events
//! from its date on only (rows 11 to 13); what a hire by a scoped role still tells is that the
//! teacher worked in the region before, and, within the last 31 days, whether they left before
//! a given day. The move or departure that begins or ends a period is dated in it, so an event
//! of that very day is read by both employers (a move names both organisations, as its
//! paperwork does). A figure's count includes teachers whose evidence before the hire is not
//! listed (row 12): the count is the figure's, it names no event.

pub mod dating;
mod read;
mod record;
mod refusal;
pub mod teacher;

use std::fmt;
use std::str::FromStr;

use proto_events::ActorRole;
use serde::{Deserialize, Serialize};

pub use crate::access::dating::{may_date, may_date_hire};
pub use crate::access::read::{may, may_read, Action, Reach};
pub(crate) use crate::access::record::auditor_refused;
pub use crate::access::record::{may_record, PlanFacts, Registry};
pub use crate::access::refusal::{unknown_pair, unknown_target, unknown_teacher, Refusal};
pub use crate::access::teacher::{may_read_teacher_event, periods_in_scope, routes_within, Period};

/// Code of a municipality, as a role's scope names it (`municipality:<code>`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MunicipalityCode(String);

/// Id of an organisation, as a role's scope names it (`organisation:<id>`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct OrganisationId(String);

impl MunicipalityCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl OrganisationId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for OrganisationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who is acting, with its scope: the one role type of the gate, the server and the tokens.
///
/// Its text is `ActorRole`'s (`municipality:38-12`). Tokens are never issued `System`: its text
/// does not parse (`FromStr`), so a token record cannot hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    /// The ledger's own tooling (demo generator, import, migration): records everything.
    System,
    /// The regional ministry: reads all, sets targets, approves plans.
    Ministry,
    /// The regional operator (ЦНППМ): registries, diagnostics, routes, completions, plans.
    Operator,
    /// A municipal authority.
    Municipality(MunicipalityCode),
    /// An educational organisation.
    Organisation(OrganisationId),
    /// An auditor: reads everything, writes nothing.
    Auditor,
}

impl Role {
    /// Parses a token's `role` with an optional separate `scope` (`--role municipality --scope
    /// 38-12` or `--role municipality:38-12`).
    pub fn parse(role: &str, scope: Option<&str>) -> Result<Role, String> {
        let text = match (role.contains(':'), scope) {
            (false, Some(scope)) => format!("{role}:{scope}"),
            (true, Some(_)) => return Err("область задана дважды: в --role и в --scope".into()),
            (_, None) => role.to_string(),
        };
        text.parse()
    }

    /// The role as events record it.
    pub fn actor_role(&self) -> ActorRole {
        match self {
            Role::System => ActorRole::System,
            Role::Ministry => ActorRole::Ministry,
            Role::Operator => ActorRole::Operator,
            Role::Municipality(code) => ActorRole::Municipality(code.0.clone()),
            Role::Organisation(id) => ActorRole::Organisation(id.0.clone()),
            Role::Auditor => ActorRole::Auditor,
        }
    }

    /// Municipalities and organisations: the roles bounded by a scope (and told nothing
    /// outside it, see the module documentation).
    pub fn is_scoped(&self) -> bool {
        matches!(self, Role::Municipality(_) | Role::Organisation(_))
    }

    /// The id of a scoped role's scope (a municipality's code, an organisation's id).
    pub fn scope_id(&self) -> Option<&str> {
        match self {
            Role::Municipality(code) => Some(code.as_str()),
            Role::Organisation(id) => Some(id.as_str()),
            Role::System | Role::Ministry | Role::Operator | Role::Auditor => None,
        }
    }
}

impl From<&ActorRole> for Role {
    fn from(role: &ActorRole) -> Role {
        match role {
            ActorRole::System => Role::System,
            ActorRole::Ministry => Role::Ministry,
            ActorRole::Operator => Role::Operator,
            ActorRole::Municipality(code) => Role::Municipality(MunicipalityCode(code.clone())),
            ActorRole::Organisation(id) => Role::Organisation(OrganisationId(id.clone())),
            ActorRole::Auditor => Role::Auditor,
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Role, String> {
        match text.parse::<ActorRole>()? {
            ActorRole::System => Err("роль system не выдаётся токенам".into()),
            role => Ok(Role::from(&role)),
        }
    }
}

/// `ActorRole`'s text, the one spelling of a role.
impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.actor_role().fmt(f)
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(text: String) -> Result<Role, String> {
        text.parse()
    }
}

impl From<Role> for String {
    fn from(role: Role) -> String {
        role.to_string()
    }
}

/// Whether the scope of `role` covers the organisation `organisation`, registered in
/// `municipality` (None: in none, or not registered): a region-wide role's scope covers every
/// organisation, a municipality's the organisations registered in it, an organisation's itself.
/// The one place this is decided (secrecy row 10).
pub fn covers(role: &Role, organisation: &str, municipality: Option<&str>) -> bool {
    match role {
        Role::Municipality(code) => municipality == Some(code.as_str()),
        Role::Organisation(id) => id.as_str() == organisation,
        Role::System | Role::Ministry | Role::Operator | Role::Auditor => true,
    }
}

#[cfg(test)]
mod tests {
    use proto_events::ActorRole;

    use crate::access::{covers, Role};

    fn role(text: &str) -> Role {
        Role::from(&text.parse::<ActorRole>().unwrap())
    }

    #[test]
    fn secrecy_10_covers_names_an_employer_only_within_the_scope() {
        let check = |who: &str, organisation: &str, municipality: Option<&str>, expected: bool| {
            assert_eq!(covers(&role(who), organisation, municipality), expected, "{who}");
        };
        check("municipality:38-12", "school-1", Some("38-12"), true);
        check("municipality:38-12", "school-2", Some("38-13"), false);
        check("municipality:38-12", "school-3", None, false);
        check("organisation:school-1", "school-1", Some("38-12"), true);
        check("organisation:school-1", "school-2", Some("38-12"), false);
        for region_wide in ["system", "ministry", "operator", "auditor"] {
            check(region_wide, "school-2", None, true);
        }
    }

    #[test]
    fn the_text_of_a_role_is_the_actor_roles_and_tokens_are_never_system() {
        for text in ["ministry", "operator", "auditor", "municipality:38-12", "organisation:o-1"] {
            let parsed: Role = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
            assert_eq!(parsed.actor_role().to_string(), text);
            assert_eq!(Role::from(&parsed.actor_role()), parsed);
        }
        assert!("system".parse::<Role>().is_err());
        assert_eq!(Role::from(&ActorRole::System).actor_role(), ActorRole::System);
        assert_eq!(Role::parse("municipality", Some("38-12")).unwrap(), role("municipality:38-12"));
        assert!(Role::parse("municipality:38-12", Some("38-12")).is_err());
    }
}
