//! `/api/v1/webhooks`: admins and managers configure webhooks on attempt
//! outcomes and see their deliveries. The deliveries themselves are
//! `herald-webhooks`' job ([`herald_webhooks::Deliverer`]), which checks
//! URLs by the same rule ([`herald_webhooks::url_problem`]).

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use herald_store::{Webhook, WebhookDelivery};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, parse_id, reject_unknown_fields};
use crate::patch::Patch;
use crate::{AppState, Items};

/// `GET /api/v1/webhooks` (manager): with their delivery counts.
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<Webhook>>> {
    Ok(Json(Items { items: state.store()?.webhooks().await? }))
}

/// A new webhook.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateWebhookRequest {
    #[schemars(with = "String", url)]
    url: Option<String>,
    /// Made (and returned once) when left out.
    #[schemars(length(min = 16))]
    secret: Option<String>,
    /// Only this campaign's attempts; null: all.
    campaign_id: Option<i64>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct CreatedWebhook {
    id: i64,
    /// Signs every body; shown once.
    secret: String,
}

/// `POST /api/v1/webhooks` (manager) `{url, secret?, campaign_id?}`:
/// without a secret one is made (and shown once).
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<CreatedWebhook>)> {
    let request: CreateWebhookRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let url = request.url.unwrap_or_default().trim().to_owned();
    if let Some(problem) = herald_webhooks::url_problem(&url, state.webhook_private_targets) {
        fields.add("url", problem);
    }
    let secret = match request.secret {
        Some(secret) if secret.len() < 16 => {
            fields.add("secret", "must be at least 16 characters (or leave it out to have one made)");
            secret
        }
        Some(secret) => secret,
        None => {
            let mut bytes = [0_u8; 24];
            rand::fill(&mut bytes);
            bytes.iter().map(|byte| format!("{byte:02x}")).collect()
        }
    };
    fields.check()?;
    let id = changed(state.store()?.add_webhook(&url, &secret, request.campaign_id, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(CreatedWebhook { id, secret })))
}

/// A webhook's fields that may change.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `update` applies field by field")]
pub(crate) struct UpdateWebhookRequest {
    #[schemars(url)]
    url: String,
    /// Only this campaign's attempts; null: all.
    campaign_id: Option<i64>,
    /// False: nothing is queued, and what is queued waits.
    enabled: bool,
}

/// `PATCH /api/v1/webhooks/{id}` (manager) `{url?, campaign_id?, enabled?}`:
/// a new URL is checked as at creation; a disabled webhook queues nothing
/// new, and what it had queued waits until it is enabled again.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<Webhook>> {
    let webhook_id = parse_id(&id, "webhook")?;
    let store = state.store()?;
    let current = store.webhook(webhook_id).await?;
    let mut patch = Patch::changes(&body)?;
    let (mut url, mut campaign_id, mut enabled) = (current.url.clone(), current.campaign_id, current.enabled);
    patch.string("url", &mut url, 2000);
    if url != current.url
        && let Some(problem) = herald_webhooks::url_problem(&url, state.webhook_private_targets)
    {
        patch.errors.add("url", problem);
    }
    patch.optional_id("campaign_id", &mut campaign_id);
    patch.boolean("enabled", &mut enabled);
    patch.finish()?;
    let webhook = changed(store.update_webhook(webhook_id, &url, campaign_id, enabled, &principal.actor()).await?)?;
    Ok(Json(webhook))
}

/// `GET /api/v1/webhooks/{id}/deliveries?limit=` (manager): the latest
/// deliveries, newest first, with each one's tries and last answer — why
/// an endpoint is not receiving.
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Items<WebhookDelivery>>> {
    let webhook_id = parse_id(&id, "webhook")?;
    let mut fields = FieldErrors::default();
    let mut limit = 50;
    for (key, value) in &query {
        match key.as_str() {
            "limit" => match value.parse::<i64>() {
                Ok(value) if (1..=500).contains(&value) => limit = value,
                _ => fields.add("limit", "must be a whole number from 1 to 500"),
            },
            _ => fields.add(key, "is not a known parameter"),
        }
    }
    fields.check()?;
    let store = state.store()?;
    store.webhook(webhook_id).await?;
    Ok(Json(Items { items: store.webhook_deliveries(webhook_id, limit).await? }))
}

/// `POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/retry` (manager):
/// a delivery that was given up (or is waiting out its back-off) is due
/// now, with its tries counted afresh; 409 if it was delivered.
pub(crate) async fn retry(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<Json<WebhookDelivery>> {
    let webhook_id = parse_id(&id, "webhook")?;
    let delivery_id = parse_id(&delivery_id, "webhook delivery")?;
    let store = state.store()?;
    store.webhook(webhook_id).await?;
    Ok(Json(changed(store.retry_delivery(webhook_id, delivery_id, &principal.actor()).await?)?))
}

/// `DELETE /api/v1/webhooks/{id}` (manager).
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    if state.store()?.delete_webhook(parse_id(&id, "webhook")?, &principal.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("webhook"))
    }
}
