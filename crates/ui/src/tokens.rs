//! `/api/v1/tokens`: bearer API tokens for machines. A token acts as the
//! user it belongs to. Managers make and revoke their own; admins anyone's;
//! everyone may list their own. The plaintext is shown once, on creation.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use herald_store::{ApiToken, Role};
use serde::{Deserialize, Serialize};

use crate::auth::{API_TOKEN_PREFIX, Principal, new_secret, secret_hash};
use crate::error::{AppError, FieldErrors, Result};
use crate::input::{JsonBody, parse_id, reject_unknown_fields};
use crate::{AppState, Items};

const MAX_NAME_CHARS: usize = 100;

/// `GET /api/v1/tokens[?user_id=N]`: the caller's tokens; an admin's call
/// lists everyone's, or one user's with `user_id`.
pub(crate) async fn list(
    principal: Principal,
    State(state): State<AppState>,
    uri: Uri,
) -> Result<Json<Items<ApiToken>>> {
    let query = Query::<BTreeMap<String, String>>::try_from_uri(&uri)
        .map_err(|_| AppError::invalid("the query string could not be parsed"))?;
    let mut fields = FieldErrors::default();
    let user_id = match query.get("user_id") {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                fields.add("user_id", "must be an integer");
                None
            }
        },
    };
    fields.check()?;
    let owner = if principal.role == Role::Admin {
        user_id
    } else {
        if user_id.is_some_and(|id| id != principal.user_id) {
            return Err(AppError::Forbidden);
        }
        Some(principal.user_id)
    };
    Ok(Json(Items { items: state.store()?.api_tokens(owner).await? }))
}

/// A new API token.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateTokenRequest {
    #[schemars(with = "String")]
    name: Option<String>,
    /// Whose token (admins only; default: the caller's).
    user_id: Option<i64>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct CreatedToken {
    token: ApiToken,
    /// The bearer secret. Shown once: only its hash is kept.
    secret: String,
}

/// `POST /api/v1/tokens` (manager) `{name, user_id?}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<CreatedToken>)> {
    let request: CreateTokenRequest = body.parse()?;
    let user_id = request.user_id.unwrap_or(principal.user_id);
    if user_id != principal.user_id {
        principal.require(Role::Admin)?;
    }
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let name = request.name.as_deref().unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        fields.add("name", "is required");
    } else if name.chars().count() > MAX_NAME_CHARS {
        fields.add("name", "must be at most 100 characters");
    }
    fields.check()?;

    let secret = format!("{API_TOKEN_PREFIX}{}", new_secret());
    let created = state.store()?.create_api_token(user_id, &name, &secret_hash(&secret), &principal.actor()).await;
    match created {
        Ok(token) => Ok((StatusCode::CREATED, Json(CreatedToken { token, secret }))),
        Err(herald_store::Error::NotFound { .. }) => {
            let mut fields = FieldErrors::default();
            fields.add("user_id", "no such user");
            Err(fields.into_error())
        }
        Err(error) => Err(error.into()),
    }
}

/// `DELETE /api/v1/tokens/{id}` (manager: their own; admin: any). Someone
/// else's token is reported missing to a non-admin. Revoking twice is fine.
pub(crate) async fn revoke(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = parse_id(&id, "api_token")?;
    let store = state.store()?;
    let token = store.api_token(id).await?;
    if token.user_id != principal.user_id && principal.role != Role::Admin {
        return Err(AppError::NotFound("api_token"));
    }
    store.revoke_api_token(id, &principal.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
