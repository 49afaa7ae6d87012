//! `/api/v1/trunks`: the carriers' SIP trunks. Viewers read; managers add,
//! change and remove them. Passwords are write-only (never returned, never
//! audited); `auth_password_env` names an environment variable of the
//! Talkers instead, which keeps the secret out of the database.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use herald_store::{Trunk, TrunkFields};

use crate::auth::Principal;
use crate::error::{Result, changed};
use crate::input::{JsonBody, parse_id};
use crate::patch::Patch;
use crate::{AppState, Items};

/// `GET /api/v1/trunks` (viewer).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<Trunk>>> {
    Ok(Json(Items { items: state.store()?.trunks().await? }))
}

/// `GET /api/v1/trunks/{id}` (viewer).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Trunk>> {
    Ok(Json(state.store()?.trunk(parse_id(&id, "trunk")?).await?))
}

/// A carrier's SIP trunk.
// `apply` reads the body field by field (`Patch`), onto these defaults.
#[derive(schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
#[expect(dead_code, reason = "describes the body, which `apply` applies field by field")]
pub(crate) struct CreateTrunkRequest {
    #[schemars(length(max = 100))]
    name: String,
    /// Host name or IP address.
    #[schemars(length(max = 253))]
    host: String,
    #[serde(default = "default_port")]
    #[schemars(range(min = 1, max = 65535))]
    port: i32,
    #[serde(default = "default_transport")]
    #[schemars(extend("enum" = ["udp", "tcp"]))]
    transport: String,
    #[schemars(length(max = 200))]
    auth_username: Option<String>,
    #[schemars(length(max = 200), extend("writeOnly" = true))]
    auth_password: Option<String>,
    /// Environment variable of the Talkers holding the password.
    #[schemars(length(max = 200))]
    auth_password_env: Option<String>,
    #[schemars(length(max = 253))]
    from_domain: Option<String>,
    /// Calls per second (INVITEs sent).
    #[serde(default = "default_cps_limit")]
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 10000))]
    cps_limit: f64,
    /// Concurrent calls.
    #[serde(default = "default_max_lines")]
    #[schemars(range(min = 1, max = 1000000))]
    max_lines: i32,
    #[serde(default = "yes")]
    enabled: bool,
}

fn default_port() -> i32 {
    5060
}

fn default_transport() -> String {
    "udp".into()
}

fn default_cps_limit() -> f64 {
    10.0
}

fn default_max_lines() -> i32 {
    100
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/trunks` (manager).
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<Trunk>)> {
    let mut patch = Patch::from_body(&body)?;
    patch.require(&["name", "host"]);
    let mut fields = TrunkFields {
        name: String::new(),
        host: String::new(),
        port: default_port(),
        transport: default_transport(),
        auth_username: None,
        auth_password: None,
        auth_password_env: None,
        from_domain: None,
        cps_limit: default_cps_limit(),
        max_lines: default_max_lines(),
        enabled: yes(),
    };
    apply(&mut patch, &mut fields);
    patch.finish()?;
    let trunk = changed(state.store()?.save_trunk(None, &fields, &principal.actor()).await?)?;
    Ok((StatusCode::CREATED, Json(trunk)))
}

/// `PATCH /api/v1/trunks/{id}` (manager): any of the fields of create.
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<Trunk>> {
    let id = parse_id(&id, "trunk")?;
    let mut patch = Patch::changes(&body)?;
    let store = state.store()?;
    let mut fields = TrunkFields::from(&store.trunk(id).await?);
    apply(&mut patch, &mut fields);
    patch.finish()?;
    let trunk = changed(store.save_trunk(Some(id), &fields, &principal.actor()).await?)?;
    Ok(Json(trunk))
}

/// `DELETE /api/v1/trunks/{id}` (manager); 409 while a campaign uses it.
pub(crate) async fn remove(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = parse_id(&id, "trunk")?;
    changed(state.store()?.delete_trunk(id, &principal.actor()).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

fn apply(patch: &mut Patch, fields: &mut TrunkFields) {
    patch.string("name", &mut fields.name, 100);
    patch.string("host", &mut fields.host, 253);
    if fields.host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        patch.errors.add("host", "must be a host name or IP address");
    }
    patch.integer("port", &mut fields.port, 1, 65535);
    patch.choice("transport", &mut fields.transport, &["udp", "tcp"]);
    patch.optional_string("auth_username", &mut fields.auth_username, 200);
    patch.optional_string("auth_password", &mut fields.auth_password, 200);
    patch.optional_string("auth_password_env", &mut fields.auth_password_env, 200);
    patch.optional_string("from_domain", &mut fields.from_domain, 253);
    patch.number("cps_limit", &mut fields.cps_limit, 0.0, 10_000.0);
    patch.integer("max_lines", &mut fields.max_lines, 1, 1_000_000);
    patch.boolean("enabled", &mut fields.enabled);
}
