//! What a role may read and call: the role × endpoint matrix (`may`) and the projection scope
//! (`may_read`). Raw events are read per stream: `server::scope` resolves a stream to the
//! `Reach` it belongs to and asks `may_read`, so projections and raw events follow one rule.

use proto_events::vocabulary::PlanLevel;

use crate::access::{covers, Role};

/// What a request wants to do.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Read the durable head.
    ReadHead,
    /// Read raw events (range, by id, by stream, change feed).
    ReadEvents,
    /// Run integrity verification.
    Verify,
    /// Post commands. Which kinds a role may record, within which scope, is decided by the
    /// command gate (`access::may_record`), so every write path is checked the same way; its
    /// refusal is a 403 too.
    Append,
    /// Read a projection (figures, evidence, routes, registry) covering this reach.
    ReadProjection(Reach<'a>),
    /// Read the plans of activities (public acts: every role).
    ReadPlans,
    /// Read the indicator catalogue's definitions (the acts' wording: every role).
    ReadCatalogue,
    /// Import a plan of this level from a document: the ministry regional and federal plans,
    /// the operator regional ones, a municipality municipal ones (the gate then checks every
    /// event, e.g. that the plan is the municipality's own).
    ImportPlan(PlanLevel),
}

/// What a read covers, resolved against the registry: an organisation carries the municipality
/// it is registered in, a teacher the organisation employing them.
#[derive(Clone, Copy, Debug)]
pub enum Reach<'a> {
    /// The whole region (or something no narrower scope holds).
    Region,
    /// One municipality, by code.
    Municipality(&'a str),
    /// One organisation, with its municipality when registered in one.
    Organisation {
        /// Organisation id.
        id: &'a str,
        /// Its municipality code.
        municipality: Option<&'a str>,
    },
}

/// Whether `role` may read what covers `reach`: region-wide roles everything; a municipality
/// its own municipality and the organisations its scope covers; an organisation itself (and
/// its teachers).
pub fn may_read(role: &Role, reach: Reach<'_>) -> bool {
    match (role, reach) {
        (Role::System | Role::Ministry | Role::Operator | Role::Auditor, _) => true,
        (Role::Municipality(code), Reach::Municipality(own)) => own == code.as_str(),
        (role, Reach::Organisation { id, municipality }) => covers(role, id, municipality),
        (Role::Municipality(_) | Role::Organisation(_), _) => false,
    }
}

/// Whether `role` may do `action` (secrecy rows 1 and 3 for what it is told otherwise).
pub fn may(role: &Role, action: Action<'_>) -> bool {
    match (role, action) {
        (_, Action::ReadHead) => true,
        // Scoped roles read the events of their scope only: `server::scope` filters ranges and
        // the feed, refuses streams outside it (403), and answers a single event outside it as
        // an unknown id (404), so that no scoped token can probe which ids exist.
        (_, Action::ReadEvents) => true,
        (role, Action::ReadProjection(reach)) => may_read(role, reach),
        (_, Action::ReadPlans | Action::ReadCatalogue) => true,
        (Role::System | Role::Ministry | Role::Auditor, Action::Verify) => true,
        (_, Action::Verify) => false,
        (_, Action::Append) => true,
        (
            Role::System | Role::Ministry,
            Action::ImportPlan(PlanLevel::Regional | PlanLevel::Federal),
        ) => true,
        (Role::Operator, Action::ImportPlan(PlanLevel::Regional)) => true,
        (Role::Municipality(_), Action::ImportPlan(PlanLevel::Municipal)) => true,
        (_, Action::ImportPlan(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::access::{may_read, Reach, Role};

    #[test]
    fn secrecy_1_a_scoped_role_reads_projections_of_its_own_scope_only() {
        let check = |who: &str, reach: Reach<'_>, expected: bool| {
            let role: Role = who.parse().unwrap();
            assert_eq!(may_read(&role, reach), expected, "{who} {reach:?}");
        };
        let own_school = Reach::Organisation { id: "s-1", municipality: Some("38-12") };
        let other_school = Reach::Organisation { id: "s-2", municipality: Some("38-13") };
        check("municipality:38-12", Reach::Municipality("38-12"), true);
        check("municipality:38-12", Reach::Municipality("38-13"), false);
        check("municipality:38-12", own_school, true);
        check("municipality:38-12", other_school, false);
        check("municipality:38-12", Reach::Region, false);
        check("organisation:s-1", own_school, true);
        check("organisation:s-1", other_school, false);
        check("organisation:s-1", Reach::Municipality("38-12"), false);
        check("organisation:s-1", Reach::Region, false);
        for region_wide in ["ministry", "operator", "auditor"] {
            check(region_wide, Reach::Region, true);
            check(region_wide, other_school, true);
        }
    }
}
