//! The room of personal records (sled tree `persons`): bytes by pseudonymous person id, outside
//! the hash chain, so that a record can be erased without touching an event.
//!
//! What a record holds and how it is checked is `personal`'s; this room only keeps the bytes
//! durably (every put and erase is flushed before it returns).

use crate::store::{Store, StoreError};

/// The sled tree of the room.
const PERSONS_TREE: &str = "persons";

/// Personal records by person id. Cloning is cheap.
#[derive(Clone)]
pub struct Persons {
    tree: sled::Tree,
}

impl Store {
    /// The room of personal records.
    pub fn persons(&self) -> Result<Persons, StoreError> {
        Ok(Persons { tree: self.room_tree(PERSONS_TREE)? })
    }
}

impl Persons {
    /// Stores (or replaces) the record of `id`, durably.
    pub fn put(&self, id: &str, record: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(id.as_bytes(), record)?;
        self.tree.flush()?;
        Ok(())
    }

    /// The record of `id`, if present.
    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(id.as_bytes())?.map(|record| record.to_vec()))
    }

    /// Removes the record of `id` durably; true when there was one.
    pub fn erase(&self, id: &str) -> Result<bool, StoreError> {
        let removed = self.tree.remove(id.as_bytes())?.is_some();
        self.tree.flush()?;
        Ok(removed)
    }

    /// Every id with a record, in byte order.
    pub fn ids(&self) -> Result<Vec<String>, StoreError> {
        let mut ids = Vec::new();
        for key in self.tree.iter().keys() {
            ids.push(String::from_utf8_lossy(&key?).into_owned());
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::reopened_after;

    #[test]
    fn records_survive_a_reopen_and_an_erased_one_stays_erased() {
        let (_dir, store) = reopened_after(|store| {
            let persons = store.persons().unwrap();
            persons.put("t-2", b"second").unwrap();
            persons.put("t-1", b"first").unwrap();
            persons.put("t-3", b"third").unwrap();
            persons.put("t-1", b"first, replaced").unwrap();
            assert!(persons.erase("t-3").unwrap());
            assert!(!persons.erase("t-3").unwrap());
        });
        let persons = store.persons().unwrap();
        assert_eq!(persons.ids().unwrap(), vec!["t-1".to_string(), "t-2".to_string()]);
        assert_eq!(persons.get("t-1").unwrap().as_deref(), Some(&b"first, replaced"[..]));
        assert_eq!(persons.get("t-3").unwrap(), None);
    }
}
