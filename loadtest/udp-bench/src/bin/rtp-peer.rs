//! `rtp-peer`: see [`herald_udp_bench::rtp_peer`].

use std::process::ExitCode;

fn main() -> ExitCode {
    herald_udp_bench::rtp_peer::main()
}
