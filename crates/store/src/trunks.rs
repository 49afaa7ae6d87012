//! Carrier SIP trunks: the model, its reads, and the one way a trunk is
//! written, audited: [`Store::save_trunk`] ([`Store::create_trunk`] is a
//! shorthand over it for Herald's own tools). It never talks SIP and never
//! holds a trunk's live state (lines in use, probes: Redis has those).

use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

/// Every column of [`Trunk`], for `SELECT` and `RETURNING`.
macro_rules! trunk_columns {
    () => {
        "id, name, host, port, transport, auth_username, auth_password, auth_password_env, from_domain, cps_limit, \
         max_lines, enabled"
    };
}

/// A carrier SIP trunk as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, schemars::JsonSchema)]
pub struct Trunk {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    #[serde(skip_serializing)]
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub from_domain: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
    pub enabled: bool,
}

impl Trunk {
    /// The digest password: from the named environment variable when set
    /// (secrets stay out of the database), else the stored one.
    pub fn password(&self) -> Option<String> {
        if let Some(variable) = &self.auth_password_env {
            return std::env::var(variable).ok();
        }
        self.auth_password.clone()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewTrunk {
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
}

impl NewTrunk {
    pub fn udp(name: &str, host: &str, port: u16) -> NewTrunk {
        NewTrunk {
            name: name.to_owned(),
            host: host.to_owned(),
            port: i32::from(port),
            transport: "udp".to_owned(),
            auth_username: None,
            auth_password: None,
            auth_password_env: None,
            cps_limit: 50.0,
            max_lines: 500,
        }
    }
}

/// A trunk's editable fields, validated by the caller.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrunkFields {
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub auth_username: Option<String>,
    pub auth_password: Option<String>,
    pub auth_password_env: Option<String>,
    pub from_domain: Option<String>,
    pub cps_limit: f64,
    pub max_lines: i32,
    pub enabled: bool,
}

impl From<&Trunk> for TrunkFields {
    fn from(trunk: &Trunk) -> TrunkFields {
        TrunkFields {
            name: trunk.name.clone(),
            host: trunk.host.clone(),
            port: trunk.port,
            transport: trunk.transport.clone(),
            auth_username: trunk.auth_username.clone(),
            auth_password: trunk.auth_password.clone(),
            auth_password_env: trunk.auth_password_env.clone(),
            from_domain: trunk.from_domain.clone(),
            cps_limit: trunk.cps_limit,
            max_lines: trunk.max_lines,
            enabled: trunk.enabled,
        }
    }
}

/// A new trunk as Herald's own tools describe it: enabled, no From domain.
impl From<&NewTrunk> for TrunkFields {
    fn from(trunk: &NewTrunk) -> TrunkFields {
        TrunkFields {
            name: trunk.name.clone(),
            host: trunk.host.clone(),
            port: trunk.port,
            transport: trunk.transport.clone(),
            auth_username: trunk.auth_username.clone(),
            auth_password: trunk.auth_password.clone(),
            auth_password_env: trunk.auth_password_env.clone(),
            from_domain: None,
            cps_limit: trunk.cps_limit,
            max_lines: trunk.max_lines,
            enabled: true,
        }
    }
}

/// What the audit log keeps of a trunk: never its password.
fn trunk_details(fields: &TrunkFields) -> serde_json::Value {
    serde_json::json!({
        "name": fields.name, "host": fields.host, "port": fields.port, "transport": fields.transport,
        "cps_limit": fields.cps_limit, "max_lines": fields.max_lines, "enabled": fields.enabled,
        "auth_username": fields.auth_username, "password_set": fields.auth_password.is_some(),
    })
}

impl Store {
    /// Creates a trunk for Herald's own tools (`herald demo`, tests): a
    /// [`Store::save_trunk`] by `system:setup`, enabled; a taken name is an
    /// [`crate::Error::Conflict`].
    pub async fn create_trunk(&self, trunk: &NewTrunk) -> Result<Trunk> {
        let fields = TrunkFields::from(trunk);
        self.save_trunk(None, &fields, &Actor::system("setup")).await?.done()
    }

    pub async fn trunks(&self) -> Result<Vec<Trunk>> {
        Ok(sqlx::query_as::<_, Trunk>(concat!("SELECT ", trunk_columns!(), " FROM trunks ORDER BY id"))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn trunk(&self, trunk_id: i64) -> Result<Trunk> {
        sqlx::query_as::<_, Trunk>(concat!("SELECT ", trunk_columns!(), " FROM trunks WHERE id = $1"))
            .bind(trunk_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "trunk", id: trunk_id })
    }

    /// Creates (`trunk_id` `None`) or replaces a trunk's fields, audited.
    pub async fn save_trunk(
        &self,
        trunk_id: Option<i64>,
        fields: &TrunkFields,
        actor: &Actor,
    ) -> Result<Change<Trunk>> {
        let mut transaction = self.pool.begin().await?;
        let query = match trunk_id {
            None => concat!(
                "INSERT INTO trunks (name, host, port, transport, auth_username, auth_password, auth_password_env, \
                                     from_domain, cps_limit, max_lines, enabled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ",
                trunk_columns!()
            ),
            Some(_) => concat!(
                "UPDATE trunks SET name = $1, host = $2, port = $3, transport = $4, auth_username = $5, \
                     auth_password = $6, auth_password_env = $7, from_domain = $8, cps_limit = $9, \
                     max_lines = $10, enabled = $11, updated_at = now() \
                 WHERE id = $12 RETURNING ",
                trunk_columns!()
            ),
        };
        let saved = sqlx::query_as::<_, Trunk>(query)
            .bind(&fields.name)
            .bind(&fields.host)
            .bind(fields.port)
            .bind(&fields.transport)
            .bind(&fields.auth_username)
            .bind(&fields.auth_password)
            .bind(&fields.auth_password_env)
            .bind(&fields.from_domain)
            .bind(fields.cps_limit)
            .bind(fields.max_lines)
            .bind(fields.enabled)
            .bind(trunk_id)
            .fetch_optional(&mut *transaction)
            .await;
        let trunk = match saved {
            Ok(Some(trunk)) => trunk,
            Ok(None) => return Err(crate::Error::NotFound { entity: "trunk", id: trunk_id.unwrap_or_default() }),
            Err(error) => {
                return refused(error, Some("a trunk with this name already exists"), Some("the trunk is in use"));
            }
        };
        let action = if trunk_id.is_some() { "update" } else { "create" };
        audit::record(&mut transaction, actor, action, "trunk", Some(trunk.id), trunk_details(fields)).await?;
        transaction.commit().await?;
        Ok(Change::Done(trunk))
    }

    /// Deletes a trunk no campaign uses, audited.
    pub async fn delete_trunk(&self, trunk_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("trunks", "trunk", trunk_id, actor, "a campaign or trunk group uses this trunk").await
    }
}
