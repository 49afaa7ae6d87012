use herald_config::{Config, Error, load_from_str};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

#[test]
fn shipped_file_is_the_defaults() {
    let text = include_str!("../../../config/herald.toml");
    let from_file = load_from_str(text, "config/herald.toml", env(&[])).expect("shipped config loads");
    let defaults = Config::default();
    assert_eq!(
        toml::to_string(&from_file).unwrap(),
        toml::to_string(&defaults).unwrap(),
        "config/herald.toml and the built-in defaults disagree"
    );
}

#[test]
fn environment_overrides_file() {
    let config = load_from_str(
        "[talker]\nmax_calls = 10\n",
        "test",
        env(&[
            ("HERALD__TALKER__MAX_CALLS", "42"),
            ("HERALD__DATABASE__URL", "postgres://u:p@db:5432/x"),
            ("HERALD__REDIS__SENTINELS", "10.0.0.1:26379, 10.0.0.2:26379"),
            ("UNRELATED", "1"),
        ]),
    )
    .unwrap();
    assert_eq!(config.talker.max_calls, 42);
    assert_eq!(config.database.url, "postgres://u:p@db:5432/x");
    assert_eq!(config.redis.sentinels, vec!["10.0.0.1:26379", "10.0.0.2:26379"]);
}

fn invalid_key(text: &str, environment: &[(&str, &str)]) -> String {
    match load_from_str(text, "test", env(environment)) {
        Err(Error::Invalid { key, .. }) => key,
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

#[test]
fn errors_name_the_key() {
    assert_eq!(invalid_key("[talker]\nmax_calls = -1\n", &[]), "talker.max_calls");
    assert_eq!(invalid_key("[talker]\nmax_calls = 0\n", &[]), "talker.max_calls");
    assert_eq!(invalid_key("[talker]\nmax_cals = 5\n", &[]), "talker.max_cals");
    assert_eq!(invalid_key("", &[("HERALD__UI__LISTEN", "nowhere")]), "ui.listen");
    assert_eq!(invalid_key("[talker]\nrtp_port_min = 30000\nrtp_port_max = 20000\n", &[]), "talker.rtp_port_max");
    assert_eq!(invalid_key("[database]\nurl = \"mysql://x\"\n", &[]), "database.url");
    assert_eq!(invalid_key("[redis]\nsentinels = [\"nohost\"]\n", &[]), "redis.sentinels");
    assert_eq!(invalid_key("[log]\nformat = \"xml\"\n", &[]), "log.format");
}

#[test]
fn syntax_errors_name_the_file() {
    let error = load_from_str("[talker\n", "herald.toml", env(&[])).unwrap_err();
    assert!(matches!(error, Error::Syntax { .. }), "{error}");
    assert!(error.to_string().contains("herald.toml"));
}
