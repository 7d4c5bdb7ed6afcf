//! The log mirror in `verify --data`: the whole mirror is walked and compared with the store, so
//! a damaged mirror, or a store that lost what the mirror holds, is an integrity answer (exit 3)
//! with the remedy. (Opening the writer refuses such a mirror: `commands::open_ledger`.)

use std::path::Path;

use proto_events::{Hash, Seq};

use crate::store::{MirrorError, MirrorRecords, Store, MIRROR_DIR};

/// What `verify --data` found in the mirror.
pub(crate) enum MirrorCheck {
    /// No mirror yet (a store written before the mirror existed, or never opened for writing).
    Absent,
    /// The mirror holds exactly the store's log.
    Agrees {
        /// Its last seq.
        last_seq: u64,
    },
    /// The mirror holds a prefix of the store's log: a kill between the two writes, caught up
    /// when the writer next opens.
    Behind {
        /// The mirror's last seq.
        mirror_seq: u64,
        /// The store's.
        store_seq: u64,
    },
    /// The mirror is damaged, ahead of the store, or disagrees with it: the message and remedy.
    Broken {
        /// The first seq in question (0 when none is named).
        seq: u64,
        /// What is wrong, in Russian, with the remedy.
        reason: String,
    },
}

/// Walks the whole mirror of the store at `data` and compares it with `store` (None when the
/// store itself cannot be read: only the mirror's own state is reported).
pub(crate) fn check(data: &Path, store: Option<&Store>) -> MirrorCheck {
    if !data.join(MIRROR_DIR).is_dir() {
        return MirrorCheck::Absent;
    }
    let (last_seq, last_hash) = match walk(data) {
        Ok(last) => last,
        Err(error) => {
            let seq = match &error {
                MirrorError::Damaged { after_seq, .. } => after_seq.saturating_add(1),
                _ => 0,
            };
            let reason = format!(
                "зеркало журнала повреждено ({}). Что делать: если хранилище цело, \
                 переместите каталог {} в сторону — при следующем запуске записи зеркало будет \
                 собрано заново из хранилища",
                error_words(&error),
                data.join(MIRROR_DIR).display()
            );
            return MirrorCheck::Broken { seq, reason };
        }
    };
    let Some(store) = store else { return MirrorCheck::Agrees { last_seq: last_seq.0 } };
    let store_head = store.head();
    if last_seq > store_head.seq {
        let reason = format!(
            "в зеркале журнала события до №{}, а в хранилище только до №{}: хранилище потеряло \
             подтверждённые события. Что делать: letopis log restore --from-mirror {} --data \
             <пустой каталог>",
            last_seq.0,
            store_head.seq.0,
            data.display()
        );
        return MirrorCheck::Broken { seq: store_head.seq.0.saturating_add(1), reason };
    }
    let stored_hash = match store.get(last_seq) {
        Ok(Some(event)) => event.hash,
        _ if last_seq.0 == 0 => Hash::ZERO,
        _ => Hash([0xff; 32]),
    };
    if stored_hash != last_hash {
        let reason = format!(
            "зеркало и хранилище расходятся в событии №{}: одна из копий изменена",
            last_seq.0
        );
        return MirrorCheck::Broken { seq: last_seq.0, reason };
    }
    if last_seq < store_head.seq {
        return MirrorCheck::Behind { mirror_seq: last_seq.0, store_seq: store_head.seq.0 };
    }
    MirrorCheck::Agrees { last_seq: last_seq.0 }
}

/// A mirror error in Russian (the store's own wording is English).
pub(crate) fn error_words(error: &MirrorError) -> String {
    match error {
        MirrorError::Io { path, reason } => format!("не читается {}: {reason}", path.display()),
        MirrorError::Damaged { path, after_seq, reason } => {
            format!("сегмент {} повреждён после события №{after_seq}: {reason}", path.display())
        }
        MirrorError::Ahead { store_head, mirror_head } => {
            format!("в зеркале события до №{mirror_head}, в хранилище только до №{store_head}")
        }
        MirrorError::Disagree { seq } => {
            format!("зеркало и хранилище расходятся в событии №{seq}")
        }
        MirrorError::Store(error) => error.to_string(),
    }
}

fn walk(data: &Path) -> Result<(Seq, Hash), MirrorError> {
    let mut records = MirrorRecords::open(data, false)?;
    let mut record = Vec::with_capacity(4096);
    while records.next_record(&mut record)?.is_some() {}
    Ok(records.last())
}
