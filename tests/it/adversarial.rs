//! The permanent adversarial suite of issue #20: every hostile input that once hurt Letopis, as a
//! test that it stays refused with a clear error, bounded memory and nothing written.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use letopis::documents::import::read_plan;

use crate::support::text;

/// Resident memory a refused bomb may cost the process beyond an empty import's.
const BOMB_RSS_GROWTH_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// A workbook of two cells, `A1` and `XFD1048576`: 1–2 KB that declares the whole sheet.
fn corner_bomb() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "№").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    workbook.save_to_buffer().unwrap()
}

/// A small, honest plan workbook.
fn small_plan() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [[&str; 5]; 3] = [
        ["№", "Мероприятие", "Срок", "Ответственные", "Результат"],
        ["1", "Семинар для наставников", "Март 2024 г.", "ЦНППМ", "Проведён семинар"],
        ["2", "Конкурс «Учитель года»", "Сентябрь 2024 г.", "МОУО", "Определены победители"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// Rewrites a workbook with one more part of `size` bytes of one repeated byte under `name`
/// (a zip bomb: it compresses a thousandfold).
fn with_inflated_part(workbook: &[u8], name: &str, size: usize) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..source.len() {
        let part = source.by_index_raw(index).unwrap();
        if part.name().unwrap() != name {
            out.raw_copy_file(part).unwrap();
        }
    }
    out.start_file(name, options).unwrap();
    let chunk = vec![b' '; 1024 * 1024];
    let mut left = size;
    while left > 0 {
        let now = left.min(chunk.len());
        out.write_all(&chunk[..now]).unwrap();
        left -= now;
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn issue_20_corner_bomb_is_refused_naming_the_cell() {
    let bomb = corner_bomb();
    assert!(bomb.len() < 8 * 1024, "the bomb is {} bytes", bomb.len());
    let error = read_plan("bomb.xlsx", &bomb).unwrap_err().to_string();
    assert!(error.contains("bomb.xlsx"), "{error}");
    assert!(error.contains("XFD1048576"), "{error}");
    assert!(error.contains("столбцов"), "{error}");
}

#[test]
fn issue_20_wide_sparse_sheet_is_refused_by_its_grid_not_read() {
    // One cell per row far to the right widens every row: the grid, not the cell count, is what
    // costs memory, so it is what is bounded.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for row in 0..20_000u32 {
        sheet.write_string(row, 255, "x").unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let error = read_plan("wide.xlsx", &bytes).unwrap_err().to_string();
    assert!(error.contains("ячеек"), "{error}");
}

#[test]
fn issue_20_tall_sparse_plan_sheet_is_refused() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "№").unwrap();
    sheet.write_string(200_000, 25, "x").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let error = read_plan("tall.xlsx", &bytes).unwrap_err().to_string();
    assert!(error.contains("200000 строк"), "{error}");
}

#[test]
fn issue_20_shared_strings_zip_bomb_is_refused_before_it_is_unpacked() {
    let bomb = with_inflated_part(&small_plan(), "xl/sharedStrings.xml", 160 * 1024 * 1024);
    assert!(bomb.len() < 1024 * 1024, "the bomb is {} bytes", bomb.len());
    let error = read_plan("strings.xlsx", &bomb).unwrap_err().to_string();
    assert!(error.contains("sharedStrings.xml"), "{error}");
    assert!(error.contains("МиБ"), "{error}");
}

#[test]
fn issue_20_honest_workbook_still_reads() {
    let plan = read_plan("plan.xlsx", &small_plan()).unwrap();
    let numbers: Vec<&str> = plan
        .sections
        .iter()
        .flat_map(|section| section.activities.iter())
        .map(|activity| activity.number.as_str())
        .collect();
    assert_eq!(numbers, ["1", "2"]);
}

/// Runs `letopis import plan <file> --dry-run` on an empty store and returns its exit code, its
/// stderr and the peak resident memory seen (VmHWM, sampled until it exits).
fn import_in_child(data: &Path, file: &Path) -> (Option<i32>, String, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["import", "plan"])
        .arg(file)
        .arg("--data")
        .arg(data)
        .args([
            "--level",
            "regional",
            "--title",
            "План",
            "--basis",
            "Распоряжение №1-мр от 01.02.2023",
        ])
        .args(["--dry-run", "--accept-warnings"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_bytes = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kilobytes) = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_bytes = peak_bytes.max(kilobytes * 1024);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let output = child.wait_with_output().unwrap();
    (output.status.code(), text(&output), peak_bytes)
}

#[test]
fn issue_20_corner_bomb_costs_the_cli_no_more_memory_than_an_honest_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let honest = dir.path().join("plan.xlsx");
    std::fs::write(&honest, small_plan()).unwrap();
    let bomb = dir.path().join("bomb.xlsx");
    std::fs::write(&bomb, corner_bomb()).unwrap();

    let (code, stderr, honest_peak) = import_in_child(&data, &honest);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr, bomb_peak) = import_in_child(&data, &bomb);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("XFD1048576"), "{stderr}");
    assert!(
        bomb_peak < honest_peak + BOMB_RSS_GROWTH_BYTES_MAX,
        "the bomb peaked at {bomb_peak} bytes, an honest file at {honest_peak}"
    );
}

/// A closed store of `events` raw events, its directory kept.
fn closed_store(events: usize) -> tempfile::TempDir {
    let ledger = crate::support::TempLedger::new();
    for chunk in 0..events.div_ceil(500) {
        let batch: Vec<_> = (0..500.min(events - chunk * 500))
            .map(|i| crate::support::event(&format!("teacher/t-{chunk}-{i}"), &"x".repeat(200)))
            .collect();
        ledger.ledger.append_blocking(letopis::store::AppendRequest::new(batch)).unwrap();
    }
    let crate::support::TempLedger { dir, ledger } = ledger;
    ledger.shutdown();
    dir
}

fn verify_in_child(data: &Path) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["verify", "--data"])
        .arg(data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stdout, stderr)
}

/// Issue #20.4: a byte changed inside sled's files made `verify --data` exit 1 (a storage
/// error), and worse damage made sled panic while opening (exit 101). A damaged store is an
/// integrity answer: exit 3, what is damaged, and the remedy.
#[test]
fn issue_20_verify_of_a_store_with_damaged_files_exits_3() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 4] = [
        ("the middle of db overwritten", |dir| {
            let path = dir.join("db");
            let mut bytes = std::fs::read(&path).unwrap();
            let (from, to) = (bytes.len() / 4, bytes.len() * 3 / 4);
            for (offset, byte) in bytes[from..to].iter_mut().enumerate() {
                *byte = (offset as u8).wrapping_mul(31) ^ 0xA5;
            }
            std::fs::write(&path, bytes).unwrap();
        }),
        ("db cut in half", |dir| {
            let path = dir.join("db");
            let length = std::fs::metadata(&path).unwrap().len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(length / 2)
                .unwrap();
        }),
        ("conf overwritten", |dir| std::fs::write(dir.join("conf"), b"\xff\xfe garbage").unwrap()),
        ("every 4 KiB page of db has a byte flipped", |dir| {
            let path = dir.join("db");
            let mut bytes = std::fs::read(&path).unwrap();
            for offset in (100..bytes.len()).step_by(4096) {
                bytes[offset] ^= 0x5A;
            }
            std::fs::write(&path, bytes).unwrap();
        }),
    ];
    for (name, damage) in damages {
        let dir = closed_store(3000);
        let (code, stdout, _) = verify_in_child(dir.path());
        assert_eq!(code, Some(0), "{name}: an intact store verifies first: {stdout}");
        damage(dir.path());
        let (code, stdout, stderr) = verify_in_child(dir.path());
        assert_eq!(code, Some(3), "{name}: {stdout} {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            stdout.contains("log restore") || stdout.contains("Целостность нарушена"),
            "{name}: {stdout}"
        );
    }
}

/// Rewrites a workbook with its part `name` replaced by the bytes `chunks` yields, deflated.
fn with_part(workbook: &[u8], name: &str, chunks: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..source.len() {
        let part = source.by_index_raw(index).unwrap();
        if part.name().unwrap() != name {
            out.raw_copy_file(part).unwrap();
        }
    }
    out.start_file(name, options).unwrap();
    for chunk in chunks {
        out.write_all(&chunk).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A sheet whose one cell sits under `depth` nested elements.
fn deep_xml_bomb(depth: usize) -> Vec<u8> {
    let head = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>"#;
    let tail = b"<t>x</t></is></c></row></sheetData></worksheet>".to_vec();
    let chunk = 10_000;
    let opens = (0..depth / chunk).map(move |_| b"<r>".repeat(chunk));
    let closes = (0..depth / chunk).map(move |_| b"</r>".repeat(chunk));
    let parts =
        std::iter::once(head.to_vec()).chain(opens).chain(closes).chain(std::iter::once(tail));
    with_part(&small_plan(), "xl/worksheets/sheet1.xml", parts)
}

/// A shared-strings table of `entries` distinct short strings (each a separate allocation once
/// read), under the unpacked-size limit: 3,000,000 of them cost the reader 91 MB before
/// `SHARED_STRINGS_MAX`.
fn shared_strings_bomb(entries: usize) -> Vec<u8> {
    let head = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{entries}" uniqueCount="{entries}">"#
    )
    .into_bytes();
    let chunk = 10_000;
    let body = (0..entries / chunk).map(move |block| {
        let mut bytes = Vec::new();
        for i in 0..chunk {
            bytes.extend_from_slice(format!("<si><t>№{}</t></si>", block * chunk + i).as_bytes());
        }
        bytes
    });
    let parts = std::iter::once(head).chain(body).chain(std::iter::once(b"</sst>".to_vec()));
    with_part(&small_plan(), "xl/sharedStrings.xml", parts)
}

/// Issue #20, every document bomb: each is imported by `letopis import plan --dry-run` in a child
/// process, refused with a clear error (exit 1) and with peak resident memory less than
/// `BOMB_RSS_GROWTH_BYTES_MAX` above an honest file's.
#[test]
fn issue_20_document_bombs_are_refused_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let honest = dir.path().join("plan.xlsx");
    std::fs::write(&honest, small_plan()).unwrap();
    let (code, stderr, honest_peak) = import_in_child(&data, &honest);
    assert_eq!(code, Some(0), "{stderr}");

    let csv_line = dir.path().join("line.csv");
    {
        let mut file = std::fs::File::create(&csv_line).unwrap();
        file.write_all("№;Мероприятие;Срок\n1;".as_bytes()).unwrap();
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..100 {
            file.write_all(&chunk).unwrap();
        }
    }
    let bombs: [(&str, Vec<u8>, &str); 3] = [
        ("deep.xlsx", deep_xml_bomb(2_000_000), "deep.xlsx"),
        ("strings.xlsx", shared_strings_bomb(1_000_000), "больше 500000 строк"),
        (
            "zip.xlsx",
            with_inflated_part(&small_plan(), "xl/sharedStrings.xml", 600 * 1024 * 1024),
            "МиБ",
        ),
    ];
    let mut files = vec![(csv_line, "больше допустимого".to_string())];
    for (name, bytes, expected) in bombs {
        assert!(bytes.len() < 8 * 1024 * 1024, "{name} is {} bytes", bytes.len());
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        files.push((path, expected.to_string()));
    }
    let mut failures = Vec::new();
    for (path, expected) in files {
        let (code, stderr, peak) = import_in_child(&data, &path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let refused = code == Some(1) && stderr.contains(&expected) && !stderr.contains("panicked");
        if !refused || peak >= honest_peak + BOMB_RSS_GROWTH_BYTES_MAX {
            failures.push(format!(
                "{name}: exit {code:?}, peak {peak} bytes (an honest file {honest_peak}): {stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
