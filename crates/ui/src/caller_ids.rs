//! `/api/v1/caller-id-pools`: the numbers campaigns present as caller ID.
//! A campaign with `caller_id_pool_id` presents one of its pool's numbers
//! per call, chosen by the pool's strategy (fixed, round_robin,
//! local_presence, least_used) among the numbers enabled, not resting and
//! under their daily cap; the Scheduler rests numbers whose answer rate
//! collapses.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use herald_store::{CallerIdPool, CallerIdPoolDetail};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, parse_id, reject_unknown_fields, required_name};
use crate::patch::Patch;
use crate::{AppState, Items};

const STRATEGIES: &[&str] = &["fixed", "round_robin", "local_presence", "least_used"];

/// `GET /api/v1/caller-id-pools` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<CallerIdPool>>> {
    Ok(Json(Items { items: state.store()?.caller_id_pools().await? }))
}

/// `GET /api/v1/caller-id-pools/{id}` (viewer): with its numbers and their
/// calls today.
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CallerIdPoolDetail>> {
    Ok(Json(state.store()?.caller_id_pool(parse_id(&id, "caller ID pool")?).await?))
}

/// A new caller-ID pool.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreatePoolRequest {
    #[schemars(with = "String", length(max = 200))]
    name: Option<String>,
    /// How a call's caller ID is picked from the pool.
    #[schemars(extend(
        "enum" = ["fixed", "round_robin", "local_presence", "least_used", null],
        "default" = "round_robin"
    ))]
    strategy: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/caller-id-pools` (manager) `{name, strategy}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<CallerIdPool>)> {
    let request: CreatePoolRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let name = required_name(request.name.as_deref(), &mut fields);
    let strategy = request.strategy.unwrap_or_else(|| "round_robin".to_owned());
    if !STRATEGIES.contains(&strategy.as_str()) {
        fields.add("strategy", format!("must be one of {}", STRATEGIES.join(", ")));
    }
    fields.check()?;
    let pool = changed(state.store()?.add_caller_id_pool(&name, &strategy, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(pool)))
}

/// A caller-ID pool's fields that may change.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `Patch::name_and_strategy` applies")]
pub(crate) struct UpdatePoolRequest {
    #[schemars(length(max = 200))]
    name: String,
    #[schemars(extend("enum" = ["fixed", "round_robin", "local_presence", "least_used"]))]
    strategy: String,
}

/// `PATCH /api/v1/caller-id-pools/{id}` (manager) `{name?, strategy?}`.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<CallerIdPool>> {
    let pool_id = parse_id(&id, "caller ID pool")?;
    let store = state.store()?;
    let current = store.caller_id_pool(pool_id).await?.pool;
    let (name, strategy) = Patch::name_and_strategy(&body, (current.name, current.strategy), STRATEGIES)?;
    let pool = changed(store.update_caller_id_pool(pool_id, &name, &strategy, &principal.actor()).await?)?;
    Ok(Json(pool))
}

/// `DELETE /api/v1/caller-id-pools/{id}` (manager): the pool and its
/// numbers; 409 while a campaign presents numbers from it.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    changed(state.store()?.delete_caller_id_pool(parse_id(&id, "caller ID pool")?, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A number of a caller-ID pool: the fields sent change, the others keep
/// their values (a new number: no cap, enabled).
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `put_number` applies field by field")]
pub(crate) struct PutNumberRequest {
    /// Calls per day (UTC); null: no cap.
    #[schemars(range(min = 1))]
    daily_cap: Option<i32>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

/// `PUT /api/v1/caller-id-pools/{id}/numbers/{number}` (manager)
/// `{daily_cap?, enabled?}`: adds the number (E.164, URL-encoded) or
/// changes the fields sent (a new number: no cap, enabled).
pub(crate) async fn put_number(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    body: JsonBody,
) -> Result<StatusCode> {
    let pool_id = parse_id(&id, "caller ID pool")?;
    let store = state.store()?;
    let pool = store.caller_id_pool(pool_id).await?;
    let mut patch = Patch::from_body(&body)?;
    let number = herald_types::E164::parse(&number);
    if number.is_err() {
        patch.errors.add("number", "must be a phone number in E.164 form, e.g. +12025550100");
    }
    let current =
        number.as_ref().ok().and_then(|number| pool.numbers.iter().find(|known| known.number == number.as_str()));
    let mut daily_cap = current.and_then(|known| known.daily_cap);
    let mut enabled = current.is_none_or(|known| known.enabled);
    patch.optional_integer("daily_cap", &mut daily_cap, 1, i32::MAX);
    patch.boolean("enabled", &mut enabled);
    patch.finish()?;
    let Ok(number) = number else { unreachable!("checked above") };
    store.put_caller_id(pool_id, number.as_str(), daily_cap, enabled, &principal.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/caller-id-pools/{id}/numbers/{number}` (manager).
pub(crate) async fn remove_number(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> Result<StatusCode> {
    let pool_id = parse_id(&id, "caller ID pool")?;
    let store = state.store()?;
    store.caller_id_pool(pool_id).await?;
    if store.remove_caller_id(pool_id, &number, &principal.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("caller ID"))
    }
}
