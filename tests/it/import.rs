//! Import of plans and registries (issue 7): the reader on the four seed acts (counts
//! established by reading the dumps line by line, see the comments), CSV in its encodings and
//! delimiters, XLSX, missing columns, garbage input, arbitrary bytes never panicking; and the
//! `letopis import` command end to end on temp stores: seed plans, refusals, dry runs, amended
//! re-imports and idempotent registry re-imports.

use std::path::Path;
use std::process::Output;

use letopis::documents::import::{read_plan, ImportError, ParsedActivity, ParsedPlan};
use letopis::store::Store;
use proptest::prelude::*;
use proto_events::vocabulary::Payload;
use proto_events::Seq;

use crate::support::{import_plan, letopis, seeds, text};

fn read_seed(name: &str) -> ParsedPlan {
    let path = seeds().join(name);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    read_plan(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn activities(plan: &ParsedPlan) -> Vec<&ParsedActivity> {
    plan.sections.iter().flat_map(|s| s.activities.iter()).collect()
}

fn numbers(plan: &ParsedPlan) -> Vec<String> {
    activities(plan).iter().map(|a| a.number.clone()).collect()
}

fn activity<'a>(plan: &'a ParsedPlan, number: &str) -> &'a ParsedActivity {
    activities(plan)
        .into_iter()
        .find(|a| a.number == number)
        .unwrap_or_else(|| panic!("no activity {number}"))
}

/// Expected numbers "1.1".."1.n" for each (section, count).
fn dotted(ranges: &[(u32, &[u32])]) -> Vec<String> {
    ranges
        .iter()
        .flat_map(|(section, items)| items.iter().map(move |i| format!("{section}.{i}")))
        .collect()
}

fn range(from: u32, to: u32) -> Vec<u32> {
    (from..=to).collect()
}

struct Expected<'a> {
    activities: usize,
    numbers: Vec<String>,
    sections: &'a [(&'a str, &'a str)],
}

/// One check per seed: activity count, exact number list, section numbers and title starts.
fn check_seed(plan: &ParsedPlan, expected: Expected<'_>) {
    assert_eq!(activities(plan).len(), expected.activities, "activity count");
    assert_eq!(numbers(plan), expected.numbers, "activity numbers");
    let sections: Vec<(String, String)> = plan
        .sections
        .iter()
        .map(|s| (s.number.clone().unwrap_or_default(), s.title.clone()))
        .collect();
    assert_eq!(sections.len(), expected.sections.len(), "section count: {sections:?}");
    for ((number, title), (expected_number, expected_start)) in
        sections.iter().zip(expected.sections)
    {
        assert_eq!(number, expected_number);
        assert!(
            title.starts_with(expected_start),
            "section {number}: {title:?} should start with {expected_start:?}"
        );
    }
}

// Seed 000 (Irkutsk, plan for the Concept 2020-2025): a flowing dump, one cell per paragraph,
// header repeated on each page. Counted with `grep -nP '^\s*\.?\d+(\.\d+)*'` and reading every
// page: 1.1-1.14, 2.1-2.10, 3.1-3.7 (3.3 is printed ".3.3"), 4.1-4.15 (4.12 is printed
// "4.12- •", "13" at line 1293 is a page number), 5.1-5.2, 6.1-6.3, 7.1-7.5 = 56 activities in
// 7 sections.
#[test]
fn seed_000_concept_plan() {
    let plan = read_seed("000_eceb56e73a2871a7.txt");
    let numbers = dotted(&[
        (1, &range(1, 14)),
        (2, &range(1, 10)),
        (3, &range(1, 7)),
        (4, &range(1, 15)),
        (5, &range(1, 2)),
        (6, &range(1, 3)),
        (7, &range(1, 5)),
    ]);
    check_seed(
        &plan,
        Expected {
            activities: 56,
            numbers,
            sections: &[
                ("1", "Обеспечение профессионального самоопределения обучающихся"),
                ("2", "Расширение возможностей для профессионального развития студентов"),
                ("3", "Расширение возможностей профессионального развития и роста молодых"),
                ("4", "Обеспечение возможностей профессионального развития и роста педагогов"),
                ("5", "Обеспечение функционирования системы непрерывного"),
                ("6", "Создание и развитие информационных ресурсов"),
                ("7", "Совершенствование деятельности педагогических кадров"),
            ],
        },
    );
    let first = activity(&plan, "1.1");
    assert_eq!(
        first.title,
        "Создание сети психолого педагогических классов в общеобразовательных организациях \
         и (или) организациях дополнительного образования"
    );
    assert_eq!(first.term_text, "2021-2025");
    assert_eq!(first.responsible, "Муниципальные органы управления образованием (далее - МОУ О)");
    assert_eq!(first.key_result, "Созданы и функционируют психолого-педагогические классы");
    assert_eq!(first.fixing_documents, "Нормативный акт МОУО о создании класса");
    assert_eq!(first.source.row, 19);
    let mentoring = activity(&plan, "3.4");
    assert_eq!(mentoring.title, "Обеспечение функционирования механизма наставничества");
    assert_eq!(mentoring.term_text, "2021-2025");
    assert_eq!(mentoring.responsible, "МОУО");
    assert_eq!(
        mentoring.fixing_documents,
        "Муниципальные «Дорожные карты» развития наставничества"
    );
    let attestation = activity(&plan, "4.1");
    assert_eq!(attestation.term_text, "по мере обновления федеральной нормативной базы");
    assert_eq!(attestation.responsible, "Министерство образования Иркутской области, ЦОПМКиМКО");
    let last = activity(&plan, "7.5");
    assert_eq!(last.term_text, "2021-2025");
    assert_eq!(last.responsible, "ЦОПМКиМКО");
    assert!(last.fixing_documents.ends_with("Аналитические отчеты по итогам оценочных процедур."));
    // The signature after the table is not part of 7.5.
    assert!(!last.fixing_documents.contains("Министр"));
    // Words broken by spaces are re-joined, and each repair is reported.
    assert!(activity(&plan, "1.2").title.ends_with("развитие профессионального самоопределения"));
    assert!(plan.warnings.iter().any(|w| w.message.contains("склеены") && w.row == 19));
    // Text after a page break is placed by guess and says so.
    assert!(plan.warnings.iter().any(|w| w.row == 72 && w.message.contains("разрыва страницы")));
}

// Seed 001 (Irkutsk roadmap 2023-2024): one table row per line, cells separated by tabs; the
// header has no "№" column, numbers sit in an extra first cell. `grep -oP '^\d+(?=\t)'` over
// the roadmap gives 62 numbered rows: 1-23, 25, 25 (24 is missing, 25 repeated), 26-49, 49
// (repeated), 50-61; three more rows carry full cells but no number (lines 430, 431, 500), so
// 65 activities. Continuation rows (lines 440, 446, 459, …) start with an empty cell and a
// lowercase fragment and are merged into the row above. Three directions ("Направление 1-3").
#[test]
fn seed_001_roadmap() {
    let plan = read_seed("001_78658875f6c88a1e.txt");
    let mut expected: Vec<String> = (1..=16).map(|n| n.to_string()).collect();
    expected.extend([String::new(), String::new()]);
    expected.extend((17..=23).map(|n| n.to_string()));
    expected.extend(["25".to_string(), "25".to_string()]);
    expected.extend((26..=49).map(|n| n.to_string()));
    expected.push("49".to_string());
    expected.extend((50..=52).map(|n| n.to_string()));
    expected.push(String::new());
    expected.extend((53..=61).map(|n| n.to_string()));
    check_seed(
        &plan,
        Expected {
            activities: 65,
            numbers: expected,
            sections: &[
                ("1", "«Управление системой научно-методического сопровождения"),
                ("2", "«Непрерывное повышение профессионального мастерства"),
                ("3", "«Содержательно-методическое обеспечение"),
            ],
        },
    );
    assert_eq!(
        plan.sections.iter().map(|s| s.activities.len()).collect::<Vec<_>>(),
        vec![12, 35, 18]
    );
    let first = activity(&plan, "1");
    assert_eq!(first.title, "Разработка положения о создании и функционировании РС НМС");
    assert_eq!(first.responsible, "ЦНППМ");
    assert_eq!(first.co_executors, vec!["ГАУ ДПО ИРО", "МО ИО"]);
    assert_eq!(first.term_text, "июнь 2023 г.");
    assert_eq!(
        first.key_result,
        "Утверждение положения о создании и функционировании региональной РС НМС"
    );
    assert_eq!(
        first.group.as_deref(),
        Some(
            "Наименование системообразующего мероприятия регионального уровня Сопровождение \
             разработки и внедрения документации, сопровождающей функционирование РС НМС \
             (комплексы мер «дорожные карты», соглашения (договоры) о сотрудничестве и т. д.)"
        )
    );
    assert_eq!(activity(&plan, "6").term_text, "01.03.2023 года 01.02.2024 года");
    assert_eq!(activity(&plan, "34").key_result, "Не менее 4 мероприятий ежегодно");
    assert_eq!(activity(&plan, "50").term_text, "2023, далее ежегодно");
    // Row 22 continues on line 440: the fragments are appended cell by cell.
    let twenty_two = activity(&plan, "22");
    assert_eq!(
        twenty_two.title,
        // The dump repeats "работников" across the page wrap; the text is kept as written.
        "Организация повышения квалификации педагогических работников работников по вопросам организации воспитания обучающихся"
    );
    assert!(twenty_two.key_result.ends_with("до 31.12.2024 года"));
    // Row 41 lost its responsible cell: the term found in the co-executors column is moved.
    let forty_one = activity(&plan, "41");
    assert_eq!(forty_one.term_text, "2023–2024 годы");
    assert!(plan.warnings.iter().any(|w| w.row == 473 && w.message.contains("срок")));
    // Repeated and missing numbers and unnumbered rows are reported, not fixed.
    assert!(plan.warnings.iter().any(|w| w.text == "25" && w.message.contains("повторяется")));
    assert!(plan.warnings.iter().any(|w| w.row == 430 && w.message.contains("нет номера")));
}

// Seed 002 (Krasnoyarsk 2021-2023): tab-separated rows, header repeated on every page,
// continuation rows with only the result cell. `grep -oP '^\d+\.\d+(?=\t)'` gives 1.1-1.15,
// 2.1-2.3, 3.1-3.2 = 20 activities; sections are the rows "1. …", "2. …", "3. …".
#[test]
fn seed_002_krasnoyarsk_plan() {
    let plan = read_seed("002_7d6137b213dba71a.txt");
    check_seed(
        &plan,
        Expected {
            activities: 20,
            numbers: dotted(&[(1, &range(1, 15)), (2, &range(1, 3)), (3, &range(1, 2))]),
            sections: &[
                ("1", "Плановое повышение профессионального мастерства педагогических работников"),
                ("2", "Устранение дефицита педагогических кадров"),
                ("3", "Повышение квалификации педагогических работников в рамках реализации приоритетных федеральных программ"),
            ],
        },
    );
    let first = activity(&plan, "1.1");
    assert!(first.title.starts_with("Организация на региональном уровне процедуры оценивания"));
    assert_eq!(first.term_text, "Ежегодно, по графику организатора");
    assert_eq!(first.responsible, "КК ИПК, ЦОКО");
    // The continuation row after the repeated header completes 1.2's result.
    assert!(activity(&plan, "1.2")
        .key_result
        .ends_with("выявленных дефицитов через систему НМС региона/МСО."));
    // HTML paragraphs in cells become plain text.
    assert!(!activity(&plan, "1.10").key_result.contains("<p>"));
    assert_eq!(activity(&plan, "3.2").responsible, "КК ИПК");
    assert_eq!(activity(&plan, "2.3").term_text, "Ежегодно, январь-декабрь");
}

// Seed 003 (Zhigalovsky district 2022): a double-spaced flowing dump; columns № / period /
// activity / responsible person / forecast result, so the term comes before the title. Counted
// from `grep -nP '^\s*\d+\.\d+'` and reading the pages: 1.1-1.11, 2.1-2.6, section 3 has no
// activities, 4.1, 4.3, 4.4 (4.2 is absent in the document), 5.1-5.8, 6.1-6.9, 7.1-7.5,
// 7.7-7.15 (7.6 absent), 8.1-8.10 = 61 activities; 8 directions. Section 5's number is garbled
// to " о" in the dump (line 1195), so its heading is recovered from the text with a warning.
#[test]
fn seed_003_municipal_plan() {
    let plan = read_seed("003_0a5091881897af1c.txt");
    let mut seven = range(1, 5);
    seven.extend(range(7, 15));
    check_seed(
        &plan,
        Expected {
            activities: 61,
            numbers: dotted(&[
                (1, &range(1, 11)),
                (2, &range(1, 6)),
                (4, &[1, 3, 4]),
                (5, &range(1, 8)),
                (6, &range(1, 9)),
                (7, &seven),
                (8, &range(1, 10)),
            ]),
            sections: &[
                ("1", "Создание организационно-информационного, кадрового, ресурсного обеспечения"),
                ("2", "Совершенствование содержания и технологий методического сопровождения"),
                ("3", "Консолидация ресурсов муниципалитета"),
                ("4", "Совершенствование содержания и технологий непрерывного повышения"),
                ("5", "Реализация и совершенствование механизмов формирования"),
                ("6", "Создание и развитие на муниципальном уровне механизмов"),
                ("7", "Развитие системы «горизонтального обучения»"),
                ("8", "Информационное сопровождение и продвижение актуальных идей"),
            ],
        },
    );
    assert!(plan
        .sections
        .iter()
        .find(|s| s.number.as_deref() == Some("3"))
        .is_some_and(|s| s.activities.is_empty()));
    let masters = activity(&plan, "2.3");
    assert!(masters
        .title
        .starts_with("Организация проведения мастер-классов педагогами–мастерами"));
    assert_eq!(masters.term_text, "В течение года");
    assert_eq!(masters.responsible, "Добровольская О.В., начальник отдела общего образования");
    assert_eq!(masters.key_result, "10% педагогов-мастеров района провели мастер-классы");
    let routes = activity(&plan, "5.7");
    assert_eq!(routes.term_text, "Октябрь-ноябрь");
    assert_eq!(routes.responsible, "Завучи по УР, педагоги");
    assert_eq!(
        routes.key_result,
        "100 % педагогов составили индивидуальные образовательные маршруты"
    );
    let visits = activity(&plan, "7.5");
    assert_eq!(visits.title, "Посещение уроков педагогов ШНОР руководителями РМО");
    assert_eq!(visits.key_result, "Получение педагогами адресных рекомендаций");
    let last = activity(&plan, "8.10");
    assert_eq!(last.term_text, "Сентябрь");
    assert!(last.title.ends_with("наставнических пар «Вместе!»"));
    assert_eq!(
        last.key_result,
        "Увеличение количества наставнических программ по сравнению с прошлых учебным годом"
    );
    // "Условия реализации плана" after the table is not part of 8.10.
    assert!(!last.key_result.contains("Условия"));
    // 4.4 no longer carries section 5's heading.
    assert_eq!(
        activity(&plan, "4.4").key_result,
        "20% педагогов района повысили свою компетентность в вопросах смешанного обучения"
    );
    assert!(plan.warnings.iter().any(|w| w.row == 1195 && w.message.contains("восстановлен")));
}

const CSV_HEADER: &str = "№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат";

fn csv_sample() -> String {
    [
        CSV_HEADER,
        "Раздел 1. Диагностика;;;;;;",
        "1.1;Проведение диагностики дефицитов;Ежегодно, 4 квартал;ЦОПМКиМКО;ЦНППМ, ММС;90% педагогов прошли диагностику;Аналитическая справка",
        "1.2;\"Построение ИОМ; сопровождение\";2023-2024;ЦНППМ;;Не менее 10 %;Отчёт",
        "Раздел 2. Наставничество;;;;;;",
        "2.1;Формирование наставнических пар;В течение года;ОО;МОУО;85 % ОО;Приказ",
    ]
    .join("\r\n")
}

fn check_csv_plan(plan: &ParsedPlan) {
    assert_eq!(numbers(plan), vec!["1.1", "1.2", "2.1"]);
    assert_eq!(plan.sections.len(), 2);
    assert_eq!(plan.sections[0].title, "Диагностика");
    assert_eq!(plan.sections[1].number.as_deref(), Some("2"));
    let first = activity(plan, "1.1");
    assert_eq!(first.title, "Проведение диагностики дефицитов");
    assert_eq!(first.term_text, "Ежегодно, 4 квартал");
    assert_eq!(first.responsible, "ЦОПМКиМКО");
    assert_eq!(first.co_executors, vec!["ЦНППМ", "ММС"]);
    assert_eq!(first.key_result, "90% педагогов прошли диагностику");
    assert_eq!(first.fixing_documents, "Аналитическая справка");
    assert_eq!(first.source.row, 3);
    assert_eq!(activity(plan, "2.1").source.row, 6);
}

#[test]
fn csv_semicolon_windows_1251() {
    let text = csv_sample();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!unmappable);
    let plan = read_plan("plan.csv", &bytes).unwrap();
    check_csv_plan(&plan);
    assert_eq!(activity(&plan, "1.2").title, "Построение ИОМ; сопровождение");
}

#[test]
fn csv_comma_utf8_with_bom() {
    // Commas inside the title, the term and the co-executor list must survive: they are quoted.
    let text = csv_sample()
        .replace(';', ",")
        .replace("ЦНППМ, ММС", "\"ЦНППМ, ММС\"")
        .replace("Ежегодно, 4 квартал", "\"Ежегодно, 4 квартал\"");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(text.as_bytes());
    let plan = read_plan("plan.csv", &bytes).unwrap();
    check_csv_plan(&plan);
    assert_eq!(activity(&plan, "1.2").title, "Построение ИОМ, сопровождение");
}

#[test]
fn csv_tab_separated() {
    let text = csv_sample()
        .replace(';', "\t")
        .replace("Построение ИОМ\t сопровождение", "Построение ИОМ; сопровождение");
    let plan = read_plan("plan.tsv", text.as_bytes()).unwrap();
    check_csv_plan(&plan);
}

#[test]
fn csv_without_title_column_names_it() {
    let text = "№;Срок;Ответственный;Ожидаемый результат\n1;2023;ЦНППМ;Сделано\n";
    let error = read_plan("no-title.csv", text.as_bytes()).unwrap_err();
    assert_eq!(
        error,
        ImportError::MissingColumn {
            column: "Наименование мероприятия".into(),
            file: "no-title.csv".into()
        }
    );
    assert!(error.to_string().contains("Наименование мероприятия"));
}

#[test]
fn xlsx_sheet_is_read() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [[&str; 5]; 5] = [
        ["План мероприятий на 2024 год", "", "", "", ""],
        ["№", "Мероприятие", "Срок", "Ответственные", "Результат"],
        ["I. Кадры", "", "", "", ""],
        ["1", "Семинар для наставников", "Март 2024 г.", "ЦНППМ", "Проведён семинар"],
        ["2", "Конкурс «Учитель года»", "Сентябрь 2024 г.", "МОУО", "Определены победители"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            if let Ok(number) = value.parse::<f64>() {
                sheet.write_number(r as u32, c as u16, number).unwrap();
            } else {
                sheet.write_string(r as u32, c as u16, *value).unwrap();
            }
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let plan = read_plan("plan.xlsx", &bytes).unwrap();
    assert_eq!(numbers(&plan), vec!["1", "2"]);
    assert_eq!(plan.sections.len(), 1);
    assert_eq!(plan.sections[0].number.as_deref(), Some("I"));
    assert_eq!(plan.sections[0].title, "Кадры");
    let second = activity(&plan, "2");
    assert_eq!(second.title, "Конкурс «Учитель года»");
    assert_eq!(second.term_text, "Сентябрь 2024 г.");
    assert_eq!(second.responsible, "МОУО");
    assert_eq!(second.key_result, "Определены победители");
    assert_eq!(second.source.row, 5);
}

#[test]
fn garbage_gives_clear_errors() {
    let empty = read_plan("empty.txt", b"").unwrap_err();
    assert!(matches!(empty, ImportError::NotATable { .. }), "{empty}");
    assert!(empty.to_string().contains("пуст"));

    let random: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let error = read_plan("random.bin", &random).unwrap_err();
    assert!(matches!(error, ImportError::NotATable { .. }), "{error}");

    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "№").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let half = &bytes[..bytes.len() / 2];
    let error = read_plan("half.xlsx", half).unwrap_err();
    assert!(matches!(error, ImportError::Spreadsheet { .. }), "{error}");
    assert!(error.to_string().contains("half.xlsx"));

    let prose = "Пояснительная записка.\nТаблицы здесь нет.\n";
    assert!(matches!(read_plan("prose.txt", prose.as_bytes()), Err(ImportError::NotATable { .. })));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), kind in 0usize..4) {
        let name = ["x.txt", "x.csv", "x.xlsx", "x"][kind];
        let _ = read_plan(name, &bytes);
    }

    #[test]
    fn mutated_seed_lines_never_panic(lines in proptest::collection::vec("[0-9№. \\tа-яА-Я%-]{0,40}", 0..60)) {
        let mut text = String::from("№ п/п Мероприятие Ключевой результат Срок Ответственный Документы\n");
        text.push_str(&lines.join("\n"));
        let _ = read_plan("x.txt", text.as_bytes());
    }
}

// ---- `letopis import` end to end -------------------------------------------------------------

/// Every event of the store as (kind, payload); the store is closed again before returning so
/// the CLI can open it next.
fn events(data: &Path) -> Vec<Payload> {
    let store = Store::open(data).unwrap();
    let out = store
        .range(Seq(1), Seq(u64::MAX))
        .map(|event| Payload::decode_envelope(&event.unwrap()).unwrap())
        .collect();
    drop(store);
    out
}

fn head(data: &Path) -> u64 {
    let store = Store::open(data).unwrap();
    let seq = store.head().seq.0;
    drop(store);
    seq
}

fn count(events: &[Payload], kind: &str) -> usize {
    events.iter().filter(|event| event.kind() == kind).count()
}

#[test]
fn every_seed_plan_imports_with_its_stated_count() {
    for (seed, activities, sections) in [
        ("000_eceb56e73a2871a7.txt", 56, 7),
        ("001_78658875f6c88a1e.txt", 65, 3),
        ("002_7d6137b213dba71a.txt", 20, 3),
        ("003_0a5091881897af1c.txt", 61, 8),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = seeds().join(seed);
        let output = import_plan(
            dir.path(),
            &file,
            &format!("План {seed}"),
            "Распоряжение №1-мр от 01.02.2023",
            &["--accept-warnings"],
        );
        assert!(output.status.success(), "{seed}: {}", text(&output));
        let events = events(dir.path());
        assert_eq!(count(&events, "activity_added"), activities, "{seed}");
        assert_eq!(count(&events, "plan_section_added"), sections, "{seed}");
        assert_eq!(count(&events, "plan_created"), 1);
        assert_eq!(count(&events, "plan_approved"), 1);
        assert_eq!(events.len(), activities + sections + 2, "{seed}");

        // The same document again is a diff with nothing in it.
        let again = import_plan(
            dir.path(),
            &file,
            &format!("План {seed}"),
            "Распоряжение №1-мр от 01.02.2023",
            &["--accept-warnings"],
        );
        assert!(again.status.success(), "{seed}: {}", text(&again));
        assert!(text(&again).contains("ичего не записано"), "{}", text(&again));
        assert_eq!(head(dir.path()), u64::try_from(activities + sections + 2).unwrap());
    }
}

#[test]
fn warnings_refuse_the_import_and_dry_run_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = seeds().join("001_78658875f6c88a1e.txt");
    let basis = "Распоряжение №1-мр от 01.02.2023";
    let refused = import_plan(dir.path(), &file, "Дорожная карта", basis, &[]);
    assert!(!refused.status.success());
    let report = text(&refused);
    // The row-level report names the file, the row and the column.
    assert!(report.contains("001_78658875f6c88a1e.txt, строка 430"), "{report}");
    assert!(report.contains("--accept-warnings"), "{report}");
    assert_eq!(head(dir.path()), 0);

    let dry = import_plan(dir.path(), &file, "Дорожная карта", basis, &["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let printed = text(&dry);
    assert!(printed.contains("activity_added    1 «Разработка положения"), "{printed}");
    assert!(printed.contains("(date)"), "{printed}");
    assert_eq!(head(dir.path()), 0);
}

const PLAN_CSV_HEADER: &str = "№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат";

fn write(dir: &Path, name: &str, lines: &[&str]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\r\n")).unwrap();
    path
}

#[test]
fn amended_plan_appends_only_the_differences() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let title = "План мероприятий на 2024 год";
    let first = write(
        files.path(),
        "plan.csv",
        &[
            PLAN_CSV_HEADER,
            "Раздел 1. Диагностика;;;;;;",
            "1.1;Проведение диагностики дефицитов;до 01.03.2024;ЦОПМКиМКО;ЦНППМ, ММС;90% педагогов прошли диагностику;Аналитическая справка",
            "1.2;Построение ИОМ;2024 год;ЦНППМ;;Не менее 10 %;Отчёт",
            "Раздел 2. Наставничество;;;;;;",
            "2.1;Формирование наставнических пар;сентябрь 2024 г.;ОО;МОУО;85 % ОО;Приказ",
        ],
    );
    let output = import_plan(dir.path(), &first, title, "Приказ №10 от 15.01.2024", &[]);
    assert!(output.status.success(), "{}", text(&output));
    let before = events(dir.path());
    assert_eq!(count(&before, "activity_added"), 3);

    let amended = write(
        files.path(),
        "plan-v2.csv",
        &[
            PLAN_CSV_HEADER,
            "Раздел 1. Диагностика;;;;;;",
            "1.1;Проведение диагностики дефицитов;до 01.04.2024;ЦОПМКиМКО;ЦНППМ, ММС;90% педагогов прошли диагностику;Аналитическая справка",
            "Раздел 2. Наставничество;;;;;;",
            "2.1;Формирование наставнических пар;сентябрь 2024 г.;ОО;МОУО;85 % ОО;Приказ",
            "2.2;Конкурс наставников;ноябрь 2024 г.;ЦНППМ;;Проведён конкурс;Приказ",
        ],
    );
    // The dry run names the changed field in Russian.
    let dry = import_plan(dir.path(), &amended, title, "Приказ №55 от 01.03.2024", &["--dry-run"]);
    let printed = text(&dry);
    assert!(printed.contains("a-1.1 срок: «до 01.03.2024» → «до 01.04.2024»"), "{printed}");
    let output = import_plan(dir.path(), &amended, title, "Приказ №55 от 01.03.2024", &[]);
    assert!(output.status.success(), "{}", text(&output));
    let after = events(dir.path());
    let new: Vec<&Payload> = after.iter().skip(before.len()).collect();
    let kinds: Vec<&str> = new.iter().map(|p| p.kind()).collect();
    assert_eq!(
        kinds,
        vec!["plan_approved", "activity_amended", "activity_added", "activity_cancelled"],
        "{}",
        text(&output)
    );
    let Payload::ActivityAmended(amendment) = new[1] else { panic!() };
    assert_eq!(amendment.activity.as_str(), "a-1.1");
    assert_eq!(amendment.changes.len(), 1);
    assert_eq!(amendment.changes[0].old, "до 01.03.2024");
    assert_eq!(amendment.changes[0].new, "до 01.04.2024");
    assert!(amendment.reason.contains("№55"));
    let Payload::ActivityAdded(added) = new[2] else { panic!() };
    assert_eq!(added.number, "2.2");
    let Payload::ActivityCancelled(cancelled) = new[3] else { panic!() };
    assert_eq!(cancelled.activity.as_str(), "a-1.2");
    assert_eq!(count(&after, "plan_created"), 1);

    // The amended version again: nothing to append.
    let output = import_plan(dir.path(), &amended, title, "Приказ №55 от 01.03.2024", &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(events(dir.path()).len(), after.len());
}

fn import_registry(kind: &str, data: &Path, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", kind, file.to_str().unwrap(), "--data", data.to_str().unwrap()];
    args.extend_from_slice(extra);
    letopis(&args)
}

#[test]
fn completions_reimported_append_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    registries(dir.path(), files.path());
    let start = head(dir.path());
    let csv = write(
        files.path(),
        "completions.csv",
        &[
            "Идентификатор педагога;Код программы;Дата окончания;Номер удостоверения;Часов;Организация",
            "t-000001;dpp-17;12.12.2024;ПК-2024-0001;72;iro",
            "t-000002;dpp-17;12.12.2024;ПК-2024-0002;72;iro",
        ],
    );
    let dry = import_registry("completions", dir.path(), &csv, &["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert_eq!(head(dir.path()), start);
    let output = import_registry("completions", dir.path(), &csv, &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(count(&events(dir.path()), "course_completed"), 2);
    let again = import_registry("completions", dir.path(), &csv, &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("ичего не записано"), "{}", text(&again));
    assert_eq!(head(dir.path()), start + 2);
}

/// Organisations, a program and two teachers, so that completions have something to refer to.
fn registries(data: &Path, files: &Path) {
    let organisations = write(
        files,
        "organisations.csv",
        &[
            "Код организации;Наименование;Вид организации;Муниципалитет",
            "iro;ГАУ ДПО ИРО;организация ДПО;",
            "school-1;МБОУ СОШ № 1;общеобразовательная;irkutsk",
            "school-2;МБОУ СОШ № 2;общеобразовательная;irkutsk",
        ],
    );
    let programs = write(
        files,
        "programs.csv",
        &[
            "Код программы;Наименование программы;Вид программы;Объём (часов);Организация-разработчик;Федеральный реестр;Дата включения в реестр;Тематика",
            "dpp-17;Функциональная грамотность;повышение квалификации;72;iro;да;01.09.2024;функциональная грамотность",
        ],
    );
    let teachers = write(
        files,
        "teachers.csv",
        &[
            "Идентификатор педагога;ФИО;СНИЛС;Организация;Должность;Начало педагогической деятельности;Год рождения;Дата приёма",
            "t-000001;Иванова Мария Петровна;123-456-789 64;school-1;Учитель математики;01.09.2010;1985;01.09.2010",
            "t-000002;Петров Иван Сергеевич;;school-1;Учитель;01.09.2015;1990;01.09.2015",
        ],
    );
    for (kind, file) in
        [("organisations", organisations), ("programs", programs), ("teachers", teachers)]
    {
        let output = import_registry(kind, data, &file, &[]);
        assert!(output.status.success(), "{kind}: {}", text(&output));
    }
}

#[test]
fn refusal_of_the_ledger_reads_in_russian() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    registries(dir.path(), files.path());
    let start = head(dir.path());
    let csv = write(
        files.path(),
        "completions.csv",
        &[
            "Идентификатор педагога;Код программы;Дата окончания;Номер удостоверения;Часов;Организация",
            "t-000001;dpp-99;12.12.2024;ПК-2024-0001;72;iro",
        ],
    );
    let output = import_registry("completions", dir.path(), &csv, &[]);
    assert!(!output.status.success(), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("completions.csv, строка 2: «dpp-99» — ошибка"), "{report}");
    assert!(
        report.contains("(поле program): программа с таким идентификатором не зарегистрирована"),
        "{report}"
    );
    crate::support::assert_no_english_words(&report);
    assert_eq!(head(dir.path()), start);
}

/// A term the parser cannot read is a warning an official can act on: in Russian, it says what
/// was not understood and, for a term in no known form, which forms are read.
#[test]
fn unread_terms_are_explained_in_russian() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let plan = write(
        files.path(),
        "plan.csv",
        &[
            PLAN_CSV_HEADER,
            "Раздел 1. Диагностика;;;;;;",
            "1.1;Проведение диагностики дефицитов;по графику работы;ЦНППМ;;Проведена;Справка",
            "1.2;Построение ИОМ;IV квартал;ЦНППМ;;Построены;Отчёт",
            "1.3;Конкурс наставников;до 2025 года;ЦНППМ;;Проведён;Приказ",
            "1.4;Семинар;31.02.2024;ЦНППМ;;Проведён;Программа",
        ],
    );
    let title = "План мероприятий на 2024-2025 годы";
    let basis = "Приказ №10 от 15.01.2024";
    let output = import_plan(dir.path(), &plan, title, basis, &["--period", "2024-2025"]);
    assert!(!output.status.success(), "{}", text(&output));
    let report = text(&output);
    for (row, term, reason) in [
        (3, "по графику работы", "не удалось распознать срок: ожидается дата (25.12.2024"),
        (4, "IV квартал", "в сроке не указан год, а по периоду плана его не определить"),
        (5, "до 2025 года", "срок можно понять по-разному"),
        (6, "31.02.2024", "в сроке указан несуществующий день"),
    ] {
        let line =
            format!("plan.csv, строка {row}, графа «Срок»: «{term}» — предупреждение: {reason}");
        assert!(report.contains(&line), "{line}\n{report}");
    }
    assert!(report.contains("; срок будет записан только текстом, без даты"), "{report}");
    crate::support::assert_no_english_words(&report);
    assert_eq!(head(dir.path()), 0);
}

#[test]
fn missing_required_column_is_named_and_nothing_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let csv = write(
        files.path(),
        "completions.csv",
        &[
            "Идентификатор педагога;Код программы;Дата окончания;Часов;Организация",
            "t-000001;dpp-17;12.12.2024;72;iro",
        ],
    );
    let output = import_registry("completions", dir.path(), &csv, &["--accept-warnings"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("Номер удостоверения"), "{}", text(&output));
    assert_eq!(head(dir.path()), 0);
}

#[test]
fn teachers_personal_data_stays_out_of_events() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    registries(dir.path(), files.path());
    let store = Store::open(dir.path()).unwrap();
    let mut hired = 0;
    for event in store.range(Seq(1), Seq(u64::MAX)) {
        let event = event.unwrap();
        let bytes = String::from_utf8_lossy(&event.payload).into_owned();
        assert!(!bytes.contains("Иванова"), "{}", event.kind);
        assert!(!bytes.contains("123-456-789"), "{}", event.kind);
        hired += usize::from(event.kind == "teacher_hired");
    }
    assert_eq!(hired, 2);
    let directory = letopis::personal::PersonalDirectory::open(&store).unwrap();
    let person = directory.get("t-000001").unwrap().unwrap();
    assert_eq!(person.full_name, "Иванова Мария Петровна");
    assert_eq!(person.snils.as_deref(), Some("123-456-789 64"));
}

#[test]
fn registry_larger_than_one_batch_is_appended_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    registries(dir.path(), files.path());
    let start = head(dir.path());
    let rows = proto_events::limits::BATCH_EVENTS_MAX + 5;
    let mut lines = vec![
        "Идентификатор педагога;Код программы;Дата окончания;Номер удостоверения;Часов;Организация"
            .to_string(),
    ];
    lines.extend((0..rows).map(|i| format!("t-000001;dpp-17;12.12.2024;ПК-{i:07};72;iro")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let csv = write(files.path(), "big.csv", &refs);
    let output = import_registry("completions", dir.path(), &csv, &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(head(dir.path()), start + u64::try_from(rows).unwrap());
    let again = import_registry("completions", dir.path(), &csv, &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(head(dir.path()), start + u64::try_from(rows).unwrap());
}

/// Issue 17, acceptance: the roadmap's «01.03.2023 года 01.02.2024 года» is a `dates` term in
/// `letopis plans --format json`, each deadline with its own status; a missed first deadline is
/// missed in 2024 although the second is still ahead.
#[test]
fn seed_001_repeated_deadlines_are_a_dates_term_in_the_plans_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = seeds().join("001_78658875f6c88a1e.txt");
    let basis = "Распоряжение №55-494-мр от 13.06.2023";
    let output = import_plan(dir.path(), &file, "Дорожная карта", basis, &["--accept-warnings"]);
    assert!(output.status.success(), "{}", text(&output));
    let data = dir.path().to_str().unwrap();
    let output = letopis(&["plans", "--data", data, "--date", "2023-06-01", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output));
    let plans: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let six = plans[0]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["activities"].as_array().unwrap().iter())
        .find(|a| a["number"] == "6")
        .expect("activity 6");
    assert_eq!(six["term"]["text"], "01.03.2023 года 01.02.2024 года");
    assert_eq!(six["term"]["kind"], "dates");
    assert_eq!(six["term"]["dates"], serde_json::json!(["2023-03-01", "2024-02-01"]));
    assert_eq!(six["status"], "overdue");
    assert_eq!(
        six["deadlines"],
        serde_json::json!([
            {"due": "2023-03-01", "status": "missed"},
            {"due": "2024-02-01", "status": "not_due"}
        ])
    );
}

/// Issue 17: a region enters its own act's targets from a table with Russian headers, without
/// code; a row the importer cannot read refuses the whole file naming row and column, and
/// nothing is written.
#[test]
fn targets_are_imported_from_a_table_as_the_ministrys_acts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let file = dir.path().join("targets.csv");
    let header = "Показатель;Значение;Период;Срок;Акт;Территория\n";
    let good = "diagnosed;не менее 10 %;ежегодно;;распоряжение №12-мр от 15.01.2024;регион\n\
        Доля педагогических работников, для которых разработаны индивидуальные образовательные маршруты на основе результатов диагностики профессиональных дефицитов;не менее 9,5 %;накопительным итогом с 2023 года;31.12.2024;распоряжение №12-мр от 15.01.2024;\n";
    let bad = "число чудес;не менее 5 %;ежегодно;;распоряжение №12-мр от 15.01.2024;регион\n";
    std::fs::write(&file, format!("{header}{good}{bad}")).unwrap();
    let output = letopis(&["import", "targets", file.to_str().unwrap(), "--data", data_arg]);
    assert!(!output.status.success());
    let report = text(&output);
    assert!(report.contains("строка 4") && report.contains("Показатель"), "{report}");
    assert!(report.contains("ичего не записано"), "{report}");

    std::fs::write(&file, format!("{header}{good}")).unwrap();
    let output = letopis(&["import", "targets", file.to_str().unwrap(), "--data", data_arg]);
    assert!(output.status.success(), "{}", text(&output));
    let output =
        letopis(&["indicators", "--data", data_arg, "--date", "2024-06-30", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let targets =
        |code: &str| items.iter().find(|item| item["code"] == code).unwrap()["targets"].clone();
    let diagnosed = targets("diagnosed");
    assert_eq!(diagnosed.as_array().unwrap().len(), 1, "{diagnosed}");
    assert!(diagnosed[0]["act"].to_string().contains("12-мр"), "{diagnosed}");
    let routes = targets("routed");
    assert_eq!(routes[0]["deadline"], "2024-12-31", "{routes}");
    // Importing the same table again writes nothing: the ids come from the content.
    let again = letopis(&["import", "targets", file.to_str().unwrap(), "--data", data_arg]);
    assert!(text(&again).contains("ичего не записано"), "{}", text(&again));
}
