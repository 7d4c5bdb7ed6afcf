//! The ledger's refusals in Russian words, for people: the CLI prints them, the API's messages
//! use the same phrases. The store's errors are data with an English `Display` for logs; this
//! is the one place that words them for officials.

use proto_events::{EventId, Seq};

use crate::store::{AppendError, Expected, Unavailable};

/// An append refusal as a sentence for the CLI.
pub fn append_error(error: &AppendError) -> String {
    match error {
        AppendError::EmptyBatch => "пакет событий пуст".to_string(),
        AppendError::BatchTooLarge { events, max } => {
            format!("в пакете {events} событий, допускается не больше {max}")
        }
        AppendError::Limit { event_index, source } => format!(
            "событие {event_index} пакета: поле {} длиной {} байт, допускается не больше {}",
            source.field, source.value, source.max
        ),
        AppendError::Conflict { stream, expected, actual } => format!(
            "конфликт версий потока {stream}: ожидалось: {}, текущая версия {actual}",
            expected_in_words(expected)
        ),
        AppendError::IdReused { id, seq } => reused_id(id, *seq),
        AppendError::PartialRetry { id, seq } => partial_retry(id, *seq),
        AppendError::DuplicateInBatch { id } => {
            format!("идентификатор события {id} повторяется в пакете")
        }
        AppendError::Rejected(rejection) => format!(
            "отклонено: событие {} пакета, поле {} = {:?}: {}",
            rejection.event_index, rejection.field, rejection.value, rejection.rule
        ),
        AppendError::Encoding { event_index, reason } => {
            format!("событие {event_index} пакета не удалось закодировать: {reason}")
        }
        AppendError::Unavailable(why) => unavailable(why),
        AppendError::Store(error) => error.to_string(),
    }
}

/// Why the ledger takes no appends.
pub fn unavailable(why: &Unavailable) -> String {
    match why {
        Unavailable::Stopped => "журнал не принимает записи: запись остановлена".to_string(),
        Unavailable::Failed(error) => {
            format!("журнал не принимает записи: сбой хранилища, нужен перезапуск: {error}")
        }
    }
}

/// A reused id with other content: «идентификатор … уже записан (№N) с другим содержанием»,
/// the seq only where it may be told.
pub fn reused_id(id: &EventId, seq: Option<Seq>) -> String {
    format!("идентификатор {id} уже записан{} с другим содержанием", at_seq(seq))
}

/// Some ids of a batch recorded and some not.
pub fn partial_retry(id: &EventId, seq: Option<Seq>) -> String {
    format!(
        "идентификатор {id} уже записан{}, а другие события пакета нет: повтор должен быть тем же пакетом",
        at_seq(seq)
    )
}

/// « (№N)» after a reused id, when its seq may be told (never to a municipality or
/// organisation: see `access`, row 5).
fn at_seq(seq: Option<Seq>) -> String {
    seq.map_or_else(String::new, |seq| format!(" (№{seq})"))
}

/// An expectation named by its code (`Expected::code`) in Russian words: «версия 5», «поток без
/// событий», «любая версия»; any other text is shown as it is.
pub fn expected_in_words(code: &str) -> String {
    match code {
        "any" => "любая версия".to_string(),
        "no stream" => "поток без событий".to_string(),
        _ => match code.strip_prefix("version ").and_then(|version| version.parse::<u64>().ok()) {
            Some(version) => format!("версия {version}"),
            None => code.to_string(),
        },
    }
}

/// An expectation as the object of «ожидает»: «любую версию», «отсутствие событий», «версию 5».
pub fn expected_accusative(expected: Expected) -> String {
    match expected {
        Expected::Any => "любую версию".into(),
        Expected::NoStream => "отсутствие событий".into(),
        Expected::Exact(version) => format!("версию {version}"),
    }
}
