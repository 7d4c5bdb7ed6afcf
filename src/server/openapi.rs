//! What the OpenAPI document needs beyond utoipa's derives: the bearer security scheme, and the
//! request body of every command kind, generated from the vocabulary's own types.
//!
//! The payload schemas are traced from the types' serde implementations (`serde-reflection`), so
//! a field, an enum variant or an optional field cannot be documented otherwise than the server
//! parses it; proto-events knows nothing of this (the hashed format does not depend on a web
//! crate). The tracer sees the canonical (binary) form, which equals the JSON form except for the
//! few types that write themselves as text in JSON; those are named in `json_form_of`:
//! a `Date` (days as `i32` in the binary form, `YYYY-MM-DD` in JSON; no payload field is a bare
//! `i32`, checked when tracing), an event id (16 bytes, a UUID string in JSON), a `Scope`, a plan
//! term and a correction's replacement. String limits come from the stateless rules
//! (`proto_events::vocabulary::validation`) by field name (`string_limit`); a test in
//! `tests/it/openapi.rs` checks every limit against `Payload::validate`.
//! The examples are the golden samples of `proto-events/tests/vectors/payloads.txt`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proto_events::limits::{BATCH_EVENTS_MAX, SHORT_TEXT_BYTES_MAX};
use proto_events::term::{Frequency, TextReason};
use proto_events::vocabulary::validation::{
    ACTIVITY_NUMBER_BYTES_MAX, ID_BYTES_MAX, ITEMS_MAX, LABEL_BYTES_MAX, TEXT_BYTES_MAX,
    TITLE_BYTES_MAX,
};
use proto_events::vocabulary::*;
use proto_events::Basis;
use serde_json::{json, Value};
use serde_reflection::{
    ContainerFormat, Format, Named, Samples, Tracer, TracerConfig, VariantFormat,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::Modify;

/// The golden sample of every kind: kind, then the payload's JSON.
const GOLDEN_PAYLOADS: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/proto-events/tests/vectors/payloads.txt"));

/// Adds the `bearer` security scheme that every `/api/v1` operation requires.
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Токен доступа: `letopis token create --data <dir> --role <роль>`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the schemas of the command body: `CommandsRequest` (one command or a batch), `Command`
/// (one of `Command_<kind>`, keyed by `kind`), each kind's payload, and `Replacement`.
pub struct CommandSchemas;

impl Modify for CommandSchemas {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        match command_schemas() {
            Ok(schemas) => {
                for (name, schema) in schemas {
                    components.schemas.insert(name.clone(), schema.clone());
                }
            }
            // Our bug, never the caller's: the document still serves, the test suite fails.
            Err(error) => eprintln!("схемы команд для OpenAPI не построены: {error}"),
        }
    }
}

/// The command body's schemas by component name, built once.
pub fn command_schemas() -> Result<&'static BTreeMap<String, RefOr<Schema>>, String> {
    static SCHEMAS: OnceLock<Result<BTreeMap<String, RefOr<Schema>>, String>> = OnceLock::new();
    SCHEMAS.get_or_init(build).as_ref().map_err(Clone::clone)
}

/// The command body's schemas as JSON by component name (what `command_schemas` converts).
pub fn command_schemas_json() -> Result<BTreeMap<String, Value>, String> {
    let golden = golden_payloads()?;
    let (registry, kinds) = trace(&golden)?;
    let examples: BTreeMap<&str, Value> = golden
        .iter()
        .map(|payload| {
            serde_json::to_value(payload).map(|json| (payload.kind(), json["payload"].clone()))
        })
        .collect::<Result<_, _>>()
        .map_err(|error| error.to_string())?;
    let mut schemas = BTreeMap::new();
    let roots = kinds.iter().map(|(_, name)| *name).chain(["Basis", "Frequency", "TextReason"]);
    for name in reachable(&registry, roots) {
        let container = registry.get(&name).ok_or_else(|| format!("{name}: не прослежен"))?;
        let schema = container_schema(&name, container, &mut schemas)?;
        schemas.insert(name.clone(), schema);
    }
    let mut commands = Vec::new();
    let mut mapping = serde_json::Map::new();
    let mut replacements = Vec::new();
    let mut replacement_mapping = serde_json::Map::new();
    for (kind, struct_name) in &kinds {
        let example = examples.get(kind).cloned().unwrap_or(Value::Null);
        let command = format!("Command_{kind}");
        mapping.insert((*kind).into(), json!(reference(&command)));
        commands.push(json!({ "$ref": reference(&command) }));
        schemas.insert(command, command_schema(kind, struct_name, &example));
        if !matches!(*kind, "event_retracted" | "event_corrected") {
            let replacement = format!("Replacement_{kind}");
            replacement_mapping.insert((*kind).into(), json!(reference(&replacement)));
            replacements.push(json!({ "$ref": reference(&replacement) }));
            schemas.insert(
                replacement,
                json!({
                    "type": "object",
                    "description": format!("Замена полезной нагрузки вида `{kind}`."),
                    "additionalProperties": false,
                    "required": ["kind", "payload"],
                    "properties": {
                        "kind": { "type": "string", "enum": [kind] },
                        "payload": { "$ref": reference(struct_name) },
                    },
                }),
            );
        }
    }
    schemas.insert(
        "Command".into(),
        json!({
            "description": "Одна команда: факт вида `kind` с его полезной нагрузкой `payload` и \
                датой действия `effective`. Вид выбирает схему полезной нагрузки.",
            "oneOf": commands,
            "discriminator": { "propertyName": "kind", "mapping": mapping },
        }),
    );
    schemas.insert(
        "Replacement".into(),
        json!({
            "description": "Полная новая полезная нагрузка исправляемого события того же вида \
                (не исправление и не отзыв).",
            "oneOf": replacements,
            "discriminator": { "propertyName": "kind", "mapping": replacement_mapping },
        }),
    );
    schemas.insert(
        "CommandBatch".into(),
        json!({
            "type": "object",
            "description": "Пакет команд: записываются все или ни одной.",
            "additionalProperties": false,
            "required": ["commands"],
            "properties": {
                "commands": {
                    "type": "array",
                    "items": { "$ref": reference("Command") },
                    "minItems": 1,
                    "maxItems": BATCH_EVENTS_MAX,
                },
            },
        }),
    );
    schemas.insert(
        "CommandsRequest".into(),
        json!({
            "description": "Одна команда или пакет команд.",
            "oneOf": [{ "$ref": reference("Command") }, { "$ref": reference("CommandBatch") }],
        }),
    );
    Ok(schemas)
}

fn build() -> Result<BTreeMap<String, RefOr<Schema>>, String> {
    command_schemas_json()?
        .into_iter()
        .map(|(name, schema)| {
            serde_json::from_value::<RefOr<Schema>>(schema)
                .map(|schema| (name.clone(), schema))
                .map_err(|error| format!("схема {name}: {error}"))
        })
        .collect()
}

/// The golden sample payload of every kind at the schema version this build writes (the file
/// also keeps samples of earlier versions).
pub fn golden_payloads() -> Result<Vec<Payload>, String> {
    GOLDEN_PAYLOADS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter(|line| {
            let mut columns = line.split('\t');
            let kind = columns.next().unwrap_or_default();
            let version = columns.next().unwrap_or_default();
            Payload::KINDS
                .iter()
                .any(|(tag, current)| *tag == kind && current.to_string() == version)
        })
        .map(|line| {
            let mut columns = line.split('\t');
            let kind = columns.next().unwrap_or_default();
            let json = columns.nth(2).unwrap_or_default();
            let payload: Value =
                serde_json::from_str(json).map_err(|error| format!("образец {kind}: {error}"))?;
            serde_json::from_value(json!({ "kind": kind, "payload": payload }))
                .map_err(|error| format!("образец {kind}: {error}"))
        })
        .collect()
}

/// Lists every payload type once; the `match` on `Payload` fails to compile when a kind is added
/// to the vocabulary and not here.
macro_rules! payload_types {
    ($($kind:ident),* $(,)?) => {
        /// Traces every payload type; the container registry and each kind's struct name.
        fn trace(
            golden: &[Payload],
        ) -> Result<(serde_reflection::Registry, Vec<(&'static str, &'static str)>), String> {
            let config = TracerConfig::default().record_samples_for_structs(true);
            let mut tracer = Tracer::new(config);
            let mut samples = Samples::new();
            // Samples first: a type that validates while it is read (a plan term) is then read
            // from its sample rather than from zeros. Only those kinds: the tracer cannot read a
            // map back from a sample.
            for payload in golden.iter().filter(|payload| SAMPLED_KINDS.contains(&payload.kind())) {
                match payload {
                    $(Payload::$kind(inner) => {
                        tracer.trace_value(&mut samples, inner).map_err(|error| error.to_string())?;
                    })*
                }
            }
            tracer.trace_type::<Basis>(&samples).map_err(|error| error.to_string())?;
            trace_enums(&mut tracer, &samples)?;
            let mut kinds = Vec::new();
            $(
                tracer.trace_type::<$kind>(&samples).map_err(|error| format!("{}: {error}", $kind::KIND))?;
                kinds.push(($kind::KIND, stringify!($kind)));
            )*
            // Unchecked: the insides of a plan term may stay incomplete, and a term is written by
            // hand (`json_form_of`); `reachable` never descends into it.
            let registry = tracer.registry_unchecked();
            Ok((registry, kinds))
        }
    };
}

payload_types! {
    MunicipalityRegistered, OrganisationRegistered, OrganisationStatusChanged, ProgramRegistered,
    ProgramRegisterIncluded, ProgramRegisterRemoved, DiagnosticProcedureRegistered, TeacherHired,
    TeacherMoved, TeacherLeft, ManagementTeamMemberAdded, ManagementTeamMemberRemoved,
    RoleAssigned, RoleEnded, TeacherAssignedToMethodist, TeacherUnassignedFromMethodist,
    DiagnosticRecorded, RouteOpened, RouteStepPlanned, RouteSupportAssigned, RouteStepCompleted,
    RouteClosed, CourseCompleted, CourseEnrolled, MentoringPairFormed, MentoringPairEnded, ParticipationRecorded,
    RegionalEventHeld, MunicipalEventHeld, RegisterEntryRecorded, RegisterEntryExcluded,
    RegisterIntervalSet, ManagementTeamTrained, PlanCreated, PlanApproved, PlanSectionAdded,
    ActivityAdded, ActivityAmended, ActivityExecutionReported, ActivityCancelled, TargetSet,
    TargetWithdrawn, FigureReported, EventRetracted, EventCorrected, PlanAmended, PlanSuperseded,
    PlanRevoked, PlanAgreed, RecommendationIssued, ManagementDecisionRecorded,
    ReportingPeriodOpened, ReportingPeriodExtended, ReportingPeriodClosed, FiguresSubmitted,
    SubmissionAccepted, SubmissionReturned,
}

/// Traces every variant of the enums inside payloads: `trace_type` completes the variants of the
/// type it is given only, not of the enums it meets inside.
fn trace_enums(tracer: &mut Tracer, samples: &Samples) -> Result<(), String> {
    macro_rules! each {
        ($($enum:ident),* $(,)?) => {
            $(tracer.trace_type::<$enum>(samples).map_err(|error| format!("{}: {error}", stringify!($enum)))?;)*
        };
    }
    each!(
        IndicatorCode,
        TargetValue,
        Accumulation,
        ParticipationKind,
        EventLevel,
        Position,
        SupportSystemRole,
        PlanLevel,
        ActivityField,
        ExecutionStatus,
        OrganisationKind,
        LowResultsGrade,
        OrganisationStatus,
        FlagChange,
        ProgramKind,
        ProgramForm,
        ProgramTopic,
        ProcedureLevel,
        StepForm,
        SupportRole,
        RouteOutcome,
        Frequency,
        TextReason,
        RegisterKind,
        DecisionForm,
        FigureSource,
    );
    Ok(())
}

/// The kinds traced from their golden sample: they hold a plan term (`Term`), whose meaning is
/// checked while it is read.
const SAMPLED_KINDS: &[&str] = &[ActivityAdded::KIND, ActivityAmended::KIND];

/// The containers the schemas name, from `roots` down, not into those written by hand.
fn reachable<'a>(
    registry: &serde_reflection::Registry,
    roots: impl Iterator<Item = &'a str>,
) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = roots.map(str::to_string).collect();
    while let Some(name) = pending.pop() {
        if json_form_of(&name).is_some() || name == "IdText" || !seen.insert(name.clone()) {
            continue;
        }
        let mut names = Vec::new();
        if let Some(container) = registry.get(&name) {
            container_type_names(container, &mut names);
        }
        pending.extend(names);
    }
    seen
}

fn container_type_names(container: &ContainerFormat, names: &mut Vec<String>) {
    match container {
        ContainerFormat::UnitStruct => {}
        ContainerFormat::NewTypeStruct(inner) => format_type_names(inner, names),
        ContainerFormat::TupleStruct(items) => {
            items.iter().for_each(|item| format_type_names(item, names))
        }
        ContainerFormat::Struct(fields) => {
            fields.iter().for_each(|field| format_type_names(&field.value, names))
        }
        ContainerFormat::Enum(variants) => {
            for variant in variants.values() {
                match &variant.value {
                    VariantFormat::NewType(inner) => format_type_names(inner, names),
                    VariantFormat::Tuple(items) => {
                        items.iter().for_each(|item| format_type_names(item, names))
                    }
                    VariantFormat::Struct(fields) => {
                        fields.iter().for_each(|field| format_type_names(&field.value, names))
                    }
                    VariantFormat::Unit | VariantFormat::Variable(_) => {}
                }
            }
        }
    }
}

fn format_type_names(format: &Format, names: &mut Vec<String>) {
    match format {
        Format::TypeName(name) => names.push(name.clone()),
        Format::Option(inner) | Format::Seq(inner) | Format::TupleArray { content: inner, .. } => {
            format_type_names(inner, names)
        }
        Format::Map { key, value } => {
            format_type_names(key, names);
            format_type_names(value, names);
        }
        Format::Tuple(items) => items.iter().for_each(|item| format_type_names(item, names)),
        _ => {}
    }
}

fn reference(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// The JSON schema of a container whose JSON form differs from its canonical form, by the
/// container's name in the trace.
fn json_form_of(container: &str) -> Option<Value> {
    Some(match container {
        "ScopeRepr" => json!({
            "type": "string",
            "description": "Территория: `region`, `municipality:<код>` или `organisation:<id>`.",
            "pattern": "^(region|municipality:.+|organisation:.+)$",
            "maxLength": 7 + 1 + ID_BYTES_MAX,
            "examples": ["region", "municipality:38-12", "organisation:org-0042"],
        }),
        "ReplacementRepr" => json!({ "$ref": reference("Replacement") }),
        "TermRepr" => meaning_schema(true),
        "MeaningRepr" => meaning_schema(false),
        _ => return None,
    })
}

/// A plan term's meaning in JSON, tagged by `kind`; with `text` (the term as written in the act)
/// when it is a whole term.
fn meaning_schema(with_text: bool) -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let month = json!({ "type": "integer", "minimum": 1, "maximum": 12 });
    let year = json!({ "type": "integer", "format": "int32" });
    let text = json!({ "type": "string", "minLength": 1, "maxLength": TEXT_BYTES_MAX });
    let meaning = |kind: &str, required: &[&str], properties: Value| {
        let mut properties = properties;
        properties["kind"] = json!({ "type": "string", "enum": [kind] });
        let mut required: Vec<&str> = required.to_vec();
        required.push("kind");
        if with_text {
            properties["text"] = text.clone();
            required.push("text");
        }
        json!({ "type": "object", "additionalProperties": false, "required": required,
            "properties": properties })
    };
    let description = if with_text {
        "Срок мероприятия: текст, как в акте (`text`), и его прочтение (`kind` и поля вида), \
            которое должно совпадать с тем, как сервер читает текст."
    } else {
        "Прочтение срока (`kind` и поля вида), как сервер читает текст."
    };
    json!({
        "description": description,
        "oneOf": [
            meaning("date", &["due"], json!({ "due": date, "from": date })),
            meaning("range", &["from", "to"], json!({ "from": date, "to": date })),
            meaning("year", &["year"], json!({ "year": year, "from": date, "to": date })),
            meaning("years", &["from_year", "to_year"],
                json!({ "from_year": year, "to_year": year, "from": date, "to": date })),
            meaning("recurring", &["frequency"], json!({
                "frequency": { "$ref": reference("Frequency") },
                "month": month, "from_month": month, "to_month": month,
                "quarter": { "type": "integer", "minimum": 1, "maximum": 4 },
                "half_year": { "type": "integer", "minimum": 1, "maximum": 2 },
                "start_year": year, "end_year": year,
            })),
            meaning("continuous", &[], json!({ "from": date, "to": date })),
            meaning("text", &["reason"], json!({ "reason": { "$ref": reference("TextReason") } })),
            meaning("dates", &["dates"], json!({ "dates": {
                "type": "array", "items": date, "minItems": 2,
                "maxItems": proto_events::term::TERM_DATES_MAX,
                "description": "Несколько сроков исполнения по возрастанию, у каждого свой статус.",
            } })),
        ],
    })
}

/// A container's schema; an enum's variants with data go to `components` by name
/// (`<Enum>_<variant>`), so client generators name each once.
fn container_schema(
    name: &str,
    container: &ContainerFormat,
    components: &mut BTreeMap<String, Value>,
) -> Result<Value, String> {
    let at = |field: &str| format!("{name}.{field}");
    Ok(match container {
        ContainerFormat::UnitStruct => json!({ "type": "null" }),
        ContainerFormat::NewTypeStruct(inner) => format_schema(name, inner)?,
        ContainerFormat::TupleStruct(items) => json!({
            "type": "array",
            "prefixItems": items.iter().map(|item| format_schema(name, item)).collect::<Result<Vec<_>, _>>()?,
            "minItems": items.len(),
            "maxItems": items.len(),
        }),
        ContainerFormat::Struct(fields) => struct_schema(fields, &at)?,
        ContainerFormat::Enum(variants) => enum_schema(name, variants, components)?,
    })
}

fn struct_schema(fields: &[Named<Format>], at: &dyn Fn(&str) -> String) -> Result<Value, String> {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for field in fields {
        let schema = match &field.value {
            Format::Option(inner) => nullable(field_schema(&at(&field.name), &field.name, inner)?),
            other => {
                required.push(field.name.clone());
                field_schema(&at(&field.name), &field.name, other)?
            }
        };
        properties.insert(field.name.clone(), schema);
    }
    Ok(json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    }))
}

/// An externally tagged enum: a unit variant is its name, any other `{"<name>": value}`.
fn enum_schema(
    name: &str,
    variants: &BTreeMap<u32, Named<VariantFormat>>,
    components: &mut BTreeMap<String, Value>,
) -> Result<Value, String> {
    let units: Vec<&str> = variants
        .values()
        .filter(|variant| matches!(variant.value, VariantFormat::Unit))
        .map(|variant| variant.name.as_str())
        .collect();
    let mut one_of = Vec::new();
    if !units.is_empty() {
        one_of.push(json!({ "type": "string", "enum": units }));
    }
    for variant in variants.values() {
        let at = format!("{name}.{}", variant.name);
        let value = match &variant.value {
            VariantFormat::Unit => continue,
            VariantFormat::NewType(inner) => field_schema(&at, &variant.name, inner)?,
            VariantFormat::Tuple(items) => json!({
                "type": "array",
                "prefixItems": items.iter().map(|item| format_schema(&at, item)).collect::<Result<Vec<_>, _>>()?,
                "minItems": items.len(),
                "maxItems": items.len(),
            }),
            VariantFormat::Struct(fields) => {
                let fields_name = format!("{name}_{}_fields", variant.name);
                let fields = struct_schema(fields, &|field: &str| format!("{at}.{field}"))?;
                components.insert(fields_name.clone(), fields);
                json!({ "$ref": reference(&fields_name) })
            }
            VariantFormat::Variable(_) => return Err(format!("{at}: вариант не прослежен")),
        };
        let variant_name = format!("{name}_{}", variant.name);
        components.insert(
            variant_name.clone(),
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": [variant.name],
                "properties": { variant.name.clone(): value },
            }),
        );
        one_of.push(json!({ "$ref": reference(&variant_name) }));
    }
    Ok(match one_of.len() {
        1 => one_of.remove(0),
        _ => json!({ "oneOf": one_of }),
    })
}

/// A field's schema: the format's, with the stateless rule's bounds for the field (of its items
/// or values, for a list or map).
fn field_schema(at: &str, field: &str, format: &Format) -> Result<Value, String> {
    let mut schema = format_schema(at, format)?;
    bound(&mut schema, field);
    for nested in ["items", "additionalProperties", "propertyNames"] {
        if let Some(inner) = schema.get_mut(nested).filter(|inner| inner.is_object()) {
            bound(inner, field);
        }
    }
    Ok(schema)
}

fn bound(schema: &mut Value, field: &str) {
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
    if kind == "string" && schema.get("format").is_none() {
        if let Some((min, max)) = string_limit(field) {
            schema["minLength"] = json!(min);
            schema["maxLength"] = json!(max);
        }
    }
    if kind == "integer" {
        if let Some((min, max)) = integer_bounds(field) {
            schema["minimum"] = json!(min);
            schema["maximum"] = json!(max);
        }
    }
}

fn format_schema(at: &str, format: &Format) -> Result<Value, String> {
    Ok(match format {
        Format::TypeName(name) => match json_form_of(name) {
            Some(schema) => schema,
            None if name == "IdText" => json!({ "type": "string" }),
            None => json!({ "$ref": reference(name) }),
        },
        Format::Unit => json!({ "type": "null" }),
        Format::Bool => json!({ "type": "boolean" }),
        Format::U8 => json!({ "type": "integer", "minimum": 0, "maximum": u8::MAX }),
        Format::U16 => json!({ "type": "integer", "minimum": 0, "maximum": u16::MAX }),
        Format::U32 => {
            json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX })
        }
        Format::U64 => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
        Format::I8 => json!({ "type": "integer", "minimum": i8::MIN, "maximum": i8::MAX }),
        Format::I16 => json!({ "type": "integer", "minimum": i16::MIN, "maximum": i16::MAX }),
        Format::I64 => json!({ "type": "integer", "format": "int64" }),
        // A `Date` is its days since 1970-01-01 in the canonical form and `YYYY-MM-DD` in JSON;
        // no payload field outside a plan term (written by hand above) is a bare `i32`.
        Format::I32 => json!({
            "type": "string",
            "format": "date",
            "description": "Дата ГГГГ-ММ-ДД, год 1950–2100.",
        }),
        Format::Str => json!({ "type": "string" }),
        Format::Seq(inner) => json!({
            "type": "array",
            "items": format_schema(at, inner)?,
            "maxItems": ITEMS_MAX,
        }),
        Format::Map { key, value } => {
            if !matches!(key.as_ref(), Format::Str | Format::TypeName(_)) {
                return Err(format!("{at}: ключи словаря не строки"));
            }
            json!({
                "type": "object",
                "propertyNames": format_schema(at, key)?,
                "additionalProperties": format_schema(at, value)?,
                "maxProperties": ITEMS_MAX,
            })
        }
        // An event id: 16 bytes in the canonical form, a UUID string in JSON.
        Format::TupleArray { content, size: 16 } if matches!(content.as_ref(), Format::U8) => {
            json!({ "type": "string", "format": "uuid" })
        }
        Format::Option(inner) => nullable(format_schema(at, inner)?),
        other => return Err(format!("{at}: формат {other:?} не описан")),
    })
}

/// `schema` or null (OpenAPI 3.1).
fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

/// The (minimum, maximum) length of a string field by its name, as the stateless rules check it;
/// ids everywhere else. Lengths are checked in bytes of UTF-8, so a maximum in characters is at
/// most this.
pub fn string_limit(field: &str) -> Option<(usize, usize)> {
    Some(match field {
        "name" | "mentoring_program" | "event_title" => (1, TITLE_BYTES_MAX),
        "title" => (1, TEXT_BYTES_MAX),
        "reporter" | "owner" | "certificate_number" | "entry_number" => (1, LABEL_BYTES_MAX),
        "agreed_by" => (1, LABEL_BYTES_MAX),
        "reason" | "responsible" | "key_result" | "fixing_documents" | "evidence" | "text"
        | "summary" | "remarks" => (1, TEXT_BYTES_MAX),
        "number" => (1, ACTIVITY_NUMBER_BYTES_MAX),
        "kind" => (1, SHORT_TEXT_BYTES_MAX),
        "municipality" | "organisation" | "from_organisation" | "to_organisation" | "program"
        | "procedure" | "teacher" | "person" | "methodist" | "supporter" | "mentor" | "mentee"
        | "diagnostic" | "route" | "step" | "plan" | "section" | "activity" | "pair" | "report"
        | "completion" | "event" | "provider" | "competences" | "deficits" | "scores" | "by"
        | "recommendation" | "decision" | "follows" | "municipalities" => (1, ID_BYTES_MAX),
        _ => return None,
    })
}

/// (minimum, maximum) of an integer field by its name, as the stateless rules check it.
pub fn integer_bounds(field: &str) -> Option<(u64, u64)> {
    use proto_events::vocabulary::validation::{
        BASIS_POINTS_MAX, BIRTH_YEAR_MAX, BIRTH_YEAR_MIN, HOURS_MAX, SCORE_MAX,
    };
    Some(match field {
        "hours" => (1, u64::from(HOURS_MAX)),
        "birth_year" => (u64::from(BIRTH_YEAR_MIN), u64::from(BIRTH_YEAR_MAX)),
        "scores" => (0, u64::from(SCORE_MAX)),
        "value_bp" => (0, u64::from(BASIS_POINTS_MAX)),
        _ => return None,
    })
}

fn command_schema(kind: &str, struct_name: &str, example: &Value) -> Value {
    json!({
        "type": "object",
        "title": format!("Command_{kind}"),
        "description": format!("Команда вида `{kind}`."),
        "additionalProperties": false,
        "required": ["kind", "payload", "effective"],
        "properties": {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Идентификатор события и ключ идемпотентности: повтор с тем же \
                    id и содержанием возвращает исходный номер. Без него сервер создаёт новый.",
            },
            "kind": { "type": "string", "enum": [kind] },
            "payload": { "$ref": reference(struct_name) },
            "effective": {
                "type": "string",
                "description": "Дата действия: ГГГГ-ММ-ДД или время RFC 3339.",
                "examples": ["2024-04-20"],
            },
            "basis": {
                "description": "Акт-основание: объект или строка «<вид> №<номер> от <ДД.ММ.ГГГГ>».",
                "oneOf": [
                    { "type": "string", "examples": ["приказ №55-35-мпр от 13.06.2023"] },
                    { "$ref": reference("Basis") },
                    { "type": "null" },
                ],
            },
            "expected_version": {
                "description": "Версия потока, которую команда ожидает (иначе 409).",
                "oneOf": [
                    { "type": "integer", "format": "int64", "minimum": 0 },
                    { "type": "null" },
                ],
            },
        },
        "examples": [{ "kind": kind, "payload": example, "effective": "2024-04-20" }],
    })
}

/// A response body of raw bytes (a workbook, a table, a log archive): in the document a string of
/// format `binary`.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("Байты файла."))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}
