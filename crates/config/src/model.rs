use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Result};

/// Everything Herald reads at start. Each service reads its own section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub node: NodeConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub talker: TalkerConfig,
    pub recipient: RecipientConfig,
    pub scheduler: SchedulerConfig,
    pub ui: UiConfig,
    pub speech: SpeechConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeConfig {
    /// This node's name in leases, heartbeats and logs; empty means
    /// `<hostname>-<pid>`.
    pub id: String,
    /// `/healthz`, `/readyz` and `/metrics` for processes that run no UI
    /// service (the UI serves them on its own port).
    pub ops_listen: SocketAddr,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self { id: String::new(), ops_listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9464) }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// The server ends any statement running longer (Postgres's
    /// `statement_timeout`, set on every connection); a transaction left
    /// idle this long is ended too.
    pub statement_timeout_secs: u64,
    /// How long the dialing path and the Scheduler wait for any one answer
    /// from Postgres before treating it as unreachable (a blackholed network
    /// answers nothing, and TCP alone would wait for many minutes).
    pub deadline_ms: u64,
    /// Apply pending migrations when a service starts (under an advisory lock,
    /// so nodes starting together are safe).
    pub migrate_on_start: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "postgres://postgres@127.0.0.1:5432/herald".to_owned(),
            max_connections: 16,
            connect_timeout_secs: 5,
            statement_timeout_secs: 30,
            deadline_ms: 5000,
            migrate_on_start: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// Sentinel addresses, `host:port`; a comma-separated string works too.
    #[serde(deserialize_with = "list_or_comma_string")]
    pub sentinels: Vec<String>,
    /// The name the Sentinels monitor the master under.
    pub master_name: String,
    pub pool_size: usize,
    /// How long one Redis command may take before the caller falls back.
    pub timeout_ms: u64,
    /// Prefix of every key Herald writes, so that several deployments (or
    /// test databases) can share one Redis.
    pub key_prefix: String,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            sentinels: vec!["127.0.0.1:26391".to_owned(), "127.0.0.1:26392".to_owned(), "127.0.0.1:26393".to_owned()],
            master_name: "herald".to_owned(),
            pool_size: 16,
            timeout_ms: 500,
            key_prefix: "herald".to_owned(),
        }
    }
}

/// `talker.media_mode`: how calls' RTP is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaMode {
    /// Every call of a media loop shares that loop's one RTP socket (and
    /// the RTCP socket on the port above it); what arrives is matched to its
    /// call by source address, so the far end must send from the address its
    /// SDP gave (symmetric RTP, RFC 4961 — what carriers' media gateways do).
    /// Packets go out and come in with `sendmmsg`/`recvmmsg`, 64 per system
    /// call: the cheapest design measured (`loadtest/udp-bench`).
    #[default]
    Shared,
    /// One RTP socket and port per call, one system call per packet: for a
    /// far end that sends from an address other than its SDP's (behind NAT,
    /// or several calls' media from one address), since whatever reaches a
    /// call's own port is that call's. No RTCP in this mode.
    PortPerCall,
}

/// `talker.media_priority`: scheduling of the media threads. A media loop sleeps most of each tick
/// and must wake on time: preempted mid-tick, every call after the point of
/// preemption goes out late. Raising its priority costs the rest of the
/// node little, since it uses little CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaPriority {
    /// The default time-sharing priority.
    Normal,
    /// The highest time-sharing priority (nice -20): wins the CPU from other
    /// threads as soon as it wakes, but stays under the fair scheduler, so
    /// it cannot starve the node's SIP, lease renewal or Postgres work. Needs
    /// CAP_SYS_NICE (or root); without it the loops run at normal priority
    /// and say so in the log. The default.
    #[default]
    High,
    /// SCHED_FIFO (priority 10): preempts every time-sharing thread. Needs
    /// CAP_SYS_NICE; the kernel's RT throttling still leaves only 5 % of each
    /// second to others, so a loop that had work without end would all but
    /// stop the node (each tick's receive work is bounded for this reason).
    /// What the load tests ask for (loadtest/README.md).
    Realtime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TalkerConfig {
    /// Where the Talker's SIP user agent listens (UDP and TCP).
    pub sip_listen: SocketAddr,
    /// The address put in SDP and Contact; the RTP sockets bind to it.
    pub media_ip: IpAddr,
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Media loops, each serving many calls on one 20 ms tick; 0 = one per core.
    pub media_shards: usize,
    /// How calls' RTP is carried: shared sockets or a port per call.
    pub media_mode: MediaMode,
    /// Scheduling priority of the media threads.
    pub media_priority: MediaPriority,
    /// Where answered calls' far-end audio is written as WAV; empty = off.
    pub recordings_dir: String,
    /// Calls this node holds at once; it leases no more contacts than this.
    pub max_calls: usize,
    /// Contacts leased per claim query.
    pub claim_batch: i64,
    /// How often an idle Talker asks Postgres for due contacts.
    pub claim_interval_ms: u64,
    /// How long a lease lasts without renewal; a dead node's contacts are
    /// re-queued this long after it stops renewing.
    pub lease_secs: u64,
    /// Ring timeout used when a campaign sets none.
    pub ring_timeout_secs: u64,
    /// Hard cap on one call's length.
    pub max_call_secs: u64,
    /// On SIGTERM: how long running calls may go on before they are hung up.
    pub drain_grace_secs: u64,
    /// How often each trunk is sent OPTIONS as a health check; 0 disables.
    pub trunk_probe_secs: u64,
    /// Admission control: when a media loop's tick ran this late since the
    /// last claim round, take no new calls that round.
    pub overload_lateness_ms: u64,
    /// At most this many calls to one number in any 24 hours, across all
    /// campaigns; 0 means no cap.
    pub max_calls_per_number_per_day: u32,
    /// Where terminal records and opt-outs that Postgres could not take are
    /// kept (appended and fsync'd) until they are replayed. Put it on a disk
    /// that outlives the process (a persistent volume): a node restarted on
    /// it replays what its predecessor left.
    pub journal_dir: String,
}

impl Default for TalkerConfig {
    fn default() -> Self {
        Self {
            sip_listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5070),
            media_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            rtp_port_min: 20000,
            rtp_port_max: 39999,
            media_shards: 0,
            media_mode: MediaMode::Shared,
            media_priority: MediaPriority::High,
            recordings_dir: String::new(),
            max_calls: 3000,
            claim_batch: 200,
            claim_interval_ms: 250,
            lease_secs: 60,
            ring_timeout_secs: 30,
            max_call_secs: 600,
            drain_grace_secs: 30,
            trunk_probe_secs: 30,
            overload_lateness_ms: 50,
            max_calls_per_number_per_day: 0,
            journal_dir: "/var/tmp/herald/journal".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecipientConfig {
    /// Where inbound calls from the trunks arrive.
    pub sip_listen: SocketAddr,
    pub media_ip: IpAddr,
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    pub max_calls: usize,
}

impl Default for RecipientConfig {
    fn default() -> Self {
        Self {
            sip_listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5080),
            media_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            rtp_port_min: 40000,
            rtp_port_max: 44999,
            max_calls: 500,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// How often expired leases are looked for and campaigns checked.
    pub tick_ms: u64,
    /// A caller ID rests when, over its calls of the last 24 hours (at least
    /// `caller_id_rest_min_calls`), the answer rate is below
    /// `caller_id_rest_below` (0–1): carriers label such numbers as spam.
    pub caller_id_rest_min_calls: u32,
    pub caller_id_rest_below: f64,
    /// How long a caller ID rests.
    pub caller_id_rest_secs: u64,
    /// The leader's lease: when the leader stops renewing it (a crash, a
    /// vanished host, a partition), a standby leads this long after.
    pub leader_lease_secs: u64,
    /// After a Scheduler becomes leader, or reaches Postgres again after
    /// losing it, it waits this long before re-queueing expired leases:
    /// leases that expired while the database was away belong to Talkers
    /// that may now renew them or replay their records. At least the
    /// Talkers' `lease_secs` / 3 (one renewal round).
    pub reap_grace_secs: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            tick_ms: 1000,
            caller_id_rest_min_calls: 50,
            caller_id_rest_below: 0.05,
            caller_id_rest_secs: 86_400,
            leader_lease_secs: 10,
            reap_grace_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// The REST API, web UI, `/metrics` and health endpoints.
    pub listen: SocketAddr,
    /// The built web front-end (`npm run build` in `ui/`), served at `/`.
    /// Relative paths are from the working directory.
    pub static_dir: String,
    /// Webhooks may point at loopback, private and link-local addresses
    /// (off: a webhook cannot be used to reach inside the network).
    pub webhook_private_targets: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            static_dir: "ui/dist".to_owned(),
            webhook_private_targets: false,
        }
    }
}

/// Text-to-speech for call scripts' `say` steps (Talkers) and previews (UI).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpeechConfig {
    pub engine: SpeechEngine,
    /// The voice of scripts that name none.
    pub voice: String,
    /// The espeak-ng program (engine `espeak-ng`).
    pub espeak_program: String,
    /// Engine `http`: an OpenAI-compatible server; Herald POSTs to
    /// `<http_url>/v1/audio/speech`.
    pub http_url: String,
    pub http_model: String,
    /// The environment variable holding the HTTP engine's API key (sent as
    /// a bearer token); empty: none.
    pub http_api_key_env: String,
    /// Syntheses running at once on a node; more wait their turn.
    pub max_concurrent: u32,
    /// One synthesis may take this long.
    pub timeout_secs: u64,
    /// Spoken audio kept for reuse (keyed by text and voice), in MiB.
    pub cache_mib: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpeechEngine {
    /// espeak-ng, run on this machine (Debian package `espeak-ng`).
    EspeakNg,
    /// An OpenAI-compatible `/v1/audio/speech` server.
    Http,
    /// No text-to-speech: scripts with `say` steps cannot be played.
    None,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        Self {
            engine: SpeechEngine::EspeakNg,
            voice: "en-us".to_owned(),
            espeak_program: "espeak-ng".to_owned(),
            http_url: String::new(),
            http_model: "tts-1".to_owned(),
            http_api_key_env: String::new(),
            max_concurrent: 2,
            timeout_secs: 10,
            cache_mib: 256,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter: `info`, `herald_talker=debug,info`, …
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".to_owned(), format: LogFormat::Text }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Checks what types alone cannot: ranges, relations between keys, and
    /// the shape of URLs and addresses.
    pub fn validate(&self) -> Result<()> {
        let database = &self.database;
        if !(database.url.starts_with("postgres://") || database.url.starts_with("postgresql://")) {
            return Err(Error::invalid("database.url", "must be a postgres:// URL"));
        }
        positive("database.max_connections", u64::from(database.max_connections))?;
        positive("database.connect_timeout_secs", database.connect_timeout_secs)?;
        positive("database.statement_timeout_secs", database.statement_timeout_secs)?;
        if database.deadline_ms < 100 {
            return Err(Error::invalid("database.deadline_ms", "must be at least 100"));
        }

        let redis = &self.redis;
        if redis.sentinels.is_empty() {
            return Err(Error::invalid("redis.sentinels", "list at least one Sentinel as host:port"));
        }
        for sentinel in &redis.sentinels {
            let valid = sentinel
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|port| port > 0));
            if !valid {
                return Err(Error::invalid("redis.sentinels", format!("{sentinel:?} is not host:port")));
            }
        }
        if redis.master_name.trim().is_empty() {
            return Err(Error::invalid("redis.master_name", "must not be empty"));
        }
        positive("redis.pool_size", redis.pool_size as u64)?;
        positive("redis.timeout_ms", redis.timeout_ms)?;
        if redis.key_prefix.is_empty() || redis.key_prefix.contains(char::is_whitespace) {
            return Err(Error::invalid("redis.key_prefix", "must be a non-empty word"));
        }

        let talker = &self.talker;
        port_range("talker", talker.rtp_port_min, talker.rtp_port_max)?;
        positive("talker.max_calls", talker.max_calls as u64)?;
        let ports = usize::from(talker.rtp_port_max - talker.rtp_port_min) + 1;
        if talker.max_calls > ports {
            return Err(Error::invalid(
                "talker.max_calls",
                format!("{} calls need that many RTP ports, the range has {ports}", talker.max_calls),
            ));
        }
        if talker.claim_batch <= 0 {
            return Err(Error::invalid("talker.claim_batch", "must be greater than 0"));
        }
        positive("talker.claim_interval_ms", talker.claim_interval_ms)?;
        if talker.lease_secs < 3 {
            return Err(Error::invalid("talker.lease_secs", "must be at least 3 (leases renew every third)"));
        }
        positive("talker.ring_timeout_secs", talker.ring_timeout_secs)?;
        if talker.journal_dir.trim().is_empty() {
            return Err(Error::invalid("talker.journal_dir", "name a directory for the record journal"));
        }
        positive("talker.max_call_secs", talker.max_call_secs)?;
        positive("talker.overload_lateness_ms", talker.overload_lateness_ms)?;

        let recipient = &self.recipient;
        port_range("recipient", recipient.rtp_port_min, recipient.rtp_port_max)?;
        positive("recipient.max_calls", recipient.max_calls as u64)?;

        positive("scheduler.tick_ms", self.scheduler.tick_ms)?;
        positive("scheduler.caller_id_rest_secs", self.scheduler.caller_id_rest_secs)?;
        if !(0.0..=1.0).contains(&self.scheduler.caller_id_rest_below) {
            return Err(Error::invalid("scheduler.caller_id_rest_below", "must be an answer rate from 0 to 1"));
        }
        if self.scheduler.leader_lease_secs < 3 || self.scheduler.leader_lease_secs * 1000 < 3 * self.scheduler.tick_ms
        {
            return Err(Error::invalid(
                "scheduler.leader_lease_secs",
                "must be at least 3 and at least three scheduler ticks (the leader renews it every tick)",
            ));
        }
        if self.scheduler.reap_grace_secs < talker.lease_secs / 3 {
            return Err(Error::invalid(
                "scheduler.reap_grace_secs",
                "must be at least talker.lease_secs / 3 (one lease renewal round)",
            ));
        }
        let speech = &self.speech;
        if speech.voice.trim().is_empty() {
            return Err(Error::invalid("speech.voice", "must not be empty"));
        }
        if speech.engine == SpeechEngine::Http
            && !(speech.http_url.starts_with("http://") || speech.http_url.starts_with("https://"))
        {
            return Err(Error::invalid("speech.http_url", "engine \"http\" needs an http:// or https:// URL"));
        }
        positive("speech.max_concurrent", u64::from(speech.max_concurrent))?;
        positive("speech.timeout_secs", speech.timeout_secs)?;
        if self.log.level.trim().is_empty() {
            return Err(Error::invalid("log.level", "must not be empty"));
        }
        Ok(())
    }
}

fn positive(key: &str, value: u64) -> Result<()> {
    if value == 0 {
        return Err(Error::invalid(key, "must be greater than 0"));
    }
    Ok(())
}

fn port_range(section: &str, min: u16, max: u16) -> Result<()> {
    if min < 1024 {
        return Err(Error::invalid(format!("{section}.rtp_port_min"), "must be 1024 or more"));
    }
    if min >= max {
        return Err(Error::invalid(
            format!("{section}.rtp_port_max"),
            format!("must be greater than rtp_port_min ({min})"),
        ));
    }
    Ok(())
}

fn list_or_comma_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(deserializer)? {
        ListOrString::List(list) => list,
        ListOrString::String(text) => {
            text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
        }
    })
}
