//! The acts of the demo region: a subset of the regional plan 2020–2025 (seed 000) and of the
//! roadmap 2023–2024 (seed 001), plus the order that sets the indicator targets. Not every item
//! is the act's own: what is copied and what is «по мотивам» is listed here, item by item.
//!
//! Copied: the section titles of both acts, and every text field of the plan's 1.1, 1.2, 4.1,
//! 4.2, 5.1 and of the roadmap's 1, 2, 4, 6, 9, 11, 17, 18, 25, 34, 37, 50, 53, 59 except those
//! listed below, in the acts' words (joined where the seed text breaks them). Shortened: 1.2's
//! key result (its first sentence) and its documents (the seed text breaks them at a page end);
//! roadmap 9's executors leave out ЦНППМ, already the responsible subject. The plan has one
//! «ответственный исполнитель» column; the demo takes its first body as `responsible`, the rest
//! as `co_executors`.
//!
//! «По мотивам» (the demo's own, not the act's):
//! - plan 5.2, 6.1 and 7.1 as a whole: the act's items with these numbers are other
//!   activities (5.2 «Обеспечение функционирования ЦНППМПР как инструмента оказания методической
//!   помощи…», 6.1 «Модернизация материально-технической базы…», 7.1 «Разработка методических
//!   рекомендаций для педагогов по правовым и организационно-техническим вопросам аттестации…»).
//!   5.2 follows the roadmap's diagnostics items 13–14, 6.1 the plan's 6.3 (региональная
//!   платформа электронного образования), 7.1 the plan's 7.2–7.3 (школы с низкими результатами);
//!   their title, responsible, co-executors, term, key result and documents are the demo's.
//! - roadmap 17: the number. In the seed text this row has no number (it stands between 16 and
//!   17); the act's 17 is «Организация повышения квалификации… приоритетных федеральных
//!   программ». Title, executors, term and result are the act's.
//! - roadmap 59: the act's text of the title lost its first word(s); the title starts with «…».
//! - every roadmap item's `fixing_documents`: the roadmap has no «документы, закрепляющие
//!   результат» column (its columns are мероприятие, ответственный субъект, исполнители, срок,
//!   ключевой результат), so these strings are the demo's.
//! - every `indicator` and `planned_value`: the plan has no indicators; the roadmap's rows state
//!   results in words; the links and values follow the Regulation (seed 001, appendix 1) and,
//!   for 17, the roadmap's 30 % (the Regulation says 9,5 %).
//!
//! The first municipality's plan for 2024 is «по мотивам» of seed 003 (the Zhigalovsky
//! district's plan for 2022): its section 1 title and activity 1.2 (title, term, result) are
//! the act's words; the responsible is the act's position without the person's name (names are
//! not recorded in events); the period, the approving order, the «документ, фиксирующий
//! результат» (seed 003 has no such column), the agreement's letter and the execution's evidence
//! are the demo's. That the ЦНППМ agrees the municipalities' plans is seed 001's (roadmap 8).
//! The plan's amendment citing 55-140-мр, the recommendations and the management decisions on
//! the 2023 and 2024 monitoring are the demo's own, «по мотивам» of seed 001 (Положение 29–30).

use proto_events::vocabulary::{IndicatorCode, TargetValue};

/// One activity as written in an act.
pub(crate) struct ActivitySeed {
    /// Section number the activity belongs to.
    pub section: &'static str,
    /// Activity number ("4.2", "34").
    pub number: &'static str,
    pub title: &'static str,
    pub responsible: &'static str,
    pub co_executors: &'static [&'static str],
    /// The term exactly as written.
    pub term: &'static str,
    pub key_result: &'static str,
    pub fixing_documents: &'static str,
    pub indicator: Option<IndicatorCode>,
    pub planned_value: Option<TargetValue>,
}

/// Sections of the regional plan 2020–2025 (seed 000).
pub(crate) const CONCEPT_SECTIONS: &[(&str, &str)] = &[
    ("1", "Обеспечение профессионального самоопределения обучающихся на социально-педагогические профессии"),
    ("3", "Расширение возможностей профессионального развития и роста молодых специалистов"),
    ("4", "Обеспечение возможностей профессионального развития и роста педагогов"),
    ("5", "Обеспечение функционирования системы непрерывного профессионального роста педагогов"),
    ("6", "Создание и развитие информационных ресурсов в области профессионального педагогического образования"),
    ("7", "Совершенствование деятельности педагогических кадров в целях повышения качества образования"),
];

/// Activities of the regional plan 2020–2025 (seed 000).
pub(crate) const CONCEPT_ACTIVITIES: &[ActivitySeed] = &[
    ActivitySeed {
        section: "1",
        number: "1.1",
        title: "Создание сети психолого-педагогических классов в общеобразовательных организациях и (или) организациях дополнительного образования",
        responsible: "Муниципальные органы управления образованием (далее - МОУО)",
        co_executors: &[],
        term: "2021-2025",
        key_result: "Созданы и функционируют психолого-педагогические классы",
        fixing_documents: "Нормативный акт МОУО о создании класса",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "1",
        number: "1.2",
        title: "Разработка инструментария исследования интересов, способностей школьников к педагогической деятельности, критериев и показателей, характеризующих развитие профессионального самоопределения",
        responsible: "ГАУ ДПО ИО РИКП (далее - РИКП)",
        co_executors: &[],
        term: "2021-2023",
        key_result: "Разработан и применяется инструментарий исследования интересов, способностей школьников к педагогической деятельности.",
        fixing_documents: "Методические рекомендации по исследованию интересов, способностей школьников к педагогической деятельности и мониторингу прогресса профессионального самоопределения обучающихся. Ежегодный аналитический отчёт о результатах мониторинга",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "4",
        number: "4.1",
        title: "Разработка, утверждение и внедрение нового порядка проведения аттестации педагогов на присвоение квалификационных категорий, основывающегося прежде всего на анализе результатов профессиональной деятельности по обучению, воспитанию и развитию обучающихся",
        responsible: "Министерство образования Иркутской области",
        co_executors: &["ЦОПМКиМКО"],
        term: "по мере обновления федеральной нормативной базы",
        key_result: "Аттестация педагогов на присвоение квалификационных категорий, будет основываться прежде всего на анализе результатов профессиональной деятельности по обучению, воспитанию и развитию обучающихся",
        fixing_documents: "Нормативный акт, утверждающий порядок проведения аттестации педагогов на присвоение квалификационных категорий, основывающегося прежде всего на анализе результатов профессиональной деятельности по обучению, воспитанию и развитию обучающихся",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "4",
        number: "4.2",
        title: "Продвижение профессиональных стандартов педагогических работников в Иркутской области",
        responsible: "Министерство образования Иркутской области",
        co_executors: &["РИКП", "ИРО"],
        term: "2021-2025",
        key_result: "Повышение профессиональных компетенций педагогических работников",
        fixing_documents: "Нормативная база для продвижения профессиональных стандартов педагогических работников",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "5",
        number: "5.1",
        title: "Обеспечение функционирования центра непрерывного повышения профессионального мастерства педагогических работников (далее - ЦНППМПР)",
        responsible: "Министерство образования Иркутской области",
        co_executors: &["ИРО"],
        term: "2021-2025",
        key_result: "Организована методическая помощь педагогам; Выстроены для педагогов индивидуальные образовательные маршруты; Организован процесс непрерывного профессионального роста педагогов; Обучение управленческих команд с целью оказания поддержки образовательных организаций, функционирующих в сложных социальных условиях и демонстрирующих низкие образовательные результаты, проводится в новых непрерывных форматах; Осуществляется поддержка профессиональных сообществ; Осуществляется поддержка молодых специалистов",
        fixing_documents: "Устав ЦНППМПР, отражающий основные направления работы, локальные акты ЦНППМПР",
        indicator: Some(IndicatorCode::Routed),
        planned_value: Some(TargetValue::ShareAtLeastBp(1000)),
    },
    // «По мотивам»: not the act's 5.2 (see the module doc); every field is the demo's.
    ActivitySeed {
        section: "5",
        number: "5.2",
        title: "Организация диагностики профессиональных дефицитов педагогических работников",
        responsible: "ЦОПМКиМКО",
        co_executors: &["ИРО", "МОУО"],
        term: "2022",
        key_result: "Проведена диагностика профессиональных дефицитов педагогов",
        fixing_documents: "Аналитическая справка по результатам диагностики",
        indicator: Some(IndicatorCode::Diagnosed),
        planned_value: Some(TargetValue::ShareAtLeastBp(1000)),
    },
    // «По мотивам» the act's 6.3: not the act's 6.1 (see the module doc); every field is the
    // demo's.
    ActivitySeed {
        section: "6",
        number: "6.1",
        title: "Создание регионального информационного ресурса по вопросам непрерывного педагогического образования",
        responsible: "ИРО",
        co_executors: &[],
        term: "2021-2025",
        key_result: "Функционирует региональный информационный ресурс",
        fixing_documents: "Приказ ИРО",
        indicator: None,
        planned_value: None,
    },
    // «По мотивам» the act's 7.2–7.3: not the act's 7.1 (see the module doc); every field is the
    // demo's.
    ActivitySeed {
        section: "7",
        number: "7.1",
        title: "Организация повышения квалификации педагогов школ с низкими образовательными результатами и школ, функционирующих в неблагоприятных социальных условиях",
        responsible: "ИРО",
        co_executors: &["МОУО"],
        term: "2021-2025",
        key_result: "Педагоги ШНОР повысили квалификацию",
        fixing_documents: "Отчёт ИРО",
        indicator: Some(IndicatorCode::LowResultsSchools),
        planned_value: Some(TargetValue::ShareAtLeastBp(8000)),
    },
];

/// Sections of the roadmap 2023–2024 (seed 001).
pub(crate) const ROADMAP_SECTIONS: &[(&str, &str)] = &[
    ("1", "Управление системой научно-методического сопровождения педагогических работников и управленческих кадров"),
    ("2", "Непрерывное повышение профессионального мастерства педагогических работников и управленческих кадров"),
    ("3", "Содержательно-методическое обеспечение непрерывного профессионального (педагогического) образования"),
];

/// Activities of the roadmap 2023–2024 (seed 001). The roadmap has no «документы, закрепляющие
/// результат» column: every `fixing_documents` below is the demo's own, not the act's.
pub(crate) const ROADMAP_ACTIVITIES: &[ActivitySeed] = &[
    ActivitySeed {
        section: "1",
        number: "1",
        title: "Разработка положения о создании и функционировании РС НМС",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "МО ИО"],
        term: "июнь 2023 г.",
        key_result: "Утверждение положения о создании и функционировании региональной РС НМС",
        fixing_documents: "Распоряжение МО ИО",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "1",
        number: "2",
        title: "Разработка системы мониторинга эффективности создания и развития РС НМС",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "МО ИО"],
        term: "Сентябрь 2023 г.",
        key_result: "Утверждение регламента мониторинга эффективности создания и развития РС НМС",
        fixing_documents: "Регламент мониторинга",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "1",
        number: "4",
        title: "Заключение соглашений о сотрудничестве и взаимодействии с субъектами РС НМС, ФНМЦ",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "СПО", "ВО", "ФНМЦ"],
        term: "июнь – октябрь 2023 года",
        key_result: "Заключены соглашения о сотрудничестве",
        fixing_documents: "Соглашения",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "1",
        number: "6",
        title: "Разработка макета муниципального плана повышения профессионального мастерства педагогических работников и управленческих кадров по его заполнению",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "РУМО"],
        term: "01.03.2023 года 01.02.2024 года",
        key_result: "Утверждение макета муниципального плана повышения профессионального мастерства педагогических работников и управленческих кадров по его заполнению",
        fixing_documents: "Макет муниципального плана",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "1",
        number: "9",
        title: "Реализация комплекса мероприятий по развитию регионального методического актива",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "МОУО", "ММС"],
        term: "2023–2024 годы",
        key_result: "За 1 региональным методистом закреплены не более 250 человек к 31.12.2024 года",
        fixing_documents: "Реестр регионального методического актива",
        indicator: Some(IndicatorCode::MethodistLoad),
        planned_value: Some(TargetValue::CountAtMost(250)),
    },
    ActivitySeed {
        section: "1",
        number: "11",
        title: "Проведение мониторинга эффективности создания и развития РС НМС, отдельных субъектов РС НМС",
        responsible: "МО ИО, ЦНППМ",
        co_executors: &["Субъекты РС НМС"],
        term: "ноябрь 2023 года ноябрь 2024 года",
        key_result: "Информационно-аналитическая справка по результатам мониторинга эффективности функционирования РС НМС, отдельных субъектов РС НМС, адресные рекомендации для субъектов РС НМС по результатам мониторинга",
        fixing_documents: "Информационно-аналитическая справка",
        indicator: None,
        planned_value: None,
    },
    // The number is the demo's: this row has no number in the act's text (see the module doc).
    ActivitySeed {
        section: "2",
        number: "17",
        title: "Реализация комплекса мероприятий по организации повышения квалификации педагогических работников по программам ДПО, вошедшим в Федеральный реестр программ ДПО и подобранных с учетом диагностики профессиональных дефицитов",
        responsible: "ГАУ ДПО ИРО",
        co_executors: &["Субъекты РС НМС, осуществляющие деятельность по реализации программ ДПО для педагогических работников и управленческих кадров"],
        term: "2023–2024 годы",
        key_result: "Не менее 30 % педагогических работников Иркутской области освоили программы ДПО, вошедшие в Федеральный реестр программ ДПО и подобранных с учетом диагностики профессиональных дефицитов",
        fixing_documents: "Отчёт ГАУ ДПО ИРО",
        indicator: Some(IndicatorCode::FrByDeficit),
        planned_value: Some(TargetValue::ShareAtLeastBp(3000)),
    },
    ActivitySeed {
        section: "2",
        number: "18",
        title: "Организация повышения квалификации педагогических работников по вопросам выявления, поддержки и развития способностей и талантов у детей и молодежи",
        responsible: "ГАУ ДПО ИРО",
        co_executors: &["Образовательный центр «Персей»"],
        term: "2023–2024 годы",
        key_result: "1,6% от педагогических работников образовательных организаций Иркутской области до 31.12.2024 года",
        fixing_documents: "Отчёт ГАУ ДПО ИРО",
        indicator: Some(IndicatorCode::Talents),
        planned_value: Some(TargetValue::ShareAtLeastBp(160)),
    },
    ActivitySeed {
        section: "2",
        number: "25",
        title: "Повышение квалификации управленческих команд",
        responsible: "ГАУ ДПО ИРО",
        co_executors: &["ОО", "МОУО", "ММС"],
        term: "2023–2024",
        key_result: "Реализованы программы ДПО для управленческих команд ОО, ММС. Не менее 40 % управленческих команд приняли участие в программах ДПО",
        fixing_documents: "Отчёт ГАУ ДПО ИРО",
        indicator: Some(IndicatorCode::MgmtTeamsTrained),
        planned_value: Some(TargetValue::ShareAtLeastBp(4000)),
    },
    ActivitySeed {
        section: "2",
        number: "34",
        title: "Реализация региональных мероприятий в рамках функционирования РС НМС в сотрудничестве субъектов РС НМС",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО", "ММС", "иные субъекты РС НМС"],
        term: "2023–2024 годы",
        key_result: "Не менее 4 мероприятий ежегодно",
        fixing_documents: "Программы мероприятий",
        indicator: Some(IndicatorCode::RegionalEvents),
        planned_value: Some(TargetValue::CountAtLeast(4)),
    },
    ActivitySeed {
        section: "2",
        number: "37",
        title: "Комплекс мероприятий по внедрению системы наставничества педагогических работников в образовательных организациях (в том числе региональный конкурс «Наставник 38», сопровождение клуба наставников «Восхождение»)",
        responsible: "ЦНППМ",
        co_executors: &[
            "ГАУ ДПО ИРО",
            "Совет молодых специалистов",
            "сетевое профессиональное сообщество наставников",
        ],
        term: "2023–2024 годы",
        key_result: "Обмен эффективными практиками наставничества. Разработаны и реализованы модели и программы наставничества. Положительная динамика эффективных практик наставничества, реализующих разные модели наставничества",
        fixing_documents: "Положение о конкурсе, приказы",
        indicator: Some(IndicatorCode::MentoringOrgs),
        planned_value: Some(TargetValue::ShareAtLeastBp(8500)),
    },
    ActivitySeed {
        section: "3",
        number: "50",
        title: "Разработка и актуализация регионального реестра эффективных педагогических и управленческих практик",
        responsible: "ЦНППМ",
        co_executors: &["ММС", "ГАУ ДПО ИРО", "ОО"],
        term: "2023, далее ежегодно",
        key_result: "Региональный реестр эффективных педагогических и управленческих практик",
        fixing_documents: "Реестр практик",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "3",
        number: "53",
        title: "Сопровождение официального сайта и официальных страниц в социальных сетях ГАУ ДПО ИРО",
        responsible: "ЦНППМ",
        co_executors: &["ГАУ ДПО ИРО"],
        term: "Ежемесячно",
        key_result: "Актуализация информации о тенденциях развития образования, событиях РС НМС. Положительная динамика подписчиков и обращений к информационным ресурсам",
        fixing_documents: "Публикации на сайте",
        indicator: None,
        planned_value: None,
    },
    ActivitySeed {
        section: "3",
        number: "59",
        // The act's text lost the title's first word(s); the demo does not invent them.
        title: "…образовательных исследований лучших образований Иркутского региона, презентация результатов обобщения широкой педагогической общественности",
        responsible: "ЦНППМ",
        co_executors: &["ФНМИЦ", "ГАУ ДПО ИРО", "ВО"],
        term: "2024 год",
        key_result: "Сформирован заказ на научные разработки для федеральных центров научно-методического сопровождения. Проведены научные исследования образовательных систем Иркутской области",
        fixing_documents: "Отчёт ЦНППМ",
        indicator: None,
        planned_value: None,
    },
];

/// A target row: indicator, value, deadline (year, month, day), cumulative, first year.
pub(crate) type TargetRow =
    (IndicatorCode, TargetValue, Option<(i32, u32, u32)>, bool, Option<u16>);

/// Every target of the Regulation's efficiency indicators (seed 001, appendix 1), values and
/// deadlines as the act writes them; where the act names no deadline there is none, and «начиная
/// с 2023 года» (the Regulation's first monitoring year) is the first year of each.
pub(crate) const REGULATION_TARGETS: &[TargetRow] = &[
    (IndicatorCode::Diagnosed, TargetValue::ShareAtLeastBp(1000), None, false, Some(2023)),
    (IndicatorCode::Routed, TargetValue::ShareAtLeastBp(1000), None, false, Some(2023)),
    (IndicatorCode::RouteSupported, TargetValue::ShareAtLeastBp(10000), None, false, Some(2023)),
    (
        IndicatorCode::FrByDeficit,
        TargetValue::ShareAtLeastBp(950),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    (
        IndicatorCode::TutorAccompanied,
        TargetValue::ShareAtLeastBp(950),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    (
        IndicatorCode::MgmtTeamsTrained,
        TargetValue::ShareAtLeastBp(4000),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    // «Не менее 5% учителей- предметников общеобразовательных организаций» (no term given).
    (IndicatorCode::SubjectCompetence, TargetValue::ShareAtLeastBp(500), None, true, Some(2023)),
    // «Не менее 5% от педагогических работников общеобразовательных организаций».
    (IndicatorCode::FunctionalLiteracy, TargetValue::ShareAtLeastBp(500), None, true, Some(2023)),
    (
        IndicatorCode::UpdatedFgos,
        TargetValue::ShareAtLeastBp(9500),
        Some((2025, 12, 31)),
        true,
        Some(2023),
    ),
    (
        IndicatorCode::DigitalEnv,
        TargetValue::ShareAtLeastBp(200),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    // «Не менее 2 % педагогических работников общеобразовательных организаций … до 31.12.2024».
    (
        IndicatorCode::QualityAssessment,
        TargetValue::ShareAtLeastBp(200),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    // «Не менее 80 % от числа педагогических работников, школ с низким результатами обучения
    // и/или школ, функционирующих в неблагоприятных социальных условиях, выявленных по…».
    (IndicatorCode::LowResultsSchools, TargetValue::ShareAtLeastBp(8000), None, true, Some(2023)),
    (
        IndicatorCode::Talents,
        TargetValue::ShareAtLeastBp(160),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    // «Не менее 3% от педагогических работников общеобразовательных организаций».
    (IndicatorCode::CareerGuidance, TargetValue::ShareAtLeastBp(300), None, true, Some(2023)),
    (
        IndicatorCode::Upbringing,
        TargetValue::ShareAtLeastBp(500),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    // «Не менее 2% педагогических работников дошкольных образовательных организаций … до
    // 31.12.2024 года».
    (
        IndicatorCode::PreschoolQuality,
        TargetValue::ShareAtLeastBp(200),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    (IndicatorCode::Retraining, TargetValue::ShareAtLeastBp(50), None, false, Some(2023)),
    (
        IndicatorCode::YoungSupported,
        TargetValue::ShareAtLeastBp(7000),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    (
        IndicatorCode::MentoringOrgs,
        TargetValue::ShareAtLeastBp(8500),
        Some((2024, 12, 31)),
        true,
        Some(2023),
    ),
    (
        IndicatorCode::MethodistLoad,
        TargetValue::CountAtMost(250),
        Some((2024, 12, 31)),
        false,
        Some(2023),
    ),
    (IndicatorCode::ExpertInvolved, TargetValue::PositiveDynamics, None, false, Some(2023)),
    (IndicatorCode::BurnoutPrevention, TargetValue::ShareAtLeastBp(1000), None, false, Some(2023)),
    (IndicatorCode::RegionalEvents, TargetValue::CountAtLeast(4), None, false, Some(2023)),
];

/// Municipality names of an Irkutsk-like region (code suffix, name).
pub(crate) const MUNICIPALITIES: &[&str] = &[
    "г. Иркутск",
    "г. Ангарск",
    "г. Братск",
    "г. Усть-Илимск",
    "г. Усолье-Сибирское",
    "г. Черемхово",
    "г. Шелехов",
    "г. Саянск",
    "г. Тулун",
    "г. Зима",
    "г. Нижнеудинск",
    "Жигаловский район",
    "Аларский район",
    "Балаганский район",
    "Баяндаевский район",
    "Бодайбинский район",
    "Боханский район",
    "Заларинский район",
    "Зиминский район",
    "Иркутский район",
    "Казачинско-Ленский район",
    "Катангский район",
    "Качугский район",
    "Киренский район",
    "Куйтунский район",
    "Мамско-Чуйский район",
    "Нижнеилимский район",
    "Нукутский район",
    "Ольхонский район",
    "Осинский район",
    "Слюдянский район",
    "Тайшетский район",
    "Тулунский район",
    "Усольский район",
    "Усть-Кутский район",
    "Усть-Удинский район",
    "Чунский район",
    "Эхирит-Булагатский район",
    "Черемховский район",
    "Братский район",
    "Шелеховский район",
    "Нижнеудинский район",
];

/// Sections of the first municipality's plan, «по мотивам» of seed 003 (see the module doc).
pub(crate) const MUNICIPAL_SECTIONS: &[(&str, &str)] = &[(
    "1",
    "Создание организационно-информационного, кадрового, ресурсного обеспечения непрерывной и вариативной системы адресного методического сопровождения профессионального мастерства педагогических работников и управленческих кадров",
)];

/// Activities of the first municipality's plan, «по мотивам» of seed 003 (see the module doc).
pub(crate) const MUNICIPAL_ACTIVITIES: &[ActivitySeed] = &[ActivitySeed {
    section: "1",
    number: "1.2",
    title: "Обучение специалистов отдела общего образования и методистов ТРЦ, в т.ч. на базе ЦНППМ ГАУ ДПО ИРО",
    responsible: "методист ТРЦ",
    co_executors: &[],
    term: "В течение года",
    key_result: "70% специалистов образования и ТРЦ, имеющих методические функции, прошли обучение по методическому сопровождению педагогов",
    fixing_documents: "отчёт МОУО об исполнении плана",
    indicator: None,
    planned_value: None,
}];
