//! Herald's configuration.
//!
//! One file (`config/herald.toml`, every key commented with its default),
//! then environment overrides named `HERALD__SECTION__KEY`, then validation.
//! Loading never touches the network or binds a port: a process that gets an
//! [`Error`] exits (with code 64, `EX_USAGE`) before it does anything else,
//! and the error names the offending key.
//!
//! Secrets (the database password, trunk credentials) never belong in the
//! file: put them in the environment (`HERALD__DATABASE__URL=…`).

mod load;
mod model;

pub use load::{ENV_PREFIX, load, load_from_str};
pub use model::*;

/// What is wrong with the configuration, always naming the key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("invalid config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl Error {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { key: key.into(), message: message.into() }
    }

    /// The key at fault, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `sysexits.h`'s `EX_USAGE`: what a process returns on invalid configuration.
pub const EXIT_INVALID_CONFIG: i32 = 64;
