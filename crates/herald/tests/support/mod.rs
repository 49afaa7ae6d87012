//! What Herald's integration tests share: a SIPp carrier as a child process,
//! an RTP sink that checks what a carrier would hear, `herald` processes, and
//! campaign fixtures in a test's own database.
//!
//! Every test gets its own ports (SIPp's SIP and media ports, the sink's
//! socket, the Talker's SIP on port 0), its own scratch directory and its own
//! database, so tests run in parallel.

#![allow(dead_code)] // each test binary uses its own part of this module

pub(crate) mod proxy;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use herald_config::TalkerConfig;
use herald_media::{G711, Prompt};
use herald_store::{CampaignStatus, CampaignSummary, NewCampaign, NewContact, NewPrompt, NewTrunk, Store};
use herald_talker::{Talker, TalkerMetrics};
use herald_types::E164;
use sha2::Digest;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

pub(crate) const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The repository root (tests run with the package directory as cwd).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ---------------------------------------------------------------- scratch

/// A scratch directory, removed on drop unless the test failed or
/// `HERALD_TEST_KEEP` is set (then its path is printed so the SIPp traces
/// and process logs can be read).
pub(crate) struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    pub(crate) fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "herald-test-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("creating a scratch directory");
        ScratchDir { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("HERALD_TEST_KEEP").is_some() {
            eprintln!("test artefacts kept in {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

// ---------------------------------------------------------------- ports

/// Ports handed out by this process, so two parallel tests never get the same.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

fn claim_port(port: u16) -> bool {
    HANDED_OUT.lock().expect("port registry poisoned").get_or_insert_with(HashSet::new).insert(port)
}

fn udp_port_is_free(port: u16) -> bool {
    UdpSocket::bind((LOCALHOST, port)).is_ok()
}

/// A free loopback UDP port.
pub(crate) fn free_udp_port() -> u16 {
    loop {
        let socket = UdpSocket::bind((LOCALHOST, 0)).expect("binding an ephemeral UDP port");
        let port = socket.local_addr().expect("local address").port();
        if claim_port(port) {
            return port;
        }
    }
}

/// A free loopback UDP port `p` with `p + 2` free too (what SIPp's `-mp`
/// binds).
pub(crate) fn free_udp_port_pair() -> u16 {
    loop {
        let socket = UdpSocket::bind((LOCALHOST, 0)).expect("binding an ephemeral UDP port");
        let port = socket.local_addr().expect("local address").port();
        if port > 65533 || !udp_port_is_free(port + 2) {
            continue;
        }
        if claim_port(port) && claim_port(port + 2) {
            return port;
        }
    }
}

/// A free loopback TCP port (nothing listens on it when this returns).
pub(crate) fn free_tcp_port() -> u16 {
    loop {
        let listener = std::net::TcpListener::bind((LOCALHOST, 0)).expect("binding an ephemeral TCP port");
        let port = listener.local_addr().expect("local address").port();
        if claim_port(port) {
            return port;
        }
    }
}

/// Whether process `pid` has bound every one of `ports` on loopback UDP:
/// the sockets' inodes from `/proc/net/udp` are among its open files. (A
/// probe that binds would race SIPp's own bind; a port merely in use could
/// belong to another process.)
fn udp_ports_owned_by(pid: u32, ports: &[u16]) -> bool {
    ports_owned_by(pid, "/proc/net/udp", ports)
}

/// Whether `pid` owns sockets bound to each of `ports` on 127.0.0.1 in the
/// kernel's socket table `table_path` (`/proc/net/udp` or `/proc/net/tcp`).
fn ports_owned_by(pid: u32, table_path: &str, ports: &[u16]) -> bool {
    let Ok(table) = fs::read_to_string(table_path) else {
        return false;
    };
    let Ok(files) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    let sockets: HashSet<String> = files
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    ports.iter().all(|port| {
        let wanted = format!("0100007F:{port:04X}");
        table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1) == Some(&wanted.as_str()) && fields.get(9).is_some_and(|inode| sockets.contains(*inode))
        })
    })
}

// ---------------------------------------------------------------- signals

/// Sends SIGTERM (the workspace forbids `unsafe`, so no `libc::kill`).
pub(crate) fn send_sigterm(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits for `child` to exit, SIGKILLing it after `timeout`.
pub(crate) fn wait_or_kill(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

// ---------------------------------------------------------------- SIPp

/// SIPp running one of `loadtest/sipp/`'s carrier scenarios as a child
/// process, with its traces in a scratch directory. Dropping it stops SIPp
/// with SIGTERM.
pub(crate) struct SippCarrier {
    child: Option<Child>,
    sip_port: u16,
    scratch: ScratchDir,
    exit: Option<ExitStatus>,
}

impl SippCarrier {
    /// Starts `loadtest/sipp/<scenario>` listening on a free loopback port
    /// and returns once its SIP and media sockets are bound. `extra_args` go
    /// on the command line as they are (e.g. `-set rtp_port 40000`).
    pub(crate) fn start(scenario: &str, extra_args: &[&str]) -> SippCarrier {
        SippCarrier::start_on(scenario, extra_args, false)
    }

    /// Like [`SippCarrier::start`], with SIP over TCP (`-t t1`).
    pub(crate) fn start_tcp(scenario: &str, extra_args: &[&str]) -> SippCarrier {
        SippCarrier::start_on(scenario, extra_args, true)
    }

    fn start_on(scenario: &str, extra_args: &[&str], tcp: bool) -> SippCarrier {
        let scenario_path = repo_root().join("loadtest/sipp").join(scenario);
        assert!(scenario_path.exists(), "no scenario {}", scenario_path.display());
        let scratch = ScratchDir::new(scenario.trim_end_matches(".xml"));
        // Scenarios name their pcap files relative to SIPp's working directory.
        let pcaps = repo_root().join("loadtest/sipp/pcap");
        fs::create_dir_all(scratch.path().join("pcap")).expect("creating the pcap directory");
        for entry in fs::read_dir(&pcaps).expect("reading loadtest/sipp/pcap") {
            let path = entry.expect("a pcap directory entry").path();
            if path.extension().is_some_and(|extension| extension == "pcap") {
                fs::copy(&path, scratch.path().join("pcap").join(path.file_name().expect("a file name")))
                    .expect("copying a pcap");
            }
        }
        // A port taken between our probe and SIPp's bind makes SIPp exit
        // with 254: try again with other ports.
        for _ in 0..5 {
            let sip_port = free_udp_port();
            let media_port = free_udp_port_pair();
            let sip = sip_port.to_string();
            let media = media_port.to_string();
            let file = |name: &str| scratch.path().join(name).display().to_string();
            let (messages, errors, logs, screen) =
                (file("messages.log"), file("errors.log"), file("logs.log"), file("screen.log"));
            let mut arguments: Vec<&str> = vec![
                "-sf",
                scenario_path.to_str().expect("utf-8 path"),
                "-i",
                "127.0.0.1",
                "-p",
                &sip,
                "-mp",
                &media,
                "-ci",
                "127.0.0.1",
                "-nostdin",
                "-aa",
                // A safety net: a SIPp orphaned by a crashed test goes away.
                "-timeout",
                "120s",
                "-trace_msg",
                "-message_file",
                &messages,
                "-trace_err",
                "-error_file",
                &errors,
                "-trace_logs",
                "-log_file",
                &logs,
                "-trace_screen",
                "-screen_file",
                &screen,
            ];
            if tcp {
                arguments.extend_from_slice(&["-t", "t1"]);
            }
            arguments.extend_from_slice(extra_args);
            let stdout = fs::File::create(scratch.path().join("stdout.log")).expect("creating SIPp's stdout file");
            let stderr = stdout.try_clone().expect("cloning a file handle");
            let mut child = Command::new("sipp")
                .args(&arguments)
                .current_dir(scratch.path())
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .spawn()
                .expect("spawning sipp (Debian package sip-tester; scripts/infra.sh up installs it)");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(status) = child.try_wait().expect("polling sipp") {
                    if status.code() == Some(254) {
                        break; // a port was taken: retry
                    }
                    let output = fs::read_to_string(scratch.path().join("stdout.log")).unwrap_or_default();
                    panic!("sipp exited at start with {status}: {output}");
                }
                let sip_bound = if tcp {
                    ports_owned_by(child.id(), "/proc/net/tcp", &[sip_port])
                } else {
                    udp_ports_owned_by(child.id(), &[sip_port])
                };
                if sip_bound && udp_ports_owned_by(child.id(), &[media_port, media_port + 2]) {
                    return SippCarrier { child: Some(child), sip_port, scratch, exit: None };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("sipp did not bind its ports within 10 s");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("sipp could not bind free ports in 5 tries");
    }

    pub(crate) fn sip_addr(&self) -> SocketAddr {
        SocketAddr::new(LOCALHOST, self.sip_port)
    }

    /// Stops SIPp (SIGTERM: immediate, exit code 0) and returns its exit
    /// status; trace files are complete afterwards. Idempotent.
    pub(crate) fn stop(&mut self) -> Option<ExitStatus> {
        if let Some(mut child) = self.child.take() {
            send_sigterm(&child);
            self.exit = wait_or_kill(&mut child, Duration::from_secs(5));
        }
        self.exit
    }

    /// Every SIP message SIPp sent or received so far (`-trace_msg`).
    pub(crate) fn message_log(&self) -> String {
        fs::read_to_string(self.scratch.path().join("messages.log")).unwrap_or_default()
    }

    /// Calls the carrier has answered so far (distinct Call-IDs of its 200
    /// OKs to INVITE).
    pub(crate) fn answered_calls(&self) -> usize {
        self.messages()
            .iter()
            .filter(|message| message.status() == Some(200) && message.cseq_method() == Some("INVITE"))
            .filter_map(|message| message.call_id().map(str::to_owned))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    pub(crate) fn messages(&self) -> Vec<SipMessage> {
        parse_message_log(&self.message_log())
    }

    /// Unexpected messages, timeouts and aborted calls (`-trace_err`); empty
    /// when SIPp saw none.
    pub(crate) fn errors(&self) -> String {
        fs::read_to_string(self.scratch.path().join("errors.log")).unwrap_or_default()
    }

    /// The final statistics screen, for failure messages.
    pub(crate) fn screen(&self) -> String {
        fs::read_to_string(self.scratch.path().join("screen.log")).unwrap_or_default()
    }
}

impl Drop for SippCarrier {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// SIPp received it: Herald sent it.
    FromHerald,
    /// SIPp sent it.
    ToHerald,
}

/// One SIP message from SIPp's message trace.
#[derive(Debug, Clone)]
pub(crate) struct SipMessage {
    pub(crate) at: DateTime<Utc>,
    pub(crate) direction: Direction,
    pub(crate) text: String,
}

impl SipMessage {
    pub(crate) fn first_line(&self) -> &str {
        self.text.lines().next().unwrap_or_default().trim()
    }

    /// The method of a request (`None` for a response).
    pub(crate) fn method(&self) -> Option<&str> {
        let first = self.first_line();
        if first.starts_with("SIP/2.0") {
            return None;
        }
        first.split_whitespace().next()
    }

    /// The status code of a response.
    pub(crate) fn status(&self) -> Option<u16> {
        self.first_line()
            .strip_prefix("SIP/2.0 ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|code| code.parse().ok())
    }

    /// The first header named `name` (case-insensitive; no compact forms).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        for line in self.text.lines().skip(1) {
            let line = line.trim_end();
            if line.is_empty() {
                return None; // the body starts
            }
            if let Some((header, value)) = line.split_once(':')
                && header.trim().eq_ignore_ascii_case(name)
            {
                return Some(value.trim());
            }
        }
        None
    }

    pub(crate) fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }

    /// `INVITE` from `CSeq: 1 INVITE`.
    pub(crate) fn cseq_method(&self) -> Option<&str> {
        self.header("CSeq").and_then(|cseq| cseq.split_whitespace().nth(1))
    }

    /// The user part of a request's Request-URI (`+12025550001` of
    /// `INVITE sip:+12025550001@127.0.0.1:5062 SIP/2.0`).
    pub(crate) fn request_user(&self) -> Option<&str> {
        let uri = self.first_line().split_whitespace().nth(1)?;
        let uri = uri.strip_prefix("sip:").unwrap_or(uri);
        uri.split_once('@').map(|(user, _)| user)
    }
}

/// Parses SIPp's `-trace_msg` file: each message follows a line of dashes
/// and a local timestamp, then `UDP message received [N] bytes :` or
/// `UDP message sent (N bytes):`, then a blank line.
pub(crate) fn parse_message_log(log: &str) -> Vec<SipMessage> {
    let mut messages = Vec::new();
    let mut current: Option<(DateTime<Utc>, Option<Direction>, String)> = None;
    let flush = |current: Option<(DateTime<Utc>, Option<Direction>, String)>, messages: &mut Vec<SipMessage>| {
        if let Some((at, Some(direction), text)) = current {
            let text = text.trim().to_owned();
            if !text.is_empty() {
                messages.push(SipMessage { at, direction, text });
            }
        }
    };
    for line in log.lines() {
        if let Some(stamp) = line.strip_prefix("----------------------------------------------- ") {
            flush(current.take(), &mut messages);
            let Ok(naive) = NaiveDateTime::parse_from_str(stamp.trim(), "%Y-%m-%d %H:%M:%S%.f") else {
                continue;
            };
            let Some(local) = Local.from_local_datetime(&naive).earliest() else {
                continue;
            };
            current = Some((local.with_timezone(&Utc), None, String::new()));
            continue;
        }
        let Some((_, direction, text)) = current.as_mut() else {
            continue;
        };
        if direction.is_none() {
            if line.contains("message received") {
                *direction = Some(Direction::FromHerald);
            } else if line.contains("message sent") {
                *direction = Some(Direction::ToHerald);
            }
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    flush(current, &mut messages);
    messages
}

/// One call as the carrier saw it: the INVITEs sharing a Call-ID.
#[derive(Debug, Clone)]
pub(crate) struct CarrierDialog {
    pub(crate) call_id: String,
    pub(crate) callee: String,
    /// The first INVITE of the dialog that SIPp received.
    pub(crate) invite_at: DateTime<Utc>,
    /// When SIPp received Herald's BYE, if it did.
    pub(crate) bye_at: Option<DateTime<Utc>>,
    pub(crate) cancelled: bool,
}

/// Groups the messages Herald sent by Call-ID into dialogs (a retransmitted
/// or re-authenticated INVITE stays in its dialog).
pub(crate) fn carrier_dialogs(messages: &[SipMessage]) -> Vec<CarrierDialog> {
    let mut dialogs: BTreeMap<String, CarrierDialog> = BTreeMap::new();
    for message in messages.iter().filter(|message| message.direction == Direction::FromHerald) {
        let (Some(method), Some(call_id)) = (message.method(), message.call_id()) else {
            continue;
        };
        match method {
            "INVITE" => {
                dialogs.entry(call_id.to_owned()).or_insert_with(|| CarrierDialog {
                    call_id: call_id.to_owned(),
                    callee: message.request_user().unwrap_or_default().to_owned(),
                    invite_at: message.at,
                    bye_at: None,
                    cancelled: false,
                });
            }
            "BYE" => {
                if let Some(dialog) = dialogs.get_mut(call_id) {
                    dialog.bye_at.get_or_insert(message.at);
                }
            }
            "CANCEL" => {
                if let Some(dialog) = dialogs.get_mut(call_id) {
                    dialog.cancelled = true;
                }
            }
            _ => {}
        }
    }
    let mut dialogs: Vec<CarrierDialog> = dialogs.into_values().collect();
    dialogs.sort_by_key(|dialog| dialog.invite_at);
    dialogs
}

// ---------------------------------------------------------------- RTP

/// One datagram the sink received, read with its own RTP parser (not
/// Herald's), so a Herald bug cannot hide behind a shared one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RtpSeen {
    pub(crate) version: u8,
    pub(crate) payload_type: u8,
    pub(crate) sequence: u16,
    pub(crate) timestamp: u32,
    pub(crate) ssrc: u32,
    pub(crate) payload_len: usize,
    /// When it arrived.
    pub(crate) at: Instant,
    /// How loud its G.711 µ-law payload is at its loudest, 0 (silence) to
    /// 127 (PCMU packets; 0 for anything else).
    pub(crate) level: u8,
}

/// A UDP socket standing in for the carrier's media: the SDP of SIPp's 200
/// OK points here (`-set rtp_port`), and everything received is kept.
pub(crate) struct RtpSink {
    port: u16,
    received: Arc<Mutex<Vec<RtpSeen>>>,
    /// Datagrams too short for an RTP header.
    runts: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

/// What an [`RtpSink`] sends back once Herald's stream reaches it: one RTP
/// packet (payload type, marker, payload) every 20 ms, to the address
/// Herald's packets come from (symmetric RTP, as carriers do).
pub(crate) type TalkBack = Vec<(u8, bool, Vec<u8>)>;

/// PCMU frames of a recording, ready for [`RtpSink::bind_talking`].
pub(crate) fn talk_back_audio(recording: &Path) -> TalkBack {
    let prompt = Prompt::decode(fs::read(recording).expect("reading the recording"), Some("wav")).expect("decoding");
    prompt.frames(G711::Pcmu).iter().map(|frame| (0u8, false, frame.to_vec())).collect()
}

/// RFC 4733 telephone-event packets for `digits` (payload type `payload_type`):
/// per digit five packets of one event (the last three with the end bit, as
/// RFC 4733 §2.5.1.4 repeats the end), then silence.
pub(crate) fn talk_back_dtmf(digits: &str, payload_type: u8) -> TalkBack {
    let mut packets = Vec::new();
    for digit in digits.chars() {
        let event = "0123456789*#ABCD".find(digit).expect("a DTMF digit") as u8;
        for (index, end) in [false, false, true, true, true].into_iter().enumerate() {
            let duration = (160 * (index as u16 + 1)).to_be_bytes();
            let payload = vec![event, if end { 0x80 | 10 } else { 10 }, duration[0], duration[1]];
            packets.push((payload_type, index == 0, payload));
        }
        for _ in 0..5 {
            packets.push((0u8, false, vec![0xFF; 160]));
        }
    }
    packets
}

impl RtpSink {
    pub(crate) async fn bind() -> RtpSink {
        RtpSink::bind_talking(Vec::new()).await
    }

    /// A sink that also talks back: see [`TalkBack`]. Telephone-event packets
    /// of one digit share a timestamp; audio advances it by 160.
    pub(crate) async fn bind_talking(talk_back: TalkBack) -> RtpSink {
        let socket = tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.expect("binding the RTP sink");
        let port = socket.local_addr().expect("local address").port();
        claim_port(port);
        let received: Arc<Mutex<Vec<RtpSeen>>> = Arc::default();
        let runts = Arc::new(AtomicU32::new(0));
        let (store, short) = (Arc::clone(&received), Arc::clone(&runts));
        let socket = Arc::new(socket);
        let task = tokio::spawn(async move {
            let mut buffer = [0u8; 2048];
            let mut talking: Option<tokio::task::JoinHandle<()>> = None;
            while let Ok((length, from)) = socket.recv_from(&mut buffer).await {
                if talking.is_none() && !talk_back.is_empty() {
                    let (socket, packets) = (Arc::clone(&socket), talk_back.clone());
                    talking = Some(tokio::spawn(async move {
                        let mut ticker = tokio::time::interval(Duration::from_millis(20));
                        let mut timestamp: u32 = 1000;
                        let mut previous_event = false;
                        for (sequence, (payload_type, marker, payload)) in packets.into_iter().enumerate() {
                            ticker.tick().await;
                            let event = payload_type != 0 && payload_type != 8;
                            // A new event (marker) or any audio moves the clock on.
                            if !event || marker || !previous_event {
                                timestamp = timestamp.wrapping_add(160);
                            }
                            previous_event = event;
                            let mut packet = vec![0x80, (u8::from(marker) << 7) | payload_type];
                            packet.extend_from_slice(&(sequence as u16).to_be_bytes());
                            packet.extend_from_slice(&timestamp.to_be_bytes());
                            packet.extend_from_slice(&0x5151_5151u32.to_be_bytes());
                            packet.extend_from_slice(&payload);
                            let _ = socket.send_to(&packet, from).await;
                        }
                    }));
                }
                let packet = &buffer[..length];
                if packet.len() < 12 {
                    short.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                store.lock().expect("sink poisoned").push(RtpSeen {
                    version: packet[0] >> 6,
                    payload_type: packet[1] & 0x7F,
                    sequence: u16::from_be_bytes([packet[2], packet[3]]),
                    timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
                    ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
                    payload_len: length - 12,
                    at: Instant::now(),
                    level: if packet[1] & 0x7F == 0 {
                        packet[12..].iter().map(|&byte| !byte & 0x7F).max().unwrap_or(0)
                    } else {
                        0
                    },
                });
            }
        });
        RtpSink { port, received, runts, task }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn packets(&self) -> Vec<RtpSeen> {
        self.received.lock().expect("sink poisoned").clone()
    }

    pub(crate) fn runts(&self) -> u32 {
        self.runts.load(Ordering::Relaxed)
    }

    /// The packets of each stream (by SSRC), in arrival order.
    pub(crate) fn streams(&self) -> BTreeMap<u32, Vec<RtpSeen>> {
        let mut streams: BTreeMap<u32, Vec<RtpSeen>> = BTreeMap::new();
        for packet in self.packets() {
            streams.entry(packet.ssrc).or_default().push(packet);
        }
        streams
    }
}

impl Drop for RtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Checks one stream is G.711 as a carrier expects it: RTP version 2, one
/// payload type (0 or 8), 160-byte (20 ms) payloads, sequence numbers going
/// up by one and timestamps by 160 per packet (no reordering on loopback).
pub(crate) fn assert_g711_stream(packets: &[RtpSeen]) {
    assert!(!packets.is_empty(), "empty RTP stream");
    let payload_type = packets[0].payload_type;
    assert!(payload_type == 0 || payload_type == 8, "payload type {payload_type} is neither PCMU (0) nor PCMA (8)");
    for (index, packet) in packets.iter().enumerate() {
        assert_eq!(packet.version, 2, "packet {index} is not RTP version 2: {packet:?}");
        assert_eq!(packet.payload_type, payload_type, "packet {index} changed payload type: {packet:?}");
        assert_eq!(packet.payload_len, 160, "packet {index} does not carry 20 ms of G.711: {packet:?}");
    }
    for pair in packets.windows(2) {
        let step = pair[1].sequence.wrapping_sub(pair[0].sequence);
        assert!(
            (1..=3).contains(&step),
            "sequence numbers must increase (a lost packet or two allowed): {:?} then {:?}",
            pair[0],
            pair[1]
        );
        assert_eq!(
            pair[1].timestamp.wrapping_sub(pair[0].timestamp),
            160 * u32::from(step),
            "timestamps must advance 160 per packet: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

// ---------------------------------------------------------------- prompts

/// Audio for a campaign's prompt, with what a call playing it must send.
pub(crate) struct TestPrompt {
    pub(crate) filename: String,
    pub(crate) audio: Vec<u8>,
    pub(crate) duration_ms: u64,
    /// 20 ms frames in the prompt.
    pub(crate) frames: usize,
}

impl TestPrompt {
    fn from_wav(filename: &str, audio: Vec<u8>) -> TestPrompt {
        let decoded = Prompt::decode(audio.clone(), Some("wav")).expect("test prompt decodes");
        TestPrompt {
            filename: filename.to_owned(),
            duration_ms: decoded.duration_ms(),
            frames: decoded.frames(G711::Pcmu).len(),
            audio,
        }
    }

    /// The bundled `sounds/welcome.wav` (about 4.1 s).
    pub(crate) fn welcome() -> TestPrompt {
        let audio = fs::read(repo_root().join("sounds/welcome.wav")).expect("reading sounds/welcome.wav");
        TestPrompt::from_wav("welcome.wav", audio)
    }

    /// A 440 Hz tone of `millis` ms: 8 kHz, 16-bit mono PCM WAV.
    pub(crate) fn tone(millis: u32) -> TestPrompt {
        let samples: Vec<i16> = (0..millis * 8)
            .map(|index| {
                let phase = f64::from(index) * 440.0 * std::f64::consts::TAU / 8000.0;
                (phase.sin() * 8000.0) as i16
            })
            .collect();
        let data_len = (samples.len() * 2) as u32;
        let mut wav = Vec::with_capacity(44 + data_len as usize);
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data_len).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&1u16.to_le_bytes()); // mono
        wav.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
        wav.extend_from_slice(&16000u32.to_le_bytes()); // byte rate
        wav.extend_from_slice(&2u16.to_le_bytes()); // block align
        wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        for sample in samples {
            wav.extend_from_slice(&sample.to_le_bytes());
        }
        TestPrompt::from_wav(&format!("tone-{millis}ms.wav"), wav)
    }
}

// ---------------------------------------------------------------- fixtures

/// What a test campaign dials and how.
pub(crate) struct CampaignSpec<'a> {
    pub(crate) carrier: SocketAddr,
    pub(crate) contacts: usize,
    pub(crate) prompt: &'a TestPrompt,
    pub(crate) ring_timeout_secs: i32,
    pub(crate) cps: f64,
    pub(crate) max_lines: i32,
    /// Digest credentials of the trunk: (username, password).
    pub(crate) auth: Option<(&'a str, &'a str)>,
    pub(crate) max_attempts: i32,
    pub(crate) retry_rules: serde_json::Value,
}

impl<'a> CampaignSpec<'a> {
    pub(crate) fn new(carrier: SocketAddr, contacts: usize, prompt: &'a TestPrompt) -> CampaignSpec<'a> {
        CampaignSpec {
            carrier,
            contacts,
            prompt,
            ring_timeout_secs: 30,
            cps: 50.0,
            max_lines: 500,
            auth: None,
            max_attempts: 1,
            retry_rules: serde_json::json!({}),
        }
    }
}

pub(crate) struct TestCampaign {
    pub(crate) id: i64,
}

/// The test's numbers: `+1202555` and four digits.
pub(crate) fn test_phone(index: usize) -> E164 {
    E164::parse(&format!("+1202555{index:04}")).expect("valid test number")
}

/// Creates a trunk to the carrier, the prompt, a campaign (one attempt
/// unless the spec says otherwise) and its contacts, and sets the campaign
/// running.
pub(crate) async fn running_campaign(store: &Store, spec: &CampaignSpec<'_>) -> TestCampaign {
    // Names are unique in the schema; a test may create several campaigns.
    static CREATED: AtomicU32 = AtomicU32::new(0);
    let serial = CREATED.fetch_add(1, Ordering::Relaxed);
    let mut trunk =
        NewTrunk::udp(&format!("test carrier {serial}"), &spec.carrier.ip().to_string(), spec.carrier.port());
    trunk.cps_limit = spec.cps;
    trunk.max_lines = spec.max_lines;
    if let Some((username, password)) = spec.auth {
        trunk.auth_username = Some(username.to_owned());
        trunk.auth_password = Some(password.to_owned());
    }
    let trunk = store.create_trunk(&trunk).await.expect("creating the trunk");
    let prompt_id = store
        .create_prompt(&NewPrompt {
            name: format!("test prompt {serial} {}", spec.prompt.filename),
            filename: spec.prompt.filename.clone(),
            content_type: "audio/wav".into(),
            audio: spec.prompt.audio.clone(),
            duration_ms: spec.prompt.duration_ms as i32,
            sha256: sha2::Sha256::digest(&spec.prompt.audio).to_vec(),
        })
        .await
        .expect("creating the prompt");
    let campaign = store
        .create_campaign(&NewCampaign {
            name: "integration test".into(),
            prompt_id: Some(prompt_id),
            trunk_id: Some(trunk.id),
            caller_id: Some("+12025550100".into()),
            max_attempts: spec.max_attempts,
            ring_timeout_secs: spec.ring_timeout_secs,
            retry_rules: spec.retry_rules.clone(),
        })
        .await
        .expect("creating the campaign");
    let contacts: Vec<NewContact> = (0..spec.contacts)
        .map(|index| NewContact {
            phone: test_phone(index),
            tags: serde_json::json!({ "index": index }),
            timezone: None,
            import_line: None,
            next_eligible_at: None,
        })
        .collect();
    let inserted = store.insert_contacts(campaign.id, &contacts).await.expect("inserting contacts");
    assert_eq!(inserted, spec.contacts as u64);
    store.set_campaign_status(campaign.id, CampaignStatus::Running, "test").await.expect("starting the campaign");
    TestCampaign { id: campaign.id }
}

/// A Talker configuration for in-process tests: SIP on a free port, RTP
/// below the ephemeral range (where SIPp's and the sink's ports come from).
pub(crate) fn test_talker_config() -> TalkerConfig {
    TalkerConfig {
        sip_listen: SocketAddr::new(LOCALHOST, 0),
        media_ip: LOCALHOST,
        rtp_port_min: 20000,
        rtp_port_max: 29999,
        media_shards: 1,
        max_calls: 20,
        claim_interval_ms: 100,
        lease_secs: 30,
        ring_timeout_secs: 30,
        max_call_secs: 60,
        drain_grace_secs: 5,
        journal_dir: scratch_journal_dir(),
        ..TalkerConfig::default()
    }
}

/// A journal directory of its own for an in-process Talker (never another
/// test's records).
pub(crate) fn scratch_journal_dir() -> String {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "herald-test-journal-{}-{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    dir.to_string_lossy().into_owned()
}

/// Starts Talkers in this process, named `{prefix}-0`, `{prefix}-1`, …,
/// each with its own Redis connection when `redis` is given; they run until
/// `shutdown`.
pub(crate) async fn spawn_talkers(
    store: &Store,
    prefix: &str,
    count: usize,
    redis: Option<&herald_config::RedisConfig>,
    shutdown: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<herald_talker::Result<()>>> {
    let mut talkers = Vec::new();
    for node in 0..count {
        let coord = redis.map(|redis| herald_coord::Coord::new(redis).expect("connecting to Redis"));
        let talker = Talker::build(
            format!("{prefix}-{node}"),
            test_talker_config(),
            store.clone(),
            coord,
            TalkerMetrics::default(),
        )
        .await
        .expect("building a talker");
        talkers.push(tokio::spawn(talker.run(shutdown.clone())));
    }
    talkers
}

/// Runs a Talker in this process until every contact of the campaign is
/// finished (nothing queued or leased), then drains it. Panics after
/// `timeout`.
pub(crate) async fn run_talker_until_done(store: &Store, campaign_id: i64, timeout: Duration) -> CampaignSummary {
    let shutdown = CancellationToken::new();
    let talker =
        Talker::build("test-talker".to_owned(), test_talker_config(), store.clone(), None, TalkerMetrics::default())
            .await
            .expect("building the talker");
    let running = tokio::spawn(talker.run(shutdown.clone()));
    let summary = wait_until_done(store, campaign_id, timeout).await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(15), running)
        .await
        .expect("the talker drains within 15 s")
        .expect("the talker task does not panic")
        .expect("the talker stops cleanly");
    summary
}

/// Polls the campaign until nothing is queued or leased.
pub(crate) async fn wait_until_done(store: &Store, campaign_id: i64, timeout: Duration) -> CampaignSummary {
    let deadline = Instant::now() + timeout;
    loop {
        let summary = store.campaign_summary(campaign_id).await.expect("reading the summary");
        if summary.contacts > 0 && summary.queued == 0 && summary.leased == 0 {
            return summary;
        }
        assert!(Instant::now() < deadline, "campaign not done after {timeout:?}: {summary:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One attempt (CDR) as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AttemptRow {
    pub(crate) id: i64,
    pub(crate) contact_id: i64,
    pub(crate) attempt_no: i32,
    pub(crate) node_id: String,
    pub(crate) phone: String,
    pub(crate) outcome: Option<String>,
    pub(crate) sip_code: Option<i32>,
    pub(crate) sip_reason: Option<String>,
    pub(crate) q850_cause: Option<i32>,
    pub(crate) sip_call_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) invite_at: Option<DateTime<Utc>>,
    pub(crate) ringing_at: Option<DateTime<Utc>>,
    pub(crate) answered_at: Option<DateTime<Utc>>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
    pub(crate) talk_ms: Option<i32>,
    pub(crate) rtp_packets_sent: Option<i32>,
}

pub(crate) async fn attempts(pool: &PgPool, campaign_id: i64) -> Vec<AttemptRow> {
    sqlx::query_as::<_, AttemptRow>(
        "SELECT id, contact_id, attempt_no, node_id, phone, outcome, sip_code, sip_reason, q850_cause, \
                sip_call_id, created_at, invite_at, ringing_at, answered_at, ended_at, talk_ms, rtp_packets_sent \
         FROM attempts WHERE campaign_id = $1 ORDER BY contact_id, created_at, id",
    )
    .bind(campaign_id)
    .fetch_all(pool)
    .await
    .expect("reading attempts")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub(crate) id: i64,
    pub(crate) phone: String,
    pub(crate) state: String,
    pub(crate) last_outcome: Option<String>,
    pub(crate) attempts_made: i32,
    pub(crate) lost_attempts: i32,
    pub(crate) lease_owner: Option<String>,
}

pub(crate) async fn contacts(pool: &PgPool, campaign_id: i64) -> Vec<ContactRow> {
    sqlx::query_as::<_, ContactRow>(
        "SELECT id, phone, state, last_outcome, attempts_made, lost_attempts, lease_owner \
         FROM contacts WHERE campaign_id = $1 ORDER BY id",
    )
    .bind(campaign_id)
    .fetch_all(pool)
    .await
    .expect("reading contacts")
}

/// Every contact is `done`, and its attempts are exactly the ones it counted
/// (`attempts_made`, the lost ones, `lost_attempts`, among them), each with one terminal outcome and
/// an end, the last one matching the contact's `last_outcome`.
pub(crate) async fn assert_every_contact_done_once(pool: &PgPool, campaign_id: i64) -> Vec<AttemptRow> {
    let contacts = contacts(pool, campaign_id).await;
    let attempts = attempts(pool, campaign_id).await;
    assert!(!contacts.is_empty(), "the campaign has no contacts");
    for contact in &contacts {
        assert_eq!(contact.state, "done", "contact not finished: {contact:?}");
        assert_eq!(contact.lease_owner, None, "a finished contact keeps no lease: {contact:?}");
        let own: Vec<&AttemptRow> = attempts.iter().filter(|attempt| attempt.contact_id == contact.id).collect();
        assert_eq!(
            own.len() as i32,
            contact.attempts_made,
            "attempt rows and counters disagree for {contact:?}: {own:#?}"
        );
        let lost = own.iter().filter(|attempt| attempt.outcome.as_deref() == Some("lost_with_node")).count();
        assert_eq!(lost as i32, contact.lost_attempts, "lost attempts miscounted for {contact:?}");
        for attempt in &own {
            assert!(attempt.outcome.is_some(), "attempt without a terminal outcome: {attempt:?}");
            assert!(attempt.ended_at.is_some(), "attempt without an end: {attempt:?}");
            assert_eq!(attempt.phone, contact.phone);
        }
        assert_eq!(
            own.last().and_then(|attempt| attempt.outcome.clone()),
            contact.last_outcome,
            "the contact's last outcome is its last attempt's: {contact:?}"
        );
    }
    attempts
}

/// The environment of a `herald` process in a test: the test's database
/// (and Redis keys of its own: trunk and attempt ids repeat across test
/// databases), ports the kernel picks, short leases and ticks.
pub(crate) fn herald_environment(
    database_url: &str,
    node_id: &str,
    max_calls: i64,
    lease_secs: u64,
) -> Vec<(&'static str, String)> {
    let database = database_url.split('?').next().unwrap_or(database_url).rsplit('/').next().unwrap_or("db");
    vec![
        ("HERALD__REDIS__KEY_PREFIX", format!("herald-test-{database}")),
        ("HERALD__DATABASE__URL", database_url.to_owned()),
        ("HERALD__DATABASE__MAX_CONNECTIONS", "4".to_owned()),
        ("HERALD__NODE__ID", node_id.to_owned()),
        ("HERALD__NODE__OPS_LISTEN", "127.0.0.1:0".to_owned()),
        ("HERALD__TALKER__SIP_LISTEN", "127.0.0.1:0".to_owned()),
        ("HERALD__TALKER__RTP_PORT_MIN", "20000".to_owned()),
        ("HERALD__TALKER__RTP_PORT_MAX", "29999".to_owned()),
        ("HERALD__TALKER__MAX_CALLS", max_calls.to_string()),
        ("HERALD__TALKER__LEASE_SECS", lease_secs.to_string()),
        ("HERALD__TALKER__CLAIM_INTERVAL_MS", "100".to_owned()),
        ("HERALD__TALKER__DRAIN_GRACE_SECS", "5".to_owned()),
        ("HERALD__SCHEDULER__TICK_MS", "200".to_owned()),
        ("HERALD__SCHEDULER__REAP_GRACE_SECS", lease_secs.div_ceil(3).to_string()),
        ("HERALD__LOG__LEVEL", "info".to_owned()),
    ]
}

/// The database URL of the pool's (per-test) database, for `herald`
/// processes: `DATABASE_URL` with its database name replaced.
pub(crate) async fn database_url(pool: &PgPool) -> String {
    let (name,): (String,) =
        sqlx::query_as("SELECT current_database()").fetch_one(pool).await.expect("reading the database name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for sqlx::test");
    let (server, query) = match base.split_once('?') {
        Some((server, query)) => (server, Some(query)),
        None => (base.as_str(), None),
    };
    let (server, _database) = server.rsplit_once('/').expect("DATABASE_URL has a database name");
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

// ---------------------------------------------------------------- processes

/// Runs `herald <arguments>` (e.g. `call --trunk …`) to completion in
/// `directory`, off the async runtime, and parses its stdout as JSON.
/// Panics with its stderr if it fails.
pub(crate) async fn herald_json(arguments: Vec<String>, directory: &Path) -> serde_json::Value {
    let directory = directory.to_owned();
    tokio::task::spawn_blocking(move || {
        let output = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(&arguments)
            .current_dir(directory)
            .env_remove("HERALD_CALL_USERNAME")
            .output()
            .expect("running herald");
        assert!(output.status.success(), "herald {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", String::from_utf8_lossy(&output.stdout)))
    })
    .await
    .expect("the herald task")
}

/// A `herald` process (the binary under test), logging to a file.
pub(crate) struct HeraldProcess {
    child: Option<Child>,
    name: String,
    log_path: PathBuf,
}

impl HeraldProcess {
    /// Runs `herald <arguments>` in `directory` (so no `config/herald.toml`
    /// is picked up) with `HERALD_CONFIG` cleared and `environment` added.
    pub(crate) fn spawn(name: &str, arguments: &[&str], environment: &[(&str, String)], directory: &Path) -> Self {
        let log_path = directory.join(format!("{name}.log"));
        let log = fs::File::create(&log_path).expect("creating a process log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(arguments)
            .current_dir(directory)
            .env_remove("HERALD_CONFIG")
            // The test's own journal directory, shared by its processes (a
            // killed Talker's journal is adopted by the next).
            .env("HERALD__TALKER__JOURNAL_DIR", directory.join("journal"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cloning a file handle"))
            .stderr(log);
        for (key, value) in environment {
            command.env(key, value);
        }
        let child = command.spawn().expect("spawning herald");
        HeraldProcess { child: Some(child), name: name.to_owned(), log_path }
    }

    /// Panics (with the log) if the process has exited.
    pub(crate) fn assert_running(&mut self) {
        if let Some(child) = self.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("{} exited with {status}:\n{}", self.name, self.log());
        }
    }

    /// `kill -9`: the process gets no chance to hang up or record anything.
    pub(crate) fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaping the killed process");
        }
    }

    /// SIGTERM, then waits for the drain; SIGKILL after `timeout` (`None`).
    pub(crate) fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        send_sigterm(&child);
        wait_or_kill(&mut child, timeout)
    }

    pub(crate) fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for HeraldProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
