//! Registries (organisations, teachers, programs, course completions, diagnostic results) from
//! CSV/TSV or XLSX tables with Russian headers, turned into validated payloads with
//! deterministic event ids.
//!
//! Columns are found by their headers (several common spellings each), never by position. An
//! event id is a UUID made from a blake3 hash of the kind and the row's natural key (the
//! organisation's code, the certificate number and teacher, …), not of the file, so the same
//! record imported twice, from any file, is the same event. Teachers' names, СНИЛС and contacts
//! never enter a payload: they are returned apart, for the erasable personal-data directory.

use std::collections::{BTreeMap, BTreeSet};

use calamine::Data;
use proto_events::vocabulary::{
    Accumulation, CompetenceCode, CompletionId, CourseCompleted, DiagnosticId, DiagnosticRecorded,
    IndicatorCode, IndicatorMeasure, MunicipalityCode, MunicipalityRegistered, OrgId,
    OrganisationKind, OrganisationRegistered, Payload, Position, ProcedureId, ProgramForm,
    ProgramId, ProgramKind, ProgramRegisterIncluded, ProgramRegistered, ProgramTopic, Scope,
    TargetSet, TargetValue, TeacherHired, TeacherId,
};
use proto_events::{ActorRole, Date, Effective, EventId};
use uuid::Uuid;

use crate::commands::Command;
use crate::documents::import::columns::normalize;
use crate::documents::import::xlsx_grid;
use crate::documents::import::{ImportError, ImportIssue, Severity};

/// Rows read from one registry table.
pub const REGISTRY_ROWS_MAX: usize = 1_000_000;

/// Which registry a table is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryKind {
    /// Organisations.
    Organisations,
    /// Teachers.
    Teachers,
    /// Programs.
    Programs,
    /// Course completions.
    Completions,
    /// Diagnostic results.
    Diagnostics,
    /// Targets of the indicators, as an act sets them (recorded as the ministry's).
    Targets,
}

impl RegistryKind {
    /// The role an import of this registry records as: targets are set by the ministry's acts
    /// (the operator may not set them), every other registry is the operator's.
    pub fn recorded_by(self) -> ActorRole {
        match self {
            RegistryKind::Targets => ActorRole::Ministry,
            _ => ActorRole::Operator,
        }
    }

    /// The registry's name in messages.
    pub fn russian_name(self) -> &'static str {
        match self {
            RegistryKind::Organisations => "организации",
            RegistryKind::Teachers => "педагоги",
            RegistryKind::Programs => "программы",
            RegistryKind::Completions => "прохождение курсов",
            RegistryKind::Diagnostics => "результаты диагностики",
            RegistryKind::Targets => "целевые значения показателей",
        }
    }
}

/// A table: header cells and data rows with their 1-based row numbers.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Row number of the header.
    pub header_row: u32,
    /// Header cells.
    pub headers: Vec<String>,
    /// Data rows.
    pub rows: Vec<(u32, Vec<String>)>,
}

/// One record to append.
#[derive(Clone, Debug)]
pub struct RegistryRow {
    /// Row in the file.
    pub row: u32,
    /// The natural key, for messages.
    pub key: String,
    /// The derived event id.
    pub id: Uuid,
    /// Effective time.
    pub effective: Effective,
    /// The payload (validated).
    pub payload: Payload,
}

impl RegistryRow {
    /// The command that records this row, under its derived id (so a re-import is idempotent).
    pub fn command(&self) -> Command {
        // A target rests on the act that sets it, which is also the event's basis.
        let basis = match &self.payload {
            Payload::TargetSet(target) => Some(target.act.clone()),
            _ => None,
        };
        Command {
            id: Some(EventId(self.id)),
            payload: self.payload.clone(),
            effective: self.effective,
            basis,
            expected_version: None,
        }
    }
}

/// Personal data of one teacher, kept out of the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonalRecord {
    /// The pseudonymous teacher id.
    pub teacher: String,
    /// Full name.
    pub full_name: String,
    /// СНИЛС.
    pub snils: String,
    /// Phone and e-mail, as written.
    pub contacts: String,
}

/// A registry table turned into records.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Records in file order.
    pub rows: Vec<RegistryRow>,
    /// Warnings and errors.
    pub issues: Vec<ImportIssue>,
    /// Personal data (teachers only).
    pub personal: Vec<PersonalRecord>,
}

/// Reads a registry table: XLSX (first sheet) by its magic bytes, otherwise CSV/TSV in UTF-8 or
/// Windows-1251 with `;`, `,` or tab. The first non-empty row is the header.
pub fn read_table(file: &str, bytes: &[u8]) -> Result<Table, ImportError> {
    if bytes.len() > crate::documents::import::FILE_BYTES_MAX {
        return Err(ImportError::TooLarge {
            file: file.to_string(),
            size_bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            limit_bytes: u64::try_from(crate::documents::import::FILE_BYTES_MAX)
                .unwrap_or(u64::MAX),
        });
    }
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_grid(file, bytes)?
    } else {
        crate::documents::import::csv_table::grid(file, bytes, REGISTRY_ROWS_MAX)?
    };
    let mut rows = grid.into_iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_row, headers)) = rows.next() else {
        return Err(ImportError::NotATable {
            file: file.to_string(),
            reason: "файл пуст".to_string(),
        });
    };
    Ok(Table { header_row, headers, rows: rows.collect() })
}

/// Turns a table into validated records of `kind`. A missing required column is an error naming
/// it; a bad cell is a row-level issue.
pub fn build(
    kind: RegistryKind,
    file: &str,
    table: &Table,
    today: Date,
) -> Result<Registry, ImportError> {
    let spec = spec(kind);
    let mut columns: BTreeMap<&'static str, usize> = BTreeMap::new();
    for field in spec {
        let found = table.headers.iter().position(|header| {
            let header = normalize(header);
            field.aliases.iter().any(|alias| header == *alias || header.starts_with(alias))
        });
        match found {
            Some(index) => {
                columns.insert(field.key, index);
            }
            None if field.required => {
                return Err(ImportError::MissingColumn {
                    column: field.name.to_string(),
                    file: file.to_string(),
                })
            }
            None => {}
        }
    }
    let mut registry = Registry::default();
    let mut keys_seen = BTreeSet::new();
    for (row, cells) in &table.rows {
        let mut reader =
            RowReader { file, row: *row, cells, columns: &columns, issues: Vec::new() };
        let record = match kind {
            RegistryKind::Organisations => organisation(&mut reader, today),
            RegistryKind::Teachers => teacher(&mut reader, today, &mut registry.personal),
            RegistryKind::Programs => program(&mut reader, today),
            RegistryKind::Completions => completion(&mut reader),
            RegistryKind::Diagnostics => diagnostic(&mut reader),
            RegistryKind::Targets => target(&mut reader),
        };
        registry.issues.append(&mut reader.issues);
        for (key, effective, payload) in record {
            if let Err(error) = payload.validate() {
                registry.issues.push(ImportIssue {
                    file: file.to_string(),
                    row: *row,
                    column: Some(error.field.clone()),
                    text: error.value.clone(),
                    message: format!("значение не принято: {}", error.rule),
                    severity: Severity::Error,
                });
                continue;
            }
            let id_key = format!("{}\n{key}", payload.kind());
            if !keys_seen.insert(id_key.clone()) {
                if matches!(payload, Payload::MunicipalityRegistered(_)) {
                    continue;
                }
                registry.issues.push(ImportIssue {
                    file: file.to_string(),
                    row: *row,
                    column: None,
                    text: key.clone(),
                    message: "запись повторяется в файле; повтор пропущен".to_string(),
                    severity: Severity::Warning,
                });
                continue;
            }
            registry.rows.push(RegistryRow {
                row: *row,
                key,
                id: derived_id(&id_key),
                effective,
                payload,
            });
        }
    }
    Ok(registry)
}

/// The event id of a record: UUID (version 8) from blake3 of kind and natural key.
pub fn derived_id(kind_and_key: &str) -> Uuid {
    let hash = blake3::hash(format!("letopis import id\n{kind_and_key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(hash.as_bytes().get(..16).unwrap_or(&[0u8; 16]));
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

struct Field {
    key: &'static str,
    name: &'static str,
    required: bool,
    aliases: &'static [&'static str],
}

const fn field(
    key: &'static str,
    name: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> Field {
    Field { key, name, required, aliases }
}

const TEACHER_ALIASES: &[&str] =
    &["id педагога", "идентификатор педагога", "педагог", "код педагога", "табельный номер"];

const ORGANISATION_FIELDS: &[Field] = &[
    field("id", "Код организации", true, &["код организации", "код", "идентификатор", "id", "инн"]),
    field("name", "Наименование", true, &["наименование", "название", "полное наименование"]),
    field("kind", "Вид организации", true, &["вид организации", "вид", "тип организации", "тип"]),
    field(
        "municipality",
        "Муниципалитет",
        false,
        &["муниципалитет", "муниципальное образование", "код муниципалитета", "мо"],
    ),
    field("date", "Дата регистрации", false, &["дата регистрации", "дата"]),
];

const TEACHER_FIELDS: &[Field] = &[
    field("teacher", "Идентификатор педагога", true, TEACHER_ALIASES),
    field("organisation", "Организация", true, &["код организации", "организация", "место работы"]),
    field("position", "Должность", true, &["должность"]),
    field(
        "career_start",
        "Начало педагогической деятельности",
        true,
        &[
            "начало педагогической деятельности",
            "дата начала педагогической",
            "начало стажа",
            "педагогический стаж с",
        ],
    ),
    field("birth", "Год рождения", true, &["год рождения", "дата рождения"]),
    field("hired_on", "Дата приёма", false, &["дата приема", "дата приёма", "принят"]),
    field("full_name", "ФИО", false, &["фио", "фамилия имя отчество"]),
    field("snils", "СНИЛС", false, &["снилс"]),
    field("phone", "Телефон", false, &["телефон", "контактный телефон"]),
    field("email", "Электронная почта", false, &["электронная почта", "e mail", "email", "почта"]),
];

const PROGRAM_FIELDS: &[Field] = &[
    field("id", "Код программы", true, &["код программы", "код", "идентификатор", "id"]),
    field(
        "title",
        "Наименование программы",
        true,
        &["наименование программы", "наименование", "название"],
    ),
    field("kind", "Вид программы", true, &["вид программы", "вид"]),
    field("hours", "Объём (часов)", true, &["объем", "объём", "часы", "количество часов", "часов"]),
    field(
        "provider",
        "Организация-разработчик",
        true,
        &["организация разработчик", "поставщик", "провайдер", "организация"],
    ),
    field("form", "Форма", false, &["форма"]),
    field(
        "federal_register",
        "Федеральный реестр",
        false,
        &["федеральный реестр", "в федеральном реестре", "фр дпп"],
    ),
    field("register_date", "Дата включения в реестр", false, &["дата включения"]),
    field("register_number", "Номер в реестре", false, &["номер в реестре", "номер записи"]),
    field("topics", "Тематика", true, &["тематика", "темы", "тема", "направление"]),
];

const COMPLETION_FIELDS: &[Field] = &[
    field("teacher", "Идентификатор педагога", true, TEACHER_ALIASES),
    field("program", "Код программы", true, &["код программы", "программа"]),
    field("date", "Дата окончания", true, &["дата окончания", "дата завершения", "дата"]),
    field(
        "certificate",
        "Номер удостоверения",
        true,
        &["номер удостоверения", "удостоверение", "регистрационный номер"],
    ),
    field("hours", "Часов", true, &["часов", "часы", "объем", "объём"]),
    field("provider", "Организация", true, &["организация", "поставщик", "провайдер"]),
];

const DIAGNOSTIC_FIELDS: &[Field] = &[
    field("teacher", "Идентификатор педагога", true, TEACHER_ALIASES),
    field("procedure", "Процедура", true, &["процедура", "диагностика", "код процедуры"]),
    field("date", "Дата", true, &["дата проведения", "дата"]),
    field(
        "deficits",
        "Дефициты",
        true,
        &["дефициты", "профессиональные дефициты", "выявленные дефициты"],
    ),
    field("scores", "Баллы", false, &["баллы", "результаты по компетенциям"]),
];

const TARGET_FIELDS: &[Field] = &[
    field("indicator", "Показатель", true, &["показатель", "код показателя", "индикатор"]),
    field("value", "Значение", true, &["значение", "целевое значение", "плановое значение"]),
    field("period", "Период", true, &["период", "порядок расчета", "порядок расчёта", "учет"]),
    field("deadline", "Срок", false, &["срок", "к дате", "дата достижения"]),
    field("act", "Акт", true, &["акт", "документ", "основание", "нормативный акт"]),
    field("scope", "Территория", false, &["территория", "уровень", "область применения"]),
];

fn spec(kind: RegistryKind) -> &'static [Field] {
    match kind {
        RegistryKind::Organisations => ORGANISATION_FIELDS,
        RegistryKind::Teachers => TEACHER_FIELDS,
        RegistryKind::Programs => PROGRAM_FIELDS,
        RegistryKind::Completions => COMPLETION_FIELDS,
        RegistryKind::Diagnostics => DIAGNOSTIC_FIELDS,
        RegistryKind::Targets => TARGET_FIELDS,
    }
}

struct RowReader<'a> {
    file: &'a str,
    row: u32,
    cells: &'a [String],
    columns: &'a BTreeMap<&'static str, usize>,
    issues: Vec<ImportIssue>,
}

impl RowReader<'_> {
    fn get(&self, key: &str) -> &str {
        self.columns
            .get(key)
            .and_then(|index| self.cells.get(*index))
            .map_or("", |cell| cell.trim())
    }

    fn problem(&mut self, key: &str, message: &str) {
        let column = spec_name(key);
        let text = self.get(key).to_string();
        self.issues.push(ImportIssue {
            file: self.file.to_string(),
            row: self.row,
            column: Some(column.to_string()),
            text,
            message: message.to_string(),
            severity: Severity::Error,
        });
    }

    fn required(&mut self, key: &str) -> Option<String> {
        let value = self.get(key).to_string();
        if value.is_empty() {
            self.problem(key, "ячейка пуста");
            return None;
        }
        Some(value)
    }

    fn id<T, E: std::fmt::Display>(
        &mut self,
        key: &str,
        make: impl Fn(String) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.required(key)?;
        match make(value.replace(char::is_whitespace, "-")) {
            Ok(id) => Some(id),
            Err(error) => {
                self.problem(key, &format!("не годится как идентификатор: {error}"));
                None
            }
        }
    }

    fn date(&mut self, key: &str) -> Option<Date> {
        let value = self.required(key)?;
        let parsed = parse_date(&value);
        if parsed.is_none() {
            self.problem(key, "дата не распознана (ожидается дд.мм.гггг)");
        }
        parsed
    }

    fn number(&mut self, key: &str) -> Option<u32> {
        let value = self.required(key)?;
        let parsed = value.replace(char::is_whitespace, "").parse::<u32>().ok();
        if parsed.is_none() {
            self.problem(key, "ожидается целое число");
        }
        parsed
    }
}

fn spec_name(key: &str) -> &'static str {
    for kind in [
        RegistryKind::Organisations,
        RegistryKind::Teachers,
        RegistryKind::Programs,
        RegistryKind::Completions,
        RegistryKind::Diagnostics,
        RegistryKind::Targets,
    ] {
        if let Some(field) = spec(kind).iter().find(|f| f.key == key) {
            return field.name;
        }
    }
    "?"
}

type Record = Vec<(String, Effective, Payload)>;

fn organisation(reader: &mut RowReader<'_>, today: Date) -> Record {
    let id = reader.id("id", OrgId::new);
    let name = reader.required("name");
    let kind_text = reader.required("kind");
    let kind = kind_text.as_deref().and_then(organisation_kind);
    if kind_text.is_some() && kind.is_none() {
        reader.problem(
            "kind",
            "вид организации не распознан (общеобразовательная, дошкольная, дополнительного образования, СПО, ВО, ДПО)",
        );
    }
    let municipality = match reader.get("municipality") {
        "" => None,
        _ => reader.id("municipality", MunicipalityCode::new),
    };
    let date = if reader.get("date").is_empty() { Some(today) } else { reader.date("date") };
    let (Some(id), Some(name), Some(kind), Some(date)) = (id, name, kind, date) else {
        return Vec::new();
    };
    let key = id.as_str().to_string();
    let mut out = Vec::new();
    if let Some(code) = &municipality {
        // The municipality is registered with the first organisation that names it (same id
        // for every row and file, so it is recorded once).
        let registered = Payload::MunicipalityRegistered(MunicipalityRegistered {
            municipality: code.clone(),
            name: reader.get("municipality").to_string(),
        });
        out.push((code.as_str().to_string(), Effective::Date(date), registered));
    }
    let payload = Payload::OrganisationRegistered(OrganisationRegistered {
        organisation: id,
        name,
        kind,
        municipality,
    });
    out.push((key, Effective::Date(date), payload));
    out
}

fn teacher(reader: &mut RowReader<'_>, today: Date, personal: &mut Vec<PersonalRecord>) -> Record {
    let teacher = reader.id("teacher", TeacherId::new);
    let organisation = reader.id("organisation", OrgId::new);
    let position = reader.required("position").map(|text| position(&text));
    let career_start = reader.date("career_start");
    let birth_year = reader.required("birth").and_then(|text| {
        let year = parse_date(&text).map(Date::year).or_else(|| text.trim().parse::<i32>().ok());
        year.and_then(|year| u16::try_from(year).ok())
    });
    if birth_year.is_none() && !reader.get("birth").is_empty() {
        reader.problem("birth", "год рождения не распознан");
    }
    let hired_on =
        if reader.get("hired_on").is_empty() { Some(today) } else { reader.date("hired_on") };
    let (
        Some(teacher),
        Some(organisation),
        Some(position),
        Some(career_start),
        Some(birth_year),
        Some(hired_on),
    ) = (teacher, organisation, position, career_start, birth_year, hired_on)
    else {
        return Vec::new();
    };
    let contacts: Vec<&str> =
        [reader.get("phone"), reader.get("email")].into_iter().filter(|c| !c.is_empty()).collect();
    let record = PersonalRecord {
        teacher: teacher.as_str().to_string(),
        full_name: reader.get("full_name").to_string(),
        snils: reader.get("snils").to_string(),
        contacts: contacts.join("; "),
    };
    if !record.full_name.is_empty() || !record.snils.is_empty() || !record.contacts.is_empty() {
        personal.push(record);
    }
    let key = format!("{teacher}\n{organisation}");
    let payload = Payload::TeacherHired(TeacherHired {
        teacher,
        organisation,
        position,
        career_start,
        birth_year,
    });
    vec![(key, Effective::Date(hired_on), payload)]
}

fn program(reader: &mut RowReader<'_>, today: Date) -> Record {
    let id = reader.id("id", ProgramId::new);
    let title = reader.required("title");
    let kind = reader.required("kind").and_then(|text| {
        let norm = normalize(&text);
        if norm.contains("переподгот") || norm == "пп" {
            Some(ProgramKind::Retraining)
        } else if norm.contains("повышени") || norm == "пк" {
            Some(ProgramKind::FurtherTraining)
        } else {
            None
        }
    });
    if kind.is_none() && !reader.get("kind").is_empty() {
        reader.problem(
            "kind",
            "вид программы не распознан (ПК — повышение квалификации, ПП — переподготовка)",
        );
    }
    let hours = reader.number("hours");
    let provider = reader.id("provider", OrgId::new);
    let form_text = normalize(reader.get("form"));
    let form = if form_text.contains("стажир") {
        ProgramForm::Internship
    } else if form_text.contains("сетев") {
        ProgramForm::Network
    } else {
        ProgramForm::Course
    };
    let in_register = matches!(
        normalize(reader.get("federal_register")).as_str(),
        "да" | "1" | "есть" | "включена" | "yes" | "true"
    );
    let register_date = if reader.get("register_date").is_empty() {
        Some(today)
    } else {
        reader.date("register_date")
    };
    let mut topics = BTreeSet::new();
    for item in split_list(reader.get("topics")) {
        match program_topic(&item) {
            Some(topic) => {
                topics.insert(topic);
            }
            None => reader.problem("topics", &format!("тема «{item}» не распознана")),
        }
    }
    let (Some(id), Some(title), Some(kind), Some(hours), Some(provider), Some(register_date)) =
        (id, title, kind, hours, provider, register_date)
    else {
        return Vec::new();
    };
    let key = id.as_str().to_string();
    let mut out = vec![(
        key.clone(),
        Effective::Date(today),
        Payload::ProgramRegistered(ProgramRegistered {
            program: id.clone(),
            title,
            kind,
            hours,
            provider,
            form,
            topics,
        }),
    )];
    if in_register {
        let entry = reader.get("register_number");
        out.push((
            key,
            Effective::Date(register_date),
            Payload::ProgramRegisterIncluded(ProgramRegisterIncluded {
                program: id,
                included_on: register_date,
                entry_number: (!entry.is_empty()).then(|| entry.to_string()),
            }),
        ));
    }
    out
}

fn completion(reader: &mut RowReader<'_>) -> Record {
    let teacher = reader.id("teacher", TeacherId::new);
    let program = reader.id("program", ProgramId::new);
    let date = reader.date("date");
    let certificate = reader.required("certificate");
    let hours = reader.number("hours");
    let provider = reader.id("provider", OrgId::new);
    let (Some(teacher), Some(program), Some(date), Some(certificate), Some(hours), Some(provider)) =
        (teacher, program, date, certificate, hours, provider)
    else {
        return Vec::new();
    };
    let key = format!("{teacher}\n{program}\n{certificate}");
    let hash = blake3::hash(key.as_bytes()).to_hex();
    let Ok(completion) = CompletionId::new(format!("c-{}", hash.get(..20).unwrap_or(""))) else {
        return Vec::new();
    };
    let payload = Payload::CourseCompleted(CourseCompleted {
        completion,
        teacher,
        program,
        completed_on: date,
        certificate_number: certificate,
        hours,
        provider,
        route_step: None,
    });
    vec![(key, Effective::Date(date), payload)]
}

fn diagnostic(reader: &mut RowReader<'_>) -> Record {
    let teacher = reader.id("teacher", TeacherId::new);
    let procedure = reader.id("procedure", ProcedureId::new);
    let date = reader.date("date");
    let mut deficits = BTreeSet::new();
    for code in split_list(reader.get("deficits")) {
        if matches!(normalize(&code).as_str(), "нет" | "не выявлены" | "отсутствуют")
        {
            continue;
        }
        match CompetenceCode::new(code.clone()) {
            Ok(code) => {
                deficits.insert(code);
            }
            Err(error) => {
                reader.problem("deficits", &format!("код компетенции «{code}» не годится: {error}"))
            }
        }
    }
    let mut scores = BTreeMap::new();
    for item in split_list(reader.get("scores")) {
        let parsed = item.split_once(':').and_then(|(code, score)| {
            Some((CompetenceCode::new(code.trim()).ok()?, score.trim().parse::<u16>().ok()?))
        });
        match parsed {
            Some((code, score)) => {
                scores.insert(code, score);
            }
            None => {
                reader.problem("scores", &format!("балл «{item}» не распознан (ожидается «К1:12»)"))
            }
        }
    }
    let (Some(teacher), Some(procedure), Some(date)) = (teacher, procedure, date) else {
        return Vec::new();
    };
    let key = format!("{teacher}\n{procedure}\n{date}");
    let hash = blake3::hash(key.as_bytes()).to_hex();
    let Ok(diagnostic) = DiagnosticId::new(format!("d-{}", hash.get(..20).unwrap_or(""))) else {
        return Vec::new();
    };
    let payload = Payload::DiagnosticRecorded(DiagnosticRecorded {
        diagnostic,
        teacher,
        procedure,
        taken_on: date,
        scores,
        deficits,
    });
    vec![(key, Effective::Date(date), payload)]
}

/// A target row: the indicator by its code or its name as the act words it, the value as acts
/// write it («не менее 9,5 %», «не более 250», «положительная динамика»), the period
/// («ежегодно» or «накопительным итогом с 2023 года»), an optional deadline, the act
/// («распоряжение №55-494-мр от 13.06.2023») and the scope (the region when empty). Recorded on
/// the act's date; the natural key is (indicator, scope, act), so a later act's target for the
/// same indicator is another event, shown beside the earlier one.
fn target(reader: &mut RowReader<'_>) -> Record {
    let indicator = reader.required("indicator").and_then(|text| {
        let found = indicator_code(&text);
        if found.is_none() {
            reader.problem("indicator", "показатель не найден в каталоге: укажите код (diagnosed, routed, …) или название, как в акте");
        }
        found
    });
    let accumulation = reader.required("period").and_then(|text| {
        let found = accumulation(&text);
        if found.is_none() {
            reader.problem(
                "period",
                "период не распознан: «ежегодно» или «накопительным итогом с 2023 года»",
            );
        }
        found
    });
    let from_year = year_in(reader.get("period"));
    let deadline = match reader.get("deadline") {
        "" => None,
        text => {
            let parsed = parse_date(text);
            if parsed.is_none() {
                reader.problem("deadline", "дата не распознана (ожидается дд.мм.гггг)");
            }
            parsed
        }
    };
    let act = reader.required("act").and_then(|text| {
        let parsed = proto_events::Basis::parse(&text);
        if parsed.is_none() {
            reader.problem("act", "акт не распознан: «<вид> №<номер> от <дд.мм.гггг>»");
        }
        parsed
    });
    let scope = match reader.get("scope") {
        "" => Some(Scope::Region),
        text => {
            let parsed = scope(text);
            if parsed.is_none() {
                reader.problem("scope", "территория не распознана: «регион», код муниципалитета (municipality:38-01) или организации (organisation:…)");
            }
            parsed
        }
    };
    let value = match (reader.required("value"), indicator) {
        (Some(text), Some(code)) => {
            let parsed = target_value(&text, code);
            if parsed.is_none() {
                reader.problem("value", "значение не распознано: «не менее 10 %», «не более 250», «положительная динамика»");
            }
            parsed
        }
        _ => None,
    };
    let (Some(indicator), Some(value), Some(accumulation), Some(act), Some(scope)) =
        (indicator, value, accumulation, act, scope)
    else {
        return Vec::new();
    };
    let key = format!("{indicator}\n{scope}\n{act}");
    let effective = Effective::Date(act.date);
    let from_year = from_year.filter(|_| accumulation == Accumulation::Cumulative);
    let payload = Payload::TargetSet(TargetSet {
        indicator,
        scope,
        value,
        deadline,
        accumulation,
        from_year,
        act,
    });
    vec![(key, effective, payload)]
}

/// The indicator a cell names: its code, or its name as `projections::definitions` quotes the
/// act (compared without case, punctuation and spacing).
fn indicator_code(text: &str) -> Option<IndicatorCode> {
    if let Ok(code) = text.trim().parse::<IndicatorCode>() {
        return Some(code);
    }
    let wanted = normalize(text);
    projections::definitions::DEFINITIONS
        .iter()
        .find(|definition| normalize(definition.name) == wanted)
        .map(|definition| definition.code)
}

fn accumulation(text: &str) -> Option<Accumulation> {
    let norm = normalize(text);
    if norm.contains("накопител") || norm.contains("нарастающ") || norm == "cumulative"
    {
        Some(Accumulation::Cumulative)
    } else if norm.contains("ежегодн") || norm.contains("за год") || norm == "annual" {
        Some(Accumulation::Annual)
    } else {
        None
    }
}

/// A four-digit year in the text («накопительным итогом с 2023 года»).
fn year_in(text: &str) -> Option<u16> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|digits| digits.len() == 4)
        .find_map(|digits| digits.parse::<u16>().ok())
}

fn scope(text: &str) -> Option<Scope> {
    let trimmed = text.trim();
    let norm = normalize(trimmed);
    if norm == "регион" || norm == "область" || norm == "субъект" {
        return Some(Scope::Region);
    }
    trimmed.parse::<Scope>().ok()
}

/// A target value as acts write it; a share in basis points when the indicator is a share.
fn target_value(text: &str, indicator: IndicatorCode) -> Option<TargetValue> {
    let lower = text.to_lowercase();
    if lower.contains("динамик") {
        return Some(TargetValue::PositiveDynamics);
    }
    let at_most = ["не более", "не выше", "не больше", "≤", "<="].iter().any(|w| lower.contains(w));
    let number: String = lower
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let number = number.trim_end_matches(['.', ',']).replace(',', ".");
    let value: f64 = number.parse().ok()?;
    if !(0.0..=1_000_000.0).contains(&value) {
        return None;
    }
    if indicator.measure() == IndicatorMeasure::Share {
        let basis_points = (value * 100.0).round();
        // «не менее 9,5 %» is 950 basis points; a value with more than two decimals of a percent
        // is not an act's.
        let points = u32::try_from(basis_points as i64).ok()?;
        Some(if at_most {
            TargetValue::ShareAtMostBp(points)
        } else {
            TargetValue::ShareAtLeastBp(points)
        })
    } else {
        if value.fract() != 0.0 {
            return None;
        }
        let count = u32::try_from(value as i64).ok()?;
        Some(if at_most {
            TargetValue::CountAtMost(count)
        } else {
            TargetValue::CountAtLeast(count)
        })
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn program_topic(text: &str) -> Option<ProgramTopic> {
    let norm = normalize(text);
    let table = [
        ("предметн", ProgramTopic::SubjectCompetence),
        ("функциональн", ProgramTopic::FunctionalLiteracy),
        ("фгос", ProgramTopic::UpdatedFgos),
        ("цифров", ProgramTopic::DigitalEnv),
        ("оценк", ProgramTopic::QualityAssessment),
        ("одарен", ProgramTopic::Talents),
        ("талант", ProgramTopic::Talents),
        ("профориент", ProgramTopic::CareerGuidance),
        ("воспитан", ProgramTopic::Upbringing),
        ("дошкольн", ProgramTopic::PreschoolQuality),
        ("управлен", ProgramTopic::ManagementQuality),
        ("выгоран", ProgramTopic::BurnoutPrevention),
        ("наставни", ProgramTopic::Mentoring),
        ("друг", ProgramTopic::Other),
        ("проч", ProgramTopic::Other),
    ];
    table.iter().find(|(word, _)| norm.contains(word)).map(|(_, topic)| *topic)
}

fn organisation_kind(text: &str) -> Option<OrganisationKind> {
    let norm = normalize(text);
    if norm.contains("академи") || norm == "academy" {
        Some(OrganisationKind::Academy)
    } else if (norm.contains("методическ") && !norm.contains("дпо") && !norm.contains("научно"))
        || norm == "ммс"
        || norm.contains("methodological_service")
    {
        Some(OrganisationKind::MethodologicalService)
    } else if norm.contains("институт развития образования")
        || norm == "иро"
        || norm.contains("regional_institute")
    {
        Some(OrganisationKind::RegionalInstitute)
    } else if norm.contains("дпо") || norm.contains("дополнительного профессионального")
    {
        Some(OrganisationKind::DpoProvider)
    } else if norm.contains("дошкол") || norm == "доу" {
        Some(OrganisationKind::Preschool)
    } else if norm.contains("дополнительного образования")
        || norm == "удо"
        || norm == "дополнительная"
    {
        Some(OrganisationKind::Additional)
    } else if norm.contains("спо")
        || norm.contains("среднего профессионального")
        || norm.contains("профессиональн")
    {
        Some(OrganisationKind::Vocational)
    } else if norm.contains("высш") || norm == "во" || norm.contains("университет")
    {
        Some(OrganisationKind::Higher)
    } else if norm.contains("общеобразоват") || norm.contains("школа") || norm == "оо"
    {
        Some(OrganisationKind::General)
    } else {
        None
    }
}

fn position(text: &str) -> Position {
    let norm = normalize(text);
    if norm.starts_with("заместитель") {
        Position::DeputyHead
    } else if norm.starts_with("директор")
        || norm.starts_with("заведующ")
        || norm.starts_with("руководитель")
    {
        Position::Head
    } else if norm.starts_with("воспитатель") {
        Position::PreschoolTeacher
    } else if let Some(subject) = norm.strip_prefix("учитель ") {
        Position::SubjectTeacher { subjects: BTreeSet::from([subject.trim().to_string()]) }
    } else if norm == "учитель" {
        Position::Teacher
    } else {
        Position::OtherPedagogue
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let text = text.split_whitespace().next().unwrap_or(text);
    Date::parse_russian(text).or_else(|| Date::parse_iso(text))
}

fn xlsx_grid(file: &str, bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, ImportError> {
    let mut workbook = xlsx_grid::open(file, bytes)?;
    let Some(name) = xlsx_grid::sheet_names(&workbook).first().cloned() else {
        return Err(ImportError::Spreadsheet {
            file: file.to_string(),
            message: "в книге нет листов".to_string(),
        });
    };
    let grid = xlsx_grid::read_sheet(file, &mut workbook, &name)?;
    if grid.rows.len() > REGISTRY_ROWS_MAX {
        return Err(ImportError::Spreadsheet {
            file: file.to_string(),
            message: format!("на листе больше {REGISTRY_ROWS_MAX} строк"),
        });
    }
    Ok(grid
        .rows
        .iter()
        .zip(grid.first_row..)
        .map(|(cells, row)| (row, cells.iter().map(xlsx_cell_text).collect()))
        .collect())
}

fn xlsx_cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::DateTime(value) => {
            // Excel serial days since 1899-12-30 (25569 days before 1970-01-01).
            let days = value.as_f64().floor() - 25569.0;
            if (-100_000.0..100_000.0).contains(&days) {
                format!("{}", Date::from_days_since_epoch(days as i32))
            } else {
                value.to_string()
            }
        }
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => format!("{value:.0}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::documents::import::registry::{derived_id, organisation_kind, position};
    use proto_events::vocabulary::{OrganisationKind, Position};

    #[test]
    fn ids_depend_on_content_only() {
        assert_eq!(derived_id("course_completed\na"), derived_id("course_completed\na"));
        assert_ne!(derived_id("course_completed\na"), derived_id("course_completed\nb"));
    }

    #[test]
    fn kinds_and_positions_are_read() {
        assert_eq!(organisation_kind("МБОУ, общеобразовательная"), Some(OrganisationKind::General));
        assert_eq!(organisation_kind("Дошкольная"), Some(OrganisationKind::Preschool));
        assert_eq!(
            organisation_kind("Муниципальная методическая служба"),
            Some(OrganisationKind::MethodologicalService)
        );
        assert_eq!(organisation_kind("ММС"), Some(OrganisationKind::MethodologicalService));
        assert_eq!(
            organisation_kind("Научно-методический центр ДПО"),
            Some(OrganisationKind::DpoProvider)
        );
        assert_eq!(
            position("Учитель математики"),
            Position::SubjectTeacher { subjects: ["математики".to_string()].into() }
        );
        assert_eq!(position("Заместитель директора"), Position::DeputyHead);
    }
}
