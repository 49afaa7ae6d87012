//! Loopback UDP tools for load-testing Herald's media path. Two binaries
//! share this library:
//!
//! - `udp-bench` ([`udp_bench`]): the raw batched-UDP baseline — both ends of
//!   N G.711 streams in one process, CPU per stream in three socket designs.
//! - `rtp-peer` ([`rtp_peer`]): a batched RTP far end for a real Talker — it
//!   receives the Talker's RTP on one 127.x address per call, measures loss
//!   and arrival lateness from kernel timestamps, and sends 20 ms of PCMU
//!   back per call per tick from that same address.
//!
//! Neither ever leaves loopback, and neither touches anything of Herald's but
//! the packets it is sent.

mod bench;
mod lateness;
mod mmsg;
mod per_socket;
mod report;
mod rtp;
pub mod rtp_peer;
// The workspace forbids unsafe code; this crate denies it everywhere except
// here, because measuring the batched design needs sendmmsg/recvmmsg (and
// rtp-peer their control messages: IP_PKTINFO, SO_TIMESTAMPNS), and the CPU
// figures need getrusage and per-thread CPU clocks, none of which std
// exposes (nor does the raising of RLIMIT_NOFILE, SO_RCVBUFFORCE,
// SO_BINDTODEVICE or a signal handler). Each unsafe block in `sys` is one FFI
// call or one read of kernel-written memory, with a SAFETY comment.
#[allow(unsafe_code)]
mod sys;
mod tokio_task;
pub mod udp_bench;
