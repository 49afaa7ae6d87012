//! Logging setup: `tracing` with the configured filter and format.

use herald_config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. The SIP stack logs every packet at
/// `info`, so it is held to `warn` unless the filter names it. Tools log to
/// stderr at `warn` so their stdout stays clean for output (e.g. JSON).
pub(crate) fn init(config: &LogConfig, tool: bool) {
    let mut filter = if tool && config.level == "info" { "warn".to_owned() } else { config.level.clone() };
    if !filter.contains("rsipstack") {
        filter.push_str(",rsipstack=warn");
    }
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match config.format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
