//! What managers read back about campaigns: where one stands (its
//! summary), its attempts a page at a time, its report, and the dashboard's
//! opening snapshot. Read-only: it never changes a row.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Result, Store};

/// Where a campaign stands.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct CampaignSummary {
    pub campaign_id: i64,
    pub status: String,
    pub contacts: i64,
    pub queued: i64,
    pub leased: i64,
    pub done: i64,
    /// Finished contacts by their final outcome.
    pub outcomes: std::collections::BTreeMap<String, i64>,
    pub attempts: i64,
    pub first_invite_at: Option<DateTime<Utc>>,
    pub last_ended_at: Option<DateTime<Utc>>,
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
    pub async fn campaign_summary(&self, campaign_id: i64) -> Result<CampaignSummary> {
        let campaign = self.campaign(campaign_id).await?;
        let (contacts, queued, leased, done): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE state = 'queued'), \
                    count(*) FILTER (WHERE state = 'leased'), count(*) FILTER (WHERE state = 'done') \
             FROM contacts WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        let outcomes: Vec<(String, i64)> = sqlx::query_as(
            "SELECT coalesce(last_outcome, 'none'), count(*) FROM contacts \
             WHERE campaign_id = $1 AND state = 'done' GROUP BY 1 ORDER BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let (attempts, first_invite_at, last_ended_at) =
            sqlx::query_as("SELECT count(*), min(invite_at), max(ended_at) FROM attempts WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(CampaignSummary {
            campaign_id,
            status: campaign.status,
            contacts,
            queued,
            leased,
            done,
            outcomes: outcomes.into_iter().collect(),
            attempts,
            first_invite_at,
            last_ended_at,
        })
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
