//! The one error type of the HTTP API and the extractors that make every caller mistake come
//! back in our JSON format (`code`, Russian `message`, optional `field`), never as axum's text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::{AppendError, RejectionClass, StoreError};

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code: `unauthorized`, `forbidden`, `malformed_request`,
    /// `invalid_parameter`, `invalid_field`, `unknown_reference`,
    /// `conflict`, `not_found`, `payload_too_large`, `unsupported_media_type`, `unavailable`,
    /// `internal`.
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
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(self) -> ErrorBody {
        let plain = |code, message: String| ErrorBody {
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
        };
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
                    crate::store::expected_in_words(&expected)
                ),
                field: Some("expected_version".into()),
                stream: Some(stream),
                expected: Some(expected),
                actual: Some(actual),
                ..plain("conflict", String::new())
            },
            ApiError::Malformed(detail) => {
                plain("malformed_request", format!("Запрос не разобран: {detail}."))
            }
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
            ApiError::UnsupportedMediaType => plain(
                "unsupported_media_type",
                "Тело запроса должно быть JSON (Content-Type: application/json).".into(),
            ),
            ApiError::Unavailable(detail) => {
                eprintln!("журнал не принимает записи: {detail}");
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

/// Largest request body accepted, bytes.
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

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
            AppendError::IdReused { id, seq } => ApiError::Conflict(format!(
                "идентификатор {id} уже записан (№{seq}) с другим содержанием"
            )),
            AppendError::PartialRetry { id, seq } => ApiError::Conflict(format!(
                "идентификатор {id} уже записан (№{seq}), а другие события пакета нет: повтор должен быть тем же пакетом"
            )),
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
                    RejectionClass::Invalid => {
                        ApiError::InvalidField { field, value: rejection.value, rule: rejection.rule }
                    }
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
            AppendError::Unavailable(reason) => ApiError::Unavailable(reason),
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
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
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
