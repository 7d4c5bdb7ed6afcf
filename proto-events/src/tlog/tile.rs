//! C2SP tlog-tiles addressing: the tree served as tiles of height 8 (256 hashes each), a tile
//! at level `L` holding the hashes of the complete subtrees of height `8·L`, and the entry
//! bundles of the leaves' data. This module parses and writes the paths
//! (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, the index `N` in zero-padded groups of
//! three digits, all but the last prefixed `x`: 1234067 is `x001/x234/067`) and says which tiles
//! a tree size has; reading the hashes is the store's.

/// Tree levels per tile (C2SP tlog-tiles: tiles of height 8).
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH_MAX: u16 = 256;
/// Highest tile level the specification allows.
pub const TILE_LEVEL_MAX: u8 = 63;
/// Most path groups of an index (`u64::MAX` has 20 digits: 7 groups).
const INDEX_GROUPS_MAX: usize = 7;

/// What a tile path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileKind {
    /// Hashes of the tree at tile level `L` (tree level `8·L`).
    Hashes {
        /// The tile level.
        level: u8,
    },
    /// The leaves' data (an entry bundle).
    Entries,
}

/// One tile or entry bundle: its kind, index among its level, and width (256 when full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TilePath {
    /// Hashes at a level, or entries.
    pub kind: TileKind,
    /// The tile's index among its level.
    pub index: u64,
    /// Hashes (entries) in the tile, 1..=256; 256 is a full tile (no `.p/` suffix).
    pub width: u16,
}

/// Why a path names no tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    /// The level is not a decimal 0..=63 without leading zeros.
    #[error("the tile level must be a decimal number from 0 to 63 without leading zeros")]
    BadLevel,
    /// The index is not groups of three digits, all but the last prefixed `x`.
    #[error("the tile index must be groups of three digits, all but the last prefixed x (x001/x234/067)")]
    BadIndex,
    /// The width after `.p/` is not a decimal 1..=255 without leading zeros.
    #[error("the partial tile width must be a decimal number from 1 to 255 without leading zeros")]
    BadWidth,
}

impl TilePath {
    /// Parses what follows `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    pub fn parse(path: &str) -> Result<TilePath, TilePathError> {
        let (first, rest) = path.split_once('/').ok_or(TilePathError::BadIndex)?;
        let kind = if first == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(first).ok_or(TilePathError::BadLevel)?;
            let level = u8::try_from(level)
                .ok()
                .filter(|level| *level <= TILE_LEVEL_MAX)
                .ok_or(TilePathError::BadLevel)?;
            TileKind::Hashes { level }
        };
        let (index, width) = match rest.split_once(".p/") {
            None => (rest, TILE_WIDTH_MAX),
            Some((index, width)) => {
                let width = parse_decimal(width)
                    .and_then(|width| u16::try_from(width).ok())
                    .filter(|width| (1..TILE_WIDTH_MAX).contains(width))
                    .ok_or(TilePathError::BadWidth)?;
                (index, width)
            }
        };
        Ok(TilePath { kind, index: parse_index(index)?, width })
    }

    /// The path after `tile/`, as `parse` reads it.
    pub fn to_path(&self) -> String {
        let kind = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        let mut path = format!("{kind}/{}", index_path(self.index));
        if self.width < TILE_WIDTH_MAX {
            path.push_str(&format!(".p/{}", self.width));
        }
        path
    }

    /// Whether the tree of `size` leaves has this tile: its hashes (entries) are all complete
    /// subtrees (leaves) of that tree.
    pub fn exists_at(&self, size: u64) -> bool {
        let level = match self.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => 0,
        };
        let available = u32::from(level)
            .checked_mul(u32::from(TILE_HEIGHT))
            .and_then(|shift| size.checked_shr(shift))
            .unwrap_or(0);
        self.index
            .checked_mul(u64::from(TILE_WIDTH_MAX))
            .and_then(|start| start.checked_add(u64::from(self.width)))
            .is_some_and(|end| end <= available)
    }
}

/// The index as path groups: `x001/x234/067`.
pub fn index_path(index: u64) -> String {
    let digits = index.to_string();
    let padded = format!("{}{digits}", "0".repeat((3 - digits.len() % 3) % 3));
    let groups: Vec<&str> =
        (0..padded.len() / 3).filter_map(|n| padded.get(n * 3..n * 3 + 3)).collect();
    let last = groups.len().saturating_sub(1);
    groups
        .iter()
        .enumerate()
        .map(|(n, group)| if n < last { format!("x{group}") } else { (*group).to_string() })
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_index(text: &str) -> Result<u64, TilePathError> {
    let groups: Vec<&str> = text.split('/').collect();
    if groups.is_empty() || groups.len() > INDEX_GROUPS_MAX {
        return Err(TilePathError::BadIndex);
    }
    let last = groups.len() - 1;
    let mut digits = String::new();
    for (n, group) in groups.iter().enumerate() {
        let group = if n < last { group.strip_prefix('x') } else { Some(*group) };
        let group =
            group.filter(|group| group.len() == 3 && group.bytes().all(|b| b.is_ascii_digit()));
        digits.push_str(group.ok_or(TilePathError::BadIndex)?);
    }
    let index: u64 = digits.parse().map_err(|_| TilePathError::BadIndex)?;
    // One spelling per index: no leading group of zeros.
    if index_path(index) != text {
        return Err(TilePathError::BadIndex);
    }
    Ok(index)
}

/// ASCII decimal without leading zeros (but `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{index_path, TileKind, TilePath, TilePathError};

    fn check(path: &str, expected: Result<(TileKind, u64, u16), TilePathError>) {
        let parsed = TilePath::parse(path).map(|tile| (tile.kind, tile.index, tile.width));
        assert_eq!(parsed, expected, "{path}");
        if let Ok(tile) = TilePath::parse(path) {
            assert_eq!(tile.to_path(), path);
        }
    }

    #[test]
    fn paths_of_the_specification() {
        let hashes = |level| TileKind::Hashes { level };
        check("0/000", Ok((hashes(0), 0, 256)));
        check("1/x001/x234/067", Ok((hashes(1), 1_234_067, 256)));
        check("0/273.p/112", Ok((hashes(0), 273, 112)));
        check("2/000.p/1", Ok((hashes(2), 0, 1)));
        check("entries/x001/000.p/5", Ok((TileKind::Entries, 1000, 5)));
        check("63/000", Ok((hashes(63), 0, 256)));
        assert_eq!(index_path(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
        check("0/x018/x446/x744/x073/x709/x551/615", Ok((hashes(0), u64::MAX, 256)));
    }

    #[test]
    fn malformed_paths_are_refused() {
        check("64/000", Err(TilePathError::BadLevel));
        check("01/000", Err(TilePathError::BadLevel));
        check("a/000", Err(TilePathError::BadLevel));
        check("0/0", Err(TilePathError::BadIndex));
        check("0/x000/001", Err(TilePathError::BadIndex));
        check("0/001/002", Err(TilePathError::BadIndex));
        check("0/x1234", Err(TilePathError::BadIndex));
        check("0/x018/x446/x744/x073/x709/x551/616", Err(TilePathError::BadIndex));
        check("0/000.p/0", Err(TilePathError::BadWidth));
        check("0/000.p/256", Err(TilePathError::BadWidth));
        check("0/000.p/05", Err(TilePathError::BadWidth));
        check("0", Err(TilePathError::BadIndex));
        check("entries", Err(TilePathError::BadIndex));
    }

    #[test]
    fn which_tiles_a_size_has() {
        // The specification's example: 70,000 leaves.
        let tile =
            |level, index, width| TilePath { kind: TileKind::Hashes { level }, index, width };
        assert!(tile(0, 272, 256).exists_at(70_000));
        assert!(!tile(0, 273, 256).exists_at(70_000));
        assert!(tile(0, 273, 112).exists_at(70_000));
        assert!(!tile(0, 273, 113).exists_at(70_000));
        assert!(tile(1, 0, 256).exists_at(70_000));
        assert!(tile(1, 1, 17).exists_at(70_000));
        assert!(!tile(1, 1, 18).exists_at(70_000));
        assert!(tile(2, 0, 1).exists_at(70_000));
        assert!(!tile(3, 0, 1).exists_at(70_000));
        assert!(tile(1, 0, 1).exists_at(256));
        assert!(!tile(0, u64::MAX, 1).exists_at(u64::MAX));
        assert!(!tile(63, 0, 1).exists_at(u64::MAX));
    }
}
