//! `ui/openapi.json` is the document this crate serves (`GET
//! /api/openapi.json`, `herald openapi`): the web UI's types are generated
//! from it (`ui/src/api.gen.ts`), so it must not lag behind the code. When
//! this fails, write it again and regenerate the types:
//!
//! ```sh
//! herald openapi > ui/openapi.json && (cd ui && npm run generate)
//! # or, without building herald:
//! HERALD_WRITE_OPENAPI=1 cargo test -p herald-ui --test openapi_file && (cd ui && npm run generate)
//! ```

use std::path::Path;

use serde_json::Value;

#[test]
fn ui_openapi_json_is_the_document_the_code_describes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/openapi.json");
    let current = herald_ui::openapi_document();
    if std::env::var_os("HERALD_WRITE_OPENAPI").is_some() {
        // As `herald openapi` prints it.
        std::fs::write(&path, format!("{current:#}\n"))
            .unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let committed: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
    if let Some(difference) = first_difference(&committed, &current, String::new()) {
        panic!(
            "ui/openapi.json is not the document the code describes (first difference at {difference}); \
             write it again (see this test's file) and run `npm run generate` in ui/"
        );
    }
}

/// The JSON pointer of the first place where `a` and `b` differ ("" for the root).
fn first_difference(a: &Value, b: &Value, pointer: String) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(a), Some(b)) => {
                        if let Some(found) = first_difference(a, b, here) {
                            return Some(found);
                        }
                    }
                    _ => return Some(here),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(index, (a, b))| first_difference(a, b, format!("{pointer}/{index}")))
        }
        _ if a == b => None,
        _ => Some(if pointer.is_empty() { "the root".into() } else { pointer }),
    }
}
