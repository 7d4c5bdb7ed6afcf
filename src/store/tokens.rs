//! The room of access-token records (sled tree `tokens`): bytes by the BLAKE3 of the token's
//! secret, outside the hash chain. The secret itself is never stored.
//!
//! What a record holds and what a token may do is `server::auth`'s; this room only keeps the
//! bytes durably (every put and removal is flushed before it returns).

use crate::store::{Store, StoreError};

/// The sled tree of the room.
const TOKENS_TREE: &str = "tokens";

/// Token records by the hash of their secret. Cloning is cheap.
#[derive(Clone)]
pub struct Tokens {
    tree: sled::Tree,
}

impl Store {
    /// The room of token records.
    pub fn tokens(&self) -> Result<Tokens, StoreError> {
        Ok(Tokens { tree: self.room_tree(TOKENS_TREE)? })
    }
}

impl Tokens {
    /// Stores the record of the token whose secret hashes to `secret_hash`, durably.
    pub fn put(&self, secret_hash: &[u8; 32], record: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(secret_hash, record)?;
        self.tree.flush()?;
        Ok(())
    }

    /// The record of the token whose secret hashes to `secret_hash`, if any.
    pub fn get(&self, secret_hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(secret_hash)?.map(|record| record.to_vec()))
    }

    /// Every record, in the order of the secrets' hashes.
    pub fn records(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut records = Vec::new();
        for record in self.tree.iter().values() {
            records.push(record?.to_vec());
        }
        Ok(records)
    }

    /// Removes every record `matches` accepts, durably; returns how many.
    pub fn remove_where(&self, matches: impl Fn(&[u8]) -> bool) -> Result<u64, StoreError> {
        let mut removed = 0u64;
        for entry in self.tree.iter() {
            let (key, record) = entry?;
            if matches(&record) {
                self.tree.remove(key)?;
                removed = removed.saturating_add(1);
            }
        }
        self.tree.flush()?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::reopened_after;

    #[test]
    fn records_survive_a_reopen_and_removed_ones_stay_removed() {
        let (_dir, store) = reopened_after(|store| {
            let tokens = store.tokens().unwrap();
            tokens.put(&[2; 32], b"second").unwrap();
            tokens.put(&[1; 32], b"first").unwrap();
            tokens.put(&[3; 32], b"revoked").unwrap();
            assert_eq!(tokens.remove_where(|record| record == b"revoked").unwrap(), 1);
            assert_eq!(tokens.remove_where(|record| record == b"revoked").unwrap(), 0);
        });
        let tokens = store.tokens().unwrap();
        assert_eq!(tokens.records().unwrap(), vec![b"first".to_vec(), b"second".to_vec()]);
        assert_eq!(tokens.get(&[2; 32]).unwrap().as_deref(), Some(&b"second"[..]));
        assert_eq!(tokens.get(&[3; 32]).unwrap(), None);
    }
}
