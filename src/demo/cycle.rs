//! The monitoring cycle of the demo region (issue #16): for 2023 and 2024 the ministry opens a
//! reporting period in February of the next year (the figures as of 31 December, due 20
//! February), the scopes submit, the ministry accepts or returns, the returned resubmit.
//! Which scope does what is fixed by its place in the list, so the demo stays deterministic
//! and shows every status: most submit on time; every fifth is late; every fourth is returned
//! once (one figure entered by hand, with an explanation) and resubmits as computed; the last
//! never submits. 2024's due date is extended by two days; 2023's period is closed.
//!
//! The scopes are the municipalities, and when a region has fewer than five, also the first
//! organisations of its first municipality (six scopes in all). The cycle draws nothing from
//! the generator's random choices (and ids have their own stream), so the rest of the demo
//! stays what it was.

use proto_events::vocabulary::{
    FigureSource, FiguresSubmitted, IndicatorCode, Payload, PeriodId, ReportingPeriodClosed,
    ReportingPeriodExtended, ReportingPeriodOpened, Scope, SubmissionAccepted, SubmissionReturned,
    SubmittedFigure,
};
use proto_events::Actor;

use crate::demo::{
    basis, date, day_of, ministry, municipality_actor, operator, org_actor, Generator,
};
use projections::monitoring;

/// The years the demo runs the cycle for.
pub(crate) const CYCLE_YEARS: [i32; 2] = [2023, 2024];

/// The indicators every scope reports.
const INDICATORS: [IndicatorCode; 3] =
    [IndicatorCode::Diagnosed, IndicatorCode::Routed, IndicatorCode::BurnoutPrevention];

/// Scopes when the region has too few municipalities.
const SCOPES_MIN: usize = 6;

impl Generator {
    /// The cycle for `year`, recorded in February and March of the next year.
    pub(crate) fn reporting_cycle(&mut self, year: i32) -> anyhow::Result<()> {
        if !CYCLE_YEARS.contains(&year) {
            return Ok(());
        }
        self.run_cycle(year)
    }

    fn run_cycle(&mut self, year: i32) -> anyhow::Result<()> {
        let next = year + 1;
        let period = PeriodId::new(format!("monitoring-{year}"))?;
        let scopes = self.cycle_scopes();
        let opened_day = day_of(next, 2, 1);
        let act = basis(
            "распоряжение",
            &format!("55-{}-мр", year - 2000),
            (next, 1, 30),
            &format!("О проведении мониторинга РС НМС за {year} год"),
        );
        let opened = ReportingPeriodOpened {
            period: period.clone(),
            title: format!("Мониторинг РС НМС за {year} год"),
            indicators: INDICATORS.into_iter().collect(),
            scopes: scopes.iter().map(|(scope, _)| scope.clone()).collect(),
            as_of: date(day_of(year, 12, 31)),
            due: date(day_of(next, 2, 20)),
            act: act.clone(),
        };
        self.emit(opened.into(), opened_day, opened_day, ministry(), Some(act))?;
        if year == 2024 {
            let extended = ReportingPeriodExtended {
                period: period.clone(),
                due: date(day_of(next, 2, 22)),
                act: None,
                reason: Some("перенос срока по просьбе муниципалитетов (каникулы)".into()),
            };
            let day = day_of(next, 2, 12);
            self.emit(extended.into(), day, day, operator(), None)?;
        }
        let count = scopes.len();
        for (index, (scope, actor)) in scopes.into_iter().enumerate() {
            if index + 1 == count {
                continue; // never submits
            }
            let late = index % 5 == 2;
            let returned = index % 4 == 1;
            let first_day = if late {
                day_of(next, 2, 26)
            } else {
                day_of(next, 2, 5) + i32::try_from(index % 14).unwrap_or(0)
            };
            let mut figures = self.computed_figures(&scope, year);
            if returned {
                if let Some(figure) = figures.first_mut() {
                    figure.numerator = figure.numerator.saturating_add(1);
                    figure.denominator = figure.denominator.saturating_add(1);
                    figure.source = FigureSource::Entered {
                        explanation: "учтены педагоги, прошедшие диагностику вне региона".into(),
                    };
                }
            }
            let submitted =
                FiguresSubmitted { period: period.clone(), scope: scope.clone(), figures };
            self.emit(submitted.into(), first_day, first_day, actor.clone(), None)?;
            let decided_day = day_of(next, 3, 1);
            if returned {
                let comment = "число прошедших диагностику расходится с реестром диагностик: \
                               подтвердите или примите расчёт Летописи";
                let payload = SubmissionReturned {
                    period: period.clone(),
                    scope: scope.clone(),
                    round: 1,
                    indicators: [IndicatorCode::Diagnosed].into(),
                    comment: comment.into(),
                };
                self.emit(payload.into(), decided_day, decided_day, ministry(), None)?;
                let again = FiguresSubmitted {
                    period: period.clone(),
                    scope: scope.clone(),
                    figures: self.computed_figures(&scope, year),
                };
                let day = day_of(next, 3, 4);
                self.emit(again.into(), day, day, actor, None)?;
                let accepted = SubmissionAccepted { period: period.clone(), scope, round: 2 };
                let day = day_of(next, 3, 6);
                self.emit(accepted.into(), day, day, ministry(), None)?;
            } else {
                let accepted = SubmissionAccepted { period: period.clone(), scope, round: 1 };
                self.emit(accepted.into(), decided_day, decided_day, ministry(), None)?;
            }
        }
        if year == 2023 {
            let day = day_of(next, 3, 20);
            let closed: Payload = ReportingPeriodClosed { period }.into();
            self.emit(closed, day, day, ministry(), None)?;
        }
        Ok(())
    }

    /// The scopes that report, each with the actor that submits for it.
    fn cycle_scopes(&self) -> Vec<(Scope, Actor)> {
        let mut scopes: Vec<(Scope, Actor)> = self
            .municipalities
            .iter()
            .map(|m| (Scope::Municipality(m.code.clone()), municipality_actor(&m.code)))
            .collect();
        if scopes.len() < 5 {
            let extra = SCOPES_MIN.saturating_sub(scopes.len());
            let organisations = self.organisations.iter().filter(|o| o.municipality == 0);
            for organisation in organisations.take(extra) {
                scopes.push((
                    Scope::Organisation(organisation.id.clone()),
                    org_actor(&organisation.id),
                ));
            }
        }
        scopes
    }

    /// The scope's figures as the generator's state knows them (what the form's prefill shows
    /// when it is drafted), taken as computed.
    fn computed_figures(&self, scope: &Scope, year: i32) -> Vec<SubmittedFigure> {
        let as_of = date(day_of(year, 12, 31));
        INDICATORS
            .into_iter()
            .map(|indicator| {
                let figure = monitoring::figure(&self.state, indicator, scope, as_of);
                SubmittedFigure {
                    indicator,
                    numerator: figure.numerator,
                    denominator: figure.denominator,
                    source: FigureSource::Computed,
                }
            })
            .collect()
    }
}
