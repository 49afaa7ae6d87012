//! Contact uploads: `POST /campaigns/{id}/imports` records the column
//! mapping, `PUT /imports/{id}/data` streams the CSV file into
//! [`herald_imports::run`] (rows are parsed as they arrive and `COPY`'d in
//! batches, progress written after each), `GET /imports/{id}` shows how far
//! it got while the upload runs, and `GET /imports/{id}/errors.csv` lists
//! the rows that were refused.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use herald_store::{Import, ImportMapping};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result};
use crate::input::{JsonBody, parse_id, reject_unknown_fields};
use crate::{AppState, Items};

/// A contact import's column mapping (its file follows).
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateImportRequest {
    /// The header of the phone number column.
    #[schemars(with = "String")]
    phone_column: Option<String>,
    timezone_column: Option<String>,
    /// Null: every other column is a tag.
    tag_columns: Option<Vec<String>>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/campaigns/{id}/imports` (manager) `{phone_column,
/// timezone_column?, tag_columns?}`: an import waiting for its file.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<Import>)> {
    let campaign_id = parse_id(&id, "campaign")?;
    let request: CreateImportRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let phone_column = request.phone_column.map(|name| name.trim().to_owned()).unwrap_or_default();
    if phone_column.is_empty() {
        fields.add("phone_column", "is required: the header of the column holding the phone numbers");
    }
    let timezone_column = request.timezone_column.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
    if let Some(tags) = &request.tag_columns
        && tags.iter().any(|tag| tag.trim().is_empty() || *tag == phone_column)
    {
        fields.add("tag_columns", "must name columns other than the phone column");
    }
    fields.check()?;
    let mapping = ImportMapping { phone_column, timezone_column, tag_columns: request.tag_columns };
    let import = state.store()?.create_import(campaign_id, &mapping, &principal.actor()).await?;
    Ok((StatusCode::CREATED, Json(import)))
}

/// `GET /api/v1/imports/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Import>> {
    Ok(Json(state.store()?.import(parse_id(&id, "import")?).await?))
}

/// `GET /api/v1/campaigns/{id}/imports` (viewer), newest first.
pub(crate) async fn list(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Items<Import>>> {
    let store = state.store()?;
    let campaign_id = parse_id(&id, "campaign")?;
    store.campaign(campaign_id).await?;
    Ok(Json(Items { items: store.imports(campaign_id).await? }))
}

/// `PUT /api/v1/imports/{id}/data` (manager): the CSV file as the body,
/// once. Answers with the finished import.
pub(crate) async fn upload(State(state): State<AppState>, Path(id): Path<String>, body: Body) -> Result<Json<Import>> {
    let store = state.store()?.clone();
    let import = store.import(parse_id(&id, "import")?).await?;
    if !store.begin_import(import.id).await? {
        return Err(AppError::Conflict("this import already has its file; create a new import"));
    }
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    Ok(Json(herald_imports::run(&store, &import, stream).await?))
}

/// `GET /api/v1/imports/{id}/errors.csv` (viewer): `line,message`, streamed.
pub(crate) async fn errors_csv(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let store = state.store()?.clone();
    let import = store.import(parse_id(&id, "import")?).await?;
    let pages = futures_util::stream::try_unfold(Some(0_i64), move |after| {
        let store = store.clone();
        async move {
            let Some(after) = after else { return Ok(None) };
            let rows = store.import_errors(import.id, after, 5_000).await?;
            let mut text = String::new();
            if after == 0 {
                text.push_str("line,message\n");
            }
            for (line, message) in &rows {
                text.push_str(&format!("{line},{}\n", crate::reports::csv_field(message)));
            }
            let next = (rows.len() == 5_000).then(|| rows.last().map_or(after, |(line, _)| *line));
            Ok::<_, herald_store::Error>(Some((Bytes::from(text), next)))
        }
    });
    let filename = format!("attachment; filename=\"import-{}-errors.csv\"", import.id);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, filename)],
        Body::from_stream(pages.map_err(std::io::Error::other)),
    )
        .into_response())
}
