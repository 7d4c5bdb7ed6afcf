//! The gate's side of the monitoring cycle (issue #16): what the registry index keeps of each
//! reporting period (`PeriodFacts`) and the checks of the cycle's kinds against it. A period must
//! exist and be open for anything but its opening; a submission names a scope the period asks
//! and every indicator of its set, and comes when the scope's last round was returned (or there
//! was none); a decision names the scope's latest round, undecided. The refusals name the field.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{IndicatorCode, Payload, Scope};
use proto_events::Date;

use crate::access::Refusal;
use crate::commands::index::{Fact, Key, RegistryIndex};

const NO_PERIOD: &str = "отчётный период с таким идентификатором не открыт";
const CLOSED: &str = "отчётный период закрыт: отчёты и решения по ним больше не принимаются";

/// What the gate keeps of a reporting period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub(crate) struct PeriodFacts {
    pub(crate) indicators: BTreeSet<IndicatorCode>,
    /// The scopes that must report, as text (`municipality:<code>`, `organisation:<id>`).
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) due: Date,
    pub(crate) closed: bool,
    /// Per scope: the number of its latest round and whether it was decided.
    pub(crate) rounds: BTreeMap<String, (u32, RoundState)>,
}

/// Where a scope's latest round stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub(crate) enum RoundState {
    Pending,
    Accepted,
    Returned,
}

/// The index's fold of one cycle event (`RegistryIndex::apply`); other kinds are left alone.
pub(crate) fn fold(facts: Option<&Fact>, payload: &Payload) -> Option<(Key, Fact)> {
    let period = |facts: Option<&Fact>| match facts {
        Some(Fact::Period(period)) => Some(period.clone()),
        _ => None,
    };
    match payload {
        Payload::ReportingPeriodOpened(p) => Some((
            Key::Period(p.period.to_string()),
            Fact::Period(PeriodFacts {
                indicators: p.indicators.clone(),
                scopes: p.scopes.iter().map(ToString::to_string).collect(),
                due: p.due,
                closed: false,
                rounds: BTreeMap::new(),
            }),
        )),
        Payload::ReportingPeriodExtended(p) => {
            let mut facts = period(facts)?;
            facts.due = p.due;
            Some((Key::Period(p.period.to_string()), Fact::Period(facts)))
        }
        Payload::ReportingPeriodClosed(p) => {
            let mut facts = period(facts)?;
            facts.closed = true;
            Some((Key::Period(p.period.to_string()), Fact::Period(facts)))
        }
        Payload::FiguresSubmitted(p) => {
            let mut facts = period(facts)?;
            let round = facts.rounds.entry(p.scope.to_string()).or_insert((0, RoundState::Pending));
            *round = (round.0.saturating_add(1), RoundState::Pending);
            Some((Key::Period(p.period.to_string()), Fact::Period(facts)))
        }
        Payload::SubmissionAccepted(p) => {
            decided(period(facts)?, &p.period, &p.scope, RoundState::Accepted)
        }
        Payload::SubmissionReturned(p) => {
            decided(period(facts)?, &p.period, &p.scope, RoundState::Returned)
        }
        _ => None,
    }
}

/// The key of the period a cycle event is about.
pub(crate) fn period_key(payload: &Payload) -> Option<Key> {
    let id = match payload {
        Payload::ReportingPeriodOpened(p) => &p.period,
        Payload::ReportingPeriodExtended(p) => &p.period,
        Payload::ReportingPeriodClosed(p) => &p.period,
        Payload::FiguresSubmitted(p) => &p.period,
        Payload::SubmissionAccepted(p) => &p.period,
        Payload::SubmissionReturned(p) => &p.period,
        _ => return None,
    };
    Some(Key::Period(id.to_string()))
}

/// The checks of one cycle event against the index (`new`: not a correction's replacement).
pub(crate) fn check(index: &RegistryIndex, payload: &Payload, new: bool) -> Result<(), Refusal> {
    let Some(key) = period_key(payload) else { return Ok(()) };
    let id = match &key {
        Key::Period(id) => id.clone(),
        _ => String::new(),
    };
    if let Payload::ReportingPeriodOpened(p) = payload {
        if new && index.contains(&key) {
            return Err(Refusal::new(
                "period",
                &id,
                "отчётный период с таким идентификатором уже открыт",
            ));
        }
        for (number, scope) in p.scopes.iter().enumerate() {
            registered(index, &format!("scopes.{number}"), scope)?;
        }
        return Ok(());
    }
    let period = match index.get(&key) {
        Some(Fact::Period(period)) => period,
        _ => return Err(Refusal::unknown("period", &id, NO_PERIOD)),
    };
    if period.closed {
        return Err(Refusal::new("period", &id, CLOSED));
    }
    match payload {
        Payload::ReportingPeriodExtended(p) if p.due <= period.due => Err(Refusal::new(
            "due",
            p.due,
            format!("новый срок должен быть позже действующего ({})", period.due),
        )),
        Payload::FiguresSubmitted(p) => {
            submission(period, &p.scope, p.figures.iter().map(|f| f.indicator))
        }
        Payload::SubmissionAccepted(p) => decision(period, &p.scope, p.round),
        Payload::SubmissionReturned(p) => {
            decision(period, &p.scope, p.round)?;
            in_set(period, "indicators", p.indicators.iter().copied())
        }
        _ => Ok(()),
    }
}

fn decided(
    mut facts: PeriodFacts,
    period: &impl ToString,
    scope: &Scope,
    state: RoundState,
) -> Option<(Key, Fact)> {
    if let Some(round) = facts.rounds.get_mut(&scope.to_string()) {
        round.1 = state;
    }
    Some((Key::Period(period.to_string()), Fact::Period(facts)))
}

fn registered(index: &RegistryIndex, field: &str, scope: &Scope) -> Result<(), Refusal> {
    let (key, id, what) = match scope {
        Scope::Municipality(code) => (
            Key::Municipality(code.to_string()),
            code.as_str(),
            "муниципалитет с таким идентификатором не зарегистрирован",
        ),
        Scope::Organisation(org) => (
            Key::Organisation(org.to_string()),
            org.as_str(),
            "организация с таким идентификатором не зарегистрирована",
        ),
        Scope::Region => return Ok(()),
    };
    if index.contains(&key) {
        Ok(())
    } else {
        Err(Refusal::unknown(field, id, what))
    }
}

fn asked(period: &PeriodFacts, scope: &Scope) -> Result<(), Refusal> {
    if period.scopes.contains(&scope.to_string()) {
        Ok(())
    } else {
        Err(Refusal::new(
            "scope",
            scope,
            "эта территория не входит в число отчитывающихся за период",
        ))
    }
}

fn in_set(
    period: &PeriodFacts,
    field: &str,
    indicators: impl Iterator<Item = IndicatorCode>,
) -> Result<(), Refusal> {
    for (number, indicator) in indicators.enumerate() {
        if !period.indicators.contains(&indicator) {
            return Err(Refusal::new(
                &format!("{field}.{number}"),
                indicator.as_str(),
                "показатель не входит в набор показателей периода",
            ));
        }
    }
    Ok(())
}

fn submission(
    period: &PeriodFacts,
    scope: &Scope,
    indicators: impl Iterator<Item = IndicatorCode> + Clone,
) -> Result<(), Refusal> {
    asked(period, scope)?;
    for (number, indicator) in indicators.clone().enumerate() {
        if !period.indicators.contains(&indicator) {
            return Err(Refusal::new(
                &format!("figures.{number}.indicator"),
                indicator.as_str(),
                "показатель не входит в набор показателей периода",
            ));
        }
    }
    let given: BTreeSet<IndicatorCode> = indicators.collect();
    if let Some(missing) = period.indicators.iter().find(|code| !given.contains(code)) {
        return Err(Refusal::new(
            "figures",
            missing.as_str(),
            "в отчёте нет показателя из набора периода: отчёт содержит все показатели периода",
        ));
    }
    match period.rounds.get(&scope.to_string()) {
        Some((_, RoundState::Pending)) => Err(Refusal::new(
            "scope",
            scope,
            "предыдущий отчёт этой территории ещё не рассмотрен: повторный отчёт подаётся после возврата",
        )),
        Some((_, RoundState::Accepted)) => {
            Err(Refusal::new("scope", scope, "отчёт этой территории за период уже принят"))
        }
        _ => Ok(()),
    }
}

fn decision(period: &PeriodFacts, scope: &Scope, round: u32) -> Result<(), Refusal> {
    asked(period, scope)?;
    match period.rounds.get(&scope.to_string()) {
        None => Err(Refusal::new("round", round, "эта территория ещё не представила отчёт")),
        Some((latest, _)) if *latest != round => Err(Refusal::new(
            "round",
            round,
            format!("последний отчёт этой территории — раунд {latest}"),
        )),
        Some((_, RoundState::Pending)) => Ok(()),
        Some((_, RoundState::Accepted)) => {
            Err(Refusal::new("round", round, "этот отчёт уже принят"))
        }
        Some((_, RoundState::Returned)) => {
            Err(Refusal::new("round", round, "этот отчёт уже возвращён на доработку"))
        }
    }
}
