//! `herald call`: one call through a trunk from the command line, printed as
//! JSON. Operators use it to test a trunk; tests use it too.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use herald_media::{MediaConfig, MediaEngine, MediaMode, MediaPriority, Prompt};
use herald_sip::{DigestCredential, SipAgent, SipConfig, SipTransport, TrunkTarget};
use herald_talker::{DialRequest, dial};
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub(crate) struct CallOptions {
    /// The trunk's SIP address, host:port.
    #[arg(long)]
    trunk: String,
    /// udp or tcp.
    #[arg(long, default_value = "udp")]
    transport: String,
    /// The number to call (E.164 or digits).
    #[arg(long)]
    to: String,
    /// The caller ID to present.
    #[arg(long, default_value = "anonymous")]
    from: String,
    /// The prompt to play (WAV, MP3, OGG or FLAC) [default: the bundled welcome prompt].
    #[arg(long)]
    prompt: Option<PathBuf>,
    /// Seconds to let it ring before CANCEL.
    #[arg(long, default_value_t = 30)]
    ring_timeout: u64,
    /// Seconds to stay on the line after the prompt (collecting DTMF).
    #[arg(long, default_value_t = 0)]
    listen: u64,
    /// Hard cap on the answered call, seconds.
    #[arg(long, default_value_t = 600)]
    max_call: u64,
    /// Local address for SIP and RTP.
    #[arg(long, default_value = "127.0.0.1")]
    local_ip: IpAddr,
    /// Run answering-machine detection on the first seconds of the answer.
    #[arg(long)]
    amd: bool,
    /// Digest username; the password comes from HERALD_CALL_PASSWORD.
    #[arg(long, env = "HERALD_CALL_USERNAME")]
    username: Option<String>,
    /// Write the far end's audio to this WAV file (G.711, 8 kHz).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Give the call an RTP port of its own instead of the shared socket
    /// (for a far end that sends media from another address than its SDP's).
    #[arg(long)]
    port_per_call: bool,
}

pub(crate) async fn run(options: CallOptions) -> anyhow::Result<ExitCode> {
    let (host, port) = crate::cli::host_and_port(&options.trunk).context("--trunk must be host:port")?;
    let transport = match options.transport.as_str() {
        "udp" => SipTransport::Udp,
        "tcp" => SipTransport::Tcp,
        other => anyhow::bail!("--transport must be udp or tcp, not {other:?}"),
    };
    let (bytes, extension) = match &options.prompt {
        Some(path) => (
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            path.extension().and_then(|extension| extension.to_str()).map(str::to_owned),
        ),
        None => (herald_talker::DEFAULT_PROMPT_WAV.to_vec(), Some("wav".to_owned())),
    };
    let prompt = tokio::task::spawn_blocking(move || Prompt::decode(bytes, extension.as_deref()))
        .await?
        .context("decoding the prompt")?;
    let credential = options.username.map(|username| DigestCredential {
        username,
        password: std::env::var("HERALD_CALL_PASSWORD").unwrap_or_default(),
    });

    let shutdown = CancellationToken::new();
    let sip = SipAgent::start(
        SipConfig {
            listen: std::net::SocketAddr::new(options.local_ip, 0),
            user_agent: format!("Herald/{}", env!("CARGO_PKG_VERSION")),
        },
        shutdown.clone(),
    )
    .await?;
    let media = MediaEngine::start(MediaConfig {
        bind_ip: options.local_ip,
        port_min: 30000,
        port_max: 39999,
        shards: 1,
        mode: if options.port_per_call { MediaMode::PortPerCall } else { MediaMode::Shared },
        max_calls: 1,
        // One call: no contention worth raising privileges over.
        priority: MediaPriority::Normal,
    })?;
    let request = DialRequest {
        script: None,
        trunk: TrunkTarget { host, port, transport, credential, from_domain: None },
        callee: options.to,
        caller: options.from,
        ring_timeout: Duration::from_secs(options.ring_timeout),
        prompt: Arc::new(prompt),
        listen_after_prompt: Duration::from_secs(options.listen),
        max_call: Duration::from_secs(options.max_call),
        amd: options.amd.then(herald_media::AmdConfig::default),
        record_to: options.record,
    };
    // Ctrl-C cancels a ringing call or hangs up an answered one.
    let abort = CancellationToken::new();
    let interrupt = abort.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupt.cancel();
        }
    });
    let report = dial(&sip, &media, options.local_ip, request, &abort).await;
    println!("{}", serde_json::to_string_pretty(&report)?);
    sip.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
