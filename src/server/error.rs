//! The one error type of the HTTP API and the extractors that make every caller mistake come
//! back in our JSON format (`code`, Russian `message`, optional `field`), never as axum's text.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::commands::wording;
use crate::store::{AppendError, RejectionClass, StoreError};

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code: `unauthorized`, `forbidden`, `malformed_request`,
    /// `invalid_parameter`, `invalid_field`, `unknown_reference`,
    /// `conflict`, `not_found`, `payload_too_large`, `headers_too_large`, `uri_too_long`,
    /// `unsupported_media_type`, `unavailable`, `internal`.
    pub code: &'static str,
    /// A human message, in Russian.
    pub message: String,
    /// The offending field (dotted path), when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The offending value, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The rule the value breaks, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For a refused command: the role (with its scope) that may not record `kind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For a refused command: the kind refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// For a version conflict: the stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// For a version conflict: the version the request expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// For a version conflict: the stream's actual version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<u64>,
    /// For our own failures: the id under which the details were logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Everything a handler can answer instead of success.
#[derive(Debug)]
pub enum ApiError {
    /// No token, or one we do not know (401).
    Unauthorized,
    /// The token's role or scope does not allow this (403).
    Forbidden(String),
    /// The command gate refused the kind for this role or scope (403, `forbidden` with `role`
    /// and `kind`).
    Refused {
        /// The role, with its scope.
        role: String,
        /// The kind refused.
        kind: String,
        /// Dotted path of the deciding field.
        field: String,
        /// Its value.
        value: String,
        /// The rule.
        rule: String,
    },
    /// The body or query is not what the API accepts: bad JSON, unknown field, wrong type (400).
    Malformed(String),
    /// A query parameter is not what the API accepts: a bad date, knowledge point or scope (400).
    InvalidParameter {
        /// The parameter's name.
        field: String,
        /// The value as given.
        value: String,
        /// What is expected.
        rule: String,
    },
    /// A field breaks a rule (422).
    InvalidField {
        /// Dotted path of the field.
        field: String,
        /// The value as text.
        value: String,
        /// The rule.
        rule: String,
    },
    /// The request refers to something that does not exist (422).
    UnknownReference {
        /// Dotted path of the field.
        field: String,
        /// The value.
        value: String,
    },
    /// The stream is not at the expected version (409, `conflict` with `stream`, `expected`,
    /// `actual`).
    VersionConflict {
        /// The stream.
        stream: String,
        /// What the request expected.
        expected: String,
        /// The actual version.
        actual: u64,
    },
    /// Optimistic concurrency or idempotency conflict (409).
    Conflict(String),
    /// No such resource (404).
    NotFound(String),
    /// The body is larger than the limit (413).
    TooLarge,
    /// An upload is larger than its route's limit (413).
    UploadTooLarge {
        /// The limit, bytes.
        limit_bytes: usize,
    },
    /// The request's headers are larger than the server reads (431; answered by
    /// `server::connection` for hyper, which refuses them before any handler runs).
    HeadersTooLarge,
    /// The request's target is longer than the server reads (414; as `HeadersTooLarge`).
    UriTooLong,
    /// Unsupported media type (415).
    UnsupportedMediaType,
    /// The ledger is not accepting appends (503).
    Unavailable(String),
    /// Our failure: details are logged, the body is generic (500).
    Internal(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::Malformed(_) | ApiError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::InvalidField { .. } | ApiError::UnknownReference { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Conflict(_) | ApiError::VersionConflict { .. } => StatusCode::CONFLICT,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooLarge | ApiError::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body of each variant: one arm per variant, the table of our error format.
    fn body(self) -> ErrorBody {
        let plain = ErrorBody::plain;
        match self {
            ApiError::Unauthorized => plain(
                "unauthorized",
                "Нужен действующий токен доступа: заголовок Authorization: Bearer <токен>.".into(),
            ),
            ApiError::Forbidden(what) => {
                plain("forbidden", format!("Роль токена не разрешает это действие: {what}."))
            }
            ApiError::Refused { role, kind, field, value, rule } => ErrorBody {
                message: format!(
                    "Роль {role} не может записывать события {kind}: {rule} (поле {field})."
                ),
                field: Some(field),
                value: Some(value),
                rule: Some(rule),
                role: Some(role),
                kind: Some(kind),
                ..plain("forbidden", String::new())
            },
            ApiError::VersionConflict { stream, expected, actual } => ErrorBody {
                message: format!(
                    "Конфликт версий: поток {stream}, ожидалось: {}, текущая версия {actual}.",
                    wording::expected_in_words(&expected)
                ),
                field: Some("expected_version".into()),
                stream: Some(stream),
                expected: Some(expected),
                actual: Some(actual),
                ..plain("conflict", String::new())
            },
            ApiError::Malformed(detail) => plain(
                "malformed_request",
                format!("Запрос не разобран: {}.", detail_in_russian(&detail)),
            ),
            ApiError::InvalidParameter { field, value, rule } => ErrorBody {
                code: "invalid_parameter",
                message: format!("Недопустимое значение параметра {field}: {rule}."),
                field: Some(field),
                value: Some(value),
                rule: Some(rule),
                ..plain("", String::new())
            },
            ApiError::InvalidField { field, value, rule } => ErrorBody {
                code: "invalid_field",
                message: format!("Недопустимое значение поля {field}: {rule}."),
                field: Some(field),
                value: Some(value),
                rule: Some(rule),
                ..plain("", String::new())
            },
            ApiError::UnknownReference { field, value } => ErrorBody {
                code: "unknown_reference",
                message: format!("Поле {field} ссылается на несуществующий объект {value}."),
                field: Some(field),
                value: Some(value),
                ..plain("", String::new())
            },
            ApiError::Conflict(detail) => {
                plain("conflict", format!("Конфликт с текущим состоянием журнала: {detail}."))
            }
            ApiError::NotFound(what) => plain("not_found", format!("Не найдено: {what}.")),
            ApiError::UploadTooLarge { limit_bytes } => plain(
                "payload_too_large",
                format!("Загружаемый файл больше допустимого ({limit_bytes} байт)."),
            ),
            ApiError::TooLarge => plain(
                "payload_too_large",
                format!("Тело запроса больше допустимого ({BODY_BYTES_MAX} байт)."),
            ),
            ApiError::HeadersTooLarge => plain(
                "headers_too_large",
                "Заголовки запроса больше, чем сервер читает (их слишком много или они слишком длинные).".into(),
            ),
            ApiError::UriTooLong => {
                plain("uri_too_long", "Адрес запроса длиннее, чем сервер читает.".into())
            }
            ApiError::UnsupportedMediaType => plain(
                "unsupported_media_type",
                "Тело запроса должно быть JSON (Content-Type: application/json).".into(),
            ),
            ApiError::Unavailable(detail) => {
                eprintln!("{detail}");
                plain("unavailable", "Журнал временно не принимает записи.".into())
            }
            ApiError::Internal(detail) => {
                let request_id = uuid::Uuid::now_v7().to_string();
                eprintln!("внутренняя ошибка (запрос {request_id}): {detail}");
                ErrorBody {
                    request_id: Some(request_id),
                    ..plain("internal", "Внутренняя ошибка сервера.".into())
                }
            }
        }
    }
}

impl ErrorBody {
    /// A body with only a code and a message; the variants that name more fill it in over this.
    fn plain(code: &'static str, message: String) -> ErrorBody {
        ErrorBody {
            code,
            message,
            field: None,
            value: None,
            rule: None,
            role: None,
            kind: None,
            stream: None,
            expected: None,
            actual: None,
            request_id: None,
        }
    }
}

/// Largest request body accepted, bytes.
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

impl ApiError {
    /// The status and the JSON body, for the one place that writes a response without axum
    /// (`server::connection`, in place of hyper's bodiless refusals).
    pub fn status_and_json(self) -> (StatusCode, Vec<u8>) {
        let status = self.status();
        let json = serde_json::to_vec(&self.body()).unwrap_or_default();
        (status, json)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        (status, axum::Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<AppendError> for ApiError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::EmptyBatch => ApiError::Malformed("пустой пакет команд".into()),
            AppendError::BatchTooLarge { events, max } => ApiError::InvalidField {
                field: "commands".into(),
                value: events.to_string(),
                rule: format!("не больше {max} команд в пакете"),
            },
            AppendError::Limit { event_index, source } => ApiError::InvalidField {
                field: format!("commands[{event_index}].{}", source.field),
                value: source.value.to_string(),
                rule: format!("не больше {} байт", source.max),
            },
            AppendError::Conflict { stream, expected, actual } => {
                ApiError::VersionConflict { stream: stream.to_string(), expected, actual }
            }
            // A municipality or organisation is told no seq (`Idempotency::OwnEvents`).
            AppendError::IdReused { id, seq } => ApiError::Conflict(wording::reused_id(&id, seq)),
            AppendError::PartialRetry { id, seq } => {
                ApiError::Conflict(wording::partial_retry(&id, seq))
            }
            AppendError::DuplicateInBatch { id } => ApiError::InvalidField {
                field: "id".into(),
                value: id.to_string(),
                rule: "идентификатор повторяется в пакете".into(),
            },
            // Commands reach the ledger through `commands::submit`, which turns a rejection into a
            // `CommandError`; this answers a raw append's rejection by its class all the same.
            AppendError::Rejected(rejection) => {
                let field = format!("commands[{}].{}", rejection.event_index, rejection.field);
                match rejection.class {
                    RejectionClass::Invalid => ApiError::InvalidField {
                        field,
                        value: rejection.value,
                        rule: rejection.rule,
                    },
                    RejectionClass::UnknownReference => {
                        ApiError::UnknownReference { field, value: rejection.value }
                    }
                    RejectionClass::Forbidden => ApiError::Forbidden(rejection.rule),
                }
            }
            AppendError::Encoding { event_index, reason } => ApiError::InvalidField {
                field: format!("commands[{event_index}]"),
                value: String::new(),
                rule: reason,
            },
            AppendError::Unavailable(why) => ApiError::Unavailable(wording::unavailable(&why)),
            AppendError::Store(error) => ApiError::Internal(error.to_string()),
        }
    }
}

/// `axum::Json` with our rejection: bad JSON, unknown fields and wrong types are 400 in our
/// format, an oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::Malformed(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body as `ApiJson` reads it, from its bytes: the one JSON parser of request bodies
/// (also the body of the `command_json` fuzz target).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON allows a key twice and serde_json keeps the last; a command whose two readers
    // could see different values is refused instead.
    serde_json::from_slice::<NoDuplicateKeys>(bytes)
        .map_err(|error| ApiError::Malformed(format!("тело запроса: {error}")))?;
    match axum::Json::<T>::from_bytes(bytes) {
        Ok(axum::Json(value)) => Ok(value),
        Err(rejection) => Err(json_rejection(rejection)),
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`), as
/// `axum::Json` decides it.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|subtype| subtype.ends_with("+json"))
}

/// Any JSON value in which no object has a key twice (serde_json's recursion limit bounds the
/// depth).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicateKeys, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<NoDuplicateKeys>()?;
            if let Some(key) = seen.replace(key) {
                return Err(serde::de::Error::custom(format!(
                    "ключ «{key}» повторяется в одном объекте"
                )));
            }
        }
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::JsonDataError(error) => ApiError::Malformed(error.body_text()),
        JsonRejection::JsonSyntaxError(error) => ApiError::Malformed(error.body_text()),
        other => ApiError::Malformed(other.body_text()),
    }
}

/// `axum::extract::Query` with our rejection (400 in our format).
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection: QueryRejection| ApiError::Malformed(rejection.body_text()))
    }
}

/// `axum::extract::Path` with our rejection (400 in our format).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection: PathRejection| ApiError::Malformed(rejection.body_text()))
    }
}

// ---------------------------------------------------------------------------------------------
// Why a request was not parsed, in Russian.
//
// A malformed body, query or path is described by serde, serde_json and axum in English ("unknown
// field `colour`, expected one of `id`, `kind`", "EOF while parsing a value at line 1 column 8").
// Their messages have been stable for years; the known ones are rewritten here, and anything else
// (our own Russian texts included) is kept as it is.

/// Fixed phrases of axum's rejections, serde_json's syntax errors and std's number parsing.
const PHRASES: [(&str, &str); 27] = [
    ("Failed to parse the request body as JSON: ", "тело запроса не является правильным JSON: "),
    ("Failed to deserialize the JSON body into the target type: ", ""),
    ("Failed to deserialize query string: ", "параметры адреса: "),
    ("Failed to buffer the request body: ", "тело запроса не прочитано: "),
    ("Invalid URL: ", "адрес: "),
    ("Invalid `boundary` for `multipart/form-data` request", "неверная граница формы multipart"),
    ("Error parsing `multipart/form-data` request", "форма multipart не разобрана"),
    ("data did not match any variant of untagged enum ", "тело не подходит ни под один вид: "),
    ("EOF while parsing a value", "JSON оборван"),
    ("EOF while parsing an object", "JSON оборван внутри объекта"),
    ("EOF while parsing a list", "JSON оборван внутри массива"),
    ("EOF while parsing a string", "JSON оборван внутри строки"),
    ("trailing characters", "после JSON лишние символы"),
    ("trailing comma", "лишняя запятая"),
    ("expected value", "ожидалось значение JSON"),
    ("expected ident", "ожидалось true, false или null"),
    ("expected `:`", "ожидалось «:»"),
    ("expected `,` or `}`", "ожидалось «,» или «}»"),
    ("expected `,` or `]`", "ожидалось «,» или «]»"),
    ("key must be a string", "ключ объекта должен быть строкой"),
    ("invalid number", "неверное число"),
    ("number out of range", "число вне допустимых пределов"),
    ("recursion limit exceeded", "слишком глубокая вложенность"),
    ("provided string was not `true` or `false`", "ожидается true или false"),
    ("invalid digit found in string", "ожидается целое число"),
    ("cannot parse integer from empty string", "пустое значение вместо числа"),
    ("number too large to fit in target type", "число слишком велико"),
];

/// `detail` with the English of serde, serde_json and axum rewritten in Russian.
pub(crate) fn detail_in_russian(detail: &str) -> String {
    let (text, position) = split_position(detail);
    let mut text = text.to_string();
    for (english, russian) in PHRASES {
        text = text.replace(english, russian);
    }
    // The uuid crate explains a bad UUID character by character, in English.
    if let Some(at) = text.find("UUID parsing failed") {
        text.truncate(at);
        text.push_str("значение не является UUID");
    }
    let text = serde_message_in_russian(&text);
    match position {
        Some((line, column)) => format!("{text} (строка {line}, позиция {column})"),
        None => text,
    }
}

/// serde_json's " at line L column C" suffix, split off.
fn split_position(detail: &str) -> (&str, Option<(&str, &str)>) {
    let Some(at) = detail.rfind(" at line ") else { return (detail, None) };
    let tail = detail.get(at + " at line ".len()..).unwrap_or_default();
    let Some((line, column)) = tail.split_once(" column ") else { return (detail, None) };
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    if digits(line) && digits(column) {
        (detail.get(..at).unwrap_or(detail), Some((line, column)))
    } else {
        (detail, None)
    }
}

/// serde's own messages (`serde::de::Error`'s defaults), wherever they start in `text`.
fn serde_message_in_russian(text: &str) -> String {
    const STARTS: [&str; 7] = [
        "unknown field `",
        "unknown variant `",
        "missing field `",
        "duplicate field `",
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
    ];
    let Some((at, start)) =
        STARTS.iter().filter_map(|start| text.find(start).map(|at| (at, *start))).min()
    else {
        return text.to_string();
    };
    let (prefix, message) = text.split_at(at);
    let rest = message.get(start.len()..).unwrap_or_default();
    let russian = match start {
        "unknown field `" | "unknown variant `" => {
            let (name, allowed) = rest.split_once('`').unwrap_or((rest, ""));
            let allowed: Vec<&str> = allowed.split('`').skip(1).step_by(2).collect();
            let what = if start == "unknown field `" { "поле" } else { "значение" };
            if allowed.is_empty() {
                format!("неизвестное {what} «{name}»")
            } else {
                format!("неизвестное {what} «{name}»; допустимы: {}", allowed.join(", "))
            }
        }
        "missing field `" => format!("нет обязательного поля «{}»", rest.trim_end_matches('`')),
        "duplicate field `" => format!("поле «{}» указано дважды", rest.trim_end_matches('`')),
        _ => {
            let (found, expected) = match rest.rfind(", expected ") {
                Some(split) => (
                    rest.get(..split).unwrap_or(rest),
                    rest.get(split + ", expected ".len()..).unwrap_or_default(),
                ),
                None => (rest, ""),
            };
            let (what, found) = match start {
                "invalid type: " => ("неверный тип", unexpected_in_russian(found)),
                "invalid value: " => ("недопустимое значение", unexpected_in_russian(found)),
                _ => ("неверная длина", found.to_string()),
            };
            if expected.is_empty() {
                format!("{what}: {found}")
            } else {
                format!("{what}: {found}, ожидается {}", expected_in_russian(expected))
            }
        }
    };
    format!("{prefix}{russian}")
}

/// serde's `Unexpected`: what was found.
fn unexpected_in_russian(found: &str) -> String {
    let quoted =
        |prefix: &str| found.strip_prefix(prefix).map(|value| value.trim_matches('`').to_string());
    if let Some(value) = found.strip_prefix("string ") {
        return format!("строка {value}");
    }
    for (prefix, russian) in [
        ("integer ", "целое число"),
        ("floating point ", "дробное число"),
        ("boolean ", "логическое значение"),
        ("character ", "символ"),
    ] {
        if let Some(value) = quoted(prefix) {
            return format!("{russian} {value}");
        }
    }
    match found {
        "null" | "unit value" => "null".to_string(),
        "map" => "объект".to_string(),
        "sequence" => "массив".to_string(),
        "byte array" => "массив байт".to_string(),
        other => other.to_string(),
    }
}

/// A visitor's `expecting`: what was expected.
fn expected_in_russian(expected: &str) -> String {
    let integer = ["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128"];
    let russian = match expected {
        "a string" | "a borrowed string" | "string" => "строка",
        "f32" | "f64" => "число",
        "a boolean" | "bool" => "логическое значение",
        "a sequence" => "массив",
        "a map" => "объект",
        "a char" => "символ",
        "unit" => "null",
        "option" => "значение или null",
        "field identifier" => "имя поля",
        "variant identifier" => "имя варианта",
        _ if integer.contains(&expected) => "целое число",
        _ if expected.starts_with("struct ") || expected.contains("tagged enum ") => "объект",
        _ if ["tuple", "a tuple", "an array"].iter().any(|start| expected.starts_with(start)) => {
            "массив"
        }
        _ if expected.contains("UUID") => "UUID",
        other => return other.to_string(),
    };
    russian.to_string()
}

#[cfg(test)]
mod tests {
    use super::detail_in_russian;

    #[test]
    #[rustfmt::skip]
    fn serde_and_axum_details_read_in_russian() {
        for (english, russian) in [
            ("Failed to parse the request body as JSON: kind: EOF while parsing a value at line 1 column 8",
             "тело запроса не является правильным JSON: kind: JSON оборван (строка 1, позиция 8)"),
            ("key must be a string at line 1 column 2", "ключ объекта должен быть строкой (строка 1, позиция 2)"),
            ("commands[0].payload: unknown field `extra`, expected `municipality` or `name`",
             "commands[0].payload: неизвестное поле «extra»; допустимы: municipality, name"),
            ("unknown field `colour`, expected one of `id`, `kind`, `payload`",
             "неизвестное поле «colour»; допустимы: id, kind, payload"),
            ("unknown field `x`, there are no fields", "неизвестное поле «x»"),
            ("commands[0].payload: unknown variant `sometime`, expected one of `date`, `range`",
             "commands[0].payload: неизвестное значение «sometime»; допустимы: date, range"),
            ("missing field `kind`", "нет обязательного поля «kind»"),
            ("duplicate field `kind` at line 1 column 20", "поле «kind» указано дважды (строка 1, позиция 20)"),
            ("invalid type: integer `5`, expected a string", "неверный тип: целое число 5, ожидается строка"),
            ("invalid type: string \"a, expected b\", expected u64", "неверный тип: строка \"a, expected b\", ожидается целое число"),
            ("invalid type: sequence, expected struct CommandBody", "неверный тип: массив, ожидается объект"),
            ("invalid type: null, expected идентификатор (строка)", "неверный тип: null, ожидается идентификатор (строка)"),
            ("invalid value: integer `-1`, expected u64", "недопустимое значение: целое число -1, ожидается целое число"),
            ("invalid length 3, expected a tuple of size 2", "неверная длина: 3, ожидается массив"),
            ("UUID parsing failed: invalid character: found `n` at 0", "значение не является UUID"),
            ("Failed to deserialize query string: evidence: provided string was not `true` or `false`",
             "параметры адреса: evidence: ожидается true или false"),
            ("Failed to deserialize query string: from: invalid digit found in string",
             "параметры адреса: from: ожидается целое число"),
            ("пустой пакет команд", "пустой пакет команд"),
            ("commands[0].payload: годы 2025–2021 должны идти по возрастанию", "commands[0].payload: годы 2025–2021 должны идти по возрастанию"),
            ("a line at line x column 3", "a line at line x column 3"),
            ("", ""),
        ] {
            assert_eq!(detail_in_russian(english), russian, "{english}");
        }
    }
}
