//! `letopis token`: bearer tokens for the API. `create` prints only the token on stdout (so
//! scripts can capture it); the store keeps only its hash.

use std::path::PathBuf;

use anyhow::Context;

use crate::cli::{exit, open_store};
use crate::server::auth::{create_token, list_tokens, revoke_token, Role};

/// Token subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum TokenCommand {
    /// Создать токен; в стандартный вывод печатается только сам токен.
    Create {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Роль: ministry | operator | municipality | organisation | auditor (или municipality:<код>).
        #[arg(long)]
        role: String,
        /// Область действия для ролей municipality и organisation.
        #[arg(long)]
        scope: Option<String>,
    },
    /// Список токенов: идентификаторы и роли (без секретов).
    List {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
    },
    /// Отозвать токен по идентификатору.
    Revoke {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Идентификатор токена (tok-…), как его показывает `token list`.
        id: String,
    },
}

pub(crate) fn run(command: TokenCommand) -> anyhow::Result<u8> {
    match command {
        TokenCommand::Create { data, role, scope } => {
            let role = Role::parse(&role, scope.as_deref())
                .map_err(|reason| anyhow::anyhow!("роль: {reason}"))?;
            let store = open_store(&data)?;
            let (secret, record) =
                create_token(&store, role).context("не удалось создать токен")?;
            eprintln!("создан токен {} с ролью {}", record.id, record.role);
            println!("{secret}");
            Ok(exit::OK)
        }
        TokenCommand::List { data } => {
            let store = open_store(&data)?;
            for record in list_tokens(&store).context("не удалось прочитать список токенов")?
            {
                println!("{}\t{}\t{}", record.id, record.role, record.created_at);
            }
            Ok(exit::OK)
        }
        TokenCommand::Revoke { data, id } => {
            let store = open_store(&data)?;
            if revoke_token(&store, &id).context("не удалось отозвать токен")?
            {
                eprintln!("токен {id} отозван");
                Ok(exit::OK)
            } else {
                eprintln!("токен {id} не найден");
                Ok(exit::ERROR)
            }
        }
    }
}
