//! `/api/v1/users`: admins list, create and change users.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use herald_store::{CreateUser, NewUser, Role, UpdateUser, User, UserChanges};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{AppError, FieldErrors, Result};
use crate::input::{JsonBody, parse_id, reject_unknown_fields};
use crate::passwords::{check_new_password, normalize_email};
use crate::{AppState, Items};

const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// `GET /api/v1/users` (admin).
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Items<User>>> {
    Ok(Json(Items { items: state.store()?.users().await? }))
}

/// `GET /api/v1/users/{id}` (admin).
pub(crate) async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<User>> {
    let id = parse_id(&id, "user")?;
    Ok(Json(state.store()?.user(id).await?))
}

/// A new user.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreateUserRequest {
    #[schemars(with = "String", email)]
    email: Option<String>,
    #[schemars(with = "String", length(min = 12))]
    password: Option<String>,
    #[schemars(with = "Role")]
    role: Option<String>,
    #[schemars(length(max = 200))]
    display_name: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `POST /api/v1/users` (admin) `{email, password, role, display_name?}`.
pub(crate) async fn create(
    principal: Principal,
    State(state): State<AppState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<User>)> {
    let request: CreateUserRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let email = match normalize_email(request.email.as_deref().unwrap_or_default()) {
        Ok(email) => email,
        Err(message) => {
            fields.add("email", message);
            String::new()
        }
    };
    let password = request.password.unwrap_or_default();
    if let Err(message) = check_new_password(&password) {
        fields.add("password", message);
    }
    let role = role_field(request.role.as_deref(), true, &mut fields);
    let display_name = display_name_field(request.display_name.as_deref(), &mut fields);
    let Some(role) = role else {
        // role_field said why.
        return Err(fields.into_error());
    };
    fields.check()?;

    let password_hash = state.auth.hash_password(password).await?;
    let new = NewUser { email, display_name: display_name.unwrap_or_default(), role, password_hash };
    match state.store()?.create_user(&new, &principal.actor()).await? {
        CreateUser::Created(user) => Ok((StatusCode::CREATED, Json(user))),
        CreateUser::EmailTaken => Err(AppError::Conflict("a user with this email address already exists")),
    }
}

/// Changes to a user: any of these fields.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct UpdateUserRequest {
    #[schemars(with = "Option<Role>")]
    role: Option<String>,
    disabled: Option<bool>,
    #[schemars(length(min = 12))]
    password: Option<String>,
    #[schemars(length(max = 200))]
    display_name: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `PATCH /api/v1/users/{id}` (admin) `{role?, disabled?, password?,
/// display_name?}`. A new password or disabling ends the user's sessions
/// (but not the session making the change).
pub(crate) async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<User>> {
    let id = parse_id(&id, "user")?;
    let request: UpdateUserRequest = body.parse()?;
    let mut fields = FieldErrors::default();
    reject_unknown_fields(&request.unknown, &mut fields);
    let role = role_field(request.role.as_deref(), false, &mut fields);
    let display_name = display_name_field(request.display_name.as_deref(), &mut fields);
    if let Some(password) = &request.password
        && let Err(message) = check_new_password(password)
    {
        fields.add("password", message);
    }
    fields.check()?;
    if role.is_none() && display_name.is_none() && request.disabled.is_none() && request.password.is_none() {
        return Err(AppError::invalid("nothing to change: send role, disabled, password or display_name"));
    }

    let store = state.store()?;
    // 404 before spending a password hash on a user who is not there.
    store.user(id).await?;
    let password_hash = match request.password {
        Some(password) => Some(state.auth.hash_password(password).await?),
        None => None,
    };
    let changes = UserChanges { display_name, role, disabled: request.disabled, password_hash };
    let keep_session = principal.session_hash().filter(|_| principal.user_id == id);
    match store.update_user(id, &changes, &principal.actor(), keep_session).await? {
        UpdateUser::Updated(user) => Ok(Json(user)),
        UpdateUser::LastAdmin => Err(AppError::Conflict("at least one enabled admin must remain")),
    }
}

fn role_field(raw: Option<&str>, required: bool, fields: &mut FieldErrors) -> Option<Role> {
    match raw {
        None if required => {
            fields.add("role", "is required");
            None
        }
        None => None,
        Some(name) => {
            let role = Role::parse(name);
            if role.is_none() {
                fields.add("role", "must be one of admin, manager, viewer");
            }
            role
        }
    }
}

fn display_name_field(raw: Option<&str>, fields: &mut FieldErrors) -> Option<String> {
    let name = raw?.trim();
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        fields.add("display_name", "must be at most 200 characters");
        return None;
    }
    Some(name.to_owned())
}
