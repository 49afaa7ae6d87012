//! Contact imports through the API: the upload's column mapping, its
//! progress, and the rows it rejected. It never parses a CSV file (the import
//! pipeline does) and never writes contacts itself ([`crate::contacts`] does).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::{Result, Store};

/// Which CSV columns hold what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportMapping {
    pub phone_column: String,
    pub timezone_column: Option<String>,
    /// `None`: every other column is a tag.
    pub tag_columns: Option<Vec<String>>,
}

/// One upload of contacts and how far it got.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Import {
    pub id: i64,
    pub campaign_id: i64,
    pub phone_column: String,
    pub timezone_column: Option<String>,
    pub tag_columns: Option<Vec<String>>,
    /// waiting (for its file), running, done or failed.
    pub state: String,
    pub bytes_read: i64,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

macro_rules! import_columns {
    () => {
        "id, campaign_id, phone_column, timezone_column, tag_columns, state, bytes_read, rows_read, imported, \
         duplicates, rejected, error, created_at, finished_at"
    };
}

impl Store {
    pub async fn create_import(&self, campaign_id: i64, mapping: &ImportMapping, actor: &Actor) -> Result<Import> {
        let mut transaction = self.pool.begin().await?;
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(&mut *transaction)
            .await?;
        if exists.is_none() {
            return Err(crate::Error::NotFound { entity: "campaign", id: campaign_id });
        }
        let import = sqlx::query_as::<_, Import>(concat!(
            "INSERT INTO imports (campaign_id, phone_column, timezone_column, tag_columns, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
            import_columns!(),
            ""
        ))
        .bind(campaign_id)
        .bind(&mapping.phone_column)
        .bind(&mapping.timezone_column)
        .bind(&mapping.tag_columns)
        .bind(actor.user_id)
        .fetch_one(&mut *transaction)
        .await?;
        let details = serde_json::json!({ "campaign_id": campaign_id, "mapping": mapping });
        audit::record(&mut transaction, actor, "create", "import", Some(import.id), details).await?;
        transaction.commit().await?;
        Ok(import)
    }

    pub async fn import(&self, import_id: i64) -> Result<Import> {
        sqlx::query_as::<_, Import>(concat!("SELECT ", import_columns!(), " FROM imports WHERE id = $1"))
            .bind(import_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "import", id: import_id })
    }

    pub async fn imports(&self, campaign_id: i64) -> Result<Vec<Import>> {
        Ok(sqlx::query_as::<_, Import>(concat!(
            "SELECT ",
            import_columns!(),
            " FROM imports WHERE campaign_id = $1 ORDER BY id DESC"
        ))
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Moves a waiting import to running; false if it is not waiting (its
    /// file was already sent).
    pub async fn begin_import(&self, import_id: i64) -> Result<bool> {
        let updated = sqlx::query("UPDATE imports SET state = 'running' WHERE id = $1 AND state = 'waiting'")
            .bind(import_id)
            .execute(&self.pool)
            .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Records progress and the rows rejected since the last call.
    pub async fn import_progress(
        &self,
        import_id: i64,
        progress: &ImportProgress,
        rejected_rows: &[(i64, String)],
    ) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        if !rejected_rows.is_empty() {
            let lines: Vec<i64> = rejected_rows.iter().map(|(line, _)| *line).collect();
            let messages: Vec<&str> = rejected_rows.iter().map(|(_, message)| message.as_str()).collect();
            sqlx::query(
                "INSERT INTO import_errors (import_id, line, message) \
                 SELECT $1, line, message FROM unnest($2::bigint[], $3::text[]) AS rows (line, message) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(import_id)
            .bind(&lines)
            .bind(&messages)
            .execute(&mut *transaction)
            .await?;
        }
        sqlx::query(
            "UPDATE imports SET bytes_read = $2, rows_read = $3, imported = $4, duplicates = $5, rejected = $6 \
             WHERE id = $1",
        )
        .bind(import_id)
        .bind(progress.bytes_read)
        .bind(progress.rows_read)
        .bind(progress.imported)
        .bind(progress.duplicates)
        .bind(progress.rejected)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Ends an import: `error` `None` is done, else failed (rows already
    /// imported stay).
    pub async fn finish_import(&self, import_id: i64, error: Option<&str>) -> Result<Import> {
        sqlx::query_as::<_, Import>(concat!(
            "UPDATE imports SET state = CASE WHEN $2::text IS NULL THEN 'done' ELSE 'failed' END, error = $2, \
                 finished_at = now() WHERE id = $1 RETURNING ",
            import_columns!(),
            ""
        ))
        .bind(import_id)
        .bind(error)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound { entity: "import", id: import_id })
    }

    /// Rejected rows after `after_line`, in line order, at most `limit`.
    pub async fn import_errors(&self, import_id: i64, after_line: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT line, message FROM import_errors WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3",
        )
        .bind(import_id)
        .bind(after_line)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Counters of an import in flight.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ImportProgress {
    pub bytes_read: i64,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
}
