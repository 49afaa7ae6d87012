//! `herald`: one binary for every Herald service and tool. See `herald --help`.

mod call;
mod cli;
mod demo;
mod import;
mod services;
mod telemetry;
mod user;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Configuration is loaded and validated before anything binds a port;
    // an invalid value exits with 64 naming the key.
    let config = match herald_config::load(cli.config_path().as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("herald: invalid configuration: {error}");
            return ExitCode::from(herald_config::EXIT_INVALID_CONFIG as u8);
        }
    };
    // Held to the end: the log lines still queued are written out.
    let _logs = telemetry::init(&config.log, cli.command.is_tool());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("herald: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli, config)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("herald: {error:#}");
            ExitCode::FAILURE
        }
    }
}
