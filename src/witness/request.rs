//! The body of a C2SP tlog-witness `add-checkpoint` request: `old <size>\n`, at most 63 lines of
//! base64 consistency proof hashes, a blank line, then the signed checkpoint note.

use proto_events::tlog::{TreeHash, TreeSize};

/// Most proof lines a request may carry (the specification: a client sends at most 63).
pub const PROOF_LINES_MAX: usize = 63;

/// A parsed request; the note is still unopened bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint<'a> {
    /// The size of the checkpoint the client believes the witness cosigned last.
    pub old: TreeSize,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<TreeHash>,
    /// The signed checkpoint note.
    pub note: &'a [u8],
}

/// What is wrong with a request's body (the witness answers 400).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No blank line ends the proof lines.
    #[error("в запросе нет пустой строки перед контрольной точкой")]
    NoBlankLine,
    /// The first line is not `old <decimal>`.
    #[error("первая строка запроса должна быть «old <размер>» без ведущих нулей")]
    BadOldLine,
    /// A proof line is not base64 of 32 bytes.
    #[error("строка доказательства {line} не является base64 32 байт")]
    BadProofLine {
        /// 1-based number among the proof lines.
        line: usize,
    },
    /// More than `PROOF_LINES_MAX` proof lines.
    #[error("в доказательстве больше {max} строк")]
    TooManyProofLines {
        /// `PROOF_LINES_MAX`.
        max: usize,
    },
}

/// Parses a request body.
pub fn parse(body: &[u8]) -> Result<AddCheckpoint<'_>, RequestError> {
    // The old size line and the proof lines are never empty, so the first blank line ends them.
    let split =
        body.windows(2).position(|pair| pair == b"\n\n").ok_or(RequestError::NoBlankLine)?;
    let (head, rest) = body.split_at(split + 1);
    let note = rest.get(1..).unwrap_or_default();
    let head = std::str::from_utf8(head).map_err(|_| RequestError::BadOldLine)?;
    let mut lines = head.split_terminator('\n');
    let old =
        lines.next().and_then(|line| line.strip_prefix("old ")).ok_or(RequestError::BadOldLine)?;
    let old = parse_decimal(old).ok_or(RequestError::BadOldLine)?;
    let mut proof = Vec::new();
    for (number, line) in lines.enumerate() {
        if number >= PROOF_LINES_MAX {
            return Err(RequestError::TooManyProofLines { max: PROOF_LINES_MAX });
        }
        let hash =
            TreeHash::from_base64(line).ok_or(RequestError::BadProofLine { line: number + 1 })?;
        proof.push(hash);
    }
    Ok(AddCheckpoint { old: TreeSize(old), proof, note })
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
    use crate::witness::request::{parse, RequestError, PROOF_LINES_MAX};

    fn check(body: &str, expected: Result<(u64, usize, &str), RequestError>) {
        let parsed = parse(body.as_bytes()).map(|request| {
            (request.old.0, request.proof.len(), std::str::from_utf8(request.note).unwrap())
        });
        assert_eq!(parsed, expected, "{body:?}");
    }

    #[test]
    fn parses_the_specifications_shape() {
        let hash = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=";
        check(
            &format!("old 5\n{hash}\n{hash}\n\nlog\n7\nroot\n\n— sig\n"),
            Ok((5, 2, "log\n7\nroot\n\n— sig\n")),
        );
        check("old 0\n\nnote\n\n— s\n", Ok((0, 0, "note\n\n— s\n")));
    }

    #[test]
    fn refuses_malformed_bodies() {
        check("old 5\n", Err(RequestError::NoBlankLine));
        check("old 05\n\nx", Err(RequestError::BadOldLine));
        check("old -1\n\nx", Err(RequestError::BadOldLine));
        check("new 5\n\nx", Err(RequestError::BadOldLine));
        check("old 5\nAAAA\n\nx", Err(RequestError::BadProofLine { line: 1 }));
        let hash = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
        let body = format!("old 1\n{}\nx", hash.repeat(PROOF_LINES_MAX + 1));
        check(&body, Err(RequestError::TooManyProofLines { max: PROOF_LINES_MAX }));
    }
}
