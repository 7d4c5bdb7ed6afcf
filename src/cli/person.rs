//! `letopis person`: the erasable personal-data directory, outside the hash chain.
//!
//! Records are printed only by `get`, on stdout, to the operator who asked; nothing here logs
//! personal data.

use std::path::PathBuf;

use anyhow::Context;

use crate::personal::{PersonRecord, PersonalDirectory};

/// Personal-data subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum PersonCommand {
    /// Remove a person's personal data (the ledger still verifies).
    Erase {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Pseudonymous id.
        id: String,
    },
    /// Store or replace a person's personal data.
    Put {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Pseudonymous id.
        id: String,
        /// ФИО.
        #[arg(long)]
        full_name: String,
        /// СНИЛС (11 digits, checked).
        #[arg(long)]
        snils: Option<String>,
        /// A contact (e-mail, phone); repeatable.
        #[arg(long = "contact")]
        contacts: Vec<String>,
    },
    /// Print a person's personal data as JSON.
    Get {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Pseudonymous id.
        id: String,
    },
    /// List the ids that have personal data.
    List {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
    },
}

/// Exit code when the person has no record.
const NOT_FOUND: u8 = 4;

pub(crate) fn run(command: PersonCommand) -> anyhow::Result<u8> {
    match command {
        PersonCommand::Erase { data, id } => {
            let directory = open(&data)?;
            if directory.erase(&id).with_context(|| format!("erasing {id}"))? {
                println!("персональные данные {id} удалены");
                Ok(0)
            } else {
                eprintln!("нет персональных данных для {id}");
                Ok(NOT_FOUND)
            }
        }
        PersonCommand::Put { data, id, full_name, snils, contacts } => {
            let directory = open(&data)?;
            let record = PersonRecord { full_name, snils, contacts };
            directory.put(&id, &record).with_context(|| format!("storing {id}"))?;
            println!("персональные данные {id} сохранены");
            Ok(0)
        }
        PersonCommand::Get { data, id } => {
            let directory = open(&data)?;
            match directory.get(&id).with_context(|| format!("reading {id}"))? {
                Some(record) => {
                    println!("{}", serde_json::to_string_pretty(&record)?);
                    Ok(0)
                }
                None => {
                    eprintln!("нет персональных данных для {id}");
                    Ok(NOT_FOUND)
                }
            }
        }
        PersonCommand::List { data } => {
            for id in open(&data)?.list_ids()? {
                println!("{id}");
            }
            Ok(0)
        }
    }
}

fn open(data: &std::path::Path) -> anyhow::Result<PersonalDirectory> {
    let store = super::open_store(data)?;
    PersonalDirectory::open(&store).context("opening the personal-data directory")
}
