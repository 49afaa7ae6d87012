//! `/api/v1/audit`: the audit log, newest first, for admins.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Uri;
use herald_store::{AuditEntry, AuditQuery};
use serde::Serialize;

use crate::AppState;
use crate::error::{AppError, FieldErrors, Result};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct AuditPage {
    items: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

/// `GET /api/v1/audit?before=&limit=&entity=&entity_id=&actor_user_id=` (admin).
pub(crate) async fn list(State(state): State<AppState>, uri: Uri) -> Result<Json<AuditPage>> {
    let query = Query::<BTreeMap<String, String>>::try_from_uri(&uri)
        .map_err(|_| AppError::invalid("the query string could not be parsed"))?;
    let mut fields = FieldErrors::default();
    let mut integer = |name: &str, min: i64, max: i64| -> Option<i64> {
        let raw = query.get(name)?;
        match raw.parse::<i64>() {
            Ok(value) if (min..=max).contains(&value) => Some(value),
            _ => {
                fields.add(name, format!("must be an integer from {min} to {max}"));
                None
            }
        }
    };
    let request = AuditQuery {
        before: integer("before", 1, i64::MAX),
        limit: integer("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT),
        entity_id: integer("entity_id", 1, i64::MAX),
        actor_user_id: integer("actor_user_id", 1, i64::MAX),
        entity: query.get("entity").cloned(),
    };
    fields.check()?;
    let items = state.store()?.audit_entries(&request).await?;
    let next_before = if items.len() as i64 == request.limit { items.last().map(|entry| entry.id) } else { None };
    Ok(Json(AuditPage { items, next_before }))
}
