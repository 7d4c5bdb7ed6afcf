//! The demo region for the benchmarks, made by the `letopis` binary (`letopis demo --json`): the
//! generator is linked by the binary only, not by the library these tools depend on.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use letopis::cli::demo::{DemoSummary, Scale};

/// Generates the demo region of `scale` and `seed` into the empty directory `dir` and returns the
/// summary the command printed.
pub fn generate(dir: &Path, scale: Scale, seed: u64) -> anyhow::Result<DemoSummary> {
    let binary = letopis_binary()?;
    let output = Command::new(&binary)
        .args(["demo", "--json", "--seed", &seed.to_string()])
        .args(scale.arguments())
        .arg("--data")
        .arg(dir)
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    if !output.status.success() {
        bail!("letopis demo failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    serde_json::from_slice(&output.stdout).context("reading the summary of letopis demo --json")
}

/// The `letopis` binary next to the running tool (both are built into the same target directory),
/// as `crash_loop` finds it.
pub fn letopis_binary() -> anyhow::Result<PathBuf> {
    let binary = std::env::current_exe()?.with_file_name("letopis");
    if !binary.exists() {
        bail!(
            "{} not found: build it first (`cargo build --release` builds it beside the tools)",
            binary.display()
        );
    }
    Ok(binary)
}
