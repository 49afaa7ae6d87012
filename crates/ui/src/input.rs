//! Request input read late: the route table's role layer checks who is
//! asking before a handler runs, and handlers parse what was sent only
//! then, so a caller without the right role learns nothing about what
//! input would have been valid (401 and 403 come before 400).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors, Result};

/// A request body, not yet parsed.
#[derive(Debug)]
pub(crate) struct JsonBody {
    is_json: bool,
    bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json")
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::invalid("request body could not be read")
            }
        })?;
        Ok(JsonBody { is_json, bytes })
    }
}

impl JsonBody {
    /// Parses the body as `T`. A value of the wrong type is reported under
    /// its field's path; `T` checks what else it needs itself (missing
    /// fields, unknown fields, ranges) so that each gets a plain message.
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        if !self.is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(value),
            Err(error) => {
                let path = error.path().to_string();
                let inner = error.into_inner();
                if inner.is_syntax() || inner.is_eof() || path == "." {
                    return Err(AppError::invalid(format!("request body is not the expected JSON object: {inner}")));
                }
                // serde_json appends "at line L column C": the field says where.
                let message = inner.to_string();
                let message = message.split_once(" at line ").map_or(message.as_str(), |(head, _)| head);
                let mut fields = FieldErrors::default();
                fields.add(&path, message);
                Err(fields.into_error())
            }
        }
    }
}

/// Reports every key of `unknown` (a body's `#[serde(flatten)]` leftovers).
pub(crate) fn reject_unknown_fields(
    unknown: &std::collections::BTreeMap<String, serde_json::Value>,
    fields: &mut FieldErrors,
) {
    for name in unknown.keys() {
        fields.add(name, "is not a known field");
    }
}

/// A numeric id from the path; anything else names no resource.
pub(crate) fn parse_id(raw: &str, entity: &'static str) -> Result<i64> {
    raw.parse::<i64>().map_err(|_| AppError::NotFound(entity))
}

/// A resource's name: required, trimmed, at most 200 characters.
pub(crate) fn required_name(raw: Option<&str>, fields: &mut FieldErrors) -> String {
    let name = raw.map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        fields.add("name", "is required (at most 200 characters)");
    }
    name
}

/// `+` and 1 to 15 digits: an E.164 number, or the beginning of one.
pub(crate) fn is_e164_prefix(pattern: &str) -> bool {
    pattern.len() >= 2
        && pattern.len() <= 16
        && pattern.starts_with('+')
        && pattern[1..].bytes().all(|byte| byte.is_ascii_digit())
}
