//! Cluster-wide caps, kept in Redis so that every Talker shares them: calls
//! per second (a GCRA reservation; a trunk's is slowed by its overload
//! back-off, AIMD, which every node's 503/480 answers feed) and concurrent
//! lines (leases that expire if their node dies), for each trunk and for
//! each campaign with caps of its own ([`CapScope`]).
//!
//! Both are single Lua scripts, so each decision is atomic on the master, and
//! both read the clock from Redis (`TIME`) so nodes with skewed clocks still
//! agree. When Redis cannot be reached the caller falls back to its local
//! share of each cap (see `herald_talker`'s `gate`).

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use crate::{Coord, Error, Result};

/// How late an INVITE may leave (timer wake-up, scheduling, the network)
/// without the carrier counting one too many in a second; see
/// [`emission_interval`].
pub const SEND_JITTER_ALLOWANCE: Duration = Duration::from_millis(20);

/// The spacing of a trunk's INVITEs at `cps` calls per second:
/// `(1 s + SEND_JITTER_ALLOWANCE) / cps`, not `1 s / cps`. With exact
/// spacing, `cps` slots fill a second end to end, and one INVITE that left a
/// few milliseconds late puts `cps + 1` of them inside some one-second
/// window as the carrier counts (measured: 21 at a 20 CPS cap). Spread over
/// one second plus the allowance, any send delayed by less than the
/// allowance still keeps every window within the cap, at the price of 2 %
/// of the rate.
pub fn emission_interval(cps: f64) -> Duration {
    (Duration::from_secs(1) + SEND_JITTER_ALLOWANCE).div_f64(cps.max(0.001))
}

/// GCRA (the generic cell rate algorithm, ITU-T I.371) as a reservation: the
/// caller gets the next free emission slots and waits until each. Slots are
/// `interval_us` apart — see [`emission_interval`] — so no window of one
/// second ever holds more than the rate's worth of INVITEs. No slot further
/// ahead than `max_wait_us` is reserved (the caller should come back later
/// rather than queue): a batch stops there.
///
/// The interval is the cap's, divided by the trunk's overload factor (see
/// [`REPORT_OVERLOAD`]).
///
/// KEYS[1]: the trunk's theoretical arrival time (µs since the epoch),
/// KEYS[2]: the trunk's overload state. ARGV[1]: interval_us at the cap,
/// ARGV[2]: max_wait_us, ARGV[3]: how many slots (≥ 1).
/// Returns {1, factor‰, wait_us of each slot…} when slots were reserved,
/// {0, factor‰, retry_us} when not.
const RESERVE_SLOTS: &str = r#"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[2], 'factor', 'changed')
local factor = 1
if state[1] then
  factor = math.min(1, tonumber(state[1]) + math.floor((now - tonumber(state[2])) / STEP_US) * 0.1)
end
local interval = tonumber(ARGV[1]) / factor
local max_wait = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tat, now)
if slot - now > max_wait then
  return {0, math.floor(factor * 1000), slot - now - max_wait}
end
local reply = {1, math.floor(factor * 1000)}
for _ = 1, tonumber(ARGV[3]) do
  if slot - now > max_wait then
    break
  end
  reply[#reply + 1] = math.floor(slot - now)
  slot = slot + interval
end
redis.call('SET', KEYS[1], string.format('%.0f', slot), 'PX', math.floor((slot - now) / 1000) + 1000)
return reply
"#;

/// One overload answer (503 or 480) from a trunk, from any node: AIMD for
/// the whole cluster. `BURST` of them within `HOLD_US` halve the trunk's
/// rate factor (at most once per `HOLD_US`, never below a tenth); every
/// `STEP_US` without a halving adds a tenth back (computed when read, in
/// [`RESERVE_SLOT`] too). The same rule as `herald_policy::OverloadRate`,
/// which a node falls back to without Redis.
///
/// KEYS[1]: the trunk's overload state (hash: factor, changed, burst,
/// burst_started; µs). Returns {1 if this answer halved the rate, factor‰}.
const REPORT_OVERLOAD: &str = r#"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'factor', 'changed', 'burst', 'burst_started')
local stored = tonumber(state[1] or '1')
local changed = tonumber(state[2] or '0')
local factor = math.min(1, stored + math.floor((now - changed) / STEP_US) * 0.1)
local burst = tonumber(state[3] or '0')
local started = tonumber(state[4] or '0')
if now - started <= HOLD_US then
  burst = burst + 1
else
  burst = 1
  started = now
end
local halved = 0
if burst >= BURST and now - changed >= HOLD_US then
  factor = math.max(0.1, factor / 2)
  stored = factor
  changed = now
  burst = 0
  started = 0
  halved = 1
end
redis.call('HSET', KEYS[1], 'factor', stored, 'changed', changed, 'burst', burst, 'burst_started', started)
redis.call('PEXPIRE', KEYS[1], 600000)
return {halved, math.floor(factor * 1000)}
"#;

/// The AIMD constants, as `herald_policy::OverloadRate` has them.
fn with_aimd_constants(script: &str) -> String {
    script
        .replace("STEP_US", &overload_rule::STEP_US.to_string())
        .replace("HOLD_US", &overload_rule::HOLD_US.to_string())
        .replace("BURST", &overload_rule::BURST.to_string())
}

/// `herald_policy::OverloadRate`'s constants, for the scripts (coord does
/// not depend on policy; a Talker test checks that they agree).
pub mod overload_rule {
    pub const BURST: u32 = 3;
    pub const HOLD_US: u64 = 1_000_000;
    pub const STEP_US: u64 = 5_000_000;
}

/// Takes one of `max` lines if one is free. Expired leases (their node died
/// and stopped renewing) are dropped first.
///
/// KEYS[1]: the trunk's lease set (member: lease id, score: expiry in ms).
/// ARGV[1]: lease id, ARGV[2]: max lines, ARGV[3]: ttl_ms.
/// Returns the number of lines held after the call, or -1 when full.
const ACQUIRE_LINE: &str = r#"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  return redis.call('ZCARD', KEYS[1])
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return redis.call('ZCARD', KEYS[1])
"#;

/// Extends leases that are still held; returns how many were.
/// KEYS[1]: lease set. ARGV[1]: ttl_ms, ARGV[2..]: lease ids.
const RENEW_LINES: &str = r#"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl = tonumber(ARGV[1])
local held = 0
for index = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[index])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[index])
    held = held + 1
  end
end
if held > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
end
return held
"#;

/// Drops one node's leases that it no longer holds: releases that never
/// reached Redis (it was away) or that a failover lost (the replica had not
/// seen them yet). Without this each would keep a line idle until its TTL.
/// KEYS[1]: lease set. ARGV[1]: the node's lease-id prefix, ARGV[2..]: the
/// node's leases to keep. Returns how many were dropped.
const PRUNE_LINES: &str = r#"
local keep = {}
for index = 2, #ARGV do
  keep[ARGV[index]] = true
end
local prefix = ARGV[1]
local dropped = 0
for _, lease in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(lease, 1, #prefix) == prefix and not keep[lease] then
    redis.call('ZREM', KEYS[1], lease)
    dropped = dropped + 1
  end
end
return dropped
"#;

/// Counts one call presenting a caller ID against its daily cap, shared by
/// every node. The count starts from what the database knows (`floor`: the
/// calls recorded today), so a count lost with a Redis failover is never
/// below the truth.
///
/// KEYS[1]: the number's count for the day. ARGV[1]: floor, ARGV[2]: cap,
/// ARGV[3]: the key's lifetime in seconds.
/// Returns the count with this call, or -1 when the cap is reached.
const TAKE_CALLER_ID: &str = r#"
local count = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]))
if count >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], count, 'EX', ARGV[3])
  return -1
end
redis.call('SET', KEYS[1], count + 1, 'EX', ARGV[3])
return count + 1
"#;

static TAKE_CALLER_ID_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(TAKE_CALLER_ID));
static RESERVE_SLOTS_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(&with_aimd_constants(RESERVE_SLOTS)));
static REPORT_OVERLOAD_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(&with_aimd_constants(REPORT_OVERLOAD)));
static ACQUIRE_LINE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE_LINE));
static RENEW_LINES_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RENEW_LINES));
static PRUNE_LINES_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PRUNE_LINES));

/// Whose cap a limiter or a lease set counts: a carrier's trunk, or a
/// campaign (its own CPS and concurrent-calls caps, which a manager sets
/// below the trunk's). The same scripts serve both; only the keys differ
/// (`trunk:7:cps`, `campaign:3:lines`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapScope {
    Trunk(i64),
    Campaign(i64),
}

impl std::fmt::Display for CapScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CapScope::Trunk(id) => write!(f, "trunk:{id}"),
            CapScope::Campaign(id) => write!(f, "campaign:{id}"),
        }
    }
}

/// The answer to a CPS reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotReservation {
    /// Send an INVITE after waiting each of these (in order; at least one).
    Reserved { waits: Vec<Duration> },
    /// The trunk is booked too far ahead: try again after this long.
    Full { retry_after: Duration },
}

/// A trunk's rate under overload, as the cluster has it: the share of its
/// cap it is dialed at (1 = the cap).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverloadFactor(pub f64);

impl Coord {
    fn cps_key(&self, scope: CapScope) -> String {
        self.key(&format!("{scope}:cps"))
    }

    fn lines_key(&self, scope: CapScope) -> String {
        self.key(&format!("{scope}:lines"))
    }

    /// Only trunks back off; a campaign's key is never written, so its
    /// factor reads as 1.
    fn overload_key(&self, scope: CapScope) -> String {
        self.key(&format!("{scope}:overload"))
    }

    /// Reserves the scope's next `count` INVITE slots at `cps` calls per
    /// second (its cap), slowed by a trunk's overload factor, shared by
    /// every node: fewer when the later ones would be more than `max_wait`
    /// ahead. Also returns that factor. One round trip for a batch lets a
    /// node book a thousand slots a second without a thousand round trips
    /// queued one behind the other.
    pub async fn reserve_invite_slots(
        &self,
        scope: CapScope,
        cps: f64,
        max_wait: Duration,
        count: usize,
    ) -> Result<(SlotReservation, OverloadFactor)> {
        let interval_us = emission_interval(cps).as_micros() as u64;
        let max_wait_us = max_wait.as_micros() as u64;
        let (key, overload) = (self.cps_key(scope), self.overload_key(scope));
        let reply: Vec<i64> = self
            .run(move |connection| {
                Box::pin(async move {
                    RESERVE_SLOTS_SCRIPT
                        .key(key)
                        .key(overload)
                        .arg(interval_us)
                        .arg(max_wait_us)
                        .arg(count.max(1))
                        .invoke_async(connection)
                        .await
                })
            })
            .await?;
        let micros = |value: i64| Duration::from_micros(value.max(0) as u64);
        let (reserved, permille, times) = match reply.as_slice() {
            [reserved, permille, times @ ..] if !times.is_empty() => (*reserved, *permille, times),
            _ => return Err(Error::Reply(format!("slot reservation answered {reply:?}"))),
        };
        let reservation = if reserved == 1 {
            SlotReservation::Reserved { waits: times.iter().map(|&wait| micros(wait)).collect() }
        } else {
            SlotReservation::Full { retry_after: micros(times[0]) }
        };
        Ok((reservation, OverloadFactor(permille as f64 / 1000.0)))
    }

    /// Counts an overload answer (503/480) from the trunk toward the
    /// cluster's back-off; returns whether it halved the rate, and the
    /// factor now.
    pub async fn report_overload(&self, trunk_id: i64) -> Result<(bool, OverloadFactor)> {
        let key = self.overload_key(CapScope::Trunk(trunk_id));
        let (halved, permille): (i64, i64) = self
            .run(move |connection| {
                Box::pin(async move { REPORT_OVERLOAD_SCRIPT.key(key).invoke_async(connection).await })
            })
            .await?;
        Ok((halved == 1, OverloadFactor(permille as f64 / 1000.0)))
    }

    /// Takes a line of the scope for `lease_id` (e.g. the attempt id) if
    /// fewer than `max_lines` are held; the lease lasts `ttl` unless renewed.
    /// Returns whether the line was taken.
    pub async fn acquire_line(&self, scope: CapScope, lease_id: &str, max_lines: u32, ttl: Duration) -> Result<bool> {
        let key = self.lines_key(scope);
        let lease_id = lease_id.to_owned();
        let ttl_ms = ttl.as_millis() as u64;
        let held: i64 = self
            .run(move |connection| {
                Box::pin(async move {
                    ACQUIRE_LINE_SCRIPT.key(key).arg(lease_id).arg(max_lines).arg(ttl_ms).invoke_async(connection).await
                })
            })
            .await?;
        Ok(held >= 0)
    }

    /// Renews the given line leases; returns how many were still held.
    pub async fn renew_lines(&self, scope: CapScope, lease_ids: &[String], ttl: Duration) -> Result<u64> {
        if lease_ids.is_empty() {
            return Ok(0);
        }
        let ttl_ms = ttl.as_millis().to_string();
        self.count_leases(&RENEW_LINES_SCRIPT, scope, ttl_ms, lease_ids).await
    }

    /// Runs a lease-set script (`KEYS[1]` the trunk's leases, `ARGV[1]`
    /// `first`, then the lease ids) that answers with a count.
    async fn count_leases(
        &self,
        script: &'static Script,
        scope: CapScope,
        first: String,
        lease_ids: &[String],
    ) -> Result<u64> {
        let key = self.lines_key(scope);
        let lease_ids = lease_ids.to_vec();
        let count: i64 = self
            .run(move |connection| {
                Box::pin(async move {
                    let mut invocation = script.key(key);
                    invocation.arg(first);
                    for lease_id in &lease_ids {
                        invocation.arg(lease_id);
                    }
                    invocation.invoke_async(connection).await
                })
            })
            .await?;
        Ok(count.max(0) as u64)
    }

    /// Counts a call from `number` on `day` (UTC, `2026-11-22`) against its
    /// daily `cap`, across the cluster; false when the cap is reached.
    /// `floor`: the calls the database has recorded from it today.
    pub async fn take_caller_id(&self, number: &str, day: &str, floor: u32, cap: u32) -> Result<bool> {
        let key = self.key(&format!("caller-id:{number}:{day}"));
        // Two days: past midnight in every zone the day could be read in.
        let ttl_secs = 2 * 86_400;
        let count: i64 = self
            .run(move |connection| {
                Box::pin(async move {
                    TAKE_CALLER_ID_SCRIPT.key(key).arg(floor).arg(cap).arg(ttl_secs).invoke_async(connection).await
                })
            })
            .await?;
        Ok(count > 0)
    }

    /// Opens the trunk's circuit breaker for every node for `cool_down`.
    pub async fn open_breaker(&self, trunk_id: i64, cool_down: Duration) -> Result<()> {
        let key = self.key(&format!("trunk:{trunk_id}:breaker"));
        let millis = cool_down.as_millis().max(1) as u64;
        self.run(move |connection| {
            Box::pin(async move {
                redis::cmd("SET").arg(key).arg(1).arg("PX").arg(millis).query_async::<()>(connection).await
            })
        })
        .await
    }

    /// Of `trunk_ids`, those whose breaker some node opened, with how long
    /// it stays open (one round trip).
    pub async fn open_breakers(&self, trunk_ids: &[i64]) -> Result<Vec<(i64, Duration)>> {
        if trunk_ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = trunk_ids.iter().map(|id| self.key(&format!("trunk:{id}:breaker"))).collect();
        let remaining: Vec<i64> = self
            .run(move |connection| {
                Box::pin(async move {
                    let mut pipeline = redis::pipe();
                    for key in &keys {
                        pipeline.cmd("PTTL").arg(key);
                    }
                    pipeline.query_async(connection).await
                })
            })
            .await?;
        Ok(trunk_ids
            .iter()
            .zip(remaining)
            .filter(|(_, millis)| *millis > 0)
            .map(|(id, millis)| (*id, Duration::from_millis(millis as u64)))
            .collect())
    }

    /// Gives a line back.
    pub async fn release_line(&self, scope: CapScope, lease_id: &str) -> Result<()> {
        self.release_lines(&[(scope, lease_id.to_owned())]).await
    }

    /// Gives lines back, any number of scopes' in one round trip (a
    /// pipeline of one `ZREM` per lease).
    pub async fn release_lines(&self, leases: &[(CapScope, String)]) -> Result<()> {
        if leases.is_empty() {
            return Ok(());
        }
        let commands: Vec<(String, String)> =
            leases.iter().map(|(scope, lease_id)| (self.lines_key(*scope), lease_id.clone())).collect();
        self.run(move |connection| {
            Box::pin(async move {
                let mut pipeline = redis::pipe();
                for (key, lease_id) in &commands {
                    pipeline.cmd("ZREM").arg(key).arg(lease_id).ignore();
                }
                pipeline.query_async::<()>(connection).await
            })
        })
        .await
    }

    /// Drops the scope's leases whose ids start with `prefix` (one node's)
    /// except `keep`: the ones that node still holds. Returns how many
    /// were dropped.
    pub async fn prune_lines(&self, scope: CapScope, prefix: &str, keep: &[String]) -> Result<u64> {
        self.count_leases(&PRUNE_LINES_SCRIPT, scope, prefix.to_owned(), keep).await
    }

    /// Lines currently held in the scope (expired leases included until the
    /// next acquire drops them).
    pub async fn lines_in_use(&self, scope: CapScope) -> Result<u64> {
        let key = self.lines_key(scope);
        self.run(move |connection| {
            Box::pin(async move { redis::cmd("ZCARD").arg(key).query_async::<u64>(connection).await })
        })
        .await
    }
}
