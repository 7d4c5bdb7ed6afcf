//! Streaming reads over the event keyspace: iterators that never load the ledger into memory.

use proto_events::{Envelope, Seq};

use crate::store::{keys, StoreError};

/// Events in seq order, decoded and hash-checked one at a time.
pub struct EventIter {
    inner: sled::Iter,
}

impl EventIter {
    pub(crate) fn range(tree: &sled::Tree, from: Seq, to: Seq) -> EventIter {
        let from = Seq(from.0.max(1));
        let inner = if from > to {
            // An empty range that sled accepts.
            tree.range(keys::event(Seq(1))..keys::event(Seq(1)))
        } else {
            tree.range(keys::event(from)..=keys::event(to))
        };
        EventIter { inner }
    }
}

impl Iterator for EventIter {
    type Item = Result<Envelope, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.inner.next()?;
        Some(item.map_err(StoreError::from).and_then(|(key, value)| {
            let seq = keys::seq_from_event_key(&key)?;
            Envelope::open(&value).map_err(|source| StoreError::Corrupt { seq, source })
        }))
    }
}

pub(crate) fn raw_range(
    tree: &sled::Tree,
    from: Seq,
    to: Seq,
) -> impl Iterator<Item = Result<(Seq, Vec<u8>), StoreError>> + Send + 'static {
    let from = Seq(from.0.max(1));
    let iter = if from > to {
        tree.range(keys::event(Seq(1))..keys::event(Seq(1)))
    } else {
        tree.range(keys::event(from)..=keys::event(to))
    };
    iter.map(|item| {
        let (key, value) = item?;
        Ok((Seq(keys::seq_from_event_key(&key)?), value.to_vec()))
    })
}
