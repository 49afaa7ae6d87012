//! `/api/v1/prompts`: recorded messages. The upload is the file itself as
//! the request body (WAV, MP3, OGG/Vorbis or FLAC); it is decoded once here
//! to refuse what a Talker could not play and to learn its length, and
//! stored as uploaded so that browsers can play it back.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use herald_store::{NewPrompt, PromptInfo};
use sha2::Digest;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{parse_id, required_name};
use crate::{AppState, Items};

/// The largest prompt file accepted (about 10 minutes of 128 kbit/s MP3 or
/// 5 minutes of CD-quality WAV).
const MAX_PROMPT_BYTES: usize = 50 * 1024 * 1024;

/// File types by extension, and what is served back.
const FORMATS: &[(&str, &str)] =
    &[("wav", "audio/wav"), ("mp3", "audio/mpeg"), ("ogg", "audio/ogg"), ("oga", "audio/ogg"), ("flac", "audio/flac")];

/// `GET /api/v1/prompts` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<PromptInfo>>> {
    Ok(Json(Items { items: state.store()?.prompts().await? }))
}

/// `GET /api/v1/prompts/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<PromptInfo>> {
    Ok(Json(state.store()?.prompt(parse_id(&id, "prompt")?).await?))
}

/// `GET /api/v1/prompts/{id}/audio` (viewer): the file as uploaded.
pub(crate) async fn audio(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let (content_type, audio) = state.store()?.prompt_file(parse_id(&id, "prompt")?).await?;
    let content_type = HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("audio/wav"));
    Ok(([(header::CONTENT_TYPE, content_type)], audio).into_response())
}

/// `POST /api/v1/prompts?name=N&filename=F` (manager), the file as the
/// body.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<(StatusCode, Json<PromptInfo>)> {
    let body = axum::body::to_bytes(body, MAX_PROMPT_BYTES).await.map_err(|_| AppError::PayloadTooLarge)?;
    let mut fields = FieldErrors::default();
    let name = required_name(query.get("name").map(String::as_str), &mut fields);
    let filename = query.get("filename").map(|name| name.trim().to_owned()).unwrap_or_default();
    let extension = filename.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    let format = extension.as_deref().and_then(|extension| FORMATS.iter().find(|(known, _)| *known == extension));
    if format.is_none() {
        fields.add("filename", "must end in .wav, .mp3, .ogg or .flac");
    }
    for key in query.keys().filter(|key| *key != "name" && *key != "filename") {
        fields.add(key, "is not a known parameter");
    }
    if body.is_empty() {
        fields.add("file", "the request body must be the audio file");
    }
    fields.check()?;
    // The extension decides the format: browsers often send a generic type.
    let Some((extension, content_type)) = format else { unreachable!("checked above") };
    let audio = body.to_vec();
    let decoded = {
        let audio = audio.clone();
        let extension = (*extension).to_owned();
        tokio::task::spawn_blocking(move || herald_media::Prompt::decode(audio, Some(&extension)))
            .await
            .map_err(|_| AppError::Internal)?
    };
    let prompt = match decoded {
        Ok(prompt) if prompt.duration_ms() > 0 => prompt,
        Ok(_) => return Err(file_error("the file holds no audio")),
        Err(error) => return Err(file_error(format!("the file could not be decoded as {extension}: {error}"))),
    };
    let new = NewPrompt {
        name,
        filename,
        content_type: (*content_type).to_owned(),
        duration_ms: i32::try_from(prompt.duration_ms()).unwrap_or(i32::MAX),
        sha256: sha2::Sha256::digest(&audio).to_vec(),
        audio,
    };
    let prompt = changed(state.store()?.add_prompt(&new, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(prompt)))
}

fn file_error(message: impl Into<String>) -> AppError {
    let mut fields = FieldErrors::default();
    fields.add("file", message);
    fields.into_error()
}

/// `DELETE /api/v1/prompts/{id}` (manager); 409 while a campaign uses it.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = parse_id(&id, "prompt")?;
    changed(state.store()?.delete_prompt(id, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}
