//! The `herald` binary's front door: invalid configuration stops it with
//! exit code 64, naming the key, before it binds any port; `--help` works.

mod support;

use std::net::TcpListener;
use std::process::{Command, Output};

use support::{LOCALHOST, ScratchDir, free_tcp_port};

/// `herald <arguments>` run in an empty directory (no `config/herald.toml`)
/// with `environment` added.
fn herald(arguments: &[&str], environment: &[(&str, &str)], scratch: &ScratchDir) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.args(arguments).current_dir(scratch.path()).env_remove("HERALD_CONFIG");
    for (key, value) in environment {
        command.env(key, value);
    }
    command.output().expect("running herald")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_invalid_value_exits_64_naming_the_key_before_binding_a_port() {
    let scratch = ScratchDir::new("config-value");
    let port = free_tcp_port();
    let listen = format!("127.0.0.1:{port}");
    for service in ["ui", "talker", "all"] {
        let output = herald(
            &[service],
            &[
                ("HERALD__TALKER__MAX_CALLS", "0"),
                ("HERALD__UI__LISTEN", &listen),
                ("HERALD__NODE__OPS_LISTEN", &listen),
            ],
            &scratch,
        );
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "herald {service}: {stderr}");
        assert!(stderr.contains("talker.max_calls"), "herald {service} names the key: {stderr}");
        assert!(!stderr.contains("listening"), "herald {service} started serving: {stderr}");
    }
    // Nothing holds the port now.
    TcpListener::bind((LOCALHOST, port)).expect("the UI port was left free");
}

#[test]
fn validation_comes_before_binding_even_when_the_port_is_taken() {
    // Were the UI port bound before the configuration is checked, this
    // would fail with "binding HTTP" (exit 1) instead of the config error.
    let scratch = ScratchDir::new("config-order");
    let occupied = TcpListener::bind((LOCALHOST, 0)).expect("binding a port");
    let listen = occupied.local_addr().unwrap().to_string();
    let output = herald(&["ui"], &[("HERALD__TALKER__MAX_CALLS", "0"), ("HERALD__UI__LISTEN", &listen)], &scratch);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("talker.max_calls"), "{stderr}");
    assert!(!stderr.contains("binding HTTP"), "{stderr}");
}

#[test]
fn an_unknown_key_in_the_config_file_exits_64_naming_it() {
    let scratch = ScratchDir::new("config-file");
    let port = free_tcp_port();
    let file = scratch.path().join("herald.toml");
    std::fs::write(&file, format!("[ui]\nlisten = \"127.0.0.1:{port}\"\n\n[talker]\nmax_cals = 5\n")).unwrap();
    let path = file.to_str().unwrap();
    for arguments in [vec!["--config", path, "ui"], vec!["ui", "--config", path]] {
        let output = herald(&arguments, &[], &scratch);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "herald {arguments:?}: {stderr}");
        assert!(stderr.contains("talker.max_cals"), "names the unknown key: {stderr}");
        assert!(stderr.contains("invalid configuration"), "{stderr}");
    }
    TcpListener::bind((LOCALHOST, port)).expect("the UI port was left free");

    // The same file through HERALD_CONFIG.
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("ui")
        .current_dir(scratch.path())
        .env("HERALD_CONFIG", path)
        .output()
        .expect("running herald");
    assert_eq!(output.status.code(), Some(64), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("talker.max_cals"));
}

#[test]
fn a_missing_or_malformed_config_file_exits_64() {
    let scratch = ScratchDir::new("config-broken");
    let missing = scratch.path().join("nowhere.toml");
    let output = herald(&["--config", missing.to_str().unwrap(), "ui"], &[], &scratch);
    assert_eq!(output.status.code(), Some(64), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("nowhere.toml"), "{}", text(&output.stderr));

    let broken = scratch.path().join("broken.toml");
    std::fs::write(&broken, "[talker\nmax_calls = 5\n").unwrap();
    let output = herald(&["--config", broken.to_str().unwrap(), "ui"], &[], &scratch);
    assert_eq!(output.status.code(), Some(64), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("not valid TOML"), "{}", text(&output.stderr));
}

#[test]
fn help_lists_the_services_tools_and_flags() {
    let scratch = ScratchDir::new("help");
    let output = herald(&["--help"], &[], &scratch);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let help = text(&output.stdout);
    for word in [
        "--config",
        "--help",
        "--version",
        "all",
        "talker",
        "scheduler",
        "ui",
        "recipient",
        "migrate",
        "import",
        "demo",
    ] {
        assert!(help.contains(word), "`herald --help` mentions {word}:\n{help}");
    }

    let output = herald(&["demo", "--help"], &[], &scratch);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let help = text(&output.stdout);
    for flag in ["--contacts", "--carrier", "--cps", "--ring-timeout", "--timeout", "--json", "--config"] {
        assert!(help.contains(flag), "`herald demo --help` mentions {flag}:\n{help}");
    }

    let output = herald(&["import", "--help"], &[], &scratch);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("--campaign"));

    let output = herald(&["--version"], &[], &scratch);
    assert!(output.status.success());
    assert!(text(&output.stdout).starts_with("herald "), "{}", text(&output.stdout));
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let scratch = ScratchDir::new("usage");
    let output = herald(&["dial-everyone"], &[], &scratch);
    assert!(!output.status.success());
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    assert!(text(&output.stderr).contains("dial-everyone"));
}
