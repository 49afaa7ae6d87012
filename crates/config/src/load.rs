use std::path::Path;

use crate::{Config, Error, Result};

/// Environment variables starting with this override file keys:
/// `HERALD__TALKER__MAX_CALLS=4000` sets `talker.max_calls`.
pub const ENV_PREFIX: &str = "HERALD__";

/// Loads the file at `path` (if given), applies the process environment's
/// overrides and validates the result.
pub fn load(path: Option<&Path>) -> Result<Config> {
    let (text, name) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| Error::Read { path: path.display().to_string(), source })?;
            (text, path.display().to_string())
        }
        None => (String::new(), "(built-in defaults)".to_owned()),
    };
    load_from_str(&text, &name, std::env::vars())
}

/// Like [`load`], with the file's text and the environment given: what tests use.
pub fn load_from_str(
    text: &str,
    name: &str,
    environment: impl IntoIterator<Item = (String, String)>,
) -> Result<Config> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|error| Error::Syntax { path: name.to_owned(), message: error.to_string() })?;
    let mut overrides: Vec<(String, String)> =
        environment.into_iter().filter(|(key, _)| key.starts_with(ENV_PREFIX)).collect();
    overrides.sort();
    for (variable, value) in overrides {
        apply_override(&mut table, &variable, &value)?;
    }
    let deserializer = toml::Value::Table(table);
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = error.path().to_string();
        Error::invalid(key, error.into_inner().to_string())
    })?;
    config.validate()?;
    Ok(config)
}

/// Sets `section.key` from `HERALD__SECTION__KEY=value`. The value is read as
/// a TOML value when it is one (`4000`, `true`, `["a", "b"]`) and as a plain
/// string otherwise (`postgres://…`), so URLs need no quoting.
fn apply_override(table: &mut toml::Table, variable: &str, value: &str) -> Result<()> {
    let path: Vec<String> = variable[ENV_PREFIX.len()..].split("__").map(str::to_ascii_lowercase).collect();
    if path.iter().any(String::is_empty) {
        return Err(Error::invalid(variable, "malformed override variable name"));
    }
    let parsed = match toml::from_str::<toml::Table>(&format!("value = {value}")) {
        Ok(mut wrapper) => wrapper.remove("value").unwrap_or_else(|| toml::Value::String(value.to_owned())),
        Err(_) => toml::Value::String(value.to_owned()),
    };
    let (last, parents) = path.split_last().expect("path has at least one segment");
    let mut current = table;
    for segment in parents {
        let entry = current.entry(segment.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => {
                return Err(Error::invalid(
                    path.join("."),
                    format!("{variable} overrides a value that is not a section"),
                ));
            }
        };
    }
    current.insert(last.clone(), parsed);
    Ok(())
}
