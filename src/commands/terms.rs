//! The reading of a term amendment, made where the event is made: a client may send a term change
//! as text only (the JSON of `activity_amended` before schema 2 had no `meaning`), so the command
//! path reads it here, in the plan's period, before the event is sealed; the stored event carries
//! the reading and the folds never parse. A reading the client sent is kept as sent: the gate
//! checks every reading against the text inside the writer (`state_checks`' `term_dated_by_plan`), atomically
//! with the append, so a guessed or stale one is refused, never stored.

use proto_events::term;
use proto_events::vocabulary::{ActivityAmended, ActivityField, Payload, PlanId, Replacement};
use proto_events::StreamName;

use crate::commands::{Command, CommandError};
use crate::store::Store;

/// Fills the reading of every term change sent without one, in commands and in corrections'
/// replacements; the period is the plan's as created (or corrected), in this batch or the ledger.
pub(crate) fn read_terms(
    store: &Store,
    mut commands: Vec<Command>,
) -> Result<Vec<Command>, CommandError> {
    for index in 0..commands.len() {
        let (earlier, rest) = commands.split_at_mut(index);
        let Some(command) = rest.first_mut() else { break };
        match &mut command.payload {
            Payload::ActivityAmended(amended) => read_changes(store, earlier, amended)?,
            Payload::EventCorrected(corrected) => {
                let Ok(Payload::ActivityAmended(mut amended)) = corrected.replacement.payload()
                else {
                    continue;
                };
                if unread(&amended) {
                    read_changes(store, earlier, &mut amended)?;
                    // An encoding failure is left to `prepare`, which reports it as a refusal.
                    if let Ok(replacement) = Replacement::of(&amended.into()) {
                        corrected.replacement = replacement;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(commands)
}

fn unread(amended: &ActivityAmended) -> bool {
    amended
        .changes
        .iter()
        .any(|change| change.field == ActivityField::Term && change.meaning.is_none())
}

fn read_changes(
    store: &Store,
    earlier: &[Command],
    amended: &mut ActivityAmended,
) -> Result<(), CommandError> {
    if !unread(amended) {
        return Ok(());
    }
    let period = plan_period(store, earlier, &amended.plan)?;
    for change in &mut amended.changes {
        if change.field == ActivityField::Term && change.meaning.is_none() {
            change.meaning = Some(term::parse_in_plan(&change.new, period).meaning);
        }
    }
    Ok(())
}

/// The plan's period (first and last year): from a `plan_created` earlier in the batch, else the
/// latest one in the plan's stream (a correction's replacement counts). `None` when unknown: the
/// gate refuses an amendment of a plan it does not know anyway.
fn plan_period(
    store: &Store,
    earlier: &[Command],
    plan: &PlanId,
) -> Result<Option<(i32, i32)>, CommandError> {
    let period = |created: &proto_events::vocabulary::PlanCreated| {
        (i32::from(created.period_from_year), i32::from(created.period_to_year))
    };
    let in_batch = earlier.iter().rev().find_map(|command| match &command.payload {
        Payload::PlanCreated(created) if created.plan == *plan => Some(period(created)),
        _ => None,
    });
    if in_batch.is_some() {
        return Ok(in_batch);
    }
    let Ok(stream) = StreamName::new(format!("plan/{plan}")) else { return Ok(None) };
    let mut found = None;
    for event in store.stream(&stream, 1)? {
        match Payload::decode_envelope(&event) {
            Ok(Payload::PlanCreated(created)) => found = Some(period(&created)),
            Ok(Payload::EventCorrected(corrected)) => {
                if let Ok(Payload::PlanCreated(created)) = corrected.replacement.payload() {
                    found = Some(period(&created));
                }
            }
            _ => {}
        }
    }
    Ok(found)
}
