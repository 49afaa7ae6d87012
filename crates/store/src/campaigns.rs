//! Contacts in campaigns, and where campaigns stand.

use crate::{
    CampaignSummary, DialPlan, DueInHour, ListVerdict, NewContact, NewListEntry, Preflight, PreflightLimits,
    PreflightTrunk, Result, Store,
};

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

    /// Bulk-loads contacts with `COPY` (into a temporary table, then one
    /// `INSERT … SELECT` that skips numbers the campaign already has, as
    /// [`Store::insert_contacts`] does), in one transaction. Returns how many
    /// were new. For large imports: call it per chunk of tens of thousands.
    pub async fn copy_contacts(&self, campaign_id: i64, contacts: &[NewContact]) -> Result<u64> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "CREATE TEMPORARY TABLE contacts_in (phone text, tags jsonb, timezone text, import_line int, \
                 next_eligible_at timestamptz) ON COMMIT DROP",
        )
        .execute(&mut *transaction)
        .await?;
        let mut copy = transaction.copy_in_raw("COPY contacts_in FROM STDIN").await?;
        const FLUSH_AT: usize = 1 << 20;
        let mut buffer = Vec::with_capacity(FLUSH_AT + 4096);
        for contact in contacts {
            copy_row(&mut buffer, contact);
            if buffer.len() >= FLUSH_AT {
                copy.send(std::mem::replace(&mut buffer, Vec::with_capacity(FLUSH_AT + 4096))).await?;
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer).await?;
        }
        copy.finish().await?;
        let inserted = sqlx::query(
            "INSERT INTO contacts (campaign_id, phone, tags, timezone, import_line, next_eligible_at) \
             SELECT $1, phone, tags, timezone, import_line, coalesce(next_eligible_at, now()) FROM contacts_in \
             ON CONFLICT (campaign_id, phone) DO NOTHING",
        )
        .bind(campaign_id)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(inserted.rows_affected())
    }

    /// The campaigns Talkers should dial now, with what they need to dial them.
    pub async fn running_dial_plans(&self) -> Result<Vec<DialPlan>> {
        Ok(sqlx::query_as::<_, DialPlan>(
            "SELECT id, prompt_id, script_id, trunk_id, trunk_group_id, caller_id, caller_id_pool_id, max_attempts, ring_timeout_secs, \
                    retry_rules, calling_window, whitelist_only, cps_cap, concurrency_cap \
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

    /// Creates a black (`kind = "black"`) or white list, global when
    /// `campaign_id` is `None`.
    pub async fn create_list(&self, name: &str, kind: &str, campaign_id: Option<i64>) -> Result<i64> {
        let (id,): (i64,) =
            sqlx::query_as("INSERT INTO lists (name, kind, campaign_id) VALUES ($1, $2, $3) RETURNING id")
                .bind(name)
                .bind(kind)
                .bind(campaign_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(id)
    }

    /// Adds entries in one statement; an entry already on the list is
    /// updated (reason, expiry). Returns how many rows were written.
    pub async fn add_list_entries(&self, list_id: i64, entries: &[NewListEntry]) -> Result<u64> {
        let patterns: Vec<&str> = entries.iter().map(|entry| entry.pattern.as_str()).collect();
        let prefixes: Vec<bool> = entries.iter().map(|entry| entry.is_prefix).collect();
        let reasons: Vec<Option<&str>> = entries.iter().map(|entry| entry.reason.as_deref()).collect();
        let expiries: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            entries.iter().map(|entry| entry.expires_at).collect();
        let written = sqlx::query(
            "INSERT INTO list_entries (list_id, pattern, is_prefix, reason, expires_at) \
             SELECT $1, pattern, is_prefix, reason, expires_at \
             FROM UNNEST($2::text[], $3::bool[], $4::text[], $5::timestamptz[]) \
                  AS input(pattern, is_prefix, reason, expires_at) \
             ON CONFLICT (pattern, list_id) DO UPDATE \
             SET is_prefix = EXCLUDED.is_prefix, reason = EXCLUDED.reason, expires_at = EXCLUDED.expires_at",
        )
        .bind(list_id)
        .bind(&patterns)
        .bind(&prefixes)
        .bind(&reasons)
        .bind(&expiries)
        .execute(&self.pool)
        .await?;
        Ok(written.rows_affected())
    }

    /// What the global and the campaign's lists say about `phone` (E.164).
    /// One index probe per prefix of the number (`list_entries`' primary key
    /// starts with the pattern), so it stays fast at tens of millions of
    /// entries.
    pub async fn list_verdict(&self, campaign_id: i64, phone: &str) -> Result<ListVerdict> {
        let verdicts = self.list_verdicts(campaign_id, &[phone]).await?;
        Ok(verdicts.first().copied().unwrap_or_default())
    }

    /// [`Store::list_verdict`] for many numbers in one round trip (a
    /// Talker's claimed batch), in the order of `phones`.
    pub async fn list_verdicts(&self, campaign_id: i64, phones: &[&str]) -> Result<Vec<ListVerdict>> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        // Per number, its prefixes "+4", "+49", …, "+4930123456" probe the
        // index, exactly as for one number.
        let rows: Vec<(bool, bool)> = sqlx::query_as(
            "SELECT coalesce(v.black, false), coalesce(v.white, false) \
             FROM unnest($1::text[]) WITH ORDINALITY AS p(phone, ord) \
             LEFT JOIN LATERAL ( \
                 SELECT bool_or(l.kind = 'black') AS black, bool_or(l.kind = 'white') AS white \
                 FROM list_entries e JOIN lists l ON l.id = e.list_id \
                 WHERE e.pattern = ANY(ARRAY(SELECT left(p.phone, n) FROM generate_series(2, length(p.phone)) n)) \
                   AND (e.is_prefix OR e.pattern = p.phone) \
                   AND (e.expires_at IS NULL OR e.expires_at > now()) \
                   AND (l.campaign_id IS NULL OR l.campaign_id = $2)) v ON true \
             ORDER BY p.ord",
        )
        .bind(phones)
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(blacklisted, whitelisted)| ListVerdict { blacklisted, whitelisted }).collect())
    }

    /// What the campaign needs to dial and what stands in the way, now.
    /// Every count is served by the `contacts_due` index.
    pub async fn preflight(&self, campaign_id: i64) -> Result<Preflight> {
        let campaign = self.campaign(campaign_id).await?;
        let trunks = self.trunks().await?;
        let preflight_trunk = |trunk_id: i64| {
            trunks.iter().find(|trunk| trunk.id == trunk_id).map(|trunk| PreflightTrunk {
                id: trunk.id,
                name: trunk.name.clone(),
                enabled: trunk.enabled,
                cps_limit: trunk.cps_limit,
                max_lines: trunk.max_lines,
                answers_options: None,
                probe: None,
            })
        };
        let trunk = campaign.trunk_id.and_then(preflight_trunk);
        let trunk_group = match campaign.trunk_group_id {
            Some(group_id) => {
                let detail = self.trunk_group(group_id).await?;
                Some(crate::PreflightGroup {
                    id: group_id,
                    name: detail.group.name,
                    strategy: detail.group.strategy,
                    trunks: detail.members.iter().filter_map(|member| preflight_trunk(member.trunk_id)).collect(),
                })
            }
            None => None,
        };
        let (queued, due_now): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE next_eligible_at <= now()) \
             FROM contacts WHERE campaign_id = $1 AND state = 'queued'",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        let due_by_hour = sqlx::query_as::<_, DueInHour>(
            "SELECT date_trunc('hour', next_eligible_at) AS hour, count(*) AS contacts \
             FROM contacts \
             WHERE campaign_id = $1 AND state = 'queued' \
               AND next_eligible_at > now() AND next_eligible_at <= now() + interval '24 hours' \
             GROUP BY 1 ORDER BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let decisions: Vec<(String, i64)> = sqlx::query_as(
            "SELECT reason, count(*) FROM decisions \
             WHERE campaign_id = $1 AND at > now() - interval '1 hour' GROUP BY 1 ORDER BY 1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        let calling_window = campaign.calling_window.as_object().is_some_and(|window| !window.is_empty());
        let caller_ids = match campaign.caller_id_pool_id {
            Some(pool_id) => {
                let detail = self.caller_id_pool(pool_id).await?;
                let now = chrono::Utc::now();
                let resting = |number: &crate::CallerId| number.rested_until.is_some_and(|until| until > now);
                let capped =
                    |number: &crate::CallerId| number.daily_cap.is_some_and(|cap| number.used_today >= i64::from(cap));
                Some(crate::PreflightCallerIds {
                    pool_id,
                    name: detail.pool.name.clone(),
                    numbers: detail.numbers.len() as i64,
                    available: detail.numbers.iter().filter(|n| n.enabled && !resting(n) && !capped(n)).count() as i64,
                    resting: detail.numbers.iter().filter(|n| resting(n)).count() as i64,
                    at_daily_cap: detail.numbers.iter().filter(|n| capped(n)).count() as i64,
                })
            }
            None => None,
        };

        let mut blockers = Vec::new();
        if campaign.status != "running" {
            blockers.push(format!("the campaign is {}, not running", campaign.status));
        }
        if let Some(group) = &trunk_group {
            if group.trunks.is_empty() {
                blockers.push(format!("trunk group {} has no trunks", group.name));
            } else if group.trunks.iter().all(|trunk| !trunk.enabled) {
                blockers.push(format!("every trunk of group {} is disabled", group.name));
            }
        }
        match &trunk {
            None if trunk_group.is_some() => {}
            None => blockers.push("the campaign has no trunk".to_owned()),
            Some(trunk) if !trunk.enabled => blockers.push(format!("trunk {} is disabled", trunk.name)),
            Some(_) => {}
        }
        if let Some(pool) = &caller_ids
            && pool.available == 0
        {
            blockers.push(format!(
                "caller ID pool {} has no number to present ({} numbers: {} resting, {} at their daily cap)",
                pool.name, pool.numbers, pool.resting, pool.at_daily_cap
            ));
        }
        // The trunks a call may use: the campaign's, or its group's enabled ones.
        let usable: Vec<&PreflightTrunk> = match (&trunk, &trunk_group) {
            (_, Some(group)) => group.trunks.iter().filter(|trunk| trunk.enabled).collect(),
            (Some(trunk), None) if trunk.enabled => vec![trunk],
            _ => Vec::new(),
        };
        let trunks_cps = (!usable.is_empty()).then(|| usable.iter().map(|trunk| trunk.cps_limit).sum::<f64>());
        let trunks_lines =
            (!usable.is_empty()).then(|| usable.iter().map(|trunk| i64::from(trunk.max_lines)).sum::<i64>());
        let (cps, cps_set_by) = PreflightLimits::lower(campaign.cps_cap, trunks_cps);
        let (concurrent_calls, concurrent_calls_set_by) =
            PreflightLimits::lower(campaign.concurrency_cap.map(i64::from), trunks_lines);
        let limits = PreflightLimits { cps, cps_set_by, concurrent_calls, concurrent_calls_set_by };
        if queued == 0 {
            blockers.push("no contact is waiting to be called".to_owned());
        } else if due_now == 0 {
            blockers.push("no contact is due now (calling window, retry delays or caps)".to_owned());
        }
        Ok(Preflight {
            campaign_id,
            status: campaign.status,
            trunk,
            trunk_group,
            has_prompt: campaign.prompt_id.is_some(),
            caller_id: campaign.caller_id,
            caller_ids,
            calling_window,
            queued,
            due_now,
            due_by_hour,
            recent_decisions: decisions.into_iter().collect(),
            limits,
            blockers,
        })
    }
}

/// Appends one contact as a line of `COPY … FROM STDIN` text format
/// (tab-separated; `\N` for NULL; backslash, tab, newline and carriage
/// return escaped).
fn copy_row(buffer: &mut Vec<u8>, contact: &NewContact) {
    fn field(buffer: &mut Vec<u8>, text: &str) {
        for &byte in text.as_bytes() {
            match byte {
                b'\\' => buffer.extend_from_slice(b"\\\\"),
                b'\t' => buffer.extend_from_slice(b"\\t"),
                b'\n' => buffer.extend_from_slice(b"\\n"),
                b'\r' => buffer.extend_from_slice(b"\\r"),
                _ => buffer.push(byte),
            }
        }
    }
    fn optional(buffer: &mut Vec<u8>, text: Option<&str>) {
        match text {
            Some(text) => field(buffer, text),
            None => buffer.extend_from_slice(b"\\N"),
        }
    }
    field(buffer, contact.phone.as_str());
    buffer.push(b'\t');
    field(buffer, &contact.tags.to_string());
    buffer.push(b'\t');
    optional(buffer, contact.timezone.as_deref());
    buffer.push(b'\t');
    optional(buffer, contact.import_line.map(|line| line.to_string()).as_deref());
    buffer.push(b'\t');
    optional(buffer, contact.next_eligible_at.map(|at| at.to_rfc3339()).as_deref());
    buffer.push(b'\n');
}

#[cfg(test)]
mod copy_tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_the_text_format_needs() {
        let contact = NewContact {
            phone: herald_types::E164::parse("+4930123456").unwrap(),
            tags: serde_json::json!({"note": "tab\there\\ and\nnewline"}),
            timezone: None,
            import_line: Some(7),
            next_eligible_at: Some("2026-11-23T08:00:00Z".parse().unwrap()),
        };
        let mut buffer = Vec::new();
        copy_row(&mut buffer, &contact);
        let line = String::from_utf8(buffer).unwrap();
        // JSON already escapes control characters; COPY doubles its backslashes.
        assert_eq!(
            line,
            "+4930123456\t{\"note\":\"tab\\\\there\\\\\\\\ and\\\\nnewline\"}\t\\N\t7\t2026-11-23T08:00:00+00:00\n"
        );
    }
}
