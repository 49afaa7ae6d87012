//! `/api/v1/campaigns`: create, edit, clone, the lifecycle actions (start,
//! schedule, pause, resume, stop, archive), and where a campaign stands
//! (summary, preflight, a contact's history).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use herald_store::{
    ActionRefused, Campaign, CampaignAction, CampaignFields, CampaignStatus, CampaignSummary, ContactEvent, Preflight,
};
use serde::Serialize;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result, changed};
use crate::input::{JsonBody, parse_id};
use crate::patch::Patch;
use crate::{AppState, Items};

/// One country's default local calling hours.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct CountryHours {
    /// The country calling code; 0: every country without hours of its own.
    country_code: u16,
    /// A calling window (`{"mon": ["09:00-20:00"], …}`).
    window: serde_json::Value,
}

/// `GET /api/v1/calling-hours/defaults` (viewer): the hours a campaign
/// whose `calling_window` is `{"country_defaults": true}` gives each number.
pub(crate) async fn default_hours() -> Result<Json<Items<CountryHours>>> {
    let items = herald_policy::COUNTRIES_WITH_DEFAULTS
        .iter()
        .chain(&[0])
        .map(|&country_code| CountryHours {
            country_code,
            window: serde_json::to_value(herald_policy::CallingWindow::default_for_country(country_code))
                .unwrap_or_default(),
        })
        .collect();
    Ok(Json(Items { items }))
}

/// `GET /api/v1/campaigns[?status=S]` (viewer): newest first; archived
/// campaigns only with `status=archived`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Items<Campaign>>> {
    let status = query.get("status").map(String::as_str);
    if let Some(status) = status
        && CampaignStatus::parse(status).is_none()
    {
        let statuses = CampaignStatus::ALL.map(CampaignStatus::as_str);
        let mut fields = FieldErrors::default();
        fields.add("status", format!("must be one of {}", statuses.join(", ")));
        return Err(fields.into_error());
    }
    Ok(Json(Items { items: state.store()?.campaigns(status).await? }))
}

/// `GET /api/v1/campaigns/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Campaign>> {
    Ok(Json(state.store()?.campaign(parse_id(&id, "campaign")?).await?))
}

/// A campaign's settings.
// `apply` reads the body field by field (`Patch`), onto these defaults.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `apply` applies field by field")]
pub(crate) struct CreateCampaignRequest {
    #[schemars(length(max = 200))]
    name: String,
    #[schemars(range(min = 1))]
    trunk_id: Option<i64>,
    /// Route through this group (with failover) instead of `trunk_id`.
    #[schemars(range(min = 1))]
    trunk_group_id: Option<i64>,
    #[schemars(range(min = 1))]
    prompt_id: Option<i64>,
    /// Play this call script instead of `prompt_id`.
    #[schemars(range(min = 1))]
    script_id: Option<i64>,
    /// E.164.
    #[schemars(length(max = 32))]
    caller_id: Option<String>,
    /// Present numbers from this pool (its strategy) instead of `caller_id`.
    #[schemars(range(min = 1))]
    caller_id_pool_id: Option<i64>,
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 100))]
    max_attempts: i32,
    #[serde(default = "default_ring_timeout_secs")]
    #[schemars(range(min = 1, max = 600))]
    ring_timeout_secs: i32,
    /// Calls per second for this campaign, across the cluster.
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 10000))]
    cps_cap: Option<f64>,
    /// Concurrent calls for this campaign, across the cluster.
    #[schemars(range(min = 1, max = 1000000))]
    concurrency_cap: Option<i32>,
    /// IANA zone of the schedule.
    #[serde(default = "default_timezone")]
    #[schemars(length(max = 64))]
    timezone: String,
    /// Local calling hours: `{"mon": ["09:00-17:00"], …, "blackout_dates":
    /// ["2026-12-25"]}`; `{"country_defaults": true, "blackout_dates": […]}`:
    /// each number's country default (`GET /calling-hours/defaults`); `{}`:
    /// any time.
    #[serde(default)]
    calling_window: serde_json::Map<String, serde_json::Value>,
    /// `{"busy": {"delay_secs": 300, "max_attempts": 3}, "no_answer": …}`.
    #[serde(default)]
    retry_rules: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    whitelist_only: bool,
    /// Cron in the campaign's zone.
    #[schemars(length(max = 200))]
    schedule_start_cron: Option<String>,
    #[schemars(length(max = 200))]
    schedule_stop_cron: Option<String>,
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn one() -> i32 {
    1
}

fn default_ring_timeout_secs() -> i32 {
    30
}

fn default_timezone() -> String {
    "UTC".into()
}

/// `POST /api/v1/campaigns` (manager): a new draft.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<Campaign>)> {
    let mut patch = Patch::from_body(&body)?;
    patch.require(&["name"]);
    let mut fields = CampaignFields {
        name: String::new(),
        prompt_id: None,
        script_id: None,
        trunk_id: None,
        trunk_group_id: None,
        caller_id: None,
        caller_id_pool_id: None,
        max_attempts: one(),
        ring_timeout_secs: default_ring_timeout_secs(),
        cps_cap: None,
        concurrency_cap: None,
        timezone: default_timezone(),
        calling_window: serde_json::json!({}),
        retry_rules: serde_json::json!({}),
        whitelist_only: false,
        schedule_start_cron: None,
        schedule_stop_cron: None,
        starts_at: None,
        ends_at: None,
    };
    apply(&mut patch, &mut fields);
    patch.finish()?;
    let campaign = changed(state.store()?.save_campaign(None, &fields, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

/// `PATCH /api/v1/campaigns/{id}` (manager): any field of create. A running
/// campaign's Talkers pick changes up on their next plan refresh.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<Campaign>> {
    let id = parse_id(&id, "campaign")?;
    let mut patch = Patch::from_body(&body)?;
    if patch.is_empty() {
        return Err(AppError::invalid("nothing to change"));
    }
    let store = state.store()?;
    let current = store.campaign(id).await?;
    if CampaignStatus::parse(&current.status).is_some_and(|status| !status.is_editable()) {
        return Err(AppError::Conflict("an archived campaign cannot be changed; clone it"));
    }
    let mut fields = CampaignFields::from(&current);
    apply(&mut patch, &mut fields);
    patch.finish()?;
    let campaign = changed(store.save_campaign(Some(id), &fields, &principal.actor()).await?)?;
    Ok(Json(campaign))
}

/// `POST /api/v1/campaigns/{id}/{action}` (manager): start, schedule,
/// pause, resume, stop, archive. 409 when the action does not apply to the
/// campaign's status, or the campaign lacks what dialing needs.
pub(crate) async fn action(
    principal: Principal,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<Campaign>> {
    let id = parse_id(&id, "campaign")?;
    let action = CampaignAction::parse(&action).ok_or(AppError::NotFound("action"))?;
    match state.store()?.campaign_action(id, action, &principal.actor()).await? {
        Ok(campaign) => Ok(Json(campaign)),
        Err(ActionRefused::FromStatus(status)) => Err(AppError::ConflictOwned(format!(
            "cannot {} a campaign that is {status} (allowed from: {})",
            action.as_str(),
            action.transition().0.iter().map(|status| status.as_str()).collect::<Vec<_>>().join(", ")
        ))),
        Err(ActionRefused::Missing(missing)) => Err(AppError::ConflictOwned(format!(
            "the campaign needs {} before it can {}",
            missing.join(" and "),
            action.as_str()
        ))),
    }
}

/// `POST /api/v1/campaigns/{id}/clone` (manager): a new draft with the same
/// settings and no contacts.
pub(crate) async fn clone(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Campaign>)> {
    let id = parse_id(&id, "campaign")?;
    Ok((StatusCode::CREATED, Json(state.store()?.clone_campaign(id, &principal.actor()).await?)))
}

fn apply(patch: &mut Patch, fields: &mut CampaignFields) {
    patch.string("name", &mut fields.name, 200);
    patch.optional_id("trunk_id", &mut fields.trunk_id);
    patch.optional_id("trunk_group_id", &mut fields.trunk_group_id);
    patch.optional_id("prompt_id", &mut fields.prompt_id);
    patch.optional_id("script_id", &mut fields.script_id);
    patch.optional_string("caller_id", &mut fields.caller_id, 32);
    patch.optional_id("caller_id_pool_id", &mut fields.caller_id_pool_id);
    if let Some(caller_id) = &fields.caller_id
        && herald_types::E164::parse(caller_id).is_err()
    {
        patch.errors.add("caller_id", "must be a phone number in E.164 form, e.g. +12025550100");
    }
    patch.integer("max_attempts", &mut fields.max_attempts, 1, 100);
    patch.integer("ring_timeout_secs", &mut fields.ring_timeout_secs, 1, 600);
    patch.optional_number("cps_cap", &mut fields.cps_cap, 0.0, 10_000.0);
    patch.optional_integer("concurrency_cap", &mut fields.concurrency_cap, 1, 1_000_000);
    patch.string("timezone", &mut fields.timezone, 64);
    patch.object("calling_window", &mut fields.calling_window, |value| {
        herald_policy::CampaignHours::from_campaign_json(value).map(|_| ()).map_err(|error| error.to_string())
    });
    patch.object("retry_rules", &mut fields.retry_rules, |value| {
        serde_json::from_value::<herald_policy::RetryRules>(value.clone())
            .map(|_| ())
            .map_err(|error| error.to_string())
    });
    patch.boolean("whitelist_only", &mut fields.whitelist_only);
    patch.optional_string("schedule_start_cron", &mut fields.schedule_start_cron, 200);
    patch.optional_string("schedule_stop_cron", &mut fields.schedule_stop_cron, 200);
    patch.optional_instant("starts_at", &mut fields.starts_at);
    patch.optional_instant("ends_at", &mut fields.ends_at);
    // The zone and the schedule are checked together, as the Scheduler reads them.
    if fields.timezone.parse::<chrono_tz::Tz>().is_err() {
        patch.errors.add("timezone", "must be an IANA time zone, e.g. Europe/Berlin");
    } else if let Err(error) = herald_policy::CampaignSchedule::new(
        fields.schedule_start_cron.as_deref(),
        fields.schedule_stop_cron.as_deref(),
        fields.starts_at,
        fields.ends_at,
        &fields.timezone,
    ) {
        patch.errors.add("schedule", error.to_string());
    }
}

/// `GET /api/v1/campaigns/{id}/summary` (viewer).
pub(crate) async fn summary(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CampaignSummary>> {
    let id = parse_id(&id, "campaign")?;
    Ok(Json(state.store()?.campaign_summary(id).await?))
}

/// `GET /api/v1/contacts/{id}/history` (viewer): why the contact was or was
/// not called — its attempts and the decision log, oldest first.
pub(crate) async fn contact_history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ContactEvent>>> {
    let id = parse_id(&id, "contact")?;
    Ok(Json(state.store()?.contact_history(id).await?))
}

/// `GET /api/v1/campaigns/{id}/preflight` (viewer): "why is nothing
/// dialing?" — trunk, contacts due now and in each coming hour, recent
/// decisions, and the blockers found.
pub(crate) async fn preflight(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Preflight>> {
    let id = parse_id(&id, "campaign")?;
    let mut preflight = state.store()?.preflight(id).await?;
    // The Talkers' last OPTIONS probes of the trunks, from Redis.
    if let Some(coord) = &state.coord {
        if let Some(trunk) = preflight.trunk.as_mut() {
            probe_health(coord, trunk).await;
            if trunk.answers_options == Some(false) {
                let detail = trunk.probe.clone().unwrap_or_default();
                preflight.blockers.push(format!("trunk {} does not answer OPTIONS: {detail}", trunk.name));
            }
        }
        if let Some(group) = preflight.trunk_group.as_mut() {
            for trunk in &mut group.trunks {
                probe_health(coord, trunk).await;
            }
            let enabled: Vec<_> = group.trunks.iter().filter(|trunk| trunk.enabled).collect();
            if !enabled.is_empty() && enabled.iter().all(|trunk| trunk.answers_options == Some(false)) {
                preflight.blockers.push(format!("no trunk of group {} answers OPTIONS", group.name));
            }
        }
    }
    Ok(Json(preflight))
}

/// Fills in the trunk's last probe, if one is recent.
async fn probe_health(coord: &herald_coord::Coord, trunk: &mut herald_store::PreflightTrunk) {
    if let Ok(Some(health)) = coord.trunk_health(trunk.id).await {
        let seconds_ago = (chrono::Utc::now().timestamp_millis() - health.at).max(0) / 1000;
        trunk.answers_options = Some(health.up);
        trunk.probe = Some(format!("{} ({} s ago, from {})", health.detail, seconds_ago, health.node));
    }
}
