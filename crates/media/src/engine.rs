//! The media engine: a few loops ("shards"), each pacing all of its calls on
//! one 20 ms tick. There is no task or timer per call on the media path and
//! nothing is allocated per packet: each shard owns one send and one receive
//! buffer, and prompt frames are shared read-only.
//!
//! Call control (the SIP side) talks to a call's media through [`CallMedia`]:
//! it learns when the prompt has been played, stops the media, and gets a
//! [`MediaReport`] back.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, oneshot};

use crate::amd::{AmdConfig, AmdReason, AmdVerdict, AnsweringMachineDetector};
use crate::dtmf::InbandDtmfDetector;
use crate::g711::G711;
use crate::prompt::{FRAME_SAMPLES, Prompt};
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
}

/// A bound RTP port waiting for the far end's SDP. Dropping it frees the port.
#[derive(Debug)]
pub struct MediaLeg {
    socket: Option<UdpSocket>,
    port: u16,
    ports: Arc<PortPool>,
}

impl MediaLeg {
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for MediaLeg {
    fn drop(&mut self) {
        if self.socket.take().is_some() {
            self.ports.release(self.port);
        }
    }
}

/// Shared between a call's controller and the shard that plays it.
#[derive(Debug, Default)]
struct CallControl {
    stop: AtomicBool,
    prompt_done: Notify,
    prompt_done_flag: AtomicBool,
}

/// The call controller's handle on running media.
#[derive(Debug)]
pub struct CallMedia {
    control: Arc<CallControl>,
    report: Option<oneshot::Receiver<MediaReport>>,
}

impl CallMedia {
    /// Resolves once every prompt frame has been sent.
    pub async fn prompt_played(&self) {
        loop {
            // Register before checking the flag so a notification between
            // the two is not missed.
            let notified = self.control.prompt_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.control.prompt_done_flag.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
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
    /// Worst lateness of a tick, in microseconds, since the last read.
    pub max_tick_lateness_us: AtomicU64,
}

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
}

enum Command {
    Start(Box<ActiveCall>),
}

/// One call as its shard sees it.
struct ActiveCall {
    socket: UdpSocket,
    port: u16,
    plan: MediaPlan,
    control: Arc<CallControl>,
    report_to: Option<oneshot::Sender<MediaReport>>,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    next_frame: usize,
    report: MediaReport,
    /// RFC 4733 §2.5.1.3: one event spans many packets sharing its timestamp.
    last_event_timestamp: Option<u32>,
    /// In-band DTMF, only when the far end has no telephone-event.
    inband_dtmf: Option<Box<InbandDtmfDetector>>,
    amd: Option<AnsweringMachineDetector>,
}

pub struct MediaEngine {
    config: MediaConfig,
    ports: Arc<PortPool>,
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
    /// Starts the media loops. They run until the engine is dropped.
    pub fn start(config: MediaConfig) -> MediaEngine {
        let shard_count = if config.shards == 0 {
            std::thread::available_parallelism().map(|count| count.get()).unwrap_or(1)
        } else {
            config.shards
        };
        let ports = Arc::new(PortPool::new(config.port_min, config.port_max));
        let stats = Arc::new(MediaStats::default());
        let mut shards = Vec::with_capacity(shard_count);
        let mut threads = Vec::with_capacity(shard_count);
        for index in 0..shard_count {
            let (sender, receiver) = mpsc::channel();
            let ports = Arc::clone(&ports);
            let stats = Arc::clone(&stats);
            let thread = std::thread::Builder::new()
                .name(format!("herald-media-{index}"))
                .spawn(move || Shard::new(receiver, ports, stats).run())
                .expect("spawning a media thread");
            shards.push(sender);
            threads.push(thread);
        }
        MediaEngine { config, ports, shards, threads, next_shard: AtomicUsize::new(0), stats }
    }

    pub fn stats(&self) -> &MediaStats {
        &self.stats
    }

    /// Binds an RTP port for a new call; its number goes into the SDP offer.
    pub fn open(&self) -> Result<MediaLeg, MediaError> {
        let attempts = usize::from(self.config.port_max - self.config.port_min) / 2 + 1;
        for _ in 0..attempts {
            let Some(port) = self.ports.take() else { break };
            match UdpSocket::bind(SocketAddr::new(self.config.bind_ip, port)) {
                Ok(socket) => {
                    socket.set_nonblocking(true).expect("setting a UDP socket non-blocking");
                    return Ok(MediaLeg { socket: Some(socket), port, ports: Arc::clone(&self.ports) });
                }
                // Taken by another process: put it at the back and move on.
                Err(_) => self.ports.release(port),
            }
        }
        Err(MediaError::NoFreePort { min: self.ports.min, max: self.ports.max })
    }

    /// Hands the leg to a media loop, which starts sending the prompt on its
    /// next tick.
    pub fn start_call(&self, mut leg: MediaLeg, plan: MediaPlan) -> Result<CallMedia, MediaError> {
        let socket = leg.socket.take().ok_or(MediaError::ShutDown)?;
        let control = Arc::new(CallControl::default());
        let (report_to, report) = oneshot::channel();
        let call = ActiveCall {
            socket,
            port: leg.port,
            control: Arc::clone(&control),
            report_to: Some(report_to),
            ssrc: rand::random(),
            sequence: rand::random(),
            timestamp: rand::random(),
            next_frame: 0,
            // Room for a few keypresses without growing on the media path.
            report: MediaReport { dtmf: String::with_capacity(32), ..MediaReport::default() },
            last_event_timestamp: None,
            inband_dtmf: plan.telephone_event_payload_type.is_none().then(Box::default),
            amd: plan.amd.map(AnsweringMachineDetector::new),
            plan,
        };
        let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        self.shards[shard].send(Command::Start(Box::new(call))).map_err(|_| MediaError::ShutDown)?;
        Ok(CallMedia { control, report: Some(report) })
    }
}

impl Drop for MediaEngine {
    fn drop(&mut self) {
        self.shards.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

struct Shard {
    commands: mpsc::Receiver<Command>,
    ports: Arc<PortPool>,
    stats: Arc<MediaStats>,
    calls: Vec<ActiveCall>,
    send_buffer: [u8; HEADER_LEN + FRAME_SAMPLES],
    receive_buffer: [u8; 2048],
}

impl Shard {
    fn new(commands: mpsc::Receiver<Command>, ports: Arc<PortPool>, stats: Arc<MediaStats>) -> Shard {
        Shard {
            commands,
            ports,
            stats,
            calls: Vec::new(),
            send_buffer: [0; HEADER_LEN + FRAME_SAMPLES],
            receive_buffer: [0; 2048],
        }
    }

    fn run(mut self) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            loop {
                match self.commands.try_recv() {
                    Ok(Command::Start(call)) => {
                        self.stats.active_calls.fetch_add(1, Ordering::Relaxed);
                        self.calls.push(*call);
                    }
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        for call in self.calls.drain(..) {
                            finish(call, &self.ports, &self.stats);
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

    /// One 20 ms step for every call: drain what arrived, send one frame.
    fn tick(&mut self) {
        // Counted locally and published once per tick: no shared cache line
        // written per packet.
        let (mut sent, mut received) = (0u64, 0u64);
        let mut index = 0;
        while index < self.calls.len() {
            let call = &mut self.calls[index];
            if call.control.stop.load(Ordering::Acquire) {
                let call = self.calls.swap_remove(index);
                finish(call, &self.ports, &self.stats);
                continue;
            }
            received += receive_all(call, &mut self.receive_buffer);
            sent += send_frame(call, &mut self.send_buffer);
            index += 1;
        }
        self.stats.packets_sent.fetch_add(sent, Ordering::Relaxed);
        self.stats.packets_received.fetch_add(received, Ordering::Relaxed);
    }
}

/// Drains the call's socket; returns how many RTP packets arrived.
fn receive_all(call: &mut ActiveCall, buffer: &mut [u8; 2048]) -> u64 {
    let mut received = 0;
    loop {
        let length = match call.socket.recv_from(buffer) {
            Ok((length, _source)) => length,
            Err(error) if error.kind() == ErrorKind::WouldBlock => return received,
            // ICMP port unreachable surfaces here on Linux; keep going.
            Err(_) => continue,
        };
        let Ok(packet) = rtp::parse(&buffer[..length]) else { continue };
        call.report.packets_received += 1;
        received += 1;
        if let Some(codec) = G711::from_payload_type(packet.header.payload_type) {
            listen(call, codec, packet.payload);
            continue;
        }
        if Some(packet.header.payload_type) == call.plan.telephone_event_payload_type {
            let Some(event) = TelephoneEvent::parse(packet.payload) else { continue };
            // RFC 4733 §2.5.1.3: count an event once, at its first packet.
            if call.last_event_timestamp != Some(packet.header.timestamp) {
                call.last_event_timestamp = Some(packet.header.timestamp);
                if let Some(digit) = event.digit() {
                    call.report.dtmf.push(digit);
                }
            }
        }
    }
}

/// Runs the call's audio detectors over one received payload. Decodes into
/// a stack buffer: nothing is allocated.
fn listen(call: &mut ActiveCall, codec: G711, payload: &[u8]) {
    if call.inband_dtmf.is_none() && call.amd.as_ref().is_none_or(|amd| amd.decision().is_some()) {
        return;
    }
    let mut samples = [0i16; 480];
    let length = payload.len().min(samples.len());
    for (sample, &byte) in samples.iter_mut().zip(&payload[..length]) {
        *sample = codec.decode(byte);
    }
    let samples = &samples[..length];
    if let Some(detector) = call.inband_dtmf.as_mut() {
        let dtmf = &mut call.report.dtmf;
        detector.push(samples, |digit| dtmf.push(digit));
    }
    if let Some(amd) = call.amd.as_mut()
        && amd.decision().is_none()
    {
        call.report.amd = amd.push_frame(samples);
    }
}

/// Sends the call's next frame; returns 1 if it went out.
fn send_frame(call: &mut ActiveCall, buffer: &mut [u8; HEADER_LEN + FRAME_SAMPLES]) -> u64 {
    let frames = call.plan.prompt.frames(call.plan.codec);
    let payload: &[u8; FRAME_SAMPLES] = match frames.get(call.next_frame) {
        Some(frame) => frame,
        None => {
            if !call.report.prompt_completed {
                call.report.prompt_completed = true;
                call.control.prompt_done_flag.store(true, Ordering::Release);
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
    if call.socket.send_to(buffer, call.plan.remote).is_ok() {
        call.report.packets_sent += 1;
        return 1;
    }
    0
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
    call.control.prompt_done_flag.store(true, Ordering::Release);
    call.control.prompt_done.notify_waiters();
    drop(call.socket);
    ports.release(call.port);
}
