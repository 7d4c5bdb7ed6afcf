//! The access module's secrecy table is backed by tests: every row of the table in
//! `src/access/mod.rs` has at least one test named `secrecy_<row>_…`, here in `tests/it/` or in
//! the module's own unit tests, and no such test names a row the table does not have.

use std::collections::BTreeSet;
use std::path::Path;

fn rows_of_the_table(doc: &str) -> BTreeSet<u32> {
    doc.lines()
        .filter_map(|line| line.strip_prefix("//! | "))
        .filter_map(|rest| rest.split(" |").next())
        .filter_map(|cell| cell.trim().parse().ok())
        .collect()
}

fn rows_of_tests(dir: &Path) -> BTreeSet<u32> {
    let mut rows = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("fn secrecy_") {
            let digits: String = text
                .get(at + "fn secrecy_".len()..)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            // This file names the prefix in text too, followed by no row number.
            if let Ok(row) = digits.parse() {
                rows.insert(row);
            }
        }
    }
    rows
}

#[test]
fn every_row_of_the_secrecy_table_has_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("src/access/mod.rs")).unwrap();
    let table = rows_of_the_table(&doc);
    assert_eq!(table, (1..=13).collect(), "the table's rows");
    let mut tested = rows_of_tests(&root.join("tests/it"));
    tested.extend(rows_of_tests(&root.join("src/access")));
    assert_eq!(tested, table, "rows with a `secrecy_<row>_` test");
}
