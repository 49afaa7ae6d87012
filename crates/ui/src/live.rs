//! The live dashboard: `GET /dashboard` (a snapshot from Postgres, and the
//! trunks' lines in use from Redis) and `GET /events` (Server-Sent Events).
//!
//! Each UI node runs one [`LiveFeed`] reader: it follows the Talkers' tick
//! stream in Redis (`XREAD BLOCK`) and fans every entry out to its browsers
//! through a broadcast channel, so the stream is read once per node however
//! many browsers watch. An entry's stream id is its SSE id: a browser that
//! reconnects sends `Last-Event-ID` and first gets what it missed from the
//! stream (`XRANGE`), then the live entries after it, each exactly once. A
//! browser too slow for the broadcast channel is caught up the same way.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use herald_coord::{Coord, StreamEntry, stream_id_key};
use herald_store::Dashboard;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::AppState;
use crate::error::{FieldErrors, Result};

/// Entries a browser may fall behind before it is caught up from Redis.
const BROADCAST_CAPACITY: usize = 1024;
/// Entries sent to a reconnecting browser at most (older ones are in the report).
const MAX_CATCH_UP: usize = 2_000;

/// This node's reader of the tick stream.
pub struct LiveFeed {
    coord: Coord,
    sender: broadcast::Sender<Arc<StreamEntry>>,
}

impl LiveFeed {
    /// Starts the reader; it stops with `shutdown`.
    pub fn start(coord: Coord, block: Duration, shutdown: CancellationToken) -> Arc<LiveFeed> {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        let feed = Arc::new(LiveFeed { coord, sender });
        let reader = Arc::clone(&feed);
        tokio::spawn(async move {
            tokio::select! {
                () = reader.follow(block) => {}
                () = shutdown.cancelled() => {}
            }
        });
        feed
    }

    async fn follow(&self, block: Duration) {
        let mut last: Option<String> = None;
        loop {
            let after = match &last {
                Some(id) => id.clone(),
                None => match self.coord.last_tick_id().await {
                    Ok(id) => {
                        last = Some(id.clone());
                        id
                    }
                    Err(error) => {
                        debug!(%error, "live feed: redis unavailable");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            match self.coord.wait_for_ticks(&after, block).await {
                Ok(entries) => {
                    for entry in entries {
                        last = Some(entry.id.clone());
                        // No browser listening is fine.
                        let _ = self.sender.send(Arc::new(entry));
                    }
                }
                Err(error) => {
                    debug!(%error, "live feed: reading the stream failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}

/// `GET /api/v1/dashboard` (viewer).
pub(crate) async fn dashboard(State(state): State<AppState>) -> Result<Json<Dashboard>> {
    let mut dashboard = state.store()?.dashboard().await?;
    if let Some(coord) = &state.coord {
        for trunk in &mut dashboard.trunks {
            trunk.lines_in_use = coord.lines_in_use(herald_coord::CapScope::Trunk(trunk.id)).await.ok();
        }
    }
    Ok(Json(dashboard))
}

/// `GET /api/v1/events[?campaign=ID]` (viewer): the live ticks as SSE
/// (`event: tick`), resumable with `Last-Event-ID`. With `campaign`, only
/// that campaign's attempts are sent (the calls and CPS stay cluster-wide).
pub(crate) async fn events(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let mut fields = FieldErrors::default();
    let mut campaign = None;
    for (key, value) in &query {
        match key.as_str() {
            "campaign" => match value.parse::<i64>() {
                Ok(id) => campaign = Some(id),
                Err(_) => fields.add("campaign", "must be a campaign id"),
            },
            _ => fields.add(key, "is not a known parameter"),
        }
    }
    fields.check()?;
    let resume = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| stream_id_key(id).is_some())
        .map(str::to_owned);
    let feed = state.live.clone();
    // Every open stream ends when the node drains, or the HTTP server's
    // graceful shutdown would wait for browsers forever.
    let stream = browser_stream(feed, resume, campaign).take_until(state.draining.clone().cancelled_owned());
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The browser's stream: what it missed, then the live entries, each once.
fn browser_stream(
    feed: Option<Arc<LiveFeed>>,
    resume: Option<String>,
    campaign: Option<i64>,
) -> impl Stream<Item = std::result::Result<Event, Infallible>> {
    struct Cursor {
        feed: Option<Arc<LiveFeed>>,
        receiver: Option<broadcast::Receiver<Arc<StreamEntry>>>,
        /// The last id sent; `None` until the first.
        last: Option<String>,
        backlog: std::collections::VecDeque<StreamEntry>,
        campaign: Option<i64>,
    }
    let receiver = feed.as_ref().map(|feed| feed.sender.subscribe());
    let cursor = Cursor { feed, receiver, last: resume.clone(), backlog: Default::default(), campaign };
    futures_util::stream::unfold((cursor, resume.is_some()), |(mut cursor, mut catch_up)| async move {
        loop {
            if catch_up {
                catch_up = false;
                if let (Some(feed), Some(last)) = (&cursor.feed, &cursor.last) {
                    match feed.coord.ticks_after(last, MAX_CATCH_UP).await {
                        Ok(entries) => cursor.backlog.extend(entries),
                        Err(error) => warn!(%error, "live feed: catching a browser up failed"),
                    }
                }
            }
            let entry = if let Some(entry) = cursor.backlog.pop_front() {
                Arc::new(entry)
            } else {
                let receiver = cursor.receiver.as_mut()?;
                match receiver.recv().await {
                    Ok(entry) => entry,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        catch_up = true;
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            };
            // Each entry once: skip what the catch-up already sent.
            if let Some(last) = &cursor.last
                && stream_id_key(&entry.id) <= stream_id_key(last)
            {
                continue;
            }
            cursor.last = Some(entry.id.clone());
            let data = match cursor.campaign {
                None => entry.json.clone(),
                Some(campaign) => only_campaign(&entry.json, campaign),
            };
            let event = Event::default().id(entry.id.clone()).event("tick").data(data);
            return Some((Ok(event), (cursor, catch_up)));
        }
    })
}

/// The tick with only `campaign`'s attempts.
fn only_campaign(json: &str, campaign: i64) -> String {
    let Ok(mut tick) = serde_json::from_str::<herald_coord::Tick>(json) else { return json.to_owned() };
    tick.attempts.retain(|attempt| attempt.campaign_id == campaign);
    serde_json::to_string(&tick).unwrap_or_else(|_| json.to_owned())
}
