//! The due list of a scope (issue #16): what `GET /api/v1/due` and `letopis due` both answer,
//! from the head state, so the two cannot differ. Which plans and teachers are the scope's is
//! decided here with `access::covers` (the one rule of coverage): a plan by its owner as
//! recorded (`commands::plan_owner`), a teacher by the organisation employing them at `D`;
//! the regional registries are listed for the region only.

use std::fmt::Write as _;

use projections::due::{due_at, DueKind, DueList, DueScope, RegistryIntervals};
use projections::plan::PlanView;
use projections::State;
use proto_events::vocabulary::{Scope, TeacherId};
use proto_events::{ActorRole, Date};

use crate::access::{covers, Role};
use crate::commands::plan_owner;

/// The due list of `scope` at `date`, `days` ahead, on everything `state` knows.
pub fn due_list(state: &State, scope: &Scope, date: Date, days: u32) -> DueList {
    let role = match scope {
        Scope::Region => Role::Ministry,
        Scope::Municipality(code) => Role::from(&ActorRole::Municipality(code.to_string())),
        Scope::Organisation(id) => Role::from(&ActorRole::Organisation(id.to_string())),
    };
    let registry = &state.registry;
    let organisation_covered = |organisation: &str| {
        let municipality = proto_events::vocabulary::OrgId::new(organisation)
            .ok()
            .and_then(|org| registry.organisation_place(&org).and_then(|(_, m)| m.cloned()));
        covers(&role, organisation, municipality.as_ref().map(|m| m.as_str()))
    };
    let plan = |plan: &PlanView| match scope {
        Scope::Region => true,
        _ => match plan_owner(plan.level, &plan.owner, &ActorRole::System) {
            (Some(municipality), _) => covers(&role, "", Some(&municipality)),
            (None, Some(organisation)) => organisation_covered(&organisation),
            (None, None) => false,
        },
    };
    let teacher = |teacher: &TeacherId| match scope {
        Scope::Region => true,
        _ => registry
            .employment_on(teacher, date)
            .is_some_and(|employment| organisation_covered(employment.organisation.as_str())),
    };
    let due_scope =
        DueScope { plan: &plan, teacher: &teacher, registries: *scope == Scope::Region };
    due_at(state, date, days, &due_scope, &RegistryIntervals::default())
}

/// The list as a Russian table (`letopis due` without `--format json`).
pub fn due_table(list: &DueList, scope: &Scope, date: Date, days: u32) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Сроки для {scope} на {} (на {days} дн. вперёд)", date.to_russian());
    for (heading, items) in [("Просрочено", &list.overdue), ("Наступает срок", &list.coming)]
    {
        let _ = writeln!(out, "\n{heading}: {}", items.len());
        for item in items {
            let kind = match item.kind {
                DueKind::Activity => "мероприятие",
                DueKind::RouteStep => "шаг ИОМ",
                DueKind::Registry => "реестр",
            };
            let _ = writeln!(
                out,
                "  {} | {kind} | {} | {} | ответственный: {}",
                item.due.to_russian(),
                item.id,
                item.title,
                item.responsible
            );
        }
    }
    out
}
