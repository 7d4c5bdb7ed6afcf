//! `golden`: checks (default) or rewrites (`--bless`) the golden vector files of proto-events.
//! Review the diff of a blessed file: a changed vector is a format change.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let bless = std::env::args().any(|arg| arg == "--bless");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../proto-events/tests/vectors/envelope.txt");
    let text = proto_events::golden::envelope_vectors_text();
    if bless {
        if let Err(error) = std::fs::write(&path, &text) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
        return ExitCode::SUCCESS;
    }
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing == text => {
            println!("golden vectors match");
            ExitCode::SUCCESS
        }
        Ok(_) => {
            eprintln!(
                "golden vectors differ from {}; run with --bless to rewrite (a format change)",
                path.display()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("cannot read {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}
