//! `/api/v1/lists`: black and white lists (global or per campaign), their
//! entries (exact numbers, or prefixes with `is_prefix`), bulk upload as
//! CSV, and `/opt-outs`, which puts a number on the global opt-out
//! blacklist. Talkers check the lists when a contact comes due and again
//! just before dialing.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use futures_util::TryStreamExt;
use herald_store::{ListEntry, NewListEntry, NumberList, OPT_OUT_LIST};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, is_e164_prefix, parse_id, reject_unknown_fields, required_name};
use crate::patch::Patch;
use crate::{AppState, Items};

/// Entries written per statement during an upload.
const UPLOAD_BATCH: usize = 10_000;

/// `GET /api/v1/lists` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<NumberList>>> {
    Ok(Json(Items { items: state.store()?.number_lists().await? }))
}

/// A new black or white list.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateListRequest {
    #[schemars(with = "String", length(max = 200))]
    name: Option<String>,
    #[schemars(with = "String", extend("enum" = ["black", "white"]))]
    kind: Option<String>,
    /// Null: every campaign.
    campaign_id: Option<i64>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/lists` (manager) `{name, kind: black|white, campaign_id?}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<NumberList>)> {
    let request: CreateListRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let name = required_name(request.name.as_deref(), &mut fields);
    let kind = request.kind.unwrap_or_default();
    if kind != "black" && kind != "white" {
        fields.add("kind", "must be black or white");
    }
    fields.check()?;
    let list = changed(state.store()?.add_number_list(&name, &kind, request.campaign_id, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(list)))
}

/// `GET /api/v1/lists/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<NumberList>> {
    Ok(Json(state.store()?.number_list(parse_id(&id, "list")?).await?))
}

/// `PATCH /api/v1/lists/{id}` (manager) `{name}`: a list's kind and
/// campaign are what its entries mean, so they never change (make a new
/// list); the global opt-out list keeps its name, by which opt-outs find it.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<NumberList>> {
    let list_id = parse_id(&id, "list")?;
    let store = state.store()?;
    let current = store.number_list(list_id).await?;
    let mut patch = Patch::changes(&body)?;
    let mut name = current.name.clone();
    patch.string("name", &mut name, 200);
    let global_blacklist = current.kind == "black" && current.campaign_id.is_none();
    if global_blacklist && name != current.name && (current.name == OPT_OUT_LIST || name == OPT_OUT_LIST) {
        patch.errors.add("name", format!("{OPT_OUT_LIST:?} is the name opt-outs find the global opt-out list by"));
    }
    patch.fixed("kind", "cannot change: make a new list of the other kind");
    patch.fixed("campaign_id", "cannot change: make a new list for the other campaign");
    patch.finish()?;
    Ok(Json(store.rename_number_list(list_id, &name, &principal.actor()).await?))
}

/// A list's new name (its kind and campaign cannot change).
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `update` applies field by field")]
pub(crate) struct UpdateListRequest {
    #[schemars(length(max = 200))]
    name: String,
}

/// `DELETE /api/v1/lists/{id}` (manager): the list and its entries.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    changed(state.store()?.delete_number_list(parse_id(&id, "list")?, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of entries; `next` is the cursor for the following one.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct EntryPage {
    items: Vec<ListEntry>,
    next: Option<String>,
}

/// `GET /api/v1/lists/{id}/entries?search=&after=&limit=` (viewer).
pub(crate) async fn entries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<EntryPage>> {
    let list_id = parse_id(&id, "list")?;
    let mut fields = FieldErrors::default();
    let mut search = String::new();
    let mut after = None;
    let mut limit = 50;
    for (key, value) in &query {
        match key.as_str() {
            "search" if value.is_empty() || value.chars().all(|c| c == '+' || c.is_ascii_digit()) => {
                search = value.clone();
            }
            "search" => fields.add("search", "must be the beginning of a number, e.g. +4930"),
            "after" => after = Some(value.clone()),
            "limit" => match value.parse::<i64>() {
                Ok(value) if (1..=1000).contains(&value) => limit = value,
                _ => fields.add("limit", "must be a whole number from 1 to 1000"),
            },
            _ => fields.add(key, "is not a known parameter"),
        }
    }
    fields.check()?;
    let store = state.store()?;
    store.number_list(list_id).await?;
    let mut items = store.list_entries(list_id, &search, after.as_deref(), limit + 1).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if more { items.last().map(|entry| entry.pattern.clone()) } else { None };
    Ok(Json(EntryPage { items, next }))
}

/// An entry of a list: a number, or with `is_prefix` every number
/// starting with it.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AddEntryRequest {
    #[schemars(with = "String", regex(pattern = r"^\+[0-9]{1,15}$"))]
    pattern: Option<String>,
    #[schemars(extend("default" = false))]
    is_prefix: Option<bool>,
    #[schemars(length(max = 500))]
    reason: Option<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/lists/{id}/entries` (manager) `{pattern, is_prefix?,
/// reason?, expires_at?}`.
pub(crate) async fn add_entry(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<StatusCode> {
    let list_id = parse_id(&id, "list")?;
    let request: AddEntryRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let pattern = request.pattern.unwrap_or_default().replace([' ', '-'], "");
    if !is_e164_prefix(&pattern) {
        fields.add("pattern", "must be an E.164 number or its beginning: + and 1 to 15 digits");
    }
    if request.reason.as_ref().is_some_and(|reason| reason.chars().count() > 500) {
        fields.add("reason", "must be at most 500 characters");
    }
    fields.check()?;
    let entry = NewListEntry {
        pattern,
        is_prefix: request.is_prefix.unwrap_or(false),
        reason: request.reason.filter(|reason| !reason.trim().is_empty()),
        expires_at: request.expires_at,
    };
    state.store()?.add_list_entries_audited(list_id, &[entry], &principal.actor()).await?;
    Ok(StatusCode::CREATED)
}

/// `DELETE /api/v1/lists/{id}/entries/{pattern}` (manager).
pub(crate) async fn remove_entry(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, pattern)): Path<(String, String)>,
) -> Result<StatusCode> {
    let list_id = parse_id(&id, "list")?;
    if state.store()?.remove_list_entry(list_id, &pattern, &principal.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("list entry"))
    }
}

/// What an upload did.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ListUpload {
    written: u64,
    /// Lines refused: `{line, message}` (the first 1,000).
    rejected: Vec<RejectedLine>,
    rejected_count: u64,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct RejectedLine {
    line: u64,
    message: String,
}

/// `PUT /api/v1/lists/{id}/data` (manager): CSV, one entry per line —
/// `pattern[,reason]`; a pattern ending in `*` is a prefix; a header line
/// starting with `pattern` or `phone` is skipped. Streamed in batches.
pub(crate) async fn upload(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<ListUpload>> {
    let list_id = parse_id(&id, "list")?;
    let store = state.store()?.clone();
    store.number_list(list_id).await?;
    let (batches, mut received) = mpsc::channel::<(Vec<NewListEntry>, Vec<RejectedLine>)>(2);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let parser = tokio::task::spawn_blocking(move || parse_entries(reader, &batches));
    let mut upload = ListUpload { written: 0, rejected: Vec::new(), rejected_count: 0 };
    while let Some((entries, rejected)) = received.recv().await {
        if !entries.is_empty() {
            upload.written += store.add_list_entries(list_id, &entries).await?;
        }
        upload.rejected_count += rejected.len() as u64;
        let room = 1_000usize.saturating_sub(upload.rejected.len());
        upload.rejected.extend(rejected.into_iter().take(room));
    }
    parser
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|error| AppError::invalid(format!("reading the file: {error}")))?;
    let details = serde_json::json!({ "written": upload.written, "rejected": upload.rejected_count });
    store.audit(&principal.actor(), "upload", "list", Some(list_id), details).await?;
    Ok(Json(upload))
}

type Sender = mpsc::Sender<(Vec<NewListEntry>, Vec<RejectedLine>)>;

fn parse_entries(reader: impl std::io::Read, batches: &Sender) -> std::io::Result<()> {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(reader);
    let mut entries = Vec::new();
    let mut rejected = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let raw = record.get(0).unwrap_or_default();
                if line == 1 && (raw.eq_ignore_ascii_case("pattern") || raw.eq_ignore_ascii_case("phone")) {
                    continue;
                }
                if raw.is_empty() && record.len() <= 1 {
                    continue;
                }
                let (pattern, is_prefix) = match raw.strip_suffix('*') {
                    Some(prefix) => (prefix.replace([' ', '-'], ""), true),
                    None => (raw.replace([' ', '-'], ""), false),
                };
                if is_e164_prefix(&pattern) {
                    let reason = record.get(1).filter(|reason| !reason.is_empty()).map(str::to_owned);
                    entries.push(NewListEntry { pattern, is_prefix, reason, expires_at: None });
                } else {
                    rejected.push(RejectedLine { line, message: format!("{raw:?} is not an E.164 number or prefix") });
                }
            }
            Err(error) => {
                if let csv::ErrorKind::Io(_) = error.kind() {
                    return Err(std::io::Error::other(error.to_string()));
                }
                let line = error.position().map_or(0, csv::Position::line);
                rejected.push(RejectedLine { line, message: error.to_string() });
            }
        }
        if entries.len() + rejected.len() >= UPLOAD_BATCH
            && batches.blocking_send((std::mem::take(&mut entries), std::mem::take(&mut rejected))).is_err()
        {
            return Ok(());
        }
    }
    let _ = batches.blocking_send((entries, rejected));
    Ok(())
}

/// A number never to call again.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct OptOutRequest {
    #[schemars(with = "String")]
    phone: Option<String>,
    reason: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/opt-outs` (manager) `{phone, reason?}`: never call this
/// number again, from any campaign.
pub(crate) async fn opt_out(principal: Principal, State(state): State<AppState>, body: JsonBody) -> Result<StatusCode> {
    let request: OptOutRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let phone = match herald_types::E164::parse(request.phone.as_deref().unwrap_or_default()) {
        Ok(phone) => Some(phone),
        Err(_) => {
            fields.add("phone", "must be a phone number in E.164 form, e.g. +12025550100");
            None
        }
    };
    fields.check()?;
    let Some(phone) = phone else { unreachable!("checked above") };
    let store = state.store()?;
    let list_id = store.opt_out_list().await?;
    let entry = NewListEntry {
        pattern: phone.as_str().to_owned(),
        is_prefix: false,
        reason: Some(request.reason.unwrap_or_else(|| "opted out".to_owned())),
        expires_at: None,
    };
    store.add_list_entries_audited(list_id, &[entry], &principal.actor()).await?;
    Ok(StatusCode::CREATED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_take_numbers_and_starred_prefixes() {
        let (sender, mut receiver) = mpsc::channel(4);
        let text = "pattern,reason\n+4930123456,asked\n+4930*\nnonsense,x\n\n+1 202-555-0100\n";
        parse_entries(text.as_bytes(), &sender).unwrap();
        let (entries, rejected) = receiver.try_recv().unwrap();
        let patterns: Vec<(&str, bool)> =
            entries.iter().map(|entry| (entry.pattern.as_str(), entry.is_prefix)).collect();
        assert_eq!(patterns, [("+4930123456", false), ("+4930", true), ("+12025550100", false)]);
        assert_eq!(entries[0].reason.as_deref(), Some("asked"));
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 4);
    }
}
