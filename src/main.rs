//! `letopis`: the command-line entry point. Parses arguments, runs the command, and maps
//! failures to documented exit codes (see `cli::exit`).

use std::process::ExitCode;

fn main() -> ExitCode {
    letopis::cli::main()
}
