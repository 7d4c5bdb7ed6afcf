//! The room of signed checkpoints (sled tree `checkpoints`): the note bytes by tree size, so any
//! checkpoint the log ever signed can be handed out again, and the log never signs a second
//! root for a size (a split view) since the size's note is reused.
//!
//! Key: tree size (u64 BE). Value: the signed note, exactly as signed. What a note holds is
//! `proto_events::tlog::checkpoint`'s; every put is flushed before it returns.
//!
//! Beside it, sled tree `cosignatures`: tree size (u64 BE) ‖ the witness's key name → its
//! cosignature line of that size's note (C2SP tlog-cosignature/v1, verified by whoever adds it),
//! so a note is served with every cosignature gathered, the log's own signature first.

use crate::store::{Store, StoreError};

/// The sled tree of the room.
const CHECKPOINTS_TREE: &str = "checkpoints";
/// The sled tree of the witnesses' cosignatures.
const COSIGNATURES_TREE: &str = "cosignatures";

/// Signed checkpoints by tree size. Cloning is cheap.
#[derive(Clone)]
pub struct Checkpoints {
    tree: sled::Tree,
    cosignatures: sled::Tree,
}

impl Store {
    /// The room of signed checkpoints.
    pub fn checkpoints(&self) -> Result<Checkpoints, StoreError> {
        Ok(Checkpoints {
            tree: self.room_tree(CHECKPOINTS_TREE)?,
            cosignatures: self.room_tree(COSIGNATURES_TREE)?,
        })
    }
}

impl Checkpoints {
    /// Stores the note of `size` durably, unless one is stored already: returns the note kept.
    pub fn put_first(&self, size: u64, note: &[u8]) -> Result<Vec<u8>, StoreError> {
        let kept = self.tree.compare_and_swap(size.to_be_bytes(), None::<&[u8]>, Some(note))?;
        self.tree.flush()?;
        Ok(match kept {
            Ok(()) => note.to_vec(),
            Err(existing) => existing.current.map(|bytes| bytes.to_vec()).unwrap_or_default(),
        })
    }

    /// The note of `size`, if one was signed.
    pub fn get(&self, size: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(size.to_be_bytes())?.map(|note| note.to_vec()))
    }

    /// The note of the largest size, with its size.
    pub fn latest(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let Some((key, note)) = self.tree.last()? else {
            return Ok(None);
        };
        let size = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes).map_err(|_| {
            StoreError::BadIndex { what: "ключ контрольной точки" }
        })?;
        Ok(Some((size, note.to_vec())))
    }

    /// Keeps a witness's cosignature line (without its newline) of the note of `size`, durably;
    /// a later line of the same witness replaces it.
    pub fn add_cosignature(&self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
        let mut key = size.to_be_bytes().to_vec();
        key.extend_from_slice(witness.as_bytes());
        self.cosignatures.insert(key, line.as_bytes())?;
        self.cosignatures.flush()?;
        Ok(())
    }

    /// The note of `size` with every cosignature line gathered for it (by witness name).
    pub fn get_cosigned(&self, size: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(mut note) = self.get(size)? else {
            return Ok(None);
        };
        for line in self.cosignatures.scan_prefix(size.to_be_bytes()).values() {
            note.extend_from_slice(&line?);
            note.push(b'\n');
        }
        Ok(Some(note))
    }

    /// Every size with a note, ascending.
    pub fn sizes(&self) -> Result<Vec<u64>, StoreError> {
        let mut sizes = Vec::new();
        for key in self.tree.iter().keys() {
            let key = key?;
            let size = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes).map_err(|_| {
                StoreError::BadIndex { what: "ключ контрольной точки" }
            })?;
            sizes.push(size);
        }
        Ok(sizes)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::reopened_after;

    #[test]
    fn a_size_keeps_its_first_note_and_every_note_survives_a_reopen() {
        let (_dir, store) = reopened_after(|store| {
            let checkpoints = store.checkpoints().unwrap();
            assert_eq!(checkpoints.put_first(5, b"five").unwrap(), b"five");
            assert_eq!(checkpoints.put_first(2, b"two").unwrap(), b"two");
            assert_eq!(checkpoints.put_first(5, b"another five").unwrap(), b"five");
        });
        let checkpoints = store.checkpoints().unwrap();
        assert_eq!(checkpoints.sizes().unwrap(), vec![2, 5]);
        assert_eq!(checkpoints.get(2).unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(checkpoints.get(3).unwrap(), None);
        assert_eq!(checkpoints.latest().unwrap(), Some((5, b"five".to_vec())));
    }

    #[test]
    fn cosignatures_are_gathered_after_the_note_by_witness() {
        let (_dir, store) = reopened_after(|store| {
            let checkpoints = store.checkpoints().unwrap();
            checkpoints.put_first(5, b"five\n\n- log sig\n").unwrap();
            checkpoints.add_cosignature(5, "w.b", "- w.b old").unwrap();
            checkpoints.add_cosignature(5, "w.b", "- w.b sig").unwrap();
            checkpoints.add_cosignature(5, "w.a", "- w.a sig").unwrap();
            checkpoints.add_cosignature(50, "w.a", "- w.a of 50").unwrap();
        });
        let checkpoints = store.checkpoints().unwrap();
        let note = checkpoints.get_cosigned(5).unwrap().unwrap();
        assert_eq!(note, b"five\n\n- log sig\n- w.a sig\n- w.b sig\n");
        assert_eq!(checkpoints.get(5).unwrap().unwrap(), b"five\n\n- log sig\n");
        assert_eq!(checkpoints.get_cosigned(50).unwrap(), None);
    }
}
