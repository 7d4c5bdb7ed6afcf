//! The OpenAPI document against the router that serves it (issue #18): every route is in the
//! document and every documented operation is served; parameters sit where they are read; every
//! `/api/v1` operation needs the bearer token and says so; the command body covers every kind
//! with the limits the stateless rules check; the interactive docs answer without a token.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, Role};
use letopis::server::openapi::{golden_payloads, integer_bounds, string_limit};
use letopis::server::{docs, router, routes, AppState};
use proto_events::vocabulary::Payload;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{StepClock, TempLedger};

struct Server {
    _ledger: TempLedger,
    router: Router,
    token: String,
}

impl Server {
    fn new() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
        let ledger = TempLedger { dir, ledger };
        let token = create_token(ledger.store(), "ministry".parse::<Role>().unwrap()).unwrap().0;
        let router = router(AppState::new(ledger.ledger.clone()));
        Server { _ledger: ledger, router, token }
    }

    /// The status, content type and body of one request.
    async fn call(&self, method: Method, path: &str, token: bool) -> (StatusCode, String, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(path);
        if token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        }
        let response =
            self.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_string())
            .unwrap_or_default();
        if content_type.starts_with("text/event-stream") {
            return (status, content_type, Vec::new());
        }
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, content_type, body)
    }

    async fn document(&self) -> Value {
        let (status, _, body) = self.call(Method::GET, "/openapi.json", false).await;
        assert_eq!(status, StatusCode::OK);
        serde_json::from_slice(&body).unwrap()
    }
}

/// Every (path, method) of the document.
fn operations(document: &Value) -> Vec<(String, Method)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((path.clone(), method.to_uppercase().parse().unwrap()));
        }
    }
    operations
}

/// A document path with every `{placeholder}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| if segment.starts_with('{') { "x" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a concrete path is one the axum route pattern matches.
fn matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    for (index, segment) in pattern.iter().enumerate() {
        if segment.starts_with("{*") {
            return path.len() > index;
        }
        match path.get(index) {
            Some(_) if segment.starts_with('{') => {}
            Some(actual) if actual == segment => {}
            _ => return false,
        }
    }
    path.len() == pattern.len()
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_served() {
    let server = Server::new();
    let document = server.document().await;
    let operations = operations(&document);
    for (path, method) in &operations {
        let (status, _, body) = server.call(method.clone(), &concrete(path), true).await;
        let text = String::from_utf8_lossy(&body);
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not served");
        assert!(!text.contains("такого адреса нет"), "{method} {path} reaches the fallback");
    }
    for (pattern, method, _) in routes() {
        let documented = operations
            .iter()
            .any(|(path, documented)| *documented == method && matches(pattern, &concrete(path)));
        assert!(documented, "{method} {pattern} is served but not in the document");
    }
}

#[tokio::test]
async fn every_api_operation_needs_the_bearer_token_and_says_so() {
    let server = Server::new();
    let document = server.document().await;
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (path, method) in operations(&document) {
        let operation = &document["paths"][&path][method.as_str().to_lowercase()];
        if path.starts_with("/api/v1/") {
            assert_eq!(operation["security"], serde_json::json!([{ "bearer": [] }]), "{path}");
            let (status, _, _) = server.call(method.clone(), &concrete(&path), false).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token");
            let unauthorized = &operation["responses"]["401"]["content"]["application/json"];
            assert_eq!(unauthorized["schema"]["$ref"], "#/components/schemas/ErrorBody", "{path}");
        } else {
            assert!(operation.get("security").is_none(), "{path} needs no token");
            let (status, _, _) = server.call(method.clone(), &concrete(&path), false).await;
            assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token");
        }
    }
}

#[tokio::test]
async fn parameters_sit_where_the_handlers_read_them() {
    let server = Server::new();
    let document = server.document().await;
    for (path, method) in operations(&document) {
        let operation = &document["paths"][&path][method.as_str().to_lowercase()];
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            match parameter["in"].as_str().unwrap() {
                "path" => {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{path}: {name} is no placeholder"
                    );
                    assert_eq!(parameter["required"], true, "{path}: {name}");
                }
                "query" => assert_eq!(parameter["required"], false, "{path}: {name} is optional"),
                other => panic!("{path}: {name} in {other}"),
            }
        }
    }
}

#[tokio::test]
async fn the_command_body_is_one_of_every_kind() {
    let server = Server::new();
    let document = server.document().await;
    let schemas = &document["components"]["schemas"];
    let command = &schemas["Command"];
    assert_eq!(command["discriminator"]["propertyName"], "kind");
    let mapping = command["discriminator"]["mapping"].as_object().unwrap();
    let kinds: Vec<&str> = Payload::KINDS.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(mapping.keys().map(String::as_str).collect::<Vec<_>>().len(), kinds.len());
    for kind in &kinds {
        let reference = mapping[*kind].as_str().unwrap();
        let name = reference.rsplit('/').next().unwrap();
        let schema = &schemas[name];
        assert_eq!(schema["properties"]["kind"]["enum"], serde_json::json!([kind]), "{kind}");
        let payload = schema["properties"]["payload"]["$ref"].as_str().unwrap();
        let payload = &schemas[payload.rsplit('/').next().unwrap()];
        assert_eq!(payload["type"], "object", "{kind}");
        assert_eq!(payload["additionalProperties"], false, "{kind}");
    }
    assert_eq!(command["oneOf"].as_array().unwrap().len(), kinds.len());
    let request = &document["paths"]["/api/v1/commands"]["post"]["requestBody"];
    assert_eq!(
        request["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CommandsRequest"
    );
}

/// A documented length or bound is one the stateless rules hold: a value just past it is refused
/// naming the field (checked on every kind's golden sample, for each of its fields with a limit).
#[test]
fn documented_limits_are_the_ones_validate_checks() {
    let mut checked = 0;
    for payload in golden_payloads().unwrap() {
        let json = serde_json::to_value(&payload).unwrap();
        let fields = json["payload"].as_object().unwrap().clone();
        for (field, value) in &fields {
            let mut past = Vec::new();
            if let (Value::String(_), Some((_, max))) = (value, string_limit(field)) {
                past.push(Value::String("a".repeat(max + 1)));
            }
            if let (Value::Number(_), Some((min, max))) = (value, integer_bounds(field)) {
                past.push(Value::from(max + 1));
                if min > 0 {
                    past.push(Value::from(min - 1));
                }
            }
            for value in past {
                let mut changed = json.clone();
                changed["payload"][field] = value.clone();
                let refused = match serde_json::from_value::<Payload>(changed) {
                    Ok(changed) => changed.validate().err().map(|error| error.field),
                    Err(_) => Some(field.clone()),
                };
                let kind = payload.kind();
                let refused =
                    refused.unwrap_or_else(|| panic!("{kind}.{field} = {value} accepted"));
                assert!(refused.starts_with(field.as_str()), "{kind}.{field}: refused {refused}");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} limits checked");
}

#[tokio::test]
async fn the_docs_and_their_files_answer_without_a_token() {
    let server = Server::new();
    let (status, content_type, body) = server.call(Method::GET, "/docs", false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/html; charset=utf-8");
    let page = String::from_utf8(body).unwrap();
    for needle in ["/openapi.json", "persistAuthorization: true", "/docs/swagger-ui-bundle.js"] {
        assert!(page.contains(needle), "the page lacks {needle}");
    }
    assert!(!page.contains("https://"), "the page fetches from the internet");
    for (name, expected_type, bytes) in docs::ASSETS {
        let (status, content_type, body) =
            server.call(Method::GET, &format!("/docs/{name}"), false).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(content_type, *expected_type, "{name}");
        assert_eq!(body.len(), bytes.len(), "{name}");
    }
    let (status, _, body) = server.call(Method::GET, "/docs/swagger-ui.js.map", false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "not_found");
}

/// Issue #13: the evidence route documents `proofs` and `size`, and its answer the bundle's
/// fields, the inclusion proof's being those of `proto_events::tlog::InclusionProof`.
#[tokio::test]
async fn the_evidence_bundle_is_documented() {
    let server = Server::new();
    let document = server.document().await;
    let operation = &document["paths"]["/api/v1/figures/{code}/evidence"]["get"];
    let names: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"proofs") && names.contains(&"size"), "{names:?}");
    let schemas = &document["components"]["schemas"];
    let fields = |name: &str| -> Vec<String> {
        let mut fields: Vec<String> =
            schemas[name]["properties"].as_object().unwrap().keys().cloned().collect();
        fields.sort();
        fields
    };
    assert_eq!(fields("EvidenceBundle"), ["checkpoint", "evidence"]);
    assert_eq!(fields("EvidenceEvent"), ["id", "inclusion", "record", "seq"]);
    let proof = proto_events::tlog::InclusionProof {
        leaf_index: 0,
        tree_size: 1,
        leaf_hash: proto_events::tlog::TreeHash([0; 32]),
        hashes: Vec::new(),
    };
    let proof = serde_json::to_value(proof).unwrap();
    let mut proof_fields: Vec<String> = proof.as_object().unwrap().keys().cloned().collect();
    proof_fields.sort();
    assert_eq!(fields("InclusionProofBody"), proof_fields);
}
