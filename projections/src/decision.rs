//! Recommendations and management decisions taken on the monitoring's results, each with what
//! it addresses (indicators, municipalities) and the act it cites, kept with its knowledge
//! interval like the figure reports, so one state answers "as known at K" for any `K`.

use proto_events::vocabulary::{
    DecisionForm, DecisionId, IndicatorCode, ManagementDecisionRecorded, MunicipalityCode, Payload,
    RecommendationIssued,
};
use proto_events::{Basis, Date, EventId};
use serde::{Deserialize, Serialize};

use crate::state::{Facts, Known, Recorded};

/// A recorded recommendation or decision with the act its envelope cites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionFact {
    /// The payload.
    pub what: Decided,
    /// The envelope's basis.
    pub basis: Option<Basis>,
}

/// Which of the two kinds. Variant order is part of the snapshot format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decided {
    /// `recommendation_issued`.
    Recommendation(RecommendationIssued),
    /// `management_decision_recorded`.
    Decision(ManagementDecisionRecorded),
}

/// A recommendation or decision as people read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecisionView {
    /// The event that recorded it.
    pub event: EventId,
    /// Its id.
    pub id: DecisionId,
    /// `None` for a recommendation, the form of a management decision.
    pub form: Option<DecisionForm>,
    /// The monitoring year it answers.
    pub year: u16,
    /// The indicators it addresses.
    pub indicators: Vec<IndicatorCode>,
    /// The municipalities it addresses (empty: the whole region).
    pub municipalities: Vec<MunicipalityCode>,
    /// Its text.
    pub text: String,
    /// Day it was issued or decided.
    pub on: Date,
    /// The act it cites, as text.
    pub act: Option<String>,
    /// The recommendation a decision follows.
    pub follows: Option<DecisionId>,
}

/// Records a recommendation or decision; false for other kinds.
pub fn record(
    decisions: &mut Facts<DecisionFact>,
    recorded: Recorded,
    basis: Option<Basis>,
    payload: &Payload,
) -> bool {
    let (what, on) = match payload {
        Payload::RecommendationIssued(p) => (Decided::Recommendation(p.clone()), p.issued_on),
        Payload::ManagementDecisionRecorded(p) => (Decided::Decision(p.clone()), p.decided_on),
        _ => return false,
    };
    decisions.insert(recorded, on, DecisionFact { what, basis });
    true
}

/// Every recommendation and decision known at `known` that answers monitoring year `year`, in
/// (date, seq) order.
pub fn decisions_for_year(
    decisions: &Facts<DecisionFact>,
    known: Known,
    year: u16,
) -> Vec<DecisionView> {
    let mut list: Vec<(&EventId, &crate::state::Fact<DecisionFact>)> =
        decisions.iter(known).collect();
    list.sort_by_key(|(_, fact)| (fact.on, fact.seq));
    list.into_iter()
        .map(|(event, fact)| view(*event, &fact.value, fact.on))
        .filter(|view| view.year == year)
        .collect()
}

fn view(event: EventId, fact: &DecisionFact, on: Date) -> DecisionView {
    let act = fact.basis.as_ref().map(ToString::to_string);
    match &fact.what {
        Decided::Recommendation(p) => DecisionView {
            event,
            id: p.recommendation.clone(),
            form: None,
            year: p.year,
            indicators: p.indicators.clone(),
            municipalities: p.municipalities.clone(),
            text: p.text.clone(),
            on,
            act,
            follows: None,
        },
        Decided::Decision(p) => DecisionView {
            event,
            id: p.decision.clone(),
            form: Some(p.form),
            year: p.year,
            indicators: p.indicators.clone(),
            municipalities: p.municipalities.clone(),
            text: p.text.clone(),
            on,
            act,
            follows: p.follows.clone(),
        },
    }
}
