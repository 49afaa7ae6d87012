//! `udp-bench`: see [`herald_udp_bench::udp_bench`].

use std::process::ExitCode;

fn main() -> ExitCode {
    herald_udp_bench::udp_bench::main()
}
