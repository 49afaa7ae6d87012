//! Contacts in campaigns, and where campaigns stand.

use crate::{CampaignSummary, DialPlan, NewContact, Result, Store};

impl Store {
    /// Adds contacts to a campaign in one statement per call. A number already
    /// in the campaign is skipped (not an error); returns how many were added.
    pub async fn insert_contacts(&self, campaign_id: i64, contacts: &[NewContact]) -> Result<u64> {
        let phones: Vec<&str> = contacts.iter().map(|contact| contact.phone.as_str()).collect();
        let tags: Vec<&serde_json::Value> = contacts.iter().map(|contact| &contact.tags).collect();
        let zones: Vec<Option<&str>> = contacts.iter().map(|contact| contact.timezone.as_deref()).collect();
        let lines: Vec<Option<i32>> = contacts.iter().map(|contact| contact.import_line).collect();
        let eligible: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            contacts.iter().map(|contact| contact.next_eligible_at).collect();
        let inserted = sqlx::query(
            "INSERT INTO contacts (campaign_id, phone, tags, timezone, import_line, next_eligible_at) \
             SELECT $1, phone, tags, zone, line, coalesce(eligible, now()) \
             FROM UNNEST($2::text[], $3::jsonb[], $4::text[], $5::int[], $6::timestamptz[]) \
                  AS input(phone, tags, zone, line, eligible) \
             ON CONFLICT (campaign_id, phone) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(&phones)
        .bind(&tags)
        .bind(&zones)
        .bind(&lines)
        .bind(&eligible)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected())
    }

    /// The campaigns Talkers should dial now, with what they need to dial them.
    pub async fn running_dial_plans(&self) -> Result<Vec<DialPlan>> {
        Ok(sqlx::query_as::<_, DialPlan>(
            "SELECT id, prompt_id, trunk_id, caller_id, max_attempts, ring_timeout_secs, retry_rules, calling_window \
             FROM campaigns WHERE status = 'running' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Marks running campaigns with no queued or leased contact left as
    /// completed; returns their ids.
    pub async fn complete_finished_campaigns(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "UPDATE campaigns k SET status = 'completed', completed_at = now(), updated_at = now() \
             WHERE k.status = 'running' \
               AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = k.id AND c.state = 'queued') \
               AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.campaign_id = k.id AND c.state = 'leased') \
             RETURNING k.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

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
}
