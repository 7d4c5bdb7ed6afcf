//! Plans straight from Word documents (issue 14): fixtures built here as hand-written
//! `word/document.xml` zipped (merged cells, repeated headers, a continuation across a page
//! break, an approval block, a plan over three tables, a numbered list in the number column),
//! the four seed acts written as DOCX and compared with their text import, the act taken from
//! the heading, the JSON report, and bounded memory: a zip bomb, deep XML and a 10,000-level
//! table nesting are refused with an error naming the limit, and nothing is written.

use std::io::Write;

use letopis::documents::import::{read_plan, JoinedRow, ParsedActivity, ParsedPlan};

use crate::support::{letopis, seeds, text};

/// A block of a test document's body.
enum Block<'a> {
    Paragraph(&'a str),
    /// Rows of cells; the first `header_rows` rows are marked as repeating (`w:tblHeader`).
    /// A cell is written in a small notation: `span=N:text` spans N columns, `merge:text` starts
    /// a vertical merge and `merged` continues it, `#L` is an empty paragraph numbered at list
    /// level L, `table:a|b;c|d` holds a nested table; otherwise the text, paragraphs split by
    /// `\n`.
    Table {
        header_rows: usize,
        rows: Vec<Vec<&'a str>>,
    },
}

const HEADER: [&str; 5] = [
    "№ п/п",
    "Наименование мероприятия",
    "Срок исполнения",
    "Ответственный исполнитель",
    "Ожидаемый результат",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn paragraph_xml(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#, escape(text))
}

fn cell_xml(cell: &str) -> String {
    let (properties, body) = if let Some(rest) = cell.strip_prefix("span=") {
        let (span, text) = rest.split_once(':').unwrap();
        (format!(r#"<w:gridSpan w:val="{span}"/>"#), paragraphs_xml(text))
    } else if let Some(text) = cell.strip_prefix("merge:") {
        (r#"<w:vMerge w:val="restart"/>"#.to_string(), paragraphs_xml(text))
    } else if cell == "merged" {
        ("<w:vMerge/>".to_string(), "<w:p/>".to_string())
    } else if let Some(level) = cell.strip_prefix('#') {
        let numbered = format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr></w:p>"#
        );
        (String::new(), numbered)
    } else if let Some(nested) = cell.strip_prefix("table:") {
        let rows: Vec<Vec<&str>> = nested.split(';').map(|row| row.split('|').collect()).collect();
        (String::new(), format!("{}<w:p/>", table_xml(0, &rows)))
    } else {
        (String::new(), paragraphs_xml(cell))
    };
    format!("<w:tc><w:tcPr>{properties}</w:tcPr>{body}</w:tc>")
}

fn paragraphs_xml(text: &str) -> String {
    text.split('\n').map(paragraph_xml).collect()
}

fn table_xml(header_rows: usize, rows: &[Vec<&str>]) -> String {
    let mut xml = String::from("<w:tbl><w:tblPr/>");
    for (index, row) in rows.iter().enumerate() {
        xml.push_str("<w:tr>");
        if index < header_rows {
            xml.push_str("<w:trPr><w:tblHeader/></w:trPr>");
        }
        for cell in row {
            xml.push_str(&cell_xml(cell));
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

fn document_xml(blocks: &[Block<'_>]) -> String {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(text) => body.push_str(&paragraph_xml(text)),
            Block::Table { header_rows, rows } => body.push_str(&table_xml(*header_rows, rows)),
        }
    }
    wrap_body(&body)
}

fn wrap_body(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    )
}

/// Decimal list: level 0 "1.", level 1 "1.1.".
const NUMBERING_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;

/// A .docx package around `document`.
fn package(document: &str) -> Vec<u8> {
    package_with(document, &[("word/numbering.xml", NUMBERING_XML)])
}

/// A .docx package around `document` with the given other parts.
fn package_with(document: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let fixed = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        ("word/document.xml", document),
    ];
    for (name, content) in fixed.iter().chain(parts) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn docx(blocks: &[Block<'_>]) -> Vec<u8> {
    package(&document_xml(blocks))
}

fn activities(plan: &ParsedPlan) -> Vec<&ParsedActivity> {
    plan.sections.iter().flat_map(|s| s.activities.iter()).collect()
}

/// Reads the document and compares each activity's (number, title, term, responsible) and each
/// section's (number, title) with the expected ones; returns the plan for further checks.
fn check(
    blocks: &[Block<'_>],
    expected_activities: &[(&str, &str, &str, &str)],
    expected_sections: &[(&str, &str)],
) -> ParsedPlan {
    let plan = read_plan("plan.docx", &docx(blocks)).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(&str, &str, &str, &str)> = activities(&plan)
        .iter()
        .map(|a| {
            (a.number.as_str(), a.title.as_str(), a.term_text.as_str(), a.responsible.as_str())
        })
        .collect();
    assert_eq!(found, expected_activities, "activities; warnings: {:#?}", plan.warnings);
    let sections: Vec<(String, String)> = plan
        .sections
        .iter()
        .map(|s| (s.number.clone().unwrap_or_default(), s.title.clone()))
        .collect();
    let expected_sections: Vec<(String, String)> =
        expected_sections.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    assert_eq!(sections, expected_sections, "sections");
    plan
}

fn header() -> Vec<&'static str> {
    HEADER.to_vec()
}

#[test]
fn merged_cells_spanning_sections_paragraphs_and_nested_tables() {
    let plan = check(
        &[Block::Table {
            header_rows: 1,
            rows: vec![
                header(),
                vec!["span=5:Раздел 1. Диагностика"],
                vec![
                    "1.1",
                    "Проведение диагностики\nпрофессиональных дефицитов",
                    "2024",
                    "merge:ЦОПМКиМКО",
                    "Справка",
                ],
                vec!["1.2", "Построение ИОМ", "2025", "merged", "Маршруты"],
                vec!["span=5:Раздел 2. Наставничество"],
                vec![
                    "2.1",
                    "Конкурс наставников",
                    "2024",
                    "ЦНППМ",
                    "table:Показатель|90 %;Охват|100 %",
                ],
            ],
        }],
        &[
            ("1.1", "Проведение диагностики профессиональных дефицитов", "2024", "ЦОПМКиМКО"),
            ("1.2", "Построение ИОМ", "2025", "ЦОПМКиМКО"),
            ("2.1", "Конкурс наставников", "2024", "ЦНППМ"),
        ],
        &[("1", "Диагностика"), ("2", "Наставничество")],
    );
    assert_eq!(activities(&plan)[2].key_result, "Показатель 90 % Охват 100 %");
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
}

#[test]
fn headers_repeated_by_hand_and_column_numbers_are_skipped() {
    let plan = check(
        &[
            Block::Table {
                header_rows: 1,
                rows: vec![
                    header(),
                    vec!["1", "2", "3", "4", "5"],
                    vec!["1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО", "Справка"],
                    // The header repeated by hand at the top of the next page.
                    vec!["№", "Мероприятие", "Сроки", "Ответственные", "Результат"],
                    vec!["1", "2", "3", "4", "5"],
                    vec!["1.2", "Построение ИОМ", "2025", "ЦНППМ", "Маршруты"],
                    vec!["- 2 -"],
                ],
            },
            Block::Paragraph("Продолжение таблицы"),
            Block::Table {
                header_rows: 1,
                rows: vec![
                    header(),
                    vec!["1.3", "Сопровождение маршрутов", "2025", "ММС", "Отчёт"],
                ],
            },
        ],
        &[
            ("1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО"),
            ("1.2", "Построение ИОМ", "2025", "ЦНППМ"),
            ("1.3", "Сопровождение маршрутов", "2025", "ММС"),
        ],
        &[("1", "")],
    );
    let skipped: Vec<(u32, &str)> =
        plan.skipped.iter().map(|s| (s.row, s.reason.as_str())).collect();
    assert_eq!(
        skipped,
        [
            (4, "повтор заголовка таблицы (разрыв страницы)"),
            (5, "повтор строки с номерами граф (разрыв страницы)"),
            (7, "номер страницы"),
            (8, "колонтитул или надпись о продолжении таблицы"),
            (9, "повтор заголовка таблицы (разрыв страницы)"),
        ]
    );
}

#[test]
fn a_row_continued_across_a_page_break_is_joined_to_its_row() {
    let plan = check(
        &[Block::Table {
            header_rows: 1,
            rows: vec![
                header(),
                vec!["1", "Повышение квалификации педагогических работников", "2024", "ИРО", ""],
                vec!["2", "и управленческих кадров\nОрганизация стажировок", "2025", "ЦНППМ", ""],
                vec!["", "(в том числе для молодых педагогов)", "", "", ""],
                vec!["3", "Форум (для молодых педагогов и", "2025", "ЦНППМ", ""],
                vec!["4", "наставников)\nКонкурс «Педагог года»", "2026", "МОУО", ""],
            ],
        }],
        &[
            (
                "1",
                "Повышение квалификации педагогических работников и управленческих кадров",
                "2024",
                "ИРО",
            ),
            ("2", "Организация стажировок (в том числе для молодых педагогов)", "2025", "ЦНППМ"),
            ("3", "Форум (для молодых педагогов и наставников)", "2025", "ЦНППМ"),
            ("4", "Конкурс «Педагог года»", "2026", "МОУО"),
        ],
        &[("", "")],
    );
    assert_eq!(
        plan.joined,
        [
            JoinedRow {
                row: 3, into_row: 2, text: "и управленческих кадров".into()
            },
            JoinedRow {
                row: 4, into_row: 3, text: "(в том числе для молодых педагогов)".into()
            },
            JoinedRow { row: 6, into_row: 5, text: "наставников)".into() },
        ]
    );
}

#[test]
fn an_approval_block_and_a_suspect_last_row_are_not_activities() {
    let plan = check(
        &[
            Block::Table {
                header_rows: 1,
                rows: vec![
                    header(),
                    vec!["1", "Проведение диагностики", "2024", "ЦОПМКиМКО", "Справка"],
                    vec!["2", "Построение ИОМ", "2025", "ЦНППМ", "Маршруты"],
                    vec!["3", "Начальник отдела Петров П.П.", "", "", ""],
                    vec!["span=5:ЛИСТ СОГЛАСОВАНИЯ"],
                    vec!["1", "Заместитель министра", "", "Иванов И.И.", "(подпись)"],
                    vec![
                        "2",
                        "Заключение правового отдела",
                        "",
                        "Сидоров С.С.",
                        "«__» ____ 2024 г.",
                    ],
                ],
            },
            Block::Paragraph("Министр образования И.И. Иванов"),
        ],
        &[
            ("1", "Проведение диагностики", "2024", "ЦОПМКиМКО"),
            ("2", "Построение ИОМ", "2025", "ЦНППМ"),
        ],
        &[("", "")],
    );
    let skipped: Vec<u32> = plan.skipped.iter().map(|s| s.row).collect();
    // The signature under the table, a paragraph, is a row of the approval block too.
    assert_eq!(skipped, [4, 5, 6, 7, 8]);
    assert!(plan.skipped[0].reason.contains("после последнего мероприятия"));
    assert!(plan.skipped[1].reason.contains("лист согласования"));
    assert!(plan.warnings.iter().any(|w| w.row == 4 && w.message.contains("не импортирована")));
}

#[test]
fn a_plan_over_three_tables_is_one_plan() {
    let table = |direction: &'static str, rows: Vec<Vec<&'static str>>| {
        let mut all = vec![header(), vec![direction]];
        all.extend(rows);
        Block::Table { header_rows: 1, rows: all }
    };
    check(
        &[
            table(
                "span=5:Направление 1. Диагностика",
                vec![vec!["1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО", ""]],
            ),
            Block::Paragraph(""),
            table(
                "span=5:Направление 2. Маршруты",
                vec![
                    vec!["2.1", "Построение ИОМ", "2025", "ЦНППМ", ""],
                    vec!["2.2", "Сопровождение ИОМ", "2025", "ММС", ""],
                ],
            ),
            table(
                "span=5:Направление 3. Наставничество",
                vec![vec!["3.1", "Конкурс наставников", "2026", "МОУО", ""]],
            ),
        ],
        &[
            ("1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО"),
            ("2.1", "Построение ИОМ", "2025", "ЦНППМ"),
            ("2.2", "Сопровождение ИОМ", "2025", "ММС"),
            ("3.1", "Конкурс наставников", "2026", "МОУО"),
        ],
        &[("1", "Диагностика"), ("2", "Маршруты"), ("3", "Наставничество")],
    );
}

#[test]
fn a_numbered_list_in_the_number_column_reads_as_the_numbers_shown() {
    check(
        &[Block::Table {
            header_rows: 1,
            rows: vec![
                header(),
                vec!["#0", "Диагностика", "", "", ""],
                vec!["#1", "Проведение диагностики", "2024", "ЦОПМКиМКО", ""],
                vec!["#1", "Построение ИОМ", "2025", "ЦНППМ", ""],
                vec!["#0", "Наставничество", "", "", ""],
                vec!["#1", "Конкурс наставников", "2026", "МОУО", ""],
            ],
        }],
        &[
            ("1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО"),
            ("1.2", "Построение ИОМ", "2025", "ЦНППМ"),
            ("2.1", "Конкурс наставников", "2026", "МОУО"),
        ],
        &[("1", "Диагностика"), ("2", "Наставничество")],
    );
}

/// Paragraph styles as Word writes a "List Number" style: `Num1` carries list 1 itself,
/// `Num2` is based on it one level down, `Num3` inherits `Num1`'s list and gets its level from
/// the numbering's `w:lvl/w:pStyle`.
const STYLES_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="Num1"><w:name w:val="List Number"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Num2"><w:basedOn w:val="Num1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Num3"><w:basedOn w:val="Num1"/></w:style><w:style w:type="paragraph" w:styleId="Loop"><w:basedOn w:val="Loop"/></w:style></w:styles>"#;

/// `NUMBERING_XML` with level 1 tied to style `Num3`.
const NUMBERING_WITH_STYLE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Num3"/><w:lvlText w:val="%1.%2."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;

#[test]
fn list_numbers_set_only_through_paragraph_styles_read_as_the_numbers_shown() {
    let styled = |style: &str| {
        format!(r#"<w:tc><w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr></w:p></w:tc>"#)
    };
    let row = |number: String, cells: &[&str]| {
        let rest: String =
            cells.iter().map(|c| format!("<w:tc>{}</w:tc>", paragraph_xml(c))).collect();
        format!("<w:tr>{number}{rest}</w:tr>")
    };
    let header: String =
        HEADER.iter().map(|c| format!("<w:tc>{}</w:tc>", paragraph_xml(c))).collect();
    let table = [
        format!("<w:tbl><w:tblPr/><w:tr>{header}</w:tr>"),
        row(styled("Num1"), &["Диагностика", "", "", ""]),
        row(styled("Num2"), &["Проведение диагностики", "2024", "ЦОПМКиМКО", ""]),
        row(styled("Num3"), &["Построение ИОМ", "2025", "ЦНППМ", ""]),
        row(styled("Num1"), &["Наставничество", "", "", ""]),
        row(styled("Num2"), &["Конкурс наставников", "2026", "МОУО", ""]),
        // A style based on itself numbers nothing and does not hang the reader.
        row(styled("Loop"), &["Без номера", "2026", "МОУО", ""]),
        "</w:tbl>".to_string(),
    ]
    .concat();
    let bytes = package_with(
        &wrap_body(&table),
        &[("word/numbering.xml", NUMBERING_WITH_STYLE_XML), ("word/styles.xml", STYLES_XML)],
    );
    let plan = read_plan("plan.docx", &bytes).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(&str, &str)> =
        activities(&plan).iter().map(|a| (a.number.as_str(), a.title.as_str())).collect();
    assert_eq!(
        found[..3],
        [
            ("1.1", "Проведение диагностики"),
            ("1.2", "Построение ИОМ"),
            ("2.1", "Конкурс наставников"),
        ],
        "warnings: {:#?}",
        plan.warnings
    );
    let sections: Vec<(Option<&str>, &str)> =
        plan.sections.iter().map(|s| (s.number.as_deref(), s.title.as_str())).collect();
    assert_eq!(sections[..2], [(Some("1"), "Диагностика"), (Some("2"), "Наставничество")]);
}

pub(crate) fn plan_with_heading() -> Vec<u8> {
    docx(&[
        Block::Paragraph("Приложение к приказу министерства образования"),
        Block::Paragraph("от 28.01.2021 г. № 54-од"),
        Block::Paragraph("План работы по повышению профессионального мастерства"),
        Block::Table {
            header_rows: 1,
            rows: vec![
                header(),
                vec!["1", "Проведение диагностики", "2021", "ЦОПМКиМКО", "Справка"],
                vec!["2", "Построение ИОМ", "2021", "ЦНППМ", "Маршруты"],
                vec!["span=5:Лист согласования"],
                vec!["", "Начальник отдела", "", "Петров П.П.", ""],
            ],
        },
    ])
}

#[test]
fn the_act_named_in_the_heading_is_read() {
    let plan = read_plan("plan.docx", &plan_with_heading()).unwrap();
    assert_eq!(plan.basis.as_deref(), Some("Приказ №54-од от 28.01.2021"));
}

#[test]
fn dry_run_json_report_without_basis_takes_the_act_from_the_heading() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("plan.docx");
    std::fs::write(&file, plan_with_heading()).unwrap();
    let store = data.path().join("store");
    let args = [
        "import",
        "plan",
        file.to_str().unwrap(),
        "--data",
        store.to_str().unwrap(),
        "--level",
        "regional",
        "--title",
        "План работы на 2021 год",
        "--dry-run",
        "--format",
        "json",
    ];
    let output = letopis(&args);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["activities"], 2);
    assert_eq!(report["sections"], 1);
    assert_eq!(report["basis"], "Приказ №54-од от 28.01.2021");
    // The plan has no documents column: the batch says what it records instead, row by row.
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{report}");
    assert_eq!(warnings[0]["row"], 2);
    assert_eq!(warnings[0]["column"], "Документы, фиксирующие результат");
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "{report}");
    assert_eq!(skipped[0]["row"], 4);
    assert_eq!(skipped[0]["text"], "Лист согласования");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("лист согласования"));
    assert_eq!(report["joined"], serde_json::json!([]));

    // The same file written: the act from the heading is the plan's basis.
    let mut write: Vec<&str> = args.iter().copied().filter(|a| *a != "--dry-run").collect();
    write.push("--accept-warnings");
    let output = letopis(&write);
    assert!(output.status.success(), "{}", text(&output));
    let plans = letopis(&["plans", "--data", store.to_str().unwrap(), "--format", "json"]);
    let plans: serde_json::Value = serde_json::from_slice(&plans.stdout).unwrap();
    assert_eq!(plans[0]["basis"], "Приказ №54-од от 28.01.2021", "{plans}");
}

/// A seed plan written as a Word table: the header, sections and group headings as rows
/// spanning the table, every activity a row.
fn seed_as_docx(plan: &ParsedPlan) -> Vec<u8> {
    let header = [
        "№ п/п",
        "Наименование мероприятия",
        "Сроки исполнения",
        "Ответственный исполнитель",
        "Соисполнители",
        "Ожидаемый результат",
        "Документ, фиксирующий результат",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for section in &plan.sections {
        let title = match &section.number {
            Some(number) => format!("span=7:Раздел {number}. {}", section.title),
            None => format!("span=7:{}", section.title),
        };
        if !section.title.is_empty() || section.number.is_some() {
            rows.push(vec![title]);
        }
        let mut group: Option<&String> = None;
        for activity in &section.activities {
            if activity.group.as_ref() != group {
                group = activity.group.as_ref();
                if let Some(group) = group {
                    rows.push(vec![format!("span=7:{group}")]);
                }
            }
            rows.push(vec![
                activity.number.clone(),
                activity.title.clone(),
                activity.term_text.clone(),
                activity.responsible.clone(),
                activity.co_executors.join(", "),
                activity.key_result.clone(),
                activity.fixing_documents.clone(),
            ]);
        }
    }
    let rows: Vec<Vec<&str>> =
        rows.iter().map(|row| row.iter().map(String::as_str).collect()).collect();
    docx(&[Block::Table { header_rows: 1, rows }])
}

type Content = (String, String, String, String, Vec<String>, String, String, Option<String>);

fn content(plan: &ParsedPlan) -> Vec<(Option<String>, String, Vec<Content>)> {
    plan.sections
        .iter()
        .map(|s| {
            let activities = s
                .activities
                .iter()
                .map(|a| {
                    (
                        a.number.clone(),
                        a.title.clone(),
                        a.term_text.clone(),
                        a.responsible.clone(),
                        a.co_executors.clone(),
                        a.key_result.clone(),
                        a.fixing_documents.clone(),
                        a.group.clone(),
                    )
                })
                .collect();
            (s.number.clone(), s.title.clone(), activities)
        })
        .collect()
}

#[test]
fn the_four_seed_acts_read_the_same_from_word() {
    for seed in [
        "000_eceb56e73a2871a7.txt",
        "001_78658875f6c88a1e.txt",
        "002_7d6137b213dba71a.txt",
        "003_0a5091881897af1c.txt",
    ] {
        let bytes = std::fs::read(seeds().join(seed)).unwrap();
        let from_text = read_plan(seed, &bytes).unwrap();
        let from_word = read_plan("seed.docx", &seed_as_docx(&from_text))
            .unwrap_or_else(|e| panic!("{seed}: {e}"));
        assert_eq!(content(&from_word), content(&from_text), "{seed}");
        assert!(from_word.skipped.is_empty(), "{seed}: {:?}", from_word.skipped);
        assert!(from_word.joined.is_empty(), "{seed}: {:?}", from_word.joined);
    }
}

/// A package whose document part unpacks past its limit: 65 MiB of spaces in one paragraph
/// compress to a few dozen kilobytes.
fn zip_bomb() -> Vec<u8> {
    let padding = " ".repeat(65 * 1024 * 1024);
    package(&wrap_body(&format!("<w:p><w:r><w:t>{padding}</w:t></w:r></w:p>")))
}

#[test]
fn issue_14_bombs_are_refused_naming_the_limit() {
    let bomb = zip_bomb();
    assert!(bomb.len() < 512 * 1024, "the bomb is {} bytes", bomb.len());
    let error = read_plan("bomb.docx", &bomb).unwrap_err().to_string();
    assert!(error.contains("bomb.docx") && error.contains("64 МиБ"), "{error}");

    let deep = format!("{}{}", "<w:sdt>".repeat(300), "</w:sdt>".repeat(300));
    let error = read_plan("deep.docx", &package(&wrap_body(&deep))).unwrap_err().to_string();
    assert!(error.contains("глубже 256 уровней"), "{error}");

    let nested = format!(
        "{}{}",
        "<w:tbl><w:tr><w:tc>".repeat(10_000),
        "<w:p/></w:tc></w:tr></w:tbl>".repeat(10_000)
    );
    let error = read_plan("nested.docx", &package(&wrap_body(&nested))).unwrap_err().to_string();
    assert!(error.contains("таблицы вложены друг в друга глубже 8 уровней"), "{error}");
}

#[test]
fn issue_14_a_refused_document_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let nested = format!(
        "{}{}",
        "<w:tbl><w:tr><w:tc>".repeat(10_000),
        "<w:p/></w:tc></w:tr></w:tbl>".repeat(10_000)
    );
    for (name, bytes) in [("nested.docx", package(&wrap_body(&nested))), ("bomb.docx", zip_bomb())]
    {
        let file = files.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let store = data.path().join(name);
        let output =
            crate::support::import_plan(&store, &file, "План", "Приказ №1 от 01.02.2023", &[]);
        assert!(!output.status.success(), "{}", text(&output));
        assert!(text(&output).contains("ничего не записано"), "{}", text(&output));
        assert!(!store.exists(), "{name}: the store was opened");
    }
}

/// An .odt package around the body `text` (with list style L1: "1.", "1.1.").
fn odt(text: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"><office:automatic-styles><text:list-style style:name="L1"><text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/><text:list-level-style-number text:level="2" style:num-suffix="." style:num-format="1" text:display-levels="2"/></text:list-style></office:automatic-styles><office:body><office:text>{text}</office:text></office:body></office:document-content>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.text").unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// An ODF table row; a cell is `span=N:text` (spanning N columns, followed by covered cells),
/// `rows=N:text` (spanning N rows), `covered`, `#L` (a numbered list item at level L), or text.
fn odt_row(cells: &[&str]) -> String {
    let mut xml = String::from("<table:table-row>");
    for cell in cells {
        if let Some(rest) = cell.strip_prefix("span=") {
            let (span, text) = rest.split_once(':').unwrap();
            xml.push_str(&format!(
                r#"<table:table-cell table:number-columns-spanned="{span}"><text:p>{text}</text:p></table:table-cell>"#
            ));
            for _ in 1..span.parse::<usize>().unwrap() {
                xml.push_str("<table:covered-table-cell/>");
            }
        } else if let Some(rest) = cell.strip_prefix("rows=") {
            let (span, text) = rest.split_once(':').unwrap();
            xml.push_str(&format!(
                r#"<table:table-cell table:number-rows-spanned="{span}"><text:p>{text}</text:p></table:table-cell>"#
            ));
        } else if *cell == "covered" {
            xml.push_str("<table:covered-table-cell/>");
        } else if let Some(level) = cell.strip_prefix('#') {
            let item = if level == "0" {
                "<text:list-item><text:p/></text:list-item>".to_string()
            } else {
                "<text:list-item><text:list><text:list-item><text:p/></text:list-item></text:list></text:list-item>".to_string()
            };
            xml.push_str(&format!(
                r#"<table:table-cell><text:list text:style-name="L1" text:continue-numbering="true">{item}</text:list></table:table-cell>"#
            ));
        } else {
            let paragraphs: String =
                cell.split('\n').map(|p| format!("<text:p>{}</text:p>", escape(p))).collect();
            xml.push_str(&format!("<table:table-cell>{paragraphs}</table:table-cell>"));
        }
    }
    xml.push_str("</table:table-row>");
    xml
}

#[test]
fn opendocument_texts_read_like_word_documents() {
    let rows: String = [
        odt_row(&HEADER),
        odt_row(&["#0", "Диагностика", "", "", ""]),
        odt_row(&["#1", "Проведение диагностики", "2024", "rows=2:ЦОПМКиМКО", "Справка"]),
        odt_row(&["#1", "Построение индивидуальных маршрутов", "2025", "covered", "Маршруты"]),
        odt_row(&["span=5:Лист согласования"]),
        odt_row(&["", "Начальник отдела", "", "Петров П.П.", ""]),
    ]
    .concat();
    let body = format!(
        "<text:p>Приложение к распоряжению от 13.06.2023 № 55-35-мпр</text:p><table:table><table:table-header-rows>{}</table:table-header-rows>{}</table:table>",
        "", rows
    );
    let plan = read_plan("plan.odt", &odt(&body)).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(&str, &str, &str)> = activities(&plan)
        .iter()
        .map(|a| (a.number.as_str(), a.title.as_str(), a.responsible.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("1.1", "Проведение диагностики", "ЦОПМКиМКО"),
            ("1.2", "Построение индивидуальных маршрутов", "ЦОПМКиМКО"),
        ]
    );
    assert_eq!(plan.sections[0].number.as_deref(), Some("1"));
    assert_eq!(plan.sections[0].title, "Диагностика");
    assert_eq!(plan.basis.as_deref(), Some("Распоряжение №55-35-мпр от 13.06.2023"));
    assert_eq!(plan.skipped.len(), 2, "{:?}", plan.skipped);
}

/// The same plan with the genre's page-break artefacts as rows of cells: a repeated header, a
/// row's tail printed as the first paragraph of the next row, a page number, an approval sheet.
fn plan_with_page_breaks() -> Vec<Vec<&'static str>> {
    vec![
        HEADER.to_vec(),
        vec!["1", "Повышение квалификации педагогических работников", "2024", "ИРО", "Отчёт"],
        vec!["15"],
        HEADER.to_vec(),
        vec!["2", "и управленческих кадров\nОрганизация стажировок", "2025", "ЦНППМ", "Справка"],
        vec!["3", "Конкурс наставников", "2026", "МОУО", "Приказ"],
        vec!["ЛИСТ СОГЛАСОВАНИЯ"],
        vec!["", "Заместитель министра", "", "Иванов И.И.", "(подпись)"],
    ]
}

#[test]
fn page_break_artefacts_are_handled_in_every_format() {
    let rows = plan_with_page_breaks();
    let csv: String = rows
        .iter()
        .map(|row| {
            row.iter().map(|cell| format!("\"{cell}\"")).collect::<Vec<_>>().join(";") + "\r\n"
        })
        .collect();
    let text: String = rows.iter().map(|row| row.join("\t").replace('\n', " ") + "\n").collect();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    let xlsx = workbook.save_to_buffer().unwrap();
    let docx = docx(&[Block::Table { header_rows: 1, rows: rows.clone() }]);
    for (name, bytes) in [
        ("plan.csv", csv.into_bytes()),
        ("plan.xlsx", xlsx),
        ("plan.docx", docx),
        ("plan.txt", text.clone().into_bytes()),
    ] {
        let plan = read_plan(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let found: Vec<(&str, &str)> =
            activities(&plan).iter().map(|a| (a.number.as_str(), a.title.as_str())).collect();
        // A tab-separated dump keeps no paragraphs within a cell: there the tail is told from
        // the title by the page break before the row and the title's opening word.
        let first = "Повышение квалификации педагогических работников и управленческих кадров";
        assert_eq!(found[0], ("1", first), "{name}");
        assert_eq!(found[1], ("2", "Организация стажировок"), "{name}");
        assert_eq!(found.len(), 3, "{name}: {found:?}");
        assert_eq!(plan.skipped.len(), 4, "{name}: {:?}", plan.skipped);
        assert!(plan.skipped[0].reason.contains("номер страницы"), "{name}: {:?}", plan.skipped);
        assert!(plan.skipped[1].reason.contains("повтор заголовка"), "{name}");
        assert!(plan.skipped[2].reason.contains("лист согласования"), "{name}");
        assert!(plan.skipped[3].reason.contains("лист согласования"), "{name}");
        assert_eq!(plan.joined.len(), 1, "{name}");
        assert_eq!(plan.joined[0].text, "и управленческих кадров", "{name}");
        assert_eq!(plan.joined[0].into_row, 2, "{name}");
    }
}

fn plans_json(data: &std::path::Path) -> serde_json::Value {
    let output = letopis(&[
        "plans",
        "--data",
        data.to_str().unwrap(),
        "--date",
        "2024-01-01",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn exported_word_plans_import_back_into_the_same_plan() {
    const BASIS: &str = "Распоряжение №1-мр от 01.02.2023";
    for seed in [
        "000_eceb56e73a2871a7.txt",
        "001_78658875f6c88a1e.txt",
        "002_7d6137b213dba71a.txt",
        "003_0a5091881897af1c.txt",
    ] {
        let original = tempfile::tempdir().unwrap();
        let copy = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let title = format!("План {seed}");
        let accept = ["--accept-warnings"];
        let output = crate::support::import_plan(
            original.path(),
            &seeds().join(seed),
            &title,
            BASIS,
            &accept,
        );
        assert!(output.status.success(), "{seed}: {}", text(&output));
        let document = files.path().join("plan.docx");
        let output = letopis(&[
            "export",
            "plan",
            "--data",
            original.path().to_str().unwrap(),
            "--date",
            "2024-01-01",
            "--output",
            document.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{seed}: {}", text(&output));

        // Imported back without --basis: the act is read from the document's heading.
        let output = letopis(&[
            "import",
            "plan",
            document.to_str().unwrap(),
            "--data",
            copy.path().to_str().unwrap(),
            "--level",
            "regional",
            "--title",
            &title,
            "--accept-warnings",
        ]);
        assert!(output.status.success(), "{seed}: {}", text(&output));
        assert!(text(&output).contains(BASIS), "{seed}: {}", text(&output));
        assert!(!text(&output).contains("без заголовка"), "{seed}: {}", text(&output));
        assert_eq!(plans_json(copy.path()), plans_json(original.path()), "{seed}");
    }
}

#[test]
fn figures_export_as_a_word_table() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("plan.csv");
    std::fs::write(
        &csv,
        format!("{}\r\n1;Проведение диагностики;2024;ЦОПМКиМКО;Справка\r\n", HEADER.join(";")),
    )
    .unwrap();
    let output = crate::support::import_plan(
        data.path(),
        &csv,
        "План",
        "Приказ №1 от 01.02.2024",
        &["--accept-warnings"],
    );
    assert!(output.status.success(), "{}", text(&output));
    let document = files.path().join("figures.docx");
    let output = letopis(&[
        "export",
        "figures",
        "--data",
        data.path().to_str().unwrap(),
        "--date",
        "2024-06-01",
        "--output",
        document.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let bytes = std::fs::read(&document).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("Показатель") && xml.contains("<w:tblHeader/>"), "{xml}");
}

#[test]
fn the_amendments_appendix_of_a_word_plan_is_not_read_as_activities() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let header = "№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат";
    let versions = [
        "1.1;Проведение диагностики дефицитов;до 01.03.2024;ЦОПМКиМКО;ЦНППМ;90% педагогов;Справка",
        "1.1;Проведение диагностики дефицитов;до 01.04.2024;ЦОПМКиМКО;ЦНППМ;90% педагогов;Справка",
    ];
    let title = "План мероприятий на 2024 год";
    for (index, (row, basis)) in
        versions.iter().zip(["Приказ №10 от 15.01.2024", "Приказ №55 от 01.03.2024"]).enumerate()
    {
        let file = files.path().join(format!("plan-{index}.csv"));
        std::fs::write(&file, [header, "Раздел 1. Диагностика;;;;;;", row].join("\r\n")).unwrap();
        let output = crate::support::import_plan(data.path(), &file, title, basis, &[]);
        assert!(output.status.success(), "{}", text(&output));
    }
    let document = files.path().join("plan.docx");
    let output = letopis(&[
        "export",
        "plan",
        "--data",
        data.path().to_str().unwrap(),
        "--date",
        "2024-03-15",
        "--output",
        document.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let plan = read_plan("plan.docx", &std::fs::read(&document).unwrap()).unwrap();
    let found: Vec<(&str, &str)> =
        activities(&plan).iter().map(|a| (a.number.as_str(), a.term_text.as_str())).collect();
    assert_eq!(found, [("1.1", "до 01.04.2024")]);
    let appendix = plan.skipped.iter().position(|s| s.text.starts_with("Лист изменений"));
    let appendix = appendix.unwrap_or_else(|| panic!("{:?}", plan.skipped));
    // The appendix heading, its table's header and its one amendment row.
    assert_eq!(plan.skipped.len() - appendix, 3, "{:?}", plan.skipped);
}

#[test]
fn a_flowing_text_dump_moves_a_title_tail_after_a_page_break_back() {
    let header = "№ п/п\nНаименование мероприятия\nСрок исполнения\nОтветственный исполнитель\n";
    let dump = format!(
        "ПЛАН\nмероприятий\n\n{header}\n1.\nПовышение квалификации педагогических\nработников\n2024\nИРО\n\n\
         {header}2.\nи управленческих\nкадров\nОрганизация стажировок\n2025\nЦНППМ\n\n\
         3.\nи конкурсы\nКонкурс наставников\n2026\nМОУО\n"
    );
    let plan = read_plan("plan.txt", dump.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(&str, &str, &str)> = activities(&plan)
        .iter()
        .map(|a| (a.number.as_str(), a.title.as_str(), a.responsible.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "1",
                "Повышение квалификации педагогических работников и управленческих кадров",
                "ИРО"
            ),
            ("2", "Организация стажировок", "ЦНППМ"),
            // Not after a page break: a lower-case opening stays where it is (and is warned of).
            ("3", "и конкурсы Конкурс наставников", "МОУО"),
        ],
        "warnings: {:#?}",
        plan.warnings
    );
    assert_eq!(
        plan.joined,
        [JoinedRow {
            row: 19, into_row: 9, text: "и управленческих кадров".to_string()
        }]
    );
}

#[test]
fn opendocument_repeated_rows_stand_as_often_as_they_say_and_empty_ones_cost_nothing() {
    let repeated = |times: u64, cells: &str| {
        format!(
            r#"<table:table-row table:number-rows-repeated="{times}">{cells}</table:table-row>"#
        )
    };
    let empty_cells = r#"<table:table-cell table:number-columns-repeated="5"/>"#;
    let section = "<table:table-cell><text:p>1</text:p></table:table-cell><table:table-cell><text:p>Диагностика</text:p></table:table-cell>";
    let rows: String = [
        odt_row(&HEADER),
        repeated(2, section),
        odt_row(&["1.1", "Проведение диагностики", "2024", "ЦОПМКиМКО", "Справка"]),
        // Office suites write a table's trailing empty rows as one row repeated a million times.
        repeated(1_048_000, empty_cells),
    ]
    .concat();
    let body = format!("<table:table>{rows}</table:table><text:p>ЛИСТ СОГЛАСОВАНИЯ</text:p>");
    let plan = read_plan("plan.odt", &odt(&body)).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(&str, &str)> =
        activities(&plan).iter().map(|a| (a.number.as_str(), a.title.as_str())).collect();
    assert_eq!(found, [("1.1", "Проведение диагностики")]);
    // The repeated heading stands twice: the second is a repeated section (reported), and the
    // approval sheet after the empty rows keeps the row number a reader counts.
    let approval = plan.skipped.iter().find(|s| s.text == "ЛИСТ СОГЛАСОВАНИЯ");
    assert_eq!(approval.map(|s| s.row), Some(1 + 2 + 1 + 1_048_000 + 1), "{:?}", plan.skipped);

    // A row with text repeated past the row limit is refused, naming the limit.
    let bomb = format!(
        "<table:table>{}{}</table:table>",
        odt_row(&HEADER),
        repeated(4_000_000_000, section)
    );
    let error = read_plan("plan.odt", &odt(&bomb)).unwrap_err().to_string();
    assert!(error.contains("строк"), "{error}");
}
