//! Contact imports through the API (their progress and rejected rows) and
//! what managers read back: attempts, reports and the dashboard's snapshot.

use std::collections::BTreeMap;

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

/// The columns of an [`AttemptRow`], of the `attempts` table aliased `a`
/// (the report and the webhooks read the same).
macro_rules! attempt_row_columns {
    () => {
        "a.id, a.contact_id, a.phone, a.attempt_no, a.outcome, a.sip_code, a.sip_reason, a.q850_cause, a.trunk_id, \
         a.caller_id, a.node_id, a.invite_at, a.answered_at, a.ended_at, a.talk_ms, a.dtmf, a.amd_verdict, \
         a.early_media, a.answers, a.opted_out, a.voicemail_left"
    };
}
pub(crate) use attempt_row_columns;

/// One attempt as the report lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct AttemptRow {
    pub id: i64,
    pub contact_id: i64,
    pub phone: String,
    pub attempt_no: i32,
    pub outcome: Option<String>,
    pub sip_code: Option<i32>,
    pub sip_reason: Option<String>,
    pub q850_cause: Option<i32>,
    pub trunk_id: Option<i64>,
    pub caller_id: Option<String>,
    pub node_id: String,
    pub invite_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub talk_ms: Option<i32>,
    pub dtmf: Option<String>,
    pub amd_verdict: Option<String>,
    pub early_media: bool,
    /// The call script's menu answers (`{"confirm": "1"}`).
    pub answers: Option<serde_json::Value>,
    pub opted_out: bool,
    pub voicemail_left: bool,
}

/// A page of a campaign's attempts, by id ascending.
#[derive(Debug, Clone, Default)]
pub struct AttemptQuery {
    pub outcome: Option<String>,
    pub phone: Option<String>,
    /// Only attempts after this id (the previous page's last).
    pub after: Option<i64>,
    pub limit: i64,
}

/// A campaign's outcomes, counted.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CampaignReport {
    pub campaign_id: i64,
    /// Attempts by outcome (`open`: still in progress).
    pub outcomes: BTreeMap<String, i64>,
    pub by_minute: Vec<MinuteOutcomes>,
    pub sip_codes: BTreeMap<String, i64>,
    pub average_talk_ms: Option<f64>,
    /// Keys collected by the call script's menus, counted by menu and value.
    pub answers: Vec<AnswerCount>,
    /// Attempts on which the person opted out.
    pub opted_out: i64,
    /// Attempts on which a voicemail was left.
    pub voicemails_left: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AnswerCount {
    /// The menu (the gather step's name).
    pub name: String,
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MinuteOutcomes {
    pub minute: DateTime<Utc>,
    pub outcomes: BTreeMap<String, i64>,
}

/// What the dashboard shows when it opens (live ticks follow over SSE).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Dashboard {
    pub campaigns: Vec<DashboardCampaign>,
    pub trunks: Vec<DashboardTrunk>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DashboardCampaign {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub trunk_id: Option<i64>,
    pub contacts: i64,
    pub queued: i64,
    pub leased: i64,
    pub done: i64,
    /// Finished contacts by final outcome.
    pub outcomes: BTreeMap<String, i64>,
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct DashboardTrunk {
    pub id: i64,
    pub name: String,
    pub cps_limit: f64,
    pub max_lines: i32,
    pub enabled: bool,
    /// Filled in from Redis by the UI service, when it answers.
    #[sqlx(skip)]
    pub lines_in_use: Option<u64>,
}

impl Store {
    /// Records a new import waiting for its file, audited.
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

    /// One page of a campaign's attempts (id ascending, keyset paging).
    pub async fn attempts_page(&self, campaign_id: i64, query: &AttemptQuery) -> Result<Vec<AttemptRow>> {
        Ok(sqlx::query_as::<_, AttemptRow>(concat!(
            "SELECT ",
            attempt_row_columns!(),
            " FROM attempts a \
             WHERE a.campaign_id = $1 AND a.id > $2 \
               AND ($3::text IS NULL OR a.outcome = $3 OR ($3 = 'open' AND a.outcome IS NULL)) \
               AND ($4::text IS NULL OR a.phone LIKE $4 || '%') \
             ORDER BY a.id LIMIT $5"
        ))
        .bind(campaign_id)
        .bind(query.after.unwrap_or(0))
        .bind(&query.outcome)
        .bind(&query.phone)
        .bind(query.limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Outcome counts for a campaign's report.
    pub async fn campaign_report(&self, campaign_id: i64) -> Result<CampaignReport> {
        self.campaign(campaign_id).await?;
        let outcomes: Vec<(String, i64)> = sqlx::query_as(
            "SELECT coalesce(outcome, 'open'), count(*) FROM attempts WHERE campaign_id = $1 GROUP BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let minutes: Vec<(DateTime<Utc>, String, i64)> = sqlx::query_as(
            "SELECT date_trunc('minute', ended_at), outcome, count(*) FROM attempts \
             WHERE campaign_id = $1 AND ended_at IS NOT NULL AND outcome IS NOT NULL \
             GROUP BY 1, 2 ORDER BY 1 DESC LIMIT 10000",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_minute: BTreeMap<DateTime<Utc>, BTreeMap<String, i64>> = BTreeMap::new();
        for (minute, outcome, count) in minutes {
            by_minute.entry(minute).or_default().insert(outcome, count);
        }
        let codes: Vec<(Option<i32>, i64)> =
            sqlx::query_as("SELECT sip_code, count(*) FROM attempts WHERE campaign_id = $1 GROUP BY 1")
                .bind(campaign_id)
                .fetch_all(&self.pool)
                .await?;
        let (average_talk_ms,): (Option<f64>,) = sqlx::query_as(
            "SELECT avg(talk_ms)::double precision FROM attempts WHERE campaign_id = $1 AND outcome = 'answered'",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        let answers: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT answer.key, answer.value, count(*) FROM attempts, jsonb_each_text(answers) answer \
             WHERE campaign_id = $1 AND answers IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let (opted_out, voicemails_left): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE opted_out), count(*) FILTER (WHERE voicemail_left) \
             FROM attempts WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(CampaignReport {
            answers: answers.into_iter().map(|(name, value, count)| AnswerCount { name, value, count }).collect(),
            opted_out,
            voicemails_left,
            campaign_id,
            outcomes: outcomes.into_iter().collect(),
            by_minute: by_minute.into_iter().map(|(minute, outcomes)| MinuteOutcomes { minute, outcomes }).collect(),
            sip_codes: codes
                .into_iter()
                .map(|(code, count)| (code.map_or_else(|| "none".to_owned(), |code| code.to_string()), count))
                .collect(),
            average_talk_ms,
        })
    }

    /// Campaigns that are not archived, with their contacts counted, and the
    /// trunks.
    pub async fn dashboard(&self) -> Result<Dashboard> {
        // Campaign id, name, status, trunk, started; a contact state and final
        // outcome with its count (one row per pair).
        type Row = (i64, String, String, Option<i64>, Option<DateTime<Utc>>, Option<String>, Option<String>, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.name, c.status, c.trunk_id, c.started_at, k.state, k.last_outcome, \
                        coalesce(k.count, 0) \
                 FROM campaigns c \
                 LEFT JOIN LATERAL (SELECT state, CASE WHEN state = 'done' THEN last_outcome END AS last_outcome, \
                                           count(*) AS count \
                                    FROM contacts WHERE campaign_id = c.id GROUP BY 1, 2) k ON true \
                 WHERE c.status <> 'archived' ORDER BY c.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut campaigns: Vec<DashboardCampaign> = Vec::new();
        for (id, name, status, trunk_id, started_at, state, outcome, count) in rows {
            if campaigns.last().is_none_or(|campaign| campaign.id != id) {
                campaigns.push(DashboardCampaign {
                    id,
                    name,
                    status,
                    trunk_id,
                    contacts: 0,
                    queued: 0,
                    leased: 0,
                    done: 0,
                    outcomes: BTreeMap::new(),
                    started_at,
                });
            }
            let campaign = campaigns.last_mut().expect("pushed above");
            campaign.contacts += count;
            match state.as_deref() {
                Some("queued") => campaign.queued += count,
                Some("leased") => campaign.leased += count,
                Some("done") => {
                    campaign.done += count;
                    *campaign.outcomes.entry(outcome.unwrap_or_else(|| "none".into())).or_default() += count;
                }
                _ => {}
            }
        }
        let trunks = sqlx::query_as::<_, DashboardTrunk>(
            "SELECT id, name, cps_limit, max_lines, enabled FROM trunks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Dashboard { campaigns, trunks })
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
