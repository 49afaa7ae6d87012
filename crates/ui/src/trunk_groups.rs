//! `/api/v1/trunk-groups`: the trunks a campaign's calls may use. Calls try
//! the trunks whose prefixes match the number first, then the catch-all
//! ones, by position (`ordered`) or weight (`weighted`), and move on to the
//! next trunk when one fails with 408 or 5xx; a trunk that keeps failing is
//! skipped for a while (circuit breaker).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use herald_store::{TrunkGroup, TrunkGroupDetail, TrunkGroupMember};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, is_e164_prefix, parse_id, reject_unknown_fields, required_name};
use crate::patch::Patch;
use crate::{AppState, Items};

/// `GET /api/v1/trunk-groups` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<TrunkGroup>>> {
    Ok(Json(Items { items: state.store()?.trunk_groups().await? }))
}

/// `GET /api/v1/trunk-groups/{id}` (viewer): with its members.
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<TrunkGroupDetail>> {
    Ok(Json(state.store()?.trunk_group(parse_id(&id, "trunk group")?).await?))
}

/// A new trunk group.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateGroupRequest {
    #[schemars(with = "String", length(max = 200))]
    name: Option<String>,
    /// `ordered`: the first trunk that admits the call; `weighted`: first
    /// tries shared by weight.
    #[schemars(extend("enum" = ["ordered", "weighted", null], "default" = "ordered"))]
    strategy: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/trunk-groups` (manager) `{name, strategy: ordered|weighted}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<TrunkGroup>)> {
    let request: CreateGroupRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let name = required_name(request.name.as_deref(), &mut fields);
    let strategy = request.strategy.unwrap_or_else(|| "ordered".to_owned());
    if herald_policy::RouteStrategy::parse(&strategy).is_none() {
        fields.add("strategy", "must be ordered or weighted");
    }
    fields.check()?;
    let group = changed(state.store()?.add_trunk_group(&name, &strategy, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// A trunk group's fields that may change.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `Patch::name_and_strategy` applies")]
pub(crate) struct UpdateGroupRequest {
    #[schemars(length(max = 200))]
    name: String,
    #[schemars(extend("enum" = ["ordered", "weighted"]))]
    strategy: String,
}

/// `PATCH /api/v1/trunk-groups/{id}` (manager) `{name?, strategy?}`.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<TrunkGroup>> {
    let group_id = parse_id(&id, "trunk group")?;
    let store = state.store()?;
    let current = store.trunk_group(group_id).await?.group;
    let (name, strategy) = Patch::name_and_strategy(&body, (current.name, current.strategy), &["ordered", "weighted"])?;
    let group = changed(store.update_trunk_group(group_id, &name, &strategy, &principal.actor()).await?)?;
    Ok(Json(group))
}

/// `DELETE /api/v1/trunk-groups/{id}` (manager); 409 while a campaign uses it.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    changed(state.store()?.delete_trunk_group(parse_id(&id, "trunk group")?, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A trunk's place in a group.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct PutMemberRequest {
    /// Lower first (ordered).
    #[schemars(extend("default" = 0))]
    position: Option<i32>,
    /// Share of first tries (weighted).
    #[schemars(range(min = 1), extend("default" = 1))]
    weight: Option<i32>,
    /// Only numbers starting with one of these; empty: all.
    #[schemars(extend("default" = []))]
    prefixes: Option<Vec<String>>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `PUT /api/v1/trunk-groups/{id}/members/{trunk_id}` (manager)
/// `{position?, weight?, prefixes?}`: adds the trunk or changes its place.
pub(crate) async fn put_member(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, trunk_id)): Path<(String, String)>,
    body: JsonBody,
) -> Result<StatusCode> {
    let group_id = parse_id(&id, "trunk group")?;
    let trunk_id = parse_id(&trunk_id, "trunk")?;
    let request: PutMemberRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let weight = request.weight.unwrap_or(1);
    if weight < 1 {
        fields.add("weight", "must be at least 1");
    }
    let prefixes = request.prefixes.unwrap_or_default();
    if !prefixes.iter().all(|prefix| is_e164_prefix(prefix)) {
        fields.add("prefixes", "each must be the beginning of an E.164 number, e.g. +4930");
    }
    fields.check()?;
    let member = TrunkGroupMember { trunk_id, position: request.position.unwrap_or(0), weight, prefixes };
    changed(state.store()?.put_trunk_group_member(group_id, &member, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/trunk-groups/{id}/members/{trunk_id}` (manager).
pub(crate) async fn remove_member(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, trunk_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let group_id = parse_id(&id, "trunk group")?;
    let trunk_id = parse_id(&trunk_id, "trunk")?;
    let store = state.store()?;
    store.trunk_group(group_id).await?;
    if store.remove_trunk_group_member(group_id, trunk_id, &principal.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("trunk group member"))
    }
}
