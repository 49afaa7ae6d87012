//! The live feed for dashboards: each Talker appends a [`Tick`] to one Redis
//! stream a few times a second (its calls in progress, the INVITEs it sent,
//! the attempts it recorded), and every UI node reads the stream and fans it
//! out to its browsers. Stream ids are the events' ids: a browser that
//! reconnects with `Last-Event-ID` is sent what it missed, as long as the
//! stream still holds it (the stream is capped; Postgres keeps the record).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Coord, Result};

/// About this many ticks are kept (a few minutes of a small cluster).
const STREAM_MAX_LEN: u64 = 4_000;

/// What one Talker did during `interval_ms` before `at`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tick {
    pub node: String,
    /// Unix milliseconds.
    pub at: i64,
    /// The span `dialed_by_trunk` covers (since the node's previous tick; an
    /// idle node publishes about once a second, with nothing to count).
    pub interval_ms: u64,
    pub active_calls: ActiveCalls,
    /// INVITEs sent during the interval, by trunk id.
    pub dialed_by_trunk: BTreeMap<String, u64>,
    /// Attempts recorded during the interval.
    pub attempts: Vec<AttemptEvent>,
    /// Attempts left out because the feed fell behind (Redis was away).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_attempts: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Calls a node is placing or holding (from its INVITE to its end).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActiveCalls {
    pub total: u64,
    pub by_trunk: BTreeMap<String, u64>,
    pub by_campaign: BTreeMap<String, u64>,
}

/// One attempt's outcome, as soon as it is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AttemptEvent {
    pub id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub phone: String,
    pub outcome: String,
    pub sip_code: Option<i32>,
    pub trunk_id: Option<i64>,
    pub talk_ms: Option<i32>,
    /// Unix milliseconds when the call ended.
    pub ended_at: Option<i64>,
    /// Unix milliseconds when Postgres committed the record.
    pub written_at: i64,
}

/// A trunk's last OPTIONS probe, as a Talker saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrunkHealth {
    pub up: bool,
    /// What the probe saw (`200 OK in 3 ms`, `timeout`, …).
    pub detail: String,
    pub node: String,
    /// Unix milliseconds.
    pub at: i64,
}

/// A stream entry: its id (`<ms>-<seq>`) and the tick's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: String,
    pub json: String,
}

/// Orders stream ids (`<ms>-<seq>`); `None` for anything else.
pub fn stream_id_key(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

type RawEntries = Vec<(String, Vec<(String, String)>)>;

fn entries(raw: RawEntries) -> Vec<StreamEntry> {
    raw.into_iter()
        .filter_map(|(id, fields)| {
            let json = fields.into_iter().find(|(name, _)| name == "tick")?.1;
            Some(StreamEntry { id, json })
        })
        .collect()
}

impl Coord {
    fn events_key(&self) -> String {
        self.key("events")
    }

    /// Records a trunk's probe; it is forgotten after `ttl` (a trunk nobody
    /// probes has no known health).
    pub async fn report_trunk_health(&self, trunk_id: i64, health: &TrunkHealth, ttl: Duration) -> Result<()> {
        let key = self.key(&format!("trunk:{trunk_id}:health"));
        let json = serde_json::to_string(health)?;
        let ttl_ms = ttl.as_millis().max(1) as u64;
        self.run(move |connection| {
            Box::pin(async move {
                redis::cmd("SET").arg(key).arg(json).arg("PX").arg(ttl_ms).query_async::<()>(connection).await
            })
        })
        .await
    }

    /// The trunk's last probe, if one is recent.
    pub async fn trunk_health(&self, trunk_id: i64) -> Result<Option<TrunkHealth>> {
        let key = self.key(&format!("trunk:{trunk_id}:health"));
        let json: Option<String> = self
            .run(move |connection| Box::pin(async move { redis::cmd("GET").arg(key).query_async(connection).await }))
            .await?;
        Ok(match json {
            Some(json) => Some(serde_json::from_str(&json)?),
            None => None,
        })
    }

    /// Appends a tick to the feed.
    pub async fn publish_tick(&self, tick: &Tick) -> Result<String> {
        let key = self.events_key();
        let json = serde_json::to_string(tick)?;
        self.run(move |connection| {
            Box::pin(async move {
                redis::cmd("XADD")
                    .arg(key)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(STREAM_MAX_LEN)
                    .arg("*")
                    .arg("tick")
                    .arg(json)
                    .query_async::<String>(connection)
                    .await
            })
        })
        .await
    }

    /// The newest entry's id, or `0-0` for an empty feed.
    pub async fn last_tick_id(&self) -> Result<String> {
        let key = self.events_key();
        let raw: RawEntries = self
            .run(move |connection| {
                Box::pin(async move {
                    redis::cmd("XREVRANGE").arg(key).arg("+").arg("-").arg("COUNT").arg(1).query_async(connection).await
                })
            })
            .await?;
        Ok(raw.into_iter().next().map_or_else(|| "0-0".to_owned(), |(id, _)| id))
    }

    /// Up to `count` entries after `after` (exclusive), oldest first.
    pub async fn ticks_after(&self, after: &str, count: usize) -> Result<Vec<StreamEntry>> {
        let key = self.events_key();
        let start = format!("({after}");
        let raw: RawEntries = self
            .run(move |connection| {
                Box::pin(async move {
                    redis::cmd("XRANGE")
                        .arg(key)
                        .arg(start)
                        .arg("+")
                        .arg("COUNT")
                        .arg(count)
                        .query_async(connection)
                        .await
                })
            })
            .await?;
        Ok(entries(raw))
    }

    /// Waits up to `block` (keep it under `redis.timeout_ms`) for entries
    /// after `after`.
    pub async fn wait_for_ticks(&self, after: &str, block: Duration) -> Result<Vec<StreamEntry>> {
        let key = self.events_key();
        let after = after.to_owned();
        let block_ms = block.as_millis().max(1) as u64;
        let raw: Option<Vec<(String, RawEntries)>> = self
            .run_blocking(move |connection| {
                Box::pin(async move {
                    redis::cmd("XREAD")
                        .arg("COUNT")
                        .arg(500)
                        .arg("BLOCK")
                        .arg(block_ms)
                        .arg("STREAMS")
                        .arg(key)
                        .arg(after)
                        .query_async(connection)
                        .await
                })
            })
            .await?;
        Ok(raw.into_iter().flatten().flat_map(|(_, raw)| entries(raw)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::stream_id_key;

    #[test]
    fn stream_ids_order_numerically() {
        assert!(stream_id_key("1700000000000-10") > stream_id_key("1700000000000-9"));
        assert!(stream_id_key("1700000000001-0") > stream_id_key("1700000000000-99"));
        assert_eq!(stream_id_key("5"), Some((5, 0)));
        assert_eq!(stream_id_key("x-1"), None);
    }
}
