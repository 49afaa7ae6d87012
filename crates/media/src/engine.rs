//! The media engine: a few loops ("shards"), each pacing all of its calls on
//! one 20 ms tick. There is no task or timer per call on the media path and
//! nothing is allocated per packet: each shard owns one send and one receive
//! buffer, and prompt frames are shared read-only.
//!
//! Call control (the SIP side) talks to a call's media through [`CallMedia`]:
//! it learns when the prompt has been played, swaps in the next prompt (a
//! call script's next step), hears keypresses, the machine detector's
//! verdict and a voicemail's beep as [`MediaEvent`]s, stops the media, and
//! gets a [`MediaReport`] back. All of that crosses over through the call's
//! control block, checked by the shard once per tick: no command scan.

use std::collections::{HashMap, VecDeque};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use herald_config::{MediaMode, MediaPriority};
use nix::sys::socket::SockaddrStorage;
use tokio::sync::{Notify, oneshot};
use tracing::warn;

use crate::amd::{AmdConfig, AmdReason, AmdVerdict, AnsweringMachineDetector};
use crate::batch::{self, ReceiveBatch, SendBatch};
use crate::beep::{BeepConfig, BeepDetector};
use crate::dtmf::InbandDtmfDetector;
use crate::g711::G711;
use crate::prompt::{FRAME_SAMPLES, Prompt};
use crate::rtcp::{self, SenderReport};
use crate::rtp::{self, HEADER_LEN, RtpHeader, TelephoneEvent};

/// The packetisation interval of every stream.
pub const TICK: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub bind_ip: IpAddr,
    pub port_min: u16,
    pub port_max: u16,
    /// Media loops; 0 means one per available core.
    pub shards: usize,
    pub mode: MediaMode,
    /// Calls the node may hold at once: sizes the shared sockets' buffers.
    pub max_calls: usize,
    /// How the media threads are scheduled against everything else.
    pub priority: MediaPriority,
}

fn apply_priority(priority: MediaPriority) {
    use thread_priority::{
        RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        set_current_thread_priority, set_thread_priority_and_policy, thread_native_id,
    };
    let result = match priority {
        MediaPriority::Normal => return,
        MediaPriority::High => set_current_thread_priority(ThreadPriority::Max),
        MediaPriority::Realtime => set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Crossplatform(ThreadPriorityValue::try_from(10u8).expect("10 is a valid priority")),
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
        ),
    };
    if let Err(error) = result {
        warn!(?error, ?priority, "cannot raise the media thread's priority; running at normal priority");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("no free RTP port in {min}-{max}")]
    NoFreePort { min: u16, max: u16 },
    #[error("the media engine has shut down")]
    ShutDown,
}

/// What one call's media did, returned when it stops.
#[derive(Debug, Clone, Default)]
pub struct MediaReport {
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Whether the whole prompt went out before the media stopped.
    pub prompt_completed: bool,
    /// Digits received, in order: RFC 4733 telephone-events, or in-band
    /// tones when the far end negotiated no telephone-event.
    pub dtmf: String,
    /// Answering-machine detection, when the plan asked for it and it decided.
    pub amd: Option<(AmdVerdict, AmdReason)>,
    /// RTCP sender reports sent (shared mode; RFC 3550 §6.4.1).
    pub sender_reports: u32,
    /// The far end's audio, when the plan asked for a recording.
    pub recording: Option<Recording>,
}

/// What a started call's media plays and where to.
#[derive(Debug, Clone)]
pub struct MediaPlan {
    pub remote: SocketAddr,
    pub codec: G711,
    /// The payload type the far end uses for RFC 4733 events, if any.
    pub telephone_event_payload_type: Option<u8>,
    pub prompt: Arc<Prompt>,
    /// Run answering-machine detection on the first seconds received.
    pub amd: Option<AmdConfig>,
    /// Once the detector says "machine", listen for the voicemail's beep.
    pub beep: Option<BeepConfig>,
    /// Keep what the far end says, for a WAV file.
    pub record: bool,
}

/// Something the far end did, as the call's controller hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// A keypress (RFC 4733 event or in-band tone).
    Digit(char),
    /// The answering-machine detector decided.
    Verdict(AmdVerdict, AmdReason),
    /// A voicemail's beep (after a "machine" verdict, when the plan asked).
    Beep,
}

/// Events a call's controller has not read yet, at most: a far end that
/// sends a flood of keys loses the excess, not memory.
const MAX_PENDING_EVENTS: usize = 64;
/// Keys kept on the report, at most.
const MAX_DTMF: usize = 256;

/// A call's RTP port, chosen before the SDP offer goes out. In port-per-call
/// mode it owns a bound socket; dropping it frees the port.
#[derive(Debug)]
pub struct MediaLeg {
    port: u16,
    kind: LegKind,
}

#[derive(Debug)]
enum LegKind {
    Shared { shard: usize },
    Own { socket: Option<UdpSocket>, ports: Arc<PortPool> },
}

impl MediaLeg {
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for MediaLeg {
    fn drop(&mut self) {
        if let LegKind::Own { socket, ports } = &mut self.kind
            && socket.take().is_some()
        {
            ports.release(self.port);
        }
    }
}

/// Shared between a call's controller and the shard that plays it.
#[derive(Debug, Default)]
struct CallControl {
    stop: AtomicBool,
    /// The generation of the last prompt played to its end (the plan's
    /// prompt is generation 1, each [`CallMedia::play`] the next).
    played: AtomicU64,
    prompt_done: Notify,
    /// Set with `next_prompt`: the shard swaps it in on its next tick.
    prompt_waiting: AtomicBool,
    next_prompt: Mutex<Option<(Arc<Prompt>, u64)>>,
    events: Mutex<VecDeque<MediaEvent>>,
    event_ready: Notify,
}

impl CallControl {
    /// From the shard: rare (a key, a verdict, a beep), so a short lock.
    fn emit(&self, event: MediaEvent) {
        let mut events = self.events.lock().expect("media events poisoned");
        if events.len() < MAX_PENDING_EVENTS {
            events.push_back(event);
        }
        drop(events);
        self.event_ready.notify_one();
    }
}

/// The call controller's handle on running media.
#[derive(Debug)]
pub struct CallMedia {
    control: Arc<CallControl>,
    /// The generation of the last prompt asked for.
    requested: AtomicU64,
    report: Option<oneshot::Receiver<MediaReport>>,
    /// The shard playing the call, for changes to a running call.
    shard: mpsc::Sender<Command>,
}

impl CallMedia {
    /// Resolves once every frame of the prompt last asked for has been
    /// sent (or the media has stopped).
    pub async fn prompt_played(&self) {
        loop {
            // Register before checking so a notification between the two
            // is not missed.
            let notified = self.control.prompt_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.control.played.load(Ordering::Acquire) >= self.requested.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    /// Plays `prompt` from its start on the next tick, instead of whatever
    /// plays now; [`CallMedia::prompt_played`] then waits for it.
    pub fn play(&self, prompt: Arc<Prompt>) {
        let generation = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        *self.control.next_prompt.lock().expect("next prompt poisoned") = Some((prompt, generation));
        self.control.prompt_waiting.store(true, Ordering::Release);
    }

    /// Stops the prompt: silence from the next tick.
    pub fn stop_audio(&self) {
        self.play(Arc::new(Prompt::from_samples(Vec::new())));
    }

    /// The next thing the far end did; waits for it.
    pub async fn next_event(&self) -> MediaEvent {
        loop {
            if let Some(event) = self.control.events.lock().expect("media events poisoned").pop_front() {
                return event;
            }
            // notify_one keeps a permit when nobody waits: nothing is missed.
            self.control.event_ready.notified().await;
        }
    }

    /// Sends the call's media to a new far-end address from its next tick
    /// on (the far end moved it in a re-INVITE or UPDATE, RFC 3264 §8). In
    /// shared mode what arrives is matched by the new address from then on.
    pub fn retarget(&self, remote: SocketAddr) {
        let _ = self.shard.send(Command::Retarget { control: Arc::clone(&self.control), remote });
    }

    /// Stops the media (within one tick) and returns what it did.
    pub async fn stop(mut self) -> MediaReport {
        self.control.stop.store(true, Ordering::Release);
        match self.report.take() {
            Some(report) => report.await.unwrap_or_default(),
            None => MediaReport::default(),
        }
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Release);
    }
}

/// Counters an operator's dashboard reads.
#[derive(Debug, Default)]
pub struct MediaStats {
    pub active_calls: AtomicUsize,
    pub packets_sent: AtomicU64,
    pub packets_received: AtomicU64,
    /// Packets the kernel would not take (send buffer full): dropped.
    pub send_failures: AtomicU64,
    /// Datagrams on a shared socket from no call's address: dropped.
    pub stray_packets: AtomicU64,
    /// Worst lateness of a tick, in microseconds, since the last read.
    pub max_tick_lateness_us: AtomicU64,
    /// Ticks that stopped reading at their receive budget (a flood, or far
    /// ends sending much more than one packet per tick): the rest waited.
    pub receive_capped_ticks: AtomicU64,
}

/// The most datagrams a shard reads in one tick, for its calls: four per
/// call (one RTP packet per tick is the norm; DTMF events and bursts after
/// jitter come on top) and a floor for the first calls. A flood at the
/// media ports costs at most this much work per tick; what is left waits in
/// the kernel's buffer, which drops the excess.
fn receive_budget(calls: usize) -> usize {
    calls.saturating_mul(4).saturating_add(256)
}

/// RTCP datagrams read per tick (nothing is done with them but reading).
const RTCP_BUDGET: usize = 64;

#[derive(Debug)]
struct PortPool {
    min: u16,
    max: u16,
    free: Mutex<VecDeque<u16>>,
}

impl PortPool {
    fn new(min: u16, max: u16) -> PortPool {
        // RTP takes even ports, RTCP the odd one above (RFC 3550 §11).
        let first = min + (min % 2);
        let free = (first..max).step_by(2).collect();
        PortPool { min, max, free: Mutex::new(free) }
    }

    fn take(&self) -> Option<u16> {
        self.free.lock().expect("port pool poisoned").pop_front()
    }

    fn release(&self, port: u16) {
        self.free.lock().expect("port pool poisoned").push_back(port);
    }

    fn exhausted(&self) -> MediaError {
        MediaError::NoFreePort { min: self.min, max: self.max }
    }

    /// Binds the first free even port (and, with `rtcp`, the odd one above).
    fn bind(&self, ip: IpAddr, rtcp: bool) -> Result<(u16, UdpSocket, Option<UdpSocket>), MediaError> {
        let attempts = usize::from(self.max - self.min) / 2 + 1;
        for _ in 0..attempts {
            let Some(port) = self.take() else { break };
            let bound = UdpSocket::bind(SocketAddr::new(ip, port)).and_then(|socket| {
                let rtcp = rtcp.then(|| UdpSocket::bind(SocketAddr::new(ip, port + 1))).transpose()?;
                Ok((socket, rtcp))
            });
            match bound {
                Ok((socket, rtcp)) => {
                    socket.set_nonblocking(true).expect("setting a UDP socket non-blocking");
                    if let Some(rtcp) = &rtcp {
                        rtcp.set_nonblocking(true).expect("setting a UDP socket non-blocking");
                    }
                    return Ok((port, socket, rtcp));
                }
                // Taken by another process: put it at the back and move on.
                Err(_) => self.release(port),
            }
        }
        Err(self.exhausted())
    }
}

enum Command {
    Start(Box<ActiveCall>),
    /// Send the call (known by its control block) to a new address.
    Retarget {
        control: Arc<CallControl>,
        remote: SocketAddr,
    },
}

/// One call as its shard sees it.
struct ActiveCall {
    /// Port-per-call mode: the call's own socket and port.
    own_socket: Option<(UdpSocket, u16)>,
    remote: SockaddrStorage,
    plan: MediaPlan,
    control: Arc<CallControl>,
    report_to: Option<oneshot::Sender<MediaReport>>,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    next_frame: usize,
    octets_sent: u32,
    /// The shard tick at which the next RTCP sender report is due.
    next_report_tick: u64,
    report: MediaReport,
    /// The playing prompt's generation, and the last one played out.
    generation: u64,
    finished_generation: u64,
    beep: Option<BeepDetector>,
    /// RFC 4733 §2.5.1.3: one event spans many packets sharing its timestamp.
    last_event_timestamp: Option<u32>,
    /// In-band DTMF, only when the far end has no telephone-event.
    inband_dtmf: Option<Box<InbandDtmfDetector>>,
    amd: Option<AnsweringMachineDetector>,
}

/// A shard's shared sockets (shared mode).
struct SharedSockets {
    port: u16,
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

pub struct MediaEngine {
    config: MediaConfig,
    ports: Arc<PortPool>,
    /// Shared mode: each shard's RTP port.
    shard_ports: Vec<u16>,
    shards: Vec<mpsc::Sender<Command>>,
    threads: Vec<JoinHandle<()>>,
    next_shard: AtomicUsize,
    stats: Arc<MediaStats>,
}

impl std::fmt::Debug for MediaEngine {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("MediaEngine").field("config", &self.config).field("shards", &self.shards.len()).finish()
    }
}

impl MediaEngine {
    /// Starts the media loops (binding the shared sockets in shared mode).
    /// They run until the engine is dropped.
    pub fn start(config: MediaConfig) -> Result<MediaEngine, MediaError> {
        let shard_count = if config.shards == 0 {
            std::thread::available_parallelism().map(|count| count.get()).unwrap_or(1)
        } else {
            config.shards
        };
        let ports = Arc::new(PortPool::new(config.port_min, config.port_max));
        let stats = Arc::new(MediaStats::default());
        let mut sockets = Vec::new();
        if config.mode == MediaMode::Shared {
            for _ in 0..shard_count {
                let (port, rtp, rtcp) = ports.bind(config.bind_ip, true)?;
                let rtcp = rtcp.expect("bound with rtcp");
                batch::size_buffers(&rtp, config.max_calls.div_ceil(shard_count));
                sockets.push(SharedSockets { port, rtp, rtcp });
            }
        }
        let shard_ports = sockets.iter().map(|sockets| sockets.port).collect();
        let priority = config.priority;
        let mut sockets = sockets.into_iter();
        let mut shards = Vec::with_capacity(shard_count);
        let mut threads = Vec::with_capacity(shard_count);
        // The loops tick evenly spread over the period, not together: their
        // bursts of system calls then do not contend for the same sockets'
        // locks, and the node's CPU use is smooth rather than spiky.
        let start = Instant::now() + TICK;
        for index in 0..shard_count {
            let first_tick = start + TICK * index as u32 / shard_count as u32;
            let (sender, receiver) = mpsc::channel();
            let ports = Arc::clone(&ports);
            let stats = Arc::clone(&stats);
            let shared = sockets.next();
            let thread = std::thread::Builder::new()
                .name(format!("herald-media-{index}"))
                .spawn(move || Shard::new(receiver, ports, stats, shared).run(priority, first_tick))
                .expect("spawning a media thread");
            shards.push(sender);
            threads.push(thread);
        }
        Ok(MediaEngine { config, ports, shard_ports, shards, threads, next_shard: AtomicUsize::new(0), stats })
    }

    pub fn stats(&self) -> &MediaStats {
        &self.stats
    }

    pub fn mode(&self) -> MediaMode {
        self.config.mode
    }

    /// Chooses the RTP port for a new call; its number goes into the SDP
    /// offer. Shared mode: a shard's port, round-robin. Port-per-call mode:
    /// a freshly bound port of the call's own.
    pub fn open(&self) -> Result<MediaLeg, MediaError> {
        match self.config.mode {
            MediaMode::Shared => {
                let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards.len();
                Ok(MediaLeg { port: self.shard_ports[shard], kind: LegKind::Shared { shard } })
            }
            MediaMode::PortPerCall => {
                let (port, socket, _) = self.ports.bind(self.config.bind_ip, false)?;
                Ok(MediaLeg { port, kind: LegKind::Own { socket: Some(socket), ports: Arc::clone(&self.ports) } })
            }
        }
    }

    /// Hands the leg to a media loop, which starts sending the prompt on its
    /// next tick.
    pub fn start_call(&self, mut leg: MediaLeg, plan: MediaPlan) -> Result<CallMedia, MediaError> {
        let (shard, own_socket) = match &mut leg.kind {
            LegKind::Shared { shard } => (*shard, None),
            LegKind::Own { socket, .. } => {
                let socket = socket.take().ok_or(MediaError::ShutDown)?;
                (self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards.len(), Some((socket, leg.port)))
            }
        };
        let control = Arc::new(CallControl::default());
        let (report_to, report) = oneshot::channel();
        let call = ActiveCall {
            own_socket,
            remote: batch::to_storage(plan.remote),
            control: Arc::clone(&control),
            report_to: Some(report_to),
            ssrc: rand::random(),
            sequence: rand::random(),
            timestamp: rand::random(),
            next_frame: 0,
            octets_sent: 0,
            // Set by the shard when the call joins it.
            next_report_tick: 0,
            // Room for a few keypresses without growing on the media path.
            report: MediaReport {
                dtmf: String::with_capacity(32),
                recording: plan.record.then(|| Recording::with_capacity(plan.codec, RECORDING_RESERVE)),
                ..MediaReport::default()
            },
            generation: 1,
            finished_generation: 0,
            beep: plan.beep.filter(|_| plan.amd.is_some()).map(BeepDetector::new),
            last_event_timestamp: None,
            inband_dtmf: plan.telephone_event_payload_type.is_none().then(Box::default),
            amd: plan.amd.map(AnsweringMachineDetector::new),
            plan,
        };
        self.shards[shard].send(Command::Start(Box::new(call))).map_err(|_| MediaError::ShutDown)?;
        Ok(CallMedia { control, requested: AtomicU64::new(1), report: Some(report), shard: self.shards[shard].clone() })
    }
}

/// A recording grows past this (30 s of G.711) only for longer calls.
const RECORDING_RESERVE: usize = 8000 * 30;

impl Drop for MediaEngine {
    fn drop(&mut self) {
        self.shards.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        for &port in &self.shard_ports {
            self.ports.release(port);
        }
    }
}

/// One media loop: its calls, and how it moves their packets.
struct Shard {
    commands: mpsc::Receiver<Command>,
    ports: Arc<PortPool>,
    stats: Arc<MediaStats>,
    calls: Vec<ActiveCall>,
    io: ShardIo,
    ticks: u64,
}

enum ShardIo {
    Shared {
        sockets: SharedSockets,
        /// Which call (index into `calls`) each far-end address belongs to.
        by_remote: HashMap<SocketAddr, usize>,
        send: Box<SendBatch>,
        receive: Box<ReceiveBatch>,
        rtcp_buffer: Box<[u8; 512]>,
    },
    PerCall {
        send_buffer: [u8; PACKET_LEN],
        receive_buffer: Box<[u8; 2048]>,
    },
}

/// A 20 ms G.711 RTP packet.
const PACKET_LEN: usize = HEADER_LEN + FRAME_SAMPLES;

/// Per-tick counts, published to [`MediaStats`] once per tick: no shared
/// cache line is written per packet.
#[derive(Default)]
struct TickCounts {
    sent: u64,
    received: u64,
    send_failures: u64,
    stray: u64,
    /// A receive stopped at its budget.
    capped: bool,
}

impl Shard {
    fn new(
        commands: mpsc::Receiver<Command>,
        ports: Arc<PortPool>,
        stats: Arc<MediaStats>,
        shared: Option<SharedSockets>,
    ) -> Shard {
        let io = match shared {
            Some(sockets) => ShardIo::Shared {
                sockets,
                by_remote: HashMap::new(),
                send: Box::new(SendBatch::new()),
                receive: Box::new(ReceiveBatch::new()),
                rtcp_buffer: Box::new([0; 512]),
            },
            None => ShardIo::PerCall { send_buffer: [0; PACKET_LEN], receive_buffer: Box::new([0; 2048]) },
        };
        Shard { commands, ports, stats, calls: Vec::new(), io, ticks: 0 }
    }

    fn run(mut self, priority: MediaPriority, first_tick: Instant) {
        apply_priority(priority);
        let mut next_tick = first_tick;
        loop {
            loop {
                match self.commands.try_recv() {
                    Ok(Command::Start(call)) => self.admit(*call),
                    Ok(Command::Retarget { control, remote }) => self.retarget(&control, remote),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        while !self.calls.is_empty() {
                            self.remove(0);
                        }
                        return;
                    }
                }
            }
            self.tick();
            let now = Instant::now();
            if now < next_tick {
                std::thread::sleep(next_tick - now);
            }
            let lateness = Instant::now().saturating_duration_since(next_tick);
            self.stats.max_tick_lateness_us.fetch_max(lateness.as_micros() as u64, Ordering::Relaxed);
            next_tick += TICK;
            // After a long stall, do not burst to catch up: resume pacing.
            if lateness > TICK * 5 {
                next_tick = Instant::now() + TICK;
            }
        }
    }

    fn admit(&mut self, mut call: ActiveCall) {
        self.stats.active_calls.fetch_add(1, Ordering::Relaxed);
        // Spread the calls' sender reports over the interval.
        call.next_report_tick = self.ticks + 1 + u64::from(call.ssrc) % rtcp::REPORT_INTERVAL_TICKS;
        let index = self.calls.len();
        if let ShardIo::Shared { by_remote, .. } = &mut self.io {
            let remote = call.plan.remote;
            if let Some(previous) = by_remote.insert(remote, index) {
                // Two calls whose far ends share one address cannot be told
                // apart on a shared socket: the newer one gets the audio.
                warn!(%remote, previous, "two calls' media from one address; use media_mode = \"port_per_call\" for this carrier");
            }
        }
        self.calls.push(call);
    }

    /// Moves a call's far end to `remote`. Rare (a re-INVITE), so a scan of
    /// the shard's calls is fine.
    fn retarget(&mut self, control: &Arc<CallControl>, remote: SocketAddr) {
        let Some(index) = self.calls.iter().position(|call| Arc::ptr_eq(&call.control, control)) else {
            return; // the call has already stopped
        };
        let call = &mut self.calls[index];
        let previous = std::mem::replace(&mut call.plan.remote, remote);
        call.remote = batch::to_storage(remote);
        if let ShardIo::Shared { by_remote, .. } = &mut self.io {
            if by_remote.get(&previous) == Some(&index) {
                by_remote.remove(&previous);
            }
            if let Some(other) = by_remote.insert(remote, index)
                && other != index
            {
                warn!(%remote, other, "two calls' media from one address; use media_mode = \"port_per_call\" for this carrier");
            }
        }
    }

    /// Takes the call at `index` out (the last call moves into its place)
    /// and sends its report.
    fn remove(&mut self, index: usize) {
        let call = self.calls.swap_remove(index);
        if let ShardIo::Shared { by_remote, .. } = &mut self.io {
            if by_remote.get(&call.plan.remote) == Some(&index) {
                by_remote.remove(&call.plan.remote);
            }
            if let Some(moved) = self.calls.get(index) {
                by_remote.insert(moved.plan.remote, index);
            }
        }
        finish(call, &self.ports, &self.stats);
    }

    /// One 20 ms step for every call: drain what arrived, send one frame.
    fn tick(&mut self) {
        self.ticks += 1;
        let mut index = 0;
        while index < self.calls.len() {
            let call = &mut self.calls[index];
            if call.control.stop.load(Ordering::Acquire) {
                self.remove(index);
                continue;
            }
            // A plain load per call per tick; the read-modify-write only
            // when a new prompt is waiting.
            if call.control.prompt_waiting.load(Ordering::Acquire)
                && call.control.prompt_waiting.swap(false, Ordering::AcqRel)
                && let Some((prompt, generation)) =
                    call.control.next_prompt.lock().expect("next prompt poisoned").take()
            {
                call.plan.prompt = prompt;
                call.generation = generation;
                call.next_frame = 0;
                call.report.prompt_completed = false;
            }
            index += 1;
        }
        let mut counts = TickCounts::default();
        let calls = &mut self.calls;
        match &mut self.io {
            ShardIo::Shared { sockets, by_remote, send, receive, rtcp_buffer } => {
                // Send first: each call's packet leaves at the same offset
                // into the tick whatever arrived meanwhile, which keeps the
                // far end's jitter down.
                for call in calls.iter_mut() {
                    if send.is_full() {
                        let flushed = send.flush(&sockets.rtp);
                        counts.send_failures += flushed.failed;
                    }
                    let packet = send.push(call.remote, PACKET_LEN);
                    next_packet(call, packet.try_into().expect("a packet slot of PACKET_LEN"));
                    counts.sent += 1;
                }
                counts.send_failures += send.flush(&sockets.rtp).failed;
                counts.sent -= counts.send_failures.min(counts.sent);
                let budget = receive_budget(calls.len());
                let drained = receive.drain(&sockets.rtp, budget, |source, datagram| match by_remote.get(&source) {
                    Some(&index) => counts.received += on_datagram(&mut calls[index], datagram),
                    None => counts.stray += 1,
                });
                counts.capped |= drained.is_ok_and(|drained| drained.capped);
                // Receiver reports and the like: read and let go.
                for _ in 0..RTCP_BUDGET {
                    if sockets.rtcp.recv_from(&mut rtcp_buffer[..]).is_err() {
                        break;
                    }
                }
                send_reports(calls, self.ticks, &sockets.rtcp, rtcp_buffer);
            }
            ShardIo::PerCall { send_buffer, receive_buffer } => {
                for call in calls.iter_mut() {
                    // Out of the call while the call is borrowed for the
                    // packet, back in after (moving a socket moves an fd).
                    let Some((socket, port)) = call.own_socket.take() else { continue };
                    next_packet(call, send_buffer);
                    match socket.send_to(send_buffer, call.plan.remote) {
                        Ok(_) => counts.sent += 1,
                        Err(_) => counts.send_failures += 1,
                    }
                    let (received, capped) = receive_own(call, &socket, receive_buffer);
                    counts.received += received;
                    counts.capped |= capped;
                    call.own_socket = Some((socket, port));
                }
            }
        }
        self.stats.packets_sent.fetch_add(counts.sent, Ordering::Relaxed);
        self.stats.packets_received.fetch_add(counts.received, Ordering::Relaxed);
        if counts.send_failures > 0 {
            self.stats.send_failures.fetch_add(counts.send_failures, Ordering::Relaxed);
        }
        if counts.stray > 0 {
            self.stats.stray_packets.fetch_add(counts.stray, Ordering::Relaxed);
        }
        if counts.capped {
            self.stats.receive_capped_ticks.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends the sender reports due this tick, to the port above each far end's
/// RTP port (RFC 3550 §11).
fn send_reports(calls: &mut [ActiveCall], tick: u64, socket: &UdpSocket, buffer: &mut [u8; 512]) {
    let packet: &mut [u8; rtcp::SENDER_REPORT_LEN] =
        (&mut buffer[..rtcp::SENDER_REPORT_LEN]).try_into().expect("a buffer longer than a report");
    for call in calls.iter_mut().filter(|call| call.next_report_tick == tick) {
        call.next_report_tick = tick + rtcp::REPORT_INTERVAL_TICKS;
        SenderReport {
            ssrc: call.ssrc,
            ntp_timestamp: rtcp::ntp_now(),
            rtp_timestamp: call.timestamp,
            packet_count: call.report.packets_sent as u32,
            octet_count: call.octets_sent,
        }
        .write(packet);
        let mut rtcp_remote = call.plan.remote;
        rtcp_remote.set_port(rtcp_remote.port().wrapping_add(1));
        if socket.send_to(packet, rtcp_remote).is_ok() {
            call.report.sender_reports += 1;
        }
    }
}

/// Datagrams read per call per tick from its own socket (see
/// [`receive_budget`]).
const OWN_SOCKET_BUDGET: usize = 8;

/// Drains a port-per-call socket, at most [`OWN_SOCKET_BUDGET`] datagrams;
/// returns how many RTP packets arrived and whether it stopped at the
/// budget.
fn receive_own(call: &mut ActiveCall, socket: &UdpSocket, buffer: &mut [u8; 2048]) -> (u64, bool) {
    let mut received = 0;
    for _ in 0..OWN_SOCKET_BUDGET {
        let length = match socket.recv_from(buffer) {
            Ok((length, _source)) => length,
            Err(error) if error.kind() == ErrorKind::WouldBlock => return (received, false),
            // ICMP port unreachable surfaces here on Linux; keep going.
            Err(_) => continue,
        };
        received += on_datagram(call, &buffer[..length]);
    }
    (received, true)
}

/// Handles one datagram from the call's far end; returns 1 if it was RTP.
fn on_datagram(call: &mut ActiveCall, datagram: &[u8]) -> u64 {
    let Ok(packet) = rtp::parse(datagram) else { return 0 };
    call.report.packets_received += 1;
    if let Some(codec) = G711::from_payload_type(packet.header.payload_type) {
        listen(call, codec, packet.payload);
    } else if Some(packet.header.payload_type) == call.plan.telephone_event_payload_type
        && let Some(event) = TelephoneEvent::parse(packet.payload)
        // RFC 4733 §2.5.1.3: count an event once, at its first packet.
        && call.last_event_timestamp != Some(packet.header.timestamp)
    {
        call.last_event_timestamp = Some(packet.header.timestamp);
        if let Some(digit) = event.digit() {
            key_pressed(call, digit);
        }
    }
    1
}

/// Runs the call's audio detectors (and recorder) over one received
/// payload. Decodes into a stack buffer: nothing is allocated.
fn listen(call: &mut ActiveCall, codec: G711, payload: &[u8]) {
    if let Some(recording) = call.report.recording.as_mut()
        && codec == recording.codec
    {
        recording.samples.extend_from_slice(payload);
    }
    let detecting = call.amd.as_ref().is_some_and(|amd| amd.decision().is_none());
    let beeping = call.beep.as_ref().is_some_and(|beep| !beep.heard())
        && matches!(call.report.amd, Some((AmdVerdict::Machine, _)));
    if call.inband_dtmf.is_none() && !detecting && !beeping {
        return;
    }
    let mut samples = [0i16; 480];
    let length = payload.len().min(samples.len());
    for (sample, &byte) in samples.iter_mut().zip(&payload[..length]) {
        *sample = codec.decode(byte);
    }
    let samples = &samples[..length];
    if let Some(mut detector) = call.inband_dtmf.take() {
        detector.push(samples, |digit| key_pressed(call, digit));
        call.inband_dtmf = Some(detector);
    }
    if detecting && let Some(amd) = call.amd.as_mut() {
        call.report.amd = amd.push_frame(samples);
        if let Some((verdict, reason)) = call.report.amd {
            call.control.emit(MediaEvent::Verdict(verdict, reason));
        }
    }
    if beeping
        && let Some(beep) = call.beep.as_mut()
        && beep.push_frame(samples)
    {
        call.control.emit(MediaEvent::Beep);
    }
}

fn key_pressed(call: &mut ActiveCall, digit: char) {
    if call.report.dtmf.len() < MAX_DTMF {
        call.report.dtmf.push(digit);
    }
    call.control.emit(MediaEvent::Digit(digit));
}

/// Writes the call's next packet (a prompt frame, or silence once the prompt
/// is over) into `buffer`.
fn next_packet(call: &mut ActiveCall, buffer: &mut [u8; PACKET_LEN]) {
    let frames = call.plan.prompt.frames(call.plan.codec);
    let payload: &[u8; FRAME_SAMPLES] = match frames.get(call.next_frame) {
        Some(frame) => frame,
        None => {
            if call.finished_generation != call.generation {
                call.finished_generation = call.generation;
                call.report.prompt_completed = true;
                call.control.played.fetch_max(call.generation, Ordering::AcqRel);
                call.control.prompt_done.notify_waiters();
            }
            // Keep the stream alive with silence until the call is stopped.
            silence(call.plan.codec)
        }
    };
    let header = RtpHeader {
        marker: call.next_frame == 0,
        payload_type: call.plan.codec.payload_type(),
        sequence: call.sequence,
        timestamp: call.timestamp,
        ssrc: call.ssrc,
    };
    let (head, body) = buffer.split_at_mut(HEADER_LEN);
    header.write(head.try_into().expect("header slice is HEADER_LEN long"));
    body.copy_from_slice(payload);
    call.sequence = call.sequence.wrapping_add(1);
    call.timestamp = call.timestamp.wrapping_add(FRAME_SAMPLES as u32);
    call.next_frame += 1;
    call.report.packets_sent += 1;
    call.octets_sent = call.octets_sent.wrapping_add(FRAME_SAMPLES as u32);
}

fn silence(codec: G711) -> &'static [u8; FRAME_SAMPLES] {
    static PCMU_SILENCE: [u8; FRAME_SAMPLES] = [0xFF; FRAME_SAMPLES];
    static PCMA_SILENCE: [u8; FRAME_SAMPLES] = [0xD5; FRAME_SAMPLES];
    match codec {
        G711::Pcmu => &PCMU_SILENCE,
        G711::Pcma => &PCMA_SILENCE,
    }
}

fn finish(mut call: ActiveCall, ports: &PortPool, stats: &MediaStats) {
    stats.active_calls.fetch_sub(1, Ordering::Relaxed);
    if let Some(report_to) = call.report_to.take() {
        let _ = report_to.send(std::mem::take(&mut call.report));
    }
    // Wake anyone still waiting for the prompt: the call is over.
    call.control.played.store(u64::MAX, Ordering::Release);
    call.control.prompt_done.notify_waiters();
    if let Some((socket, port)) = call.own_socket.take() {
        drop(socket);
        ports.release(port);
    }
}

/// The far end's audio as it arrived (G.711, 8 kHz, one channel), in
/// arrival order; gaps are not filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub codec: G711,
    pub samples: Vec<u8>,
}

impl Recording {
    fn with_capacity(codec: G711, samples: usize) -> Recording {
        Recording { codec, samples: Vec::with_capacity(samples) }
    }

    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 125)
    }

    /// A WAV file of the recording, in its own G.711 law (format tag 7 for
    /// µ-law, 6 for A-law), which players and sox read as they are.
    pub fn to_wav(&self) -> Vec<u8> {
        let format_tag: u16 = match self.codec {
            G711::Pcmu => 7,
            G711::Pcma => 6,
        };
        let data_len = u32::try_from(self.samples.len()).unwrap_or(u32::MAX);
        let mut wav = Vec::with_capacity(58 + self.samples.len());
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(50 + data_len).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&18u32.to_le_bytes());
        wav.extend_from_slice(&format_tag.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes()); // channels
        wav.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
        wav.extend_from_slice(&8000u32.to_le_bytes()); // bytes per second
        wav.extend_from_slice(&1u16.to_le_bytes()); // block align
        wav.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
        wav.extend_from_slice(&0u16.to_le_bytes()); // cbSize
        // Non-PCM formats carry a fact chunk with the sample count.
        wav.extend_from_slice(b"fact");
        wav.extend_from_slice(&4u32.to_le_bytes());
        wav.extend_from_slice(&data_len.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        wav.extend_from_slice(&self.samples);
        wav
    }
}
