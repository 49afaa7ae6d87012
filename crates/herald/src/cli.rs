//! Command-line interface.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use herald_config::Config;

use crate::services::{self, Services};

/// Herald: mass outbound voice-notification campaigns over SIP trunks.
///
/// Runs any subset of the services (`all`, `talker`, `scheduler`, `ui`,
/// `recipient`) or a tool. Configuration comes from a TOML file (every key
/// documented in config/herald.toml) and HERALD__SECTION__KEY environment
/// variables; an invalid value exits with code 64 naming the key.
#[derive(Debug, Parser)]
#[command(name = "herald", version, propagate_version = true)]
pub(crate) struct Cli {
    /// Configuration file [default: ./config/herald.toml if it exists, else built-in defaults].
    #[arg(long, short, global = true, env = "HERALD_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Every service in one process (single-machine deployments).
    All,
    /// Places outbound calls: claims due contacts, dials, plays, records.
    Talker,
    /// Elected housekeeping: reaps expired leases, completes campaigns.
    Scheduler,
    /// REST API, web UI, /metrics and health endpoints.
    Ui,
    /// Answers inbound calls from the configured trunks.
    Recipient,
    /// Applies pending database migrations and exits.
    Migrate,
    /// Prints the REST API's OpenAPI 3.1 document (for client generators;
    /// the UI service serves the same at /api/openapi.json).
    Openapi,
    /// Imports contacts from a CSV file into a campaign.
    ///
    /// The file needs a `phone` column; every other column becomes a tag
    /// (`timezone`, if present, sets the contact's zone). Rows whose number is
    /// invalid are reported with their line number; the good rows import.
    Import {
        /// The campaign to add the contacts to.
        #[arg(long)]
        campaign: i64,
        /// The CSV file (comma-separated, header row first).
        file: PathBuf,
    },
    /// Manages the people who use the web UI and REST API.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Places one call through a trunk and prints what happened as JSON.
    ///
    /// Final SIP code and reason, outcome, Q.850 cause, timings (INVITE,
    /// 18x, answer, end), early media, DTMF received. No database needed.
    Call(crate::call::CallOptions),
    /// Runs a demo campaign against running services and a SIPp carrier.
    ///
    /// Creates a trunk to the carrier, a prompt and a campaign of N contacts
    /// whose last digits make the demo carrier (loadtest/sipp/uas_mix.xml)
    /// answer (0-5), reject busy (6-7) or leave unanswered (8-9); starts it,
    /// waits until every contact is finished, and prints a summary.
    Demo {
        /// How many contacts to call.
        #[arg(long, default_value_t = 300)]
        contacts: u32,
        /// The SIPp carrier's SIP address.
        #[arg(long, default_value = "127.0.0.1:5090")]
        carrier: String,
        /// The trunk's calls-per-second cap.
        #[arg(long, default_value_t = 50.0)]
        cps: f64,
        /// Ring timeout before CANCEL, seconds.
        #[arg(long, default_value_t = 5)]
        ring_timeout: i32,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// The prompt to play (WAV, MP3, OGG or FLAC) [default: the bundled welcome prompt].
        #[arg(long)]
        prompt: Option<PathBuf>,
        /// The trunk's concurrent-line cap.
        #[arg(long, default_value_t = 10_000)]
        max_lines: i32,
        /// What the carrier does: `mix` (loadtest/sipp/uas_mix.xml: by last
        /// digit) or `answer` (every call answered, e.g. uas_bench.xml).
        #[arg(long, default_value = "mix", value_parser = ["mix", "answer"])]
        carrier_script: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Creates a user and prints it as JSON.
    ///
    /// The password is read from HERALD_USER_PASSWORD, else from the first
    /// line of standard input (at least 12 characters).
    Add(crate::user::AddUserOptions),
}

impl Command {
    /// Tools print to stdout and log only warnings.
    pub(crate) fn is_tool(&self) -> bool {
        matches!(
            self,
            Command::Migrate
                | Command::Openapi
                | Command::Import { .. }
                | Command::Demo { .. }
                | Command::Call(_)
                | Command::User { .. }
        )
    }
}

impl Cli {
    pub(crate) fn config_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.config {
            return Some(path.clone());
        }
        let default = PathBuf::from("config/herald.toml");
        default.exists().then_some(default)
    }
}

pub(crate) async fn run(cli: Cli, config: Config) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::All => services::run(config, Services::all()).await,
        Command::Talker => services::run(config, Services::only("talker")).await,
        Command::Scheduler => services::run(config, Services::only("scheduler")).await,
        Command::Ui => services::run(config, Services::only("ui")).await,
        Command::Recipient => services::run(config, Services::only("recipient")).await,
        Command::Openapi => {
            println!("{:#}", herald_ui::openapi_document());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = herald_store::Store::connect(&config.database).await?;
            store.migrate().await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { campaign, file } => crate::import::run(&config, campaign, &file).await,
        Command::Call(options) => crate::call::run(options).await,
        Command::User { command: UserCommand::Add(options) } => crate::user::add(&config, options).await,
        Command::Demo { contacts, carrier, cps, ring_timeout, timeout, json, prompt, max_lines, carrier_script } => {
            crate::demo::run(
                &config,
                crate::demo::DemoOptions {
                    contacts,
                    carrier,
                    cps,
                    ring_timeout_secs: ring_timeout,
                    timeout_secs: timeout,
                    json,
                    prompt,
                    max_lines,
                    everyone_answers: carrier_script == "answer",
                },
            )
            .await
        }
    }
}

/// Splits `host:port` (the last colon separates the port).
pub(crate) fn host_and_port(address: &str) -> Option<(String, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    Some((host.to_owned(), port.parse().ok()?))
}
