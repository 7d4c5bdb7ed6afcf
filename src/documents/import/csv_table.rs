//! CSV and TSV exports of plan tables: encoding (UTF-8 with or without BOM, Windows-1251),
//! delimiter sniffing among `;`, `,` and tab, then the shared grid reading of `plan`.

use crate::documents::import::plan::{self, GridRow, ImportError, ParsedPlan};
use crate::documents::import::text_table;

/// Lines looked at to choose the delimiter.
const SNIFF_LINES_MAX: usize = 30;
/// Records read from one file.
const RECORDS_MAX: usize = 200_000;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let rows: Vec<GridRow> = grid(file, bytes, RECORDS_MAX)?
        .into_iter()
        .map(|(row, cells)| GridRow { row, cells })
        .collect();
    plan::plan_from_grid(file, &rows)
}

/// The cells of a CSV/TSV file (encoding and delimiter sniffed), each row with its line number
/// in the file; more than `rows_max` records is an error, not a truncation.
pub(crate) fn grid(
    file: &str,
    bytes: &[u8],
    rows_max: usize,
) -> Result<Vec<(u32, Vec<String>)>, ImportError> {
    let text = text_table::decode(file, bytes)?;
    text_table::reject_binary(file, &text)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let newline_offsets: Vec<usize> =
        text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        if index >= rows_max {
            return Err(ImportError::NotATable {
                file: file.to_string(),
                reason: format!("в файле больше {rows_max} строк"),
            });
        }
        let record = record.map_err(|error| ImportError::Io {
            file: file.to_string(),
            message: format!("строка CSV не читается: {error}"),
        })?;
        // The line is counted from the record's byte offset (newlines at or before it, plus one,
        // as the tests pin for LF and CRLF files): the csv crate's own line counter does not
        // count CRLF line ends the way editors do.
        let line = match record.position() {
            Some(position) => {
                let byte = usize::try_from(position.byte()).unwrap_or(usize::MAX);
                newline_offsets.partition_point(|offset| *offset <= byte).saturating_add(1)
            }
            None => index.saturating_add(1),
        };
        let row = u32::try_from(line).unwrap_or(u32::MAX);
        rows.push((row, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// Picks the delimiter that splits the most of the first lines into the same number of
/// fields (more than one); ties prefer tab, then `;`, then `,`.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> =
        text.lines().filter(|l| !l.trim().is_empty()).take(SNIFF_LINES_MAX).collect();
    let mut best = (0usize, b';');
    for delimiter in [b'\t', b';', b','] {
        let counts: Vec<usize> =
            lines.iter().map(|l| count_outside_quotes(l, char::from(delimiter))).collect();
        let consistent = counts.iter().filter(|c| **c > 0).count();
        let total: usize = counts.iter().sum();
        let score = consistent.saturating_mul(1000).saturating_add(total.min(999));
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

fn count_outside_quotes(line: &str, delimiter: char) -> usize {
    let mut in_quotes = false;
    let mut count = 0usize;
    for c in line.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == delimiter && !in_quotes {
            count = count.saturating_add(1);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use crate::documents::import::csv_table::sniff_delimiter;

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter("№;Мероприятие;Срок\n1;\"А, Б\";2023\n"), b';');
        assert_eq!(sniff_delimiter("№,Мероприятие,Срок\n1,А,2023\n"), b',');
        assert_eq!(sniff_delimiter("№\tМероприятие\tСрок\n1\tА, Б\t2023\n"), b'\t');
    }
}
