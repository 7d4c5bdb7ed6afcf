//! `letopis`: the command-line entry point. Parses arguments, runs the command, and maps
//! failures to documented exit codes (see `cli::exit`). The demo generator (`demo`) is linked
//! here, not in the library.

mod demo;

use std::process::ExitCode;

/// mimalloc, not the system allocator: the projections hold millions of small values, and after
/// a large state was dropped glibc's malloc made the next query pay for sorting its free lists
/// (up to 40 % of a figures catalogue). See ARCHITECTURE.md, "Memory".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    letopis::cli::main(demo::generate)
}
