//! `letopis proof inclusion | consistency | verify`: proofs that an event is in the log at a tree
//! size, and that the log at one size is the beginning of the log at a larger size (RFC 6962,
//! JSON as in ENCODING.md "Merkle tree"), and their offline check against signed checkpoints.
//!
//! `verify` needs no store: the proof file, the checkpoint note(s) and the log's verifier key.
//! It prints success only when the note's signature, the sizes and the proof all hold; any other
//! answer is exit 3 with the reason in Russian.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use proto_events::tlog::checkpoint::{self, Checkpoint};
use proto_events::tlog::note::{KeyError, NOTE_BYTES_MAX};
use proto_events::tlog::{
    tree, CheckpointError, ConsistencyProof, InclusionProof, NoteError, NoteVerifier,
    ProofVerifyError,
};
use proto_events::{Hash, Seq};

use crate::cli::{exit, open_store};

/// Largest proof file read, in bytes (a proof of 128 hashes is ~6 KB of JSON).
const PROOF_FILE_BYTES_MAX: u64 = 64 * 1024;

/// `letopis proof …`.
#[derive(Subcommand)]
pub enum ProofCommand {
    /// Доказательство включения события в журнал заданного размера (RFC 6962).
    Inclusion(InclusionArgs),
    /// Доказательство согласованности: журнал меньшего размера — начало журнала большего.
    Consistency(ConsistencyArgs),
    /// Проверить доказательство по подписанной контрольной точке, без хранилища.
    Verify(VerifyArgs),
}

/// How a proof is printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Для человека.
    Text,
    /// JSON (ENCODING.md, «Merkle tree»).
    Json,
}

/// `letopis proof inclusion`.
#[derive(Args)]
pub struct InclusionArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Номер события.
    #[arg(long)]
    seq: u64,
    /// Размер дерева (число событий); по умолчанию — весь журнал.
    #[arg(long)]
    size: Option<u64>,
    /// Формат вывода.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// `letopis proof consistency`.
#[derive(Args)]
pub struct ConsistencyArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Меньший размер дерева.
    #[arg(long)]
    from: u64,
    /// Больший размер дерева.
    #[arg(long)]
    to: u64,
    /// Формат вывода.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// `letopis proof verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Файл доказательства (JSON из `letopis proof inclusion|consistency --format json`).
    #[arg(long)]
    proof: PathBuf,
    /// Подписанная контрольная точка (для согласованности — более новая).
    #[arg(long)]
    checkpoint: PathBuf,
    /// Прежняя подписанная контрольная точка (только для доказательства согласованности).
    #[arg(long)]
    old_checkpoint: Option<PathBuf>,
    /// Ключ проверки журнала: <имя>+<id>+<base64>, как его напечатал `letopis key generate`.
    #[arg(long)]
    vkey: String,
    /// Хеш события (64 шестнадцатеричные цифры), которое должно быть листом доказательства.
    #[arg(long)]
    event_hash: Option<String>,
}

/// Runs a `proof` subcommand.
pub fn run(command: ProofCommand) -> anyhow::Result<u8> {
    match command {
        ProofCommand::Inclusion(args) => inclusion(args),
        ProofCommand::Consistency(args) => consistency(args),
        ProofCommand::Verify(args) => verify(args),
    }
}

fn inclusion(args: InclusionArgs) -> anyhow::Result<u8> {
    let store = open_store(&args.data)?;
    let size = args.size.unwrap_or(store.head().seq.0);
    let proof = store.inclusion_proof(Seq(args.seq), size)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&proof)?),
        Format::Text => {
            println!(
                "Событие №{} — лист {} дерева из {} листьев; хеш листа {}.",
                args.seq, proof.leaf_index, proof.tree_size, proof.leaf_hash
            );
            print_hashes(&proof.hashes);
        }
    }
    Ok(exit::OK)
}

fn consistency(args: ConsistencyArgs) -> anyhow::Result<u8> {
    let store = open_store(&args.data)?;
    let proof = store.consistency_proof(args.from, args.to)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&proof)?),
        Format::Text => {
            println!("Журнал из {} событий — начало журнала из {} событий.", proof.from, proof.to);
            print_hashes(&proof.hashes);
        }
    }
    Ok(exit::OK)
}

fn print_hashes(hashes: &[tree::TreeHash]) {
    println!("Хеши доказательства ({}), от листа к корню:", hashes.len());
    for hash in hashes {
        println!("  {hash}");
    }
}

/// A proof file: either kind, told apart by its fields.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum AnyProof {
    Inclusion(InclusionProof),
    Consistency(ConsistencyProof),
}

fn verify(args: VerifyArgs) -> anyhow::Result<u8> {
    let vkey = NoteVerifier::parse(args.vkey.trim())
        .map_err(|error| anyhow::anyhow!("--vkey: {}", key_reason(&error)))?;
    let event_hash = match &args.event_hash {
        Some(text) => Some(Hash::from_hex(text).with_context(|| {
            format!("--event-hash: {text:?} — не 64 шестнадцатеричные цифры хеша события")
        })?),
        None => None,
    };
    let proof_bytes = read_limited(&args.proof, PROOF_FILE_BYTES_MAX)?;
    let note = read_limited(&args.checkpoint, NOTE_BYTES_MAX as u64 + 1)?;
    let old_note = match &args.old_checkpoint {
        Some(path) => Some(read_limited(path, NOTE_BYTES_MAX as u64 + 1)?),
        None => None,
    };
    let proof = match serde_json::from_slice::<AnyProof>(&proof_bytes) {
        Ok(proof) => proof,
        Err(_) => {
            return Ok(refuse(
                "файл доказательства — не доказательство включения {\"leaf_index\", \"tree_size\", \
                 \"leaf_hash\", \"hashes\"} и не доказательство согласованности {\"from\", \"to\", \
                 \"hashes\"} (хеши — base64 32 байт)",
            ));
        }
    };
    let outcome = match proof {
        AnyProof::Inclusion(proof) => check_inclusion(&proof, &note, &vkey, event_hash),
        AnyProof::Consistency(proof) => match &old_note {
            Some(old_note) => check_consistency(&proof, old_note, &note, &vkey),
            None => bail!(
                "для доказательства согласованности нужна и прежняя контрольная точка: --old-checkpoint"
            ),
        },
    };
    match outcome {
        Ok(message) => {
            println!("{message}");
            Ok(exit::OK)
        }
        Err(reason) => Ok(refuse(&reason)),
    }
}

fn refuse(reason: &str) -> u8 {
    println!("Доказательство не подтверждено: {reason}.");
    exit::INTEGRITY
}

fn check_inclusion(
    proof: &InclusionProof,
    note: &[u8],
    vkey: &NoteVerifier,
    event_hash: Option<Hash>,
) -> Result<String, String> {
    let checkpoint = open_checkpoint(note, vkey, "контрольная точка")?;
    if proof.tree_size != checkpoint.size.0 {
        return Err(format!(
            "доказательство построено для дерева из {} листьев, а контрольная точка — из {}",
            proof.tree_size, checkpoint.size.0
        ));
    }
    if let Some(hash) = event_hash {
        if !tree::event_leaf(&hash).ct_eq(&proof.leaf_hash) {
            return Err(format!(
                "лист доказательства {} — не лист события с хешем {}",
                proof.leaf_hash,
                hash.to_hex()
            ));
        }
    }
    proof.verify(&checkpoint.root).map_err(|error| proof_reason(&error))?;
    Ok(format!(
        "Доказательство верно: событие №{} входит в журнал {} из {} событий (корень {}); \
         контрольная точка подписана ключом {}+{}.",
        proof.leaf_index.saturating_add(1),
        checkpoint.origin,
        checkpoint.size.0,
        checkpoint.root,
        vkey.name(),
        vkey.id()
    ))
}

fn check_consistency(
    proof: &ConsistencyProof,
    old_note: &[u8],
    note: &[u8],
    vkey: &NoteVerifier,
) -> Result<String, String> {
    let old = open_checkpoint(old_note, vkey, "прежняя контрольная точка")?;
    let new = open_checkpoint(note, vkey, "контрольная точка")?;
    if old.size > new.size {
        return Err(format!(
            "прежняя контрольная точка ({} событий) больше новой ({}): новой выдана более ранняя \
             история — откат",
            old.size.0, new.size.0
        ));
    }
    if proof.from != old.size.0 || proof.to != new.size.0 {
        return Err(format!(
            "доказательство построено для размеров {} → {}, а контрольные точки — {} → {}",
            proof.from, proof.to, old.size.0, new.size.0
        ));
    }
    proof.verify(&old.root, &new.root).map_err(|error| proof_reason(&error))?;
    Ok(format!(
        "Доказательство верно: журнал {} из {} событий (корень {}) — начало журнала из {} событий \
         (корень {}); обе контрольные точки подписаны ключом {}+{}.",
        new.origin,
        old.size.0,
        old.root,
        new.size.0,
        new.root,
        vkey.name(),
        vkey.id()
    ))
}

fn open_checkpoint(note: &[u8], vkey: &NoteVerifier, which: &str) -> Result<Checkpoint, String> {
    checkpoint::open(note, vkey)
        .map(|(checkpoint, _)| checkpoint)
        .map_err(|error| format!("{which}: {}", checkpoint_reason(&error)))
}

fn read_limited(path: &Path, bytes_max: u64) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("не удалось открыть {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(bytes_max.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("не удалось прочитать {}", path.display()))?;
    if bytes.len() as u64 > bytes_max {
        bail!(
            "{} больше {bytes_max} байт: это не доказательство и не контрольная точка",
            path.display()
        );
    }
    Ok(bytes)
}

/// A proof's failure, in Russian.
pub(crate) fn proof_reason(error: &ProofVerifyError) -> String {
    match error {
        ProofVerifyError::TooManyHashes { found, max } => {
            format!("в доказательстве {found} хешей, больше предела {max}")
        }
        ProofVerifyError::LeafBeyondSize { index, size } => format!(
            "лист {index} (событие №{}) не входит в дерево из {size} листьев",
            index.saturating_add(1)
        ),
        ProofVerifyError::ProofTooLong { size } => {
            format!("в доказательстве больше хешей, чем нужно для дерева из {size} листьев")
        }
        ProofVerifyError::ProofTooShort { size } => {
            format!("доказательство обрывается, не дойдя до корня дерева из {size} листьев")
        }
        ProofVerifyError::RootMismatch { computed, expected } => format!(
            "доказательство ведёт к корню {computed}, а в контрольной точке корень {expected}"
        ),
        ProofVerifyError::SizesReversed { from, to } => {
            format!("журнал из {from} событий не может быть началом меньшего журнала из {to}")
        }
        ProofVerifyError::ProofNotEmpty { from, to, found } => format!(
            "доказательство согласованности от размера {from} к {to} должно быть пустым, а в нём \
             {found} хешей"
        ),
        ProofVerifyError::ProofEmpty { from, to } => {
            format!("доказательство согласованности от размера {from} к {to} пусто")
        }
        ProofVerifyError::OldRootMismatch { size, computed, expected } => format!(
            "доказательство ведёт к корню {computed} журнала из {size} событий, а в прежней \
             контрольной точке корень {expected}"
        ),
        ProofVerifyError::SplitView { size, first, second } => format!(
            "у журнала из {size} событий два разных корня, {first} и {second}: журнал показывает \
             разным читателям разную историю"
        ),
    }
}

/// A checkpoint's refusal, in Russian.
pub(crate) fn checkpoint_reason(error: &CheckpointError) -> String {
    match error {
        CheckpointError::Note(error) => note_reason(error),
        CheckpointError::Malformed { line, .. } => {
            let line = match *line {
                "origin" => "происхождение",
                "size" => "размер",
                "root" => "корень",
                "extension" => "расширение",
                _ => "конец текста",
            };
            format!("текст контрольной точки искажён (строка «{line}»)")
        }
        CheckpointError::OriginMismatch { expected, found } => {
            format!("контрольная точка журнала {found:?}, а ключ проверки — журнала {expected:?}")
        }
        CheckpointError::ChainHeadBeyondSize { seq, size } => format!(
            "в контрольной точке последнее событие цепочки №{seq}, а в дереве {size} листьев"
        ),
    }
}

/// A signed note's refusal, in Russian.
pub(crate) fn note_reason(error: &NoteError) -> String {
    match error {
        NoteError::TooLarge { max, .. } => format!("подписанная запись больше {max} байт"),
        NoteError::NotUtf8 => "подписанная запись не в кодировке UTF-8".into(),
        NoteError::ControlCharacter(code) => {
            format!("в подписанной записи управляющий символ {code:#04x}")
        }
        NoteError::NoFinalNewline => "подписанная запись не оканчивается переводом строки".into(),
        NoteError::NoSignatureBlock => {
            "в подписанной записи нет пустой строки перед подписями".into()
        }
        NoteError::MalformedSignature { line, .. } => format!("строка подписи {line} искажена"),
        NoteError::TooManySignatures { max } => {
            format!("в подписанной записи больше {max} строк подписи")
        }
        NoteError::DuplicateSignature { name, id } => {
            format!("ключ {name}+{id} подписал запись дважды")
        }
        NoteError::BadSignature { name, id } => {
            format!("подпись ключа {name}+{id} не сходится: запись изменена или подделана")
        }
        NoteError::NoKnownSignature { known } => {
            format!("запись не подписана ключом журнала ({known})")
        }
        NoteError::BadText => "текст записи пуст или не оканчивается переводом строки".into(),
    }
}

/// A verifier key's refusal, in Russian.
pub(crate) fn key_reason(error: &KeyError) -> String {
    match error {
        KeyError::BadName(name) => {
            format!("имя ключа {name:?} пусто или содержит пробел, '+' или управляющий символ")
        }
        KeyError::Malformed { .. } => "ключ не вида <имя>+<id>+<base64>".into(),
        KeyError::BadId(id) => format!("идентификатор ключа {id:?} — не 8 шестнадцатеричных цифр"),
        KeyError::BadMaterial => "ключ — не base64 от байта 0x01 и 32 байт ключа Ed25519".into(),
        KeyError::IdMismatch { written, computed } => format!(
            "идентификатор ключа {written} не соответствует имени и ключу (должен быть {computed})"
        ),
    }
}
