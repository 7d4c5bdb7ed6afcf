//! The witness's key file, `witness.key` in its data directory: the signing key's text
//! (`PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`), mode 0600, created once and never
//! overwritten, never printed or logged.

use std::path::Path;

use anyhow::{bail, Context};
use proto_events::tlog::cosignature::{CosignatureSigner, CosignatureVerifier};
use proto_events::tlog::KeyName;

/// The key file in the witness's data directory.
pub const KEY_FILE: &str = "witness.key";

/// Draws a new key named `name`, writes it to the data directory (which may not hold one yet),
/// and returns its verifier.
pub fn generate(dir: &Path, name: &str) -> anyhow::Result<CosignatureVerifier> {
    let name = KeyName::new(name).map_err(|error| anyhow::anyhow!("имя свидетеля: {error}"))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|error| anyhow::anyhow!("операционная система не дала случайных байт: {error}"))?;
    let signer = CosignatureSigner::from_seed(name, seed);
    std::fs::create_dir_all(dir)
        .with_context(|| format!("не удалось создать каталог {}", dir.display()))?;
    let path = dir.join(KEY_FILE);
    if path.exists() {
        bail!("ключ свидетеля уже есть: {} (его не перезаписываем)", path.display());
    }
    crate::checkpoint::write_secret_file(&path, &signer.to_text())
        .with_context(|| format!("не удалось записать {}", path.display()))?;
    Ok(signer.verifier())
}

/// Reads the witness's key from its data directory.
pub fn load(dir: &Path) -> anyhow::Result<CosignatureSigner> {
    let path = dir.join(KEY_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "не удалось прочитать ключ свидетеля {} (создайте: letopis witness key generate)",
            path.display()
        )
    })?;
    CosignatureSigner::parse(text.trim_end())
        .map_err(|error| anyhow::anyhow!("ключ свидетеля {} не разобран: {error}", path.display()))
}
