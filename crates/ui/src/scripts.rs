//! `/api/v1/scripts`: call scripts — what a campaign plays to each answered
//! person (prompts, text-to-speech with the contact's tags, keypress menus,
//! opt-out, voicemail) — and `/api/v1/speech/preview`, to hear a `say`
//! step as the call will carry it. Scripts are checked by
//! `herald_scenario`; each problem is reported at its place in the body
//! (`body.steps[2].branches.1[0].prompt_id`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use herald_store::{CallScript, Store};
use serde_json::Value;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, parse_id};
use crate::patch::Patch;
use crate::{AppState, Items};

/// `GET /api/v1/scripts` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<CallScript>>> {
    Ok(Json(Items { items: state.store()?.call_scripts().await? }))
}

/// `GET /api/v1/scripts/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CallScript>> {
    Ok(Json(state.store()?.call_script(parse_id(&id, "call script")?).await?))
}

/// A call script: its name and its steps.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `apply` checks field by field")]
pub(crate) struct CreateScriptRequest {
    #[schemars(length(max = 200))]
    name: String,
    body: herald_scenario::Script,
}

/// Text to hear as a call would carry it.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `preview` checks field by field")]
pub(crate) struct SpeechPreviewRequest {
    /// `{{tags}}` are left for the call to fill.
    #[schemars(length(max = herald_scenario::MAX_TEXT))]
    text: String,
    /// Null: the node's default voice.
    #[schemars(length(max = 64))]
    voice: Option<String>,
}

/// `POST /api/v1/scripts` (manager) `{name, body}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<CallScript>)> {
    let store = state.store()?;
    let mut patch = Patch::from_body(&body)?;
    patch.require(&["name", "body"]);
    let (mut name, mut script) = (String::new(), Value::Null);
    apply(store, patch, &mut name, &mut script).await?;
    let saved = changed(store.save_call_script(None, &name, &script, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// `PATCH /api/v1/scripts/{id}` (manager) `{name?, body?}`.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<CallScript>> {
    let script_id = parse_id(&id, "call script")?;
    let store = state.store()?;
    let current = store.call_script(script_id).await?;
    let patch = Patch::changes(&body)?;
    let (mut name, mut script) = (current.name, current.body);
    apply(store, patch, &mut name, &mut script).await?;
    Ok(Json(changed(store.save_call_script(Some(script_id), &name, &script, &principal.actor()).await?)?))
}

/// `DELETE /api/v1/scripts/{id}` (manager); 409 while a campaign plays it.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    changed(state.store()?.delete_call_script(parse_id(&id, "call script")?, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies `name` and `body` from the request, checking the script against
/// the stored prompts; every problem is reported under `body.<path>`.
async fn apply(store: &Store, mut patch: Patch, name: &mut String, script: &mut Value) -> Result<()> {
    patch.string("name", name, 200);
    let mut candidate = Value::Null;
    patch.object("body", &mut candidate, |_| Ok(()));
    if !candidate.is_null() {
        match herald_scenario::parse(&candidate) {
            Err(problems) => {
                for problem in problems {
                    patch.errors.add(&body_path(&problem.path), problem.message);
                }
            }
            Ok(parsed) => {
                let existing = store.existing_prompts(&parsed.prompt_ids()).await?;
                let problems = herald_scenario::check(&parsed, &|id| existing.contains(&id));
                for problem in &problems {
                    patch.errors.add(&body_path(&problem.path), problem.message.clone());
                }
                // Stored as written back by the model: defaults filled in.
                *script = serde_json::to_value(&parsed).map_err(|_| AppError::Internal)?;
            }
        }
    }
    patch.finish()
}

fn body_path(path: &str) -> String {
    if path.is_empty() { "body".to_owned() } else { format!("body.{path}") }
}

/// `POST /api/v1/speech/preview` (manager) `{text, voice?}`: the text
/// spoken by the node's engine, as an 8 kHz WAV (what the call carries).
/// `{{tags}}` are left for the call to fill: preview text as it will be said.
pub(crate) async fn preview(State(state): State<AppState>, body: JsonBody) -> Result<Response> {
    let mut patch = Patch::from_body(&body)?;
    patch.require(&["text"]);
    let (mut text, mut voice) = (String::new(), None);
    patch.string("text", &mut text, herald_scenario::MAX_TEXT);
    patch.optional_string("voice", &mut voice, 64);
    patch.finish()?;
    let speech: Arc<herald_speech::Speech> =
        state.speech.clone().ok_or(AppError::Unavailable("text-to-speech is off"))?;
    let prompt = speech.prompt(&text, voice.as_deref()).await.map_err(|error| match error {
        herald_speech::SpeechError::Empty => {
            let mut fields = FieldErrors::default();
            fields.add("text", "say what? the text is empty");
            fields.into_error()
        }
        herald_speech::SpeechError::Disabled => AppError::Unavailable("text-to-speech is off"),
        error => {
            tracing::warn!(%error, "speech preview failed");
            AppError::UnavailableOwned(error.to_string())
        }
    })?;
    Ok(([(header::CONTENT_TYPE, "audio/wav")], herald_speech::wav(&prompt)).into_response())
}
