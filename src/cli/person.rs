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
    /// Удалить персональные данные человека (журнал при этом остаётся целым).
    Erase {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Псевдонимный идентификатор человека.
        id: String,
    },
    /// Сохранить или заменить персональные данные человека.
    Put {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Псевдонимный идентификатор человека.
        id: String,
        /// ФИО.
        #[arg(long)]
        full_name: String,
        /// СНИЛС (11 цифр, проверяется контрольное число).
        #[arg(long)]
        snils: Option<String>,
        /// Контакт (e-mail, телефон); можно несколько раз.
        #[arg(long = "contact")]
        contacts: Vec<String>,
    },
    /// Вывести персональные данные человека в JSON.
    Get {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Псевдонимный идентификатор человека.
        id: String,
    },
    /// Перечислить идентификаторы, для которых есть персональные данные.
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
            if directory
                .erase(&id)
                .with_context(|| format!("не удалось удалить персональные данные {id}"))?
            {
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
            directory
                .put(&id, &record)
                .with_context(|| format!("не удалось сохранить персональные данные {id}"))?;
            println!("персональные данные {id} сохранены");
            Ok(0)
        }
        PersonCommand::Get { data, id } => {
            let directory = open(&data)?;
            match directory
                .get(&id)
                .with_context(|| format!("не удалось прочитать персональные данные {id}"))?
            {
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
    PersonalDirectory::open(&store).context("не удалось открыть справочник персональных данных")
}
