//! The OpenAPI document describes every route and what its handler accepts.

use super::*;

#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn the_openapi_document_describes_every_route(pool: PgPool) {
    let api = Api::new(pool);
    let reply = api.call(Method::GET, "/api/openapi.json", &Credentials::None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["openapi"], "3.1.0");
    for (method, path, _) in herald_ui::api_routes() {
        let operation = &reply.body["paths"][format!("/api/v1{path}")][method];
        assert!(operation["summary"].is_string(), "{method} {path}");
        assert!(operation["responses"].is_object(), "{method} {path}");
    }
    let campaign = &reply.body["components"]["schemas"]["Campaign"]["properties"];
    assert!(!campaign["calling_window"].is_null() && campaign["status"].is_object(), "{campaign}");
}

/// The request schemas in the document describe the bodies the handlers
/// read: each is a named schema that admits no other fields, a `PATCH`
/// requires none, and a body posted to a path without parameters that has
/// a field the schema does not list is refused naming it, and every field
/// the schema requires.
#[sqlx::test(migrator = "herald_store::MIGRATOR")]
async fn request_schemas_describe_what_handlers_accept(pool: PgPool) {
    let api = Api::new(pool);
    let admin = api.user("admin@example.org", Role::Admin).await;
    let admin = api.token(&admin).await;
    let document = api.call(Method::GET, "/api/openapi.json", &Credentials::None, None).await.body;
    let schemas = &document["components"]["schemas"];
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(body) = operation["requestBody"]["content"].get("application/json") else { continue };
            let reference = body["schema"]["$ref"].as_str().unwrap_or_else(|| panic!("{method} {path}: {body}"));
            let schema = &schemas[reference.trim_start_matches("#/components/schemas/")];
            assert_eq!(schema["additionalProperties"], false, "{method} {path}: {schema}");
            if method == "patch" {
                assert!(schema.get("required").is_none(), "{method} {path}: {schema}");
            }
            if method != "post" || path.contains('{') {
                continue;
            }
            let reply = api.call(Method::POST, path, &admin, Some(json!({"not_a_field": 1}))).await;
            reply.expect(StatusCode::BAD_REQUEST, "validation");
            let fields = reply.body["error"]["fields"].as_object().unwrap();
            assert_eq!(fields["not_a_field"], "is not a known field", "{path}: {}", reply.body);
            for required in schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap();
                assert!(fields.contains_key(required), "{path}: {required} is not reported missing: {}", reply.body);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
}
