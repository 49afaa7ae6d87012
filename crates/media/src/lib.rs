//! Herald's media plane: G.711 codecs, RTP packets, prompts decoded once into
//! shared 20 ms frames, and the sharded engine that plays them to thousands of
//! calls without a task or timer per call.
//!
//! This crate never speaks SIP and never touches a database: call control
//! hands it a remote address, a codec and a prompt, and gets a report back.

pub mod amd;
mod batch;
pub mod beep;
pub mod dtmf;
pub mod engine;
pub mod g711;
pub mod prompt;
pub mod rtcp;
pub mod rtp;
pub mod sdp;

pub use amd::{AmdConfig, AmdReason, AmdVerdict, AnsweringMachineDetector};
pub use beep::{BeepConfig, BeepDetector};
pub use dtmf::InbandDtmfDetector;
pub use engine::{
    CallMedia, MediaConfig, MediaEngine, MediaError, MediaEvent, MediaLeg, MediaMode, MediaPlan, MediaPriority,
    MediaReport, MediaStats, Recording,
};
pub use g711::G711;
pub use prompt::{Frame, Prompt, PromptCache, PromptError};
