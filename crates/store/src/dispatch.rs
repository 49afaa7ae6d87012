//! The dialing path: lease due contacts, renew leases during calls, write
//! each attempt's outcome exactly once, and re-queue what dead nodes held.
//!
//! Invariants, kept by these statements together:
//! - a contact is in at most one live attempt: only a `queued` contact can be
//!   leased, and leasing bumps its `lease_epoch`;
//! - an attempt gets exactly one terminal record: every write is guarded by
//!   `outcome IS NULL`;
//! - a node whose lease was reaped cannot write over what came after: its
//!   finish must match the contact's current epoch and owner.

use chrono::{DateTime, Utc};
use herald_types::Outcome;

use crate::{Result, Store};

/// A contact leased to this node for one attempt.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct ClaimedAttempt {
    pub attempt_id: i64,
    pub contact_id: i64,
    pub campaign_id: i64,
    pub attempt_no: i32,
    pub lease_epoch: i64,
    pub phone: String,
    /// The contact's explicit time zone, when the import gave one.
    pub timezone: Option<String>,
    pub tags: serde_json::Value,
    /// Counted attempts before this one.
    pub attempts_made: i32,
}

/// The terminal record of one attempt (serialisable: a Talker that cannot
/// reach Postgres keeps it in its journal until it can).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttemptRecord {
    pub attempt_id: i64,
    pub contact_id: i64,
    pub lease_epoch: i64,
    pub outcome: Outcome,
    pub trunk_id: Option<i64>,
    pub caller_id: Option<String>,
    pub sip_call_id: Option<String>,
    pub sip_code: Option<i32>,
    pub sip_reason: Option<String>,
    pub q850_cause: Option<i32>,
    pub invite_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: DateTime<Utc>,
    pub talk_ms: Option<i32>,
    pub early_media: bool,
    pub dtmf: Option<String>,
    /// `human`, `machine` or `not_sure`, when detection ran and decided.
    pub amd_verdict: Option<String>,
    pub rtp_packets_sent: Option<i32>,
    pub rtp_packets_received: Option<i32>,
    /// Where the far end's audio was written (`talker.recordings_dir`).
    pub recording_path: Option<String>,
    /// The call script's menu answers (`{"confirm": "1"}`).
    pub answers: Option<serde_json::Value>,
    /// The person asked not to be called again.
    pub opted_out: bool,
    /// The script left its voicemail after a machine's beep.
    pub voicemail_left: bool,
    /// The call waited for a cap before its INVITE: when the wait
    /// began and which cap (`trunk_line_cap`, `trunk_cps_cap`, `campaign_line_cap`,
    /// `campaign_cps_cap`); kept in the decision log.
    pub cap_wait: Option<(DateTime<Utc>, std::borrow::Cow<'static, str>)>,
}

impl AttemptRecord {
    /// A record for `claim` with `outcome` and nothing else known yet,
    /// ending now.
    pub fn for_claim(claim: &ClaimedAttempt, outcome: Outcome) -> AttemptRecord {
        AttemptRecord {
            attempt_id: claim.attempt_id,
            contact_id: claim.contact_id,
            lease_epoch: claim.lease_epoch,
            outcome,
            trunk_id: None,
            caller_id: None,
            sip_call_id: None,
            sip_code: None,
            sip_reason: None,
            q850_cause: None,
            invite_at: None,
            ringing_at: None,
            answered_at: None,
            ended_at: chrono::Utc::now(),
            talk_ms: None,
            early_media: false,
            dtmf: None,
            amd_verdict: None,
            rtp_packets_sent: None,
            rtp_packets_received: None,
            recording_path: None,
            answers: None,
            opted_out: false,
            voicemail_left: false,
            cap_wait: None,
        }
    }
}

/// How a claimed contact leaves without a call.
enum Undialed<'a> {
    /// Due again later (e.g. outside its calling window).
    Deferred { until: DateTime<Utc>, reason: &'a str },
    /// Finished uncalled (e.g. blacklisted).
    Skipped { reason: &'a str },
}

/// One line of a contact's history: `dialed` (detail: the outcome),
/// `deferred` or `skipped` (detail: the reason).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, schemars::JsonSchema)]
pub struct ContactEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
    /// For a deferral: when the contact is due again.
    pub until: Option<DateTime<Utc>>,
}

/// What becomes of the contact after the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ContactNext {
    Done,
    RetryAt(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishResult {
    Recorded,
    /// The attempt already had its terminal record (e.g. the lease expired
    /// and was reaped); nothing was written.
    AlreadyFinal,
}

impl Store {
    /// Leases up to `limit` due contacts of one campaign to `node` for
    /// `lease_secs`, creating an open attempt for each.
    ///
    /// `FOR UPDATE SKIP LOCKED` lets many Talkers claim at once without
    /// waiting on each other or taking the same contact; the index
    /// `contacts_due (campaign_id, next_eligible_at) WHERE state = 'queued'`
    /// serves the scan.
    pub async fn claim_due(
        &self,
        node: &str,
        campaign_id: i64,
        limit: i64,
        lease_secs: u64,
    ) -> Result<Vec<ClaimedAttempt>> {
        self.timed(async {
        Ok(sqlx::query_as::<_, ClaimedAttempt>(
            "WITH due AS ( \
                 SELECT id FROM contacts \
                 WHERE campaign_id = $2 AND state = 'queued' AND next_eligible_at <= now() \
                 ORDER BY next_eligible_at \
                 LIMIT $3 \
                 FOR UPDATE SKIP LOCKED \
             ), leased AS ( \
                 UPDATE contacts c \
                 SET state = 'leased', lease_owner = $1, lease_until = now() + make_interval(secs => $4), \
                     lease_epoch = c.lease_epoch + 1, updated_at = now() \
                 FROM due WHERE c.id = due.id \
                 RETURNING c.id, c.campaign_id, c.phone, c.timezone, c.tags, c.lease_epoch, c.attempts_made \
             ), opened AS ( \
                 INSERT INTO attempts (contact_id, campaign_id, attempt_no, lease_epoch, node_id, phone) \
                 SELECT id, campaign_id, lease_epoch::int, lease_epoch, $1, phone FROM leased \
                 RETURNING id, contact_id \
             ) \
             SELECT opened.id AS attempt_id, leased.id AS contact_id, leased.campaign_id, \
                    leased.lease_epoch::int AS attempt_no, leased.lease_epoch, leased.phone, leased.timezone, leased.tags, \
                    leased.attempts_made \
             FROM opened JOIN leased ON leased.id = opened.contact_id",
        )
        .bind(node)
        .bind(campaign_id)
        .bind(limit)
        .bind(lease_secs as f64)
        .fetch_all(&self.pool)
        .await?)
        })
        .await
    }

    /// Extends this node's leases on `contact_ids`; returns the ids whose
    /// lease it still holds. A call whose id is missing has lost its lease
    /// and must be hung up.
    pub async fn renew_leases(&self, node: &str, contact_ids: &[i64], lease_secs: u64) -> Result<Vec<i64>> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64,)> = self
            .timed(async {
                Ok(sqlx::query_as(
                    "UPDATE contacts SET lease_until = now() + make_interval(secs => $3) \
             WHERE id = ANY($2) AND state = 'leased' AND lease_owner = $1 \
             RETURNING id",
                )
                .bind(node)
                .bind(contact_ids)
                .bind(lease_secs as f64)
                .fetch_all(&self.pool)
                .await?)
            })
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Writes an attempt's terminal record and moves its contact on, in one
    /// statement (one round trip: at hundreds of calls a second the
    /// BEGIN/UPDATE/UPDATE/COMMIT of a transaction was most of the Talker's
    /// Postgres time). Idempotent: a second call, or a call after the lease
    /// was reaped, writes nothing and returns [`FinishResult::AlreadyFinal`].
    ///
    /// The contact moves only while this node's lease (owner and epoch)
    /// still holds and the attempt is still open; the attempt is written
    /// only if the contact moved. A concurrent writer (the reaper, a late
    /// duplicate) serialises on the contact's row lock and, re-checking the
    /// lease, writes nothing.
    ///
    /// A late record — replayed from the Talker's journal after Postgres
    /// was out of its reach — also replaces the `lost_with_node` the reaper
    /// wrote in its place, as long as nobody has leased the contact since
    /// (same epoch, no owner; the reaper made it wait a retry delay for
    /// exactly this): the call's real outcome is kept, its contact moves on
    /// by it (an answered person is not called again), and the lost attempt
    /// no longer counts twice.
    pub async fn finish_attempt(&self, node: &str, record: &AttemptRecord, next: ContactNext) -> Result<FinishResult> {
        let results = self.finish_attempts(node, &[(record, next)]).await?;
        Ok(results.first().copied().unwrap_or(FinishResult::AlreadyFinal))
    }

    /// [`Store::finish_attempt`] for many attempts in one statement and one
    /// commit (a Talker's calls that ended together): the result of each, in
    /// the order given. Each record is judged on its own, exactly as alone.
    pub async fn finish_attempts(
        &self,
        node: &str,
        finished: &[(&AttemptRecord, ContactNext)],
    ) -> Result<Vec<FinishResult>> {
        if finished.is_empty() {
            return Ok(Vec::new());
        }
        // One array per column, in `finished`'s order.
        fn column<'a, T>(
            finished: &[(&'a AttemptRecord, ContactNext)],
            value: impl Fn(&'a AttemptRecord, ContactNext) -> T,
        ) -> Vec<T> {
            finished.iter().map(|&(record, next)| value(record, next)).collect()
        }
        let attempt_ids = column(finished, |record, _| record.attempt_id);
        let rows: Vec<(i64,)> = self.timed(async {
        Ok(sqlx::query_as(
            "WITH input AS ( \
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], \
                     $6::text[], $7::text[], $8::int[], $9::text[], $10::int[], $11::timestamptz[], \
                     $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::int[], $16::bool[], \
                     $17::text[], $18::int[], $19::int[], $20::text[], $21::text[], $22::text[], \
                     $23::timestamptz[], $24::jsonb[], $25::bool[], $26::bool[], $27::timestamptz[], $28::text[]) \
                 AS t(attempt_id, contact_id, lease_epoch, outcome, trunk_id, caller_id, sip_call_id, sip_code, \
                      sip_reason, q850_cause, invite_at, ringing_at, answered_at, ended_at, talk_ms, early_media, \
                      dtmf, rtp_packets_sent, rtp_packets_received, amd_verdict, recording_path, state, \
                      next_eligible_at, answers, opted_out, voicemail_left, wait_began, wait_cap)), \
             moved AS ( \
                 UPDATE contacts c SET state = i.state, next_eligible_at = coalesce(i.next_eligible_at, c.next_eligible_at), \
                     attempts_made = c.attempts_made + CASE WHEN c.state = 'leased' THEN 1 ELSE 0 END, \
                     lost_attempts = c.lost_attempts - CASE WHEN c.state = 'leased' THEN 0 ELSE 1 END, \
                     last_outcome = i.outcome, lease_owner = NULL, lease_until = NULL, updated_at = now() \
                 FROM input i \
                 WHERE c.id = i.contact_id AND c.lease_epoch = i.lease_epoch \
                   AND ((c.state = 'leased' AND c.lease_owner = $29 \
                         AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = i.attempt_id AND a.outcome IS NULL)) \
                     OR (c.state IN ('queued', 'done') AND c.lease_owner IS NULL AND c.last_outcome = 'lost_with_node' \
                         AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = i.attempt_id \
                                       AND a.outcome = 'lost_with_node' AND a.node_id = $29))) \
                 RETURNING c.id), \
             written AS ( \
                 UPDATE attempts a SET outcome = i.outcome, trunk_id = i.trunk_id, caller_id = i.caller_id, \
                     sip_call_id = i.sip_call_id, sip_code = i.sip_code, sip_reason = i.sip_reason, \
                     q850_cause = i.q850_cause, invite_at = i.invite_at, ringing_at = i.ringing_at, \
                     answered_at = i.answered_at, ended_at = i.ended_at, talk_ms = i.talk_ms, \
                     early_media = i.early_media, dtmf = i.dtmf, rtp_packets_sent = i.rtp_packets_sent, \
                     rtp_packets_received = i.rtp_packets_received, amd_verdict = i.amd_verdict, \
                     recording_path = i.recording_path, answers = i.answers, opted_out = i.opted_out, \
                     voicemail_left = i.voicemail_left \
                 FROM input i \
                 WHERE a.id = i.attempt_id AND (a.outcome IS NULL OR a.outcome = 'lost_with_node') \
                   AND i.contact_id IN (SELECT id FROM moved) \
                 RETURNING a.id, a.campaign_id, i.contact_id, i.invite_at, i.wait_began, i.wait_cap), \
             hooked AS ( \
                 INSERT INTO webhook_deliveries (webhook_id, attempt_id) \
                 SELECT w.id, a.id FROM written a JOIN webhooks w \
                   ON w.enabled AND (w.campaign_id IS NULL OR w.campaign_id = a.campaign_id)), \
             waited AS ( \
                 INSERT INTO decisions (contact_id, campaign_id, at, decision, reason, node_id, until) \
                 SELECT a.contact_id, a.campaign_id, a.wait_began, 'waited', a.wait_cap, $29, a.invite_at \
                 FROM written a WHERE a.wait_cap IS NOT NULL) \
             SELECT id FROM written",
        )
        .bind(&attempt_ids)
        .bind(column(finished, |record, _| record.contact_id))
        .bind(column(finished, |record, _| record.lease_epoch))
        .bind(column(finished, |record, _| record.outcome.as_str()))
        .bind(column(finished, |record, _| record.trunk_id))
        .bind(column(finished, |record, _| record.caller_id.as_deref()))
        .bind(column(finished, |record, _| record.sip_call_id.as_deref()))
        .bind(column(finished, |record, _| record.sip_code))
        .bind(column(finished, |record, _| record.sip_reason.as_deref()))
        .bind(column(finished, |record, _| record.q850_cause))
        .bind(column(finished, |record, _| record.invite_at))
        .bind(column(finished, |record, _| record.ringing_at))
        .bind(column(finished, |record, _| record.answered_at))
        .bind(column(finished, |record, _| record.ended_at))
        .bind(column(finished, |record, _| record.talk_ms))
        .bind(column(finished, |record, _| record.early_media))
        .bind(column(finished, |record, _| record.dtmf.as_deref()))
        .bind(column(finished, |record, _| record.rtp_packets_sent))
        .bind(column(finished, |record, _| record.rtp_packets_received))
        .bind(column(finished, |record, _| record.amd_verdict.as_deref()))
        .bind(column(finished, |record, _| record.recording_path.as_deref()))
        .bind(column(finished, |_, next| match next {
            ContactNext::Done => "done",
            ContactNext::RetryAt(_) => "queued",
        }))
        .bind(column(finished, |_, next| match next {
            ContactNext::Done => None,
            ContactNext::RetryAt(at) => Some(at),
        }))
        .bind(column(finished, |record, _| record.answers.as_ref()))
        .bind(column(finished, |record, _| record.opted_out))
        .bind(column(finished, |record, _| record.voicemail_left))
        .bind(column(finished, |record, _| record.cap_wait.as_ref().map(|(began, _)| *began)))
        .bind(column(finished, |record, _| record.cap_wait.as_ref().map(|(_, cap)| cap.as_ref())))
        .bind(node)
        .fetch_all(&self.pool)
        .await?)
        })
        .await?;
        let written: std::collections::HashSet<i64> = rows.into_iter().map(|(id,)| id).collect();
        Ok(attempt_ids
            .iter()
            .map(|id| if written.contains(id) { FinishResult::Recorded } else { FinishResult::AlreadyFinal })
            .collect())
    }

    /// Gives a claimed contact back without dialing it (e.g. its calling
    /// window closed between claim and dial): the open attempt is removed,
    /// as it never happened, the contact is due again at `eligible_at`, and
    /// the decision log says why. Returns false when the lease had already
    /// moved on.
    pub async fn defer_claim(
        &self,
        node: &str,
        claim: &ClaimedAttempt,
        eligible_at: DateTime<Utc>,
        reason: &str,
    ) -> Result<bool> {
        self.release_undialed(node, claim, Undialed::Deferred { until: eligible_at, reason }).await
    }

    /// Finishes a claimed contact without dialing it (e.g. it is on a
    /// blacklist): the open attempt is removed, as it never happened, the
    /// contact is done with `reason` as its last outcome, and the decision
    /// log says so.
    pub async fn skip_claim(&self, node: &str, claim: &ClaimedAttempt, reason: &str) -> Result<bool> {
        self.release_undialed(node, claim, Undialed::Skipped { reason }).await
    }

    /// Ends a lease that placed no call: the contact moves on if this node
    /// still holds the lease, its open attempt row goes, and the decision is
    /// logged — all in one transaction.
    async fn release_undialed(&self, node: &str, claim: &ClaimedAttempt, undialed: Undialed<'_>) -> Result<bool> {
        let (state, next_eligible_at, last_outcome, decision, reason) = match undialed {
            Undialed::Deferred { until, reason } => ("queued", Some(until), None, "deferred", reason),
            Undialed::Skipped { reason } => ("done", None, Some(reason), "skipped", reason),
        };
        self.timed(async {
            let mut transaction = self.pool.begin().await?;
            // Also over the reaper's `lost_with_node`, if this node's lease was
            // reaped while it could not reach Postgres and nobody has leased the
            // contact since: the attempt never dialed is undone, not counted.
            let moved = sqlx::query(
                "UPDATE contacts SET state = $4, next_eligible_at = coalesce($5, next_eligible_at), \
                     last_outcome = coalesce($6, CASE WHEN state = 'leased' THEN last_outcome END), \
                     attempts_made = attempts_made - CASE WHEN state = 'leased' THEN 0 ELSE 1 END, \
                     lost_attempts = lost_attempts - CASE WHEN state = 'leased' THEN 0 ELSE 1 END, \
                     lease_owner = NULL, lease_until = NULL, updated_at = now() \
                 WHERE id = $1 AND lease_epoch = $2 \
                   AND ((lease_owner = $3 AND state = 'leased') \
                     OR (state IN ('queued', 'done') AND lease_owner IS NULL AND last_outcome = 'lost_with_node' \
                         AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = $7 AND a.outcome = 'lost_with_node' \
                                       AND a.node_id = $3)))",
            )
            .bind(claim.contact_id)
            .bind(claim.lease_epoch)
            .bind(node)
            .bind(state)
            .bind(next_eligible_at)
            .bind(last_outcome)
            .bind(claim.attempt_id)
            .execute(&mut *transaction)
            .await?;
            if moved.rows_affected() == 0 {
                transaction.rollback().await?;
                return Ok(false);
            }
            sqlx::query("DELETE FROM attempts WHERE id = $1 AND (outcome IS NULL OR outcome = 'lost_with_node')")
                .bind(claim.attempt_id)
                .execute(&mut *transaction)
                .await?;
            sqlx::query(
                "INSERT INTO decisions (contact_id, campaign_id, decision, reason, node_id, until) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(claim.contact_id)
            .bind(claim.campaign_id)
            .bind(decision)
            .bind(reason)
            .bind(node)
            .bind(next_eligible_at)
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Attempts to `phone` in any campaign since `since`, other than
    /// `except_attempt`, and the oldest of them: what the per-number daily
    /// cap counts.
    pub async fn attempts_to_number_since(
        &self,
        phone: &str,
        since: DateTime<Utc>,
        except_attempt: i64,
    ) -> Result<(i64, Option<DateTime<Utc>>)> {
        self.timed(async {
            Ok(sqlx::query_as(
                "SELECT count(*), min(created_at) FROM attempts WHERE phone = $1 AND created_at > $2 AND id <> $3",
            )
            .bind(phone)
            .bind(since)
            .bind(except_attempt)
            .fetch_one(&self.pool)
            .await?)
        })
        .await
    }

    /// Why a contact was or was not called, oldest first: every attempt
    /// (`dialed`, with its outcome) and every logged decision.
    pub async fn contact_history(&self, contact_id: i64) -> Result<Vec<ContactEvent>> {
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM contacts WHERE id = $1").bind(contact_id).fetch_optional(&self.pool).await?;
        if exists.is_none() {
            return Err(crate::Error::NotFound { entity: "contact", id: contact_id });
        }
        Ok(sqlx::query_as::<_, ContactEvent>(
            "SELECT at, kind, detail, until FROM ( \
                 SELECT coalesce(invite_at, created_at) AS at, 'dialed' AS kind, \
                        coalesce(outcome, 'in_progress') AS detail, NULL::timestamptz AS until, id AS seq, 0 AS source \
                 FROM attempts WHERE contact_id = $1 \
                 UNION ALL \
                 SELECT at, decision, reason, until, id, 1 FROM decisions WHERE contact_id = $1 \
             ) events ORDER BY at, source, seq",
        )
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The campaigns that have contacts whose lease expired, with their
    /// retry rules (JSON): what the reaper needs to decide how long each
    /// lost attempt's contact waits.
    pub async fn campaigns_with_expired_leases(&self) -> Result<Vec<(i64, serde_json::Value)>> {
        self.timed(async {
            Ok(sqlx::query_as(
                "SELECT k.id, k.retry_rules FROM campaigns k \
                 WHERE EXISTS (SELECT 1 FROM contacts c \
                               WHERE c.campaign_id = k.id AND c.state = 'leased' AND c.lease_until < now())",
            )
            .fetch_all(&self.pool)
            .await?)
        })
        .await
    }

    /// Re-queues contacts whose lease expired (their node died or lost
    /// Postgres), as the Scheduler leader `fence`: the open attempt is
    /// recorded as `lost_with_node`. Its INVITE may have gone out and the
    /// person may have answered, so it counts as one of the contact's
    /// attempts and the contact waits `waits` seconds (by campaign id; the
    /// campaign's retry delay) before it is due again — time for the node
    /// that held it to replay its record, which then replaces the lost one
    /// (see [`Store::finish_attempts`]). The decision log says so
    /// (`deferred`, `lease_lost`). A contact that reached its campaign's
    /// `max_attempts`, or was lost `max_lost_attempts` times, is done.
    /// Returns how many were reaped.
    pub async fn reap_expired_leases(
        &self,
        fence: &crate::LeaderFence,
        batch: i64,
        max_lost_attempts: i32,
        waits: &[(i64, i64)],
    ) -> Result<u64> {
        let campaign_ids: Vec<i64> = waits.iter().map(|&(campaign, _)| campaign).collect();
        let wait_secs: Vec<f64> = waits.iter().map(|&(_, secs)| secs as f64).collect();
        self.timed(async {
            let mut transaction = self.begin_as_leader(fence).await?;
            let reaped = sqlx::query(
                "WITH waits AS ( \
                     SELECT * FROM unnest($3::bigint[], $4::float8[]) AS w(campaign_id, secs) \
                 ), expired AS ( \
                     SELECT c.id, c.lease_epoch FROM contacts c \
                     WHERE c.state = 'leased' AND c.lease_until < now() \
                     ORDER BY c.lease_until LIMIT $1 \
                     FOR UPDATE SKIP LOCKED \
                 ), lost AS ( \
                     UPDATE attempts a SET outcome = 'lost_with_node', ended_at = now() \
                     FROM expired e \
                     WHERE a.contact_id = e.id AND a.lease_epoch = e.lease_epoch AND a.outcome IS NULL \
                     RETURNING a.id, a.contact_id, a.campaign_id \
                 ), hooked AS ( \
                     INSERT INTO webhook_deliveries (webhook_id, attempt_id) \
                     SELECT w.id, l.id FROM lost l JOIN webhooks w \
                       ON w.enabled AND (w.campaign_id IS NULL OR w.campaign_id = l.campaign_id) \
                 ), requeued AS ( \
                     UPDATE contacts c \
                     SET state = CASE WHEN c.lost_attempts + 1 >= $2 OR c.attempts_made + 1 >= k.max_attempts \
                                      THEN 'done' ELSE 'queued' END, \
                         attempts_made = c.attempts_made + 1, \
                         lost_attempts = c.lost_attempts + 1, last_outcome = 'lost_with_node', \
                         lease_owner = NULL, lease_until = NULL, \
                         next_eligible_at = now() + make_interval(secs => coalesce(w.secs, 0)), updated_at = now() \
                     FROM expired e, campaigns k LEFT JOIN waits w ON w.campaign_id = k.id \
                     WHERE c.id = e.id AND k.id = c.campaign_id \
                     RETURNING c.id, c.campaign_id, c.state, c.next_eligible_at \
                 ) \
                 INSERT INTO decisions (contact_id, campaign_id, decision, reason, node_id, until) \
                 SELECT id, campaign_id, CASE WHEN state = 'done' THEN 'skipped' ELSE 'deferred' END, 'lease_lost', $5, \
                        CASE WHEN state = 'done' THEN NULL ELSE next_eligible_at END \
                 FROM requeued",
            )
            .bind(batch)
            .bind(max_lost_attempts)
            .bind(&campaign_ids)
            .bind(&wait_secs)
            .bind(&fence.holder)
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await?;
            Ok(reaped.rows_affected())
        })
        .await
    }
}
