//! Call scripts as stored: a name and the script's JSON body (checked by
//! `herald_scenario` before it is saved). A script a campaign plays cannot
//! be deleted; a prompt a script plays cannot either (a trigger, see the
//! migration). It never checks or runs a script (the scenario crate does).

use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct CallScript {
    pub id: i64,
    pub name: String,
    /// The script (see the `herald_scenario` model).
    pub body: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

macro_rules! script_columns {
    () => {
        "id, name, body, created_at, updated_at"
    };
}

impl Store {
    pub async fn call_scripts(&self) -> Result<Vec<CallScript>> {
        Ok(sqlx::query_as::<_, CallScript>(concat!("SELECT ", script_columns!(), " FROM call_scripts ORDER BY id"))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn call_script(&self, script_id: i64) -> Result<CallScript> {
        sqlx::query_as::<_, CallScript>(concat!("SELECT ", script_columns!(), " FROM call_scripts WHERE id = $1"))
            .bind(script_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "call script", id: script_id })
    }

    /// Creates (`script_id` `None`) or replaces a script, audited.
    pub async fn save_call_script(
        &self,
        script_id: Option<i64>,
        name: &str,
        body: &serde_json::Value,
        actor: &Actor,
    ) -> Result<Change<CallScript>> {
        let mut transaction = self.pool.begin().await?;
        let query = match script_id {
            None => concat!("INSERT INTO call_scripts (name, body) VALUES ($1, $2) RETURNING ", script_columns!()),
            Some(_) => concat!(
                "UPDATE call_scripts SET name = $1, body = $2, updated_at = now() WHERE id = $3 RETURNING ",
                script_columns!()
            ),
        };
        let saved = sqlx::query_as::<_, CallScript>(query)
            .bind(name)
            .bind(body)
            .bind(script_id)
            .fetch_optional(&mut *transaction)
            .await;
        let script = match saved {
            Ok(Some(script)) => script,
            Ok(None) => {
                return Err(crate::Error::NotFound { entity: "call script", id: script_id.unwrap_or_default() });
            }
            Err(error) => return refused(error, Some("a call script with this name already exists"), None),
        };
        let action = if script_id.is_some() { "update" } else { "create" };
        let details = serde_json::json!({ "name": script.name, "body": script.body });
        audit::record(&mut transaction, actor, action, "call_script", Some(script.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(script))
    }

    /// Deletes a script no campaign plays, audited.
    pub async fn delete_call_script(&self, script_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("call_scripts", "call script", script_id, actor, "a campaign plays this call script").await
    }
}
