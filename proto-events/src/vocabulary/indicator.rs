//! Efficiency indicators of the regional system (seed 001, appendix 1; seed 003) and the targets
//! that acts set for them.
//!
//! Targets are set and changed by acts, and acts disagree (9.5 % in the regulation, 30 % in the
//! roadmap), so a target is an event carrying its act, not a constant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::envelope::Basis;
use crate::time::Date;
use crate::vocabulary::scope::Scope;
use crate::vocabulary::validation::{self, FieldError};

/// An indicator of the catalogue. The order of variants is part of the binary format: append new
/// codes at the end, never reorder.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorCode {
    /// Teachers and managers who passed diagnostics of deficits.
    Diagnosed,
    /// Teachers with a route (ИОМ) built on diagnostic results.
    Routed,
    /// Route holders with targeted methodist support.
    RouteSupported,
    /// Completed Federal Register programs chosen by their diagnostics.
    FrByDeficit,
    /// Accompanied by ЦНППМ tutors while training at the Academy.
    TutorAccompanied,
    /// Management teams trained in quality management.
    MgmtTeamsTrained,
    /// Trained in subject competence.
    SubjectCompetence,
    /// Trained in functional literacy.
    FunctionalLiteracy,
    /// Trained for the updated federal standards (ФГОС).
    UpdatedFgos,
    /// Trained in the digital educational environment.
    DigitalEnv,
    /// Trained in in-school quality assessment.
    QualityAssessment,
    /// Teachers of low-results / unfavourable-conditions schools trained.
    LowResultsSchools,
    /// Trained in supporting gifted children.
    Talents,
    /// Trained in career guidance.
    CareerGuidance,
    /// Trained in upbringing (воспитание).
    Upbringing,
    /// Trained in preschool quality.
    PreschoolQuality,
    /// Completed pedagogical retraining (ПП).
    Retraining,
    /// Young teachers (under 35, first 3 years) in support forms.
    YoungSupported,
    /// Organisations running mentoring programs.
    MentoringOrgs,
    /// General-school teachers per regional methodist.
    MethodistLoad,
    /// Teachers in regional expert work.
    ExpertInvolved,
    /// Teachers in burnout prevention.
    BurnoutPrevention,
    /// Regional events held by the system.
    RegionalEvents,
    /// Municipal (seed 003, 1): pedagogical workers and managers with a route (ИОМ).
    MunRouted,
    /// Municipal (seed 003, 2): workers of the municipal methodological service trained at the
    /// ЦНППМ of the ИРО.
    MmsTrained,
    /// Municipal (seed 003, 3): municipal events of the system held in a year.
    MunicipalEvents,
    /// Municipal (seed 003, 4): participants of regional events of the system.
    RegionalParticipants,
    /// Municipal (seed 003, 5): organisations whose management team took part in training.
    MunMgmtTeams,
    /// Municipal (seed 003, 6): general, additional and vocational organisations running the
    /// target model of mentoring.
    MunMentoringOrgs,
    /// Municipal (seed 003, 7): general-school pedagogical workers trained on Federal Register
    /// programs.
    MunFrTrained,
    /// Municipal (seed 003, 7): of them, at the Academy.
    MunFrAcademy,
    /// Municipal (seed 003, 7): of them, at the ИРО (its ЦНППМ included).
    MunFrInstitute,
}

/// What kind of number an indicator is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IndicatorMeasure {
    /// numerator / denominator of a population, at most 100 %.
    Share,
    /// A plain count (the figure's denominator is 1).
    Count,
    /// numerator per denominator, may exceed 1 (teachers per methodist).
    Ratio,
}

/// Why an indicator code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown indicator code {0:?}")]
pub struct UnknownIndicator(pub String);

impl IndicatorCode {
    /// Every code, in catalogue order.
    pub const ALL: &'static [IndicatorCode] = &[
        IndicatorCode::Diagnosed,
        IndicatorCode::Routed,
        IndicatorCode::RouteSupported,
        IndicatorCode::FrByDeficit,
        IndicatorCode::TutorAccompanied,
        IndicatorCode::MgmtTeamsTrained,
        IndicatorCode::SubjectCompetence,
        IndicatorCode::FunctionalLiteracy,
        IndicatorCode::UpdatedFgos,
        IndicatorCode::DigitalEnv,
        IndicatorCode::QualityAssessment,
        IndicatorCode::LowResultsSchools,
        IndicatorCode::Talents,
        IndicatorCode::CareerGuidance,
        IndicatorCode::Upbringing,
        IndicatorCode::PreschoolQuality,
        IndicatorCode::Retraining,
        IndicatorCode::YoungSupported,
        IndicatorCode::MentoringOrgs,
        IndicatorCode::MethodistLoad,
        IndicatorCode::ExpertInvolved,
        IndicatorCode::BurnoutPrevention,
        IndicatorCode::RegionalEvents,
        IndicatorCode::MunRouted,
        IndicatorCode::MmsTrained,
        IndicatorCode::MunicipalEvents,
        IndicatorCode::RegionalParticipants,
        IndicatorCode::MunMgmtTeams,
        IndicatorCode::MunMentoringOrgs,
        IndicatorCode::MunFrTrained,
        IndicatorCode::MunFrAcademy,
        IndicatorCode::MunFrInstitute,
    ];

    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorCode::Diagnosed => "diagnosed",
            IndicatorCode::Routed => "routed",
            IndicatorCode::RouteSupported => "route_supported",
            IndicatorCode::FrByDeficit => "fr_by_deficit",
            IndicatorCode::TutorAccompanied => "tutor_accompanied",
            IndicatorCode::MgmtTeamsTrained => "mgmt_teams_trained",
            IndicatorCode::SubjectCompetence => "subject_competence",
            IndicatorCode::FunctionalLiteracy => "functional_literacy",
            IndicatorCode::UpdatedFgos => "updated_fgos",
            IndicatorCode::DigitalEnv => "digital_env",
            IndicatorCode::QualityAssessment => "quality_assessment",
            IndicatorCode::LowResultsSchools => "low_results_schools",
            IndicatorCode::Talents => "talents",
            IndicatorCode::CareerGuidance => "career_guidance",
            IndicatorCode::Upbringing => "upbringing",
            IndicatorCode::PreschoolQuality => "preschool_quality",
            IndicatorCode::Retraining => "retraining",
            IndicatorCode::YoungSupported => "young_supported",
            IndicatorCode::MentoringOrgs => "mentoring_orgs",
            IndicatorCode::MethodistLoad => "methodist_load",
            IndicatorCode::ExpertInvolved => "expert_involved",
            IndicatorCode::BurnoutPrevention => "burnout_prevention",
            IndicatorCode::RegionalEvents => "regional_events",
            IndicatorCode::MunRouted => "mun_routed",
            IndicatorCode::MmsTrained => "mms_trained",
            IndicatorCode::MunicipalEvents => "municipal_events",
            IndicatorCode::RegionalParticipants => "regional_participants",
            IndicatorCode::MunMgmtTeams => "mun_mgmt_teams",
            IndicatorCode::MunMentoringOrgs => "mun_mentoring_orgs",
            IndicatorCode::MunFrTrained => "mun_fr_trained",
            IndicatorCode::MunFrAcademy => "mun_fr_academy",
            IndicatorCode::MunFrInstitute => "mun_fr_institute",
        }
    }

    /// The Russian title, close to the wording of the acts.
    pub fn title_ru(self) -> &'static str {
        match self {
            IndicatorCode::Diagnosed => {
                "Доля педагогических работников и управленческих кадров, прошедших диагностику профессиональных дефицитов"
            }
            IndicatorCode::Routed => {
                "Доля педагогических работников, для которых разработаны ИОМ на основе результатов диагностики"
            }
            IndicatorCode::RouteSupported => {
                "Доля педагогических работников, получивших адресную методическую поддержку региональных методистов в реализации ИОМ"
            }
            IndicatorCode::FrByDeficit => {
                "Доля педагогических работников, освоивших программы Федерального реестра ДПП, подобранные с учётом диагностики"
            }
            IndicatorCode::TutorAccompanied => {
                "Доля педагогических работников, сопровождаемых тьюторами ЦНППМ при обучении в Академии Минпросвещения России"
            }
            IndicatorCode::MgmtTeamsTrained => {
                "Доля управленческих команд, повысивших квалификацию по вопросам управления качеством образования"
            }
            IndicatorCode::SubjectCompetence => {
                "Доля учителей-предметников, повысивших квалификацию в области предметной компетентности"
            }
            IndicatorCode::FunctionalLiteracy => {
                "Доля педагогических работников, повысивших квалификацию по вопросам функциональной грамотности"
            }
            IndicatorCode::UpdatedFgos => {
                "Доля педагогических работников, повысивших квалификацию по вопросам введения обновлённых ФГОС"
            }
            IndicatorCode::DigitalEnv => {
                "Доля педагогических работников, повысивших квалификацию по вопросам цифровой образовательной среды"
            }
            IndicatorCode::QualityAssessment => {
                "Доля педагогических работников, повысивших квалификацию по вопросам оценки качества образования в ОО"
            }
            IndicatorCode::LowResultsSchools => {
                "Доля педагогических работников ШНОР и школ в неблагоприятных социальных условиях, повысивших квалификацию"
            }
            IndicatorCode::Talents => {
                "Доля педагогических работников, повысивших квалификацию по вопросам поддержки способностей и талантов"
            }
            IndicatorCode::CareerGuidance => {
                "Доля педагогических работников, повысивших квалификацию по вопросам профессиональной ориентации"
            }
            IndicatorCode::Upbringing => {
                "Доля педагогических работников, повысивших квалификацию по вопросам воспитания"
            }
            IndicatorCode::PreschoolQuality => {
                "Доля педагогических работников ДОО, повысивших квалификацию по вопросам качества дошкольного образования"
            }
            IndicatorCode::Retraining => {
                "Доля педагогических работников, прошедших профессиональную переподготовку педагогической направленности"
            }
            IndicatorCode::YoungSupported => {
                "Доля педагогов до 35 лет в первые 3 года работы, участвующих в формах поддержки, в том числе наставничестве"
            }
            IndicatorCode::MentoringOrgs => {
                "Доля образовательных организаций, реализующих программы наставничества"
            }
            IndicatorCode::MethodistLoad => {
                "Количество учителей общеобразовательных организаций на одного регионального методиста"
            }
            IndicatorCode::ExpertInvolved => {
                "Количество педагогических работников, вовлечённых в региональную экспертную деятельность"
            }
            IndicatorCode::BurnoutPrevention => {
                "Доля педагогических работников, участвующих в мероприятиях по профилактике профессионального выгорания"
            }
            IndicatorCode::RegionalEvents => "Количество региональных мероприятий РС НМС за год",
            IndicatorCode::MunRouted => {
                "Доля педагогических работников и управленческих кадров, для которых разработаны ИОМ на основе результатов диагностики (муниципальный план)"
            }
            IndicatorCode::MmsTrained => {
                "Доля сотрудников ММС, прошедших обучение на базе ЦНППМ ГАУ ДПО ИРО"
            }
            IndicatorCode::MunicipalEvents => {
                "Количество проведённых мероприятий муниципального уровня в рамках функционирования РС НМС"
            }
            IndicatorCode::RegionalParticipants => {
                "Доля участников региональных мероприятий, проведённых в рамках функционирования РС НМС"
            }
            IndicatorCode::MunMgmtTeams => {
                "Доля образовательных организаций муниципального образования, принявших участие в программах повышения квалификации управленческих команд"
            }
            IndicatorCode::MunMentoringOrgs => {
                "Доля общеобразовательных организаций, организаций дополнительного и профессионального образования, реализующих целевую модель наставничества"
            }
            IndicatorCode::MunFrTrained => {
                "Доля педагогических работников общеобразовательных организаций, прошедших повышение квалификации по программам Федерального реестра ДПП"
            }
            IndicatorCode::MunFrAcademy => {
                "Доля педагогических работников общеобразовательных организаций, прошедших повышение квалификации по программам Федерального реестра ДПП в Академии Минпросвещения России"
            }
            IndicatorCode::MunFrInstitute => {
                "Доля педагогических работников общеобразовательных организаций, прошедших повышение квалификации по программам Федерального реестра ДПП в ГАУ ДПО ИРО, в т.ч. в ЦНППМ"
            }
        }
    }

    /// What kind of number the indicator is.
    pub fn measure(self) -> IndicatorMeasure {
        match self {
            IndicatorCode::MethodistLoad => IndicatorMeasure::Ratio,
            IndicatorCode::ExpertInvolved
            | IndicatorCode::RegionalEvents
            | IndicatorCode::MunicipalEvents => IndicatorMeasure::Count,
            _ => IndicatorMeasure::Share,
        }
    }
}

impl fmt::Display for IndicatorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IndicatorCode {
    type Err = UnknownIndicator;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        IndicatorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| UnknownIndicator(text.to_string()))
    }
}

/// The value a target asks for (or a plan activity forecasts).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetValue {
    /// A share of at least this many basis points ("не менее 9,5 %" = 950).
    ShareAtLeastBp(u32),
    /// A share of at most this many basis points.
    ShareAtMostBp(u32),
    /// A count or ratio of at least this ("не менее 4 мероприятий").
    CountAtLeast(u32),
    /// A count or ratio of at most this ("не более 250 человек на методиста").
    CountAtMost(u32),
    /// Year-on-year growth ("положительная динамика").
    PositiveDynamics,
}

impl TargetValue {
    pub(crate) fn validate(
        &self,
        field: &str,
        indicator: Option<IndicatorCode>,
    ) -> Result<(), FieldError> {
        let share = indicator.map(|code| code.measure() == IndicatorMeasure::Share);
        match *self {
            TargetValue::ShareAtLeastBp(bp) | TargetValue::ShareAtMostBp(bp) => {
                validation::basis_points(field, bp)?;
                if share == Some(false) {
                    return Err(FieldError::new(
                        field,
                        bp,
                        "показатель выражается количеством или отношением, а не долей",
                    ));
                }
            }
            TargetValue::CountAtLeast(count) | TargetValue::CountAtMost(count) => {
                if share == Some(true) {
                    return Err(FieldError::new(
                        field,
                        count,
                        "показатель выражается долей: укажите значение в базисных пунктах",
                    ));
                }
            }
            TargetValue::PositiveDynamics => {}
        }
        Ok(())
    }
}

/// How a figure accumulates.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accumulation {
    /// Counted since a start year (накопительным итогом).
    Cumulative,
    /// Counted within each calendar year (ежегодно).
    Annual,
}

/// `target_set`: an act sets (or changes) the target of an indicator for a scope.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSet {
    /// The indicator.
    pub indicator: IndicatorCode,
    /// Where the target applies.
    pub scope: Scope,
    /// The target value.
    pub value: TargetValue,
    /// The date by which it must be reached ("к 31.12.2024"), if any.
    pub deadline: Option<Date>,
    /// Cumulative or annual counting.
    pub accumulation: Accumulation,
    /// First year counted ("начиная с 2023 года"), if any.
    pub from_year: Option<u16>,
    /// The act that sets the target (also the envelope's basis; kept here because targets are
    /// versioned by act).
    pub act: Basis,
}

impl TargetSet {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.scope.validate("scope")?;
        self.value.validate("value", Some(self.indicator))?;
        if let Some(deadline) = self.deadline {
            validation::date("deadline", deadline)?;
        }
        if let Some(year) = self.from_year {
            let year_i32 = i32::from(year);
            if !(validation::DATE_YEAR_MIN..=validation::DATE_YEAR_MAX).contains(&year_i32) {
                return Err(FieldError::new("from_year", year, "год вне допустимого диапазона"));
            }
            if let Some(deadline) = self.deadline {
                if deadline.year() < year_i32 {
                    return Err(FieldError::new(
                        "deadline",
                        deadline,
                        "не может быть раньше from_year",
                    ));
                }
            }
        }
        act("act", &self.act)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("target", self.indicator.as_str()))
    }
}

/// `target_withdrawn`: a later act withdraws the target that an earlier act set for an indicator
/// and a scope (the earlier act «утратил силу» in that part, or its target is replaced by the
/// later act's own `target_set`). The target stands until the withdrawal's effective date (the
/// withdrawing act's date, as a rule) and not from then on; before it, every figure still shows
/// it. A retraction says something else: that the target was never set.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetWithdrawn {
    /// The indicator.
    pub indicator: IndicatorCode,
    /// The scope the withdrawn target was set for.
    pub scope: Scope,
    /// The act that set the withdrawn target: kind, number and date as in its `target_set`
    /// (the title is not compared).
    pub set_by_act: Basis,
    /// The act that withdraws it (also the envelope's basis).
    pub act: Basis,
}

impl TargetWithdrawn {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.scope.validate("scope")?;
        act("set_by_act", &self.set_by_act)?;
        act("act", &self.act)?;
        if self.act.date < self.set_by_act.date {
            return Err(FieldError::new(
                "act.date",
                self.act.date,
                "акт, отменяющий целевое значение, не может быть раньше акта, который его установил (set_by_act.date)",
            ));
        }
        Ok(())
    }

    /// Whether `target` is the one this withdrawal names (same indicator, scope and act).
    pub fn withdraws(&self, target: &TargetSet) -> bool {
        self.indicator == target.indicator
            && self.scope == target.scope
            && same_act(&self.set_by_act, &target.act)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        Some(("target", self.indicator.as_str()))
    }
}

/// Two references to the same act: kind, number and date (titles are written differently).
pub fn same_act(a: &Basis, b: &Basis) -> bool {
    a.kind == b.kind && a.number == b.number && a.date == b.date
}

/// Checks an act reference stored in a payload.
pub(crate) fn act(field: &str, act: &Basis) -> Result<(), FieldError> {
    validation::label(&format!("{field}.kind"), &act.kind)?;
    validation::label(&format!("{field}.number"), &act.number)?;
    validation::date(&format!("{field}.date"), act.date)?;
    if let Some(title) = &act.title {
        validation::title(&format!("{field}.title"), title)?;
    }
    Ok(())
}
