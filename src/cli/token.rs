//! `letopis token`: bearer tokens for the API. `create` prints only the token on stdout (so
//! scripts can capture it); the store keeps only its hash.

use std::path::PathBuf;

use anyhow::Context;

use crate::cli::{exit, open_store};
use crate::server::auth::{create_token, list_tokens, revoke_token, Role};

/// Token subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token; prints only the token on stdout.
    Create {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// ministry | operator | municipality | organisation | auditor (or municipality:<code>).
        #[arg(long)]
        role: String,
        /// Scope for municipality / organisation roles.
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
        /// Token id (tok-…), as `token list` shows it.
        id: String,
    },
}

pub(crate) fn run(command: TokenCommand) -> anyhow::Result<u8> {
    match command {
        TokenCommand::Create { data, role, scope } => {
            let role = Role::parse(&role, scope.as_deref())
                .map_err(|reason| anyhow::anyhow!("роль: {reason}"))?;
            let store = open_store(&data)?;
            let (secret, record) = create_token(&store, role).context("creating a token")?;
            eprintln!("создан токен {} с ролью {}", record.id, record.role);
            println!("{secret}");
            Ok(exit::OK)
        }
        TokenCommand::List { data } => {
            let store = open_store(&data)?;
            for record in list_tokens(&store).context("listing tokens")? {
                println!("{}\t{}\t{}", record.id, record.role, record.created_at);
            }
            Ok(exit::OK)
        }
        TokenCommand::Revoke { data, id } => {
            let store = open_store(&data)?;
            if revoke_token(&store, &id).context("revoking a token")? {
                eprintln!("токен {id} отозван");
                Ok(exit::OK)
            } else {
                eprintln!("токен {id} не найден");
                Ok(exit::ERROR)
            }
        }
    }
}
