//! Recognising a plan table's columns by their Russian headers ("№ п/п", "Наименование
//! мероприятия", "Сроки реализации", "Ответственный исполнитель", "Ожидаемый результат",
//! "Документы, фиксирующие результат" and their variants): per header cell for CSV/XLSX and
//! tab-separated dumps, and by keyword position in a header block for dumps that lost the cell
//! borders.

/// A column of a plan table the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    Number,
    Title,
    Term,
    Responsible,
    CoExecutors,
    KeyResult,
    FixingDocuments,
    /// "Статус на дату", "Отметка о выполнении": recognised so that it is not reported as text
    /// under no header, and not imported: the status of an activity is kept by execution
    /// events, not read from documents (our own export writes this column).
    Status,
}

impl Column {
    /// The column's name as shown to officials in warnings and errors.
    pub fn russian_name(self) -> &'static str {
        match self {
            Column::Number => "№ п/п",
            Column::Title => "Наименование мероприятия",
            Column::Term => "Срок",
            Column::Responsible => "Ответственный",
            Column::CoExecutors => "Соисполнители",
            Column::KeyResult => "Ключевой результат",
            Column::FixingDocuments => "Документы, фиксирующие результат",
            Column::Status => "Статус",
        }
    }
}

/// Header cells longer than this are prose, not headers.
const HEADER_CELL_CHARS_MAX: usize = 120;

/// Lowercase, ё→е, punctuation (except №) to spaces, spaces collapsed.
pub(crate) fn normalize(text: &str) -> String {
    let mapped: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ё' => 'е',
            '№' => '№',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Classifies one header cell.
pub(crate) fn classify_header_cell(text: &str) -> Option<Column> {
    if text.chars().count() > HEADER_CELL_CHARS_MAX {
        return None;
    }
    let norm = normalize(text);
    if norm.is_empty() {
        return None;
    }
    if norm.starts_with("статус") || norm.starts_with("отметка о выполнении")
    {
        return Some(Column::Status);
    }
    if norm.starts_with('№')
        || matches!(norm.as_str(), "n" | "n п п" | "п п" | "номер" | "nn" | "no" | "номер п п")
    {
        return Some(Column::Number);
    }
    if norm.contains("соисполнит") || norm == "исполнители" || norm == "участники"
    {
        return Some(Column::CoExecutors);
    }
    if norm.contains("документ")
        || norm.contains("форма представления")
        || norm.contains("фиксир")
        || norm.contains("закрепля")
        || norm.contains("подтвержда")
    {
        return Some(Column::FixingDocuments);
    }
    if norm.contains("результат") || norm.contains("показател") {
        return Some(Column::KeyResult);
    }
    if norm.contains("срок") || norm.starts_with("период") || norm.starts_with("дата")
    {
        return Some(Column::Term);
    }
    if norm.contains("ответствен")
        || norm.contains("исполнител")
        || norm.starts_with("фио")
        || norm.contains("субъект")
    {
        return Some(Column::Responsible);
    }
    if norm.contains("мероприят")
        || norm.contains("содержание деятельности")
        || norm.contains("содержание работы")
        || norm.contains("наименование работ")
    {
        return Some(Column::Title);
    }
    None
}

/// A recognised header row: the cell index of each column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnMap {
    pub cells: Vec<(usize, Column)>,
}

impl ColumnMap {
    pub(crate) fn index_of(&self, column: Column) -> Option<usize> {
        self.cells.iter().find(|(_, c)| *c == column).map(|(i, _)| *i)
    }

    pub(crate) fn has(&self, column: Column) -> bool {
        self.index_of(column).is_some()
    }
}

/// Recognises a header row. Returns the map when at least two cells are plan columns; the
/// caller checks that the title column is among them.
pub(crate) fn recognize_header_row(cells: &[String]) -> Option<ColumnMap> {
    let mut map: Vec<(usize, Column)> = Vec::new();
    for (index, cell) in cells.iter().enumerate() {
        let Some(mut column) = classify_header_cell(cell) else { continue };
        // A second "ответственный"-like column holds the co-executors.
        if column == Column::Responsible && map.iter().any(|(_, c)| *c == Column::Responsible) {
            column = Column::CoExecutors;
        }
        if map.iter().any(|(_, c)| *c == column) {
            continue;
        }
        map.push((index, column));
    }
    // "Исполнители" alone means the responsible executors.
    if !map.iter().any(|(_, c)| *c == Column::Responsible) {
        for entry in map.iter_mut() {
            if entry.1 == Column::CoExecutors {
                entry.1 = Column::Responsible;
            }
        }
    }
    let recognised =
        map.iter().filter(|(_, c)| !matches!(c, Column::Number | Column::Status)).count();
    if recognised >= 2 {
        Some(ColumnMap { cells: map })
    } else {
        None
    }
}

/// Column order of a header block whose cells were run together into lines (text dumps):
/// each column is placed where its first keyword occurs in the normalised header text.
pub(crate) fn columns_in_text(text: &str) -> Vec<Column> {
    let norm = normalize(text);
    let find =
        |needles: &[&str]| -> Option<usize> { needles.iter().filter_map(|n| norm.find(n)).min() };
    let mut found: Vec<(usize, Column)> = Vec::new();
    if let Some(position) = find(&["№", "n п п"]) {
        found.push((position, Column::Number));
    }
    if let Some(position) = find(&["мероприят", "содержание деятельности", "содержание работы"])
    {
        found.push((position, Column::Title));
    }
    if let Some(position) = find(&["срок", "период реализ", "период"]) {
        found.push((position, Column::Term));
    }
    let documents = find(&["документ", "форма представления"]);
    if let Some(position) = documents {
        found.push((position, Column::FixingDocuments));
    }
    let co_executors = norm.find("соисполнит");
    if let Some(position) = co_executors {
        found.push((position, Column::CoExecutors));
    }
    let responsible = ["ответствен", "фио", "исполнител", "субъект"]
        .iter()
        .flat_map(|needle| norm.match_indices(needle).map(|(i, _)| i).collect::<Vec<_>>())
        .filter(|i| co_executors.is_none_or(|c| *i < c || *i > c.saturating_add(4)))
        .min();
    if let Some(position) = responsible {
        found.push((position, Column::Responsible));
    }
    // "результат" inside "Документы, закрепляющие результат" belongs to the documents column.
    let result = norm
        .match_indices("результат")
        .map(|(i, _)| i)
        .find(|i| documents.is_none_or(|d| *i < d || *i > d.saturating_add(40)));
    let result = find(&["ключев", "ожидаем", "прогнозир"]).or(result);
    if let Some(position) = result {
        found.push((position, Column::KeyResult));
    }
    found.sort();
    found.into_iter().map(|(_, column)| column).collect()
}

#[cfg(test)]
mod tests {
    use crate::documents::import::columns::{
        classify_header_cell, columns_in_text, recognize_header_row, Column,
    };

    #[test]
    fn header_variants_are_recognised() {
        let check = |header: &str, expected: Option<Column>| {
            assert_eq!(classify_header_cell(header), expected, "{header}");
        };
        check("№", Some(Column::Number));
        check("№ п/п", Some(Column::Number));
        check("N п/п", Some(Column::Number));
        check("Наименование мероприятия", Some(Column::Title));
        check("Мероприятия", Some(Column::Title));
        check("Содержание деятельности", Some(Column::Title));
        check("Сроки исполнения", Some(Column::Term));
        check("Сроки реализации", Some(Column::Term));
        check("Ответственные исполнители", Some(Column::Responsible));
        check("Субъект РС НМС, ответственный", Some(Column::Responsible));
        check("Соисполнители", Some(Column::CoExecutors));
        check("Ожидаемый результат", Some(Column::KeyResult));
        check("Прогнозируемый количественный результат", Some(Column::KeyResult));
        check("Документ, фиксирующий результат", Some(Column::FixingDocuments));
        check("Форма представления результата", Some(Column::FixingDocuments));
        check("Статус на дату", Some(Column::Status));
        check("Примечание", None);
    }

    #[test]
    fn header_rows_and_blocks() {
        let row: Vec<String> = [
            "Наименование мероприятия",
            "Ответственный субъект РС НМС",
            "Ответственный исполнитель (соисполнители)",
            "Срок",
            "Ключевой результат",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let map = recognize_header_row(&row).unwrap();
        assert_eq!(map.index_of(Column::Responsible), Some(1));
        assert_eq!(map.index_of(Column::CoExecutors), Some(2));
        assert_eq!(
            columns_in_text("№ п/п Мероприятие Ключевой результат Срок реализации Ответственный исполнитель Документы, закрепляющие результат"),
            vec![Column::Number, Column::Title, Column::KeyResult, Column::Term, Column::Responsible, Column::FixingDocuments]
        );
        assert_eq!(
            columns_in_text("№ п/ п Период реализа ции Наименование мероприятия ФИО, должность ответственного Прогнозируемый результат (количественные характеристики результата)"),
            vec![Column::Number, Column::Term, Column::Title, Column::Responsible, Column::KeyResult]
        );
    }
}
