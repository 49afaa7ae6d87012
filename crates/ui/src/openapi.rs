//! The OpenAPI 3.1 document of the route table (`GET /api/openapi.json`,
//! `herald openapi`). Reply and request schemas are derived (schemars) from
//! the Rust types the handlers return and read; bodies that handlers apply
//! field by field (`patch`) are described by a request type all the same,
//! and `PATCH` bodies by [`crate::patch::Changes`] of one.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::routes::{Reply, Request, operations};

/// The OpenAPI 3.1 document of [`operations`].
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas/".into();
    let mut generator = settings.into_generator();
    let mut paths: Map<String, Value> = Map::new();
    for operation in operations() {
        let doc = operation.doc;
        let mut parameters: Vec<Value> = operation
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        parameters.extend(doc.query.iter().map(|(name, description)| {
            json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } })
        }));
        let mut responses = Map::new();
        match doc.reply {
            Reply::Json(status, schema) => {
                let schema = schema(&mut generator);
                responses.insert(
                    status.to_string(),
                    json!({ "description": "success", "content": { "application/json": { "schema": schema } } }),
                );
            }
            Reply::Empty(status) => {
                responses.insert(status.to_string(), json!({ "description": "done" }));
            }
            Reply::Raw(media_type) => {
                responses.insert("200".into(), json!({ "description": "success", "content": { media_type: {} } }));
            }
        }
        let error =
            json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
        let mut error_with = |status: &str, description: &str| {
            let mut response = error.clone();
            response["description"] = json!(description);
            responses.insert(status.into(), response);
        };
        error_with("400", "invalid input: error.fields says what is wrong with each field");
        if doc.role.is_some() {
            error_with("401", "no or invalid credentials");
            error_with("403", "the role may not do this, or the CSRF token is missing");
        }
        if operation.path.contains('{') {
            error_with("404", "no such resource");
        }
        if matches!(operation.method, "post" | "patch" | "delete" | "put") {
            error_with("409", "conflicts with what is stored");
        }
        let mut entry = json!({
            "summary": doc.summary,
            "operationId": operation_id(operation.method, operation.path),
            "tags": [operation.path.split('/').nth(1).unwrap_or("api")],
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(role) = doc.role {
            entry["description"] = json!(format!("Needs the {} role or above.", role.as_str()));
        } else {
            entry["security"] = json!([]);
        }
        match doc.request {
            Request::None => {}
            Request::Json(schema) => {
                let schema = schema(&mut generator);
                entry["requestBody"] =
                    json!({ "required": true, "content": { "application/json": { "schema": schema } } });
            }
            Request::Raw(types) => {
                let content: Map<String, Value> = types
                    .iter()
                    .map(|media_type| {
                        ((*media_type).to_owned(), json!({ "schema": { "type": "string", "format": "binary" } }))
                    })
                    .collect();
                entry["requestBody"] = json!({ "required": true, "content": content });
            }
        }
        let path = paths.entry(format!("/api/v1{}", operation.path)).or_insert_with(|| json!({}));
        path[operation.method] = entry;
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": { "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "description": "stable: unauthenticated, invalid_credentials, forbidden, csrf, not_found, conflict, validation, method_not_allowed, unsupported_media_type, payload_too_large, rate_limited, internal" },
                    "message": { "type": "string" },
                    "fields": { "type": "object", "additionalProperties": { "type": "string" } },
                },
            } },
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Herald",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Mass outbound voice-notification campaigns. People sign in with POST /api/v1/auth/login (a session cookie; send the returned csrf_token as X-CSRF-Token on every change); machines send Authorization: Bearer <API token>.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "herald_session" },
                "token": { "type": "http", "scheme": "bearer" },
            },
        },
        "security": [{ "session": [] }, { "token": [] }],
    })
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        let word = segment.trim_start_matches('{').trim_end_matches('}').replace(['.', '-'], "_");
        id.push('_');
        id.push_str(&word);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_described_once_with_resolvable_references() {
        let document = document();
        let text = document.to_string();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling reference to {name}");
        }
        let mut count = 0;
        let mut ids = std::collections::HashSet::new();
        for (_, item) in document["paths"].as_object().unwrap() {
            for (_, operation) in item.as_object().unwrap() {
                count += 1;
                assert!(ids.insert(operation["operationId"].as_str().unwrap().to_owned()));
            }
        }
        assert_eq!(count, operations().len());
        assert!(schemas.contains_key("Campaign"), "{:?}", schemas.keys().collect::<Vec<_>>());
    }
}
