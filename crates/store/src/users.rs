//! The people (and, through their API tokens, machines) who use the UI/API.
//!
//! This module stores password hashes; it never computes or checks them (the
//! UI service does, off the async threads). A [`User`] never carries its hash:
//! only [`Store::user_credentials`] reads it, for sign-in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::{Error, Result, Store};

/// What a user may do. Ordered: every role may do what the roles below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also changes campaigns, contacts, prompts and trunks.
    Manager,
    /// Also manages users and other users' API tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// A stored role name that is not a [`Role`] (the schema's CHECK forbids it).
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(String);

impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(name: String) -> Result<Role, UnknownRole> {
        Role::parse(&name).ok_or(UnknownRole(name))
    }
}

/// A user as the API shows it: no password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns of [`User`] from `users u`, as a literal for `concat!` (sqlx
/// takes only static SQL).
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.display_name, u.role, u.disabled, u.created_at, u.updated_at"
    };
}
pub(crate) use user_columns;

/// A user and their password hash, for sign-in only.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserCredentials {
    #[sqlx(flatten)]
    pub user: User,
    /// An argon2id PHC string.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    /// Already normalised (trimmed, lowercased) by the caller.
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// An argon2id PHC string.
    pub password_hash: String,
}

/// Whether a new user was stored.
#[derive(Debug, Clone)]
pub enum CreateUser {
    Created(User),
    /// Another user already has this email address.
    EmailTaken,
}

/// What to change about a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new argon2id PHC string.
    pub password_hash: Option<String>,
}

/// Whether a change to a user was stored.
#[derive(Debug, Clone)]
pub enum UpdateUser {
    Updated(User),
    /// Refused: it would leave no enabled admin.
    LastAdmin,
}

impl Store {
    /// Stores a new user and audits it (`create` on `user`), in one transaction.
    pub async fn create_user(&self, user: &NewUser, actor: &Actor) -> Result<CreateUser> {
        let mut transaction = self.pool.begin().await?;
        // Both unique indexes (email, lower(email)) count as "taken".
        let created = sqlx::query_as::<_, User>(concat!(
            "INSERT INTO users AS u (email, display_name, password_hash, role) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING RETURNING ",
            user_columns!()
        ))
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(created) = created else {
            return Ok(CreateUser::EmailTaken);
        };
        let details = serde_json::json!({
            "email": created.email,
            "display_name": created.display_name,
            "role": created.role,
        });
        audit::record(&mut transaction, actor, "create", "user", Some(created.id), details).await?;
        transaction.commit().await?;
        Ok(CreateUser::Created(created))
    }

    pub async fn user(&self, user_id: i64) -> Result<User> {
        sqlx::query_as::<_, User>(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1"))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotFound { entity: "user", id: user_id })
    }

    /// Every user, oldest first.
    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(sqlx::query_as::<_, User>(concat!("SELECT ", user_columns!(), " FROM users u ORDER BY u.id"))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The user with this (normalised) email and their password hash,
    /// disabled or not.
    pub async fn user_credentials(&self, email: &str) -> Result<Option<UserCredentials>> {
        Ok(sqlx::query_as::<_, UserCredentials>(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash FROM users u WHERE lower(u.email) = lower($1)"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Changes a user and audits it (`update` on `user`, naming the fields that
    /// changed but never a hash), in one transaction. A new password or
    /// disabling the account ends the user's sessions, except `keep_session`
    /// (the SHA-256 of the session making the change, so that a user who
    /// changes their own password stays signed in). Role and disabled changes
    /// are serialised, so that two admins demoting each other at once cannot
    /// leave no admin.
    pub async fn update_user(
        &self,
        user_id: i64,
        changes: &UserChanges,
        actor: &Actor,
        keep_session: Option<&[u8]>,
    ) -> Result<UpdateUser> {
        let mut transaction = self.pool.begin().await?;
        if changes.role.is_some() || changes.disabled.is_some() {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('herald.users.admins'))")
                .execute(&mut *transaction)
                .await?;
        }
        let current =
            sqlx::query_as::<_, User>(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1 FOR UPDATE"))
                .bind(user_id)
                .fetch_optional(&mut *transaction)
                .await?
                .ok_or(Error::NotFound { entity: "user", id: user_id })?;

        let stays_enabled_admin =
            changes.role.unwrap_or(current.role) == Role::Admin && !changes.disabled.unwrap_or(current.disabled);
        if current.role == Role::Admin && !current.disabled && !stays_enabled_admin {
            let (other_admins,): (i64,) =
                sqlx::query_as("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1")
                    .bind(user_id)
                    .fetch_one(&mut *transaction)
                    .await?;
            if other_admins == 0 {
                return Ok(UpdateUser::LastAdmin);
            }
        }

        let updated = sqlx::query_as::<_, User>(concat!(
            "UPDATE users AS u SET display_name = coalesce($2, display_name), role = coalesce($3, role), \
                 disabled = coalesce($4, disabled), password_hash = coalesce($5, password_hash), updated_at = now() \
             WHERE u.id = $1 RETURNING ",
            user_columns!()
        ))
        .bind(user_id)
        .bind(&changes.display_name)
        .bind(changes.role.map(Role::as_str))
        .bind(changes.disabled)
        .bind(&changes.password_hash)
        .fetch_one(&mut *transaction)
        .await?;

        let mut details = serde_json::Map::new();
        if updated.display_name != current.display_name {
            details.insert("display_name".into(), updated.display_name.clone().into());
        }
        if updated.role != current.role {
            details.insert("role".into(), serde_json::json!({"from": current.role, "to": updated.role}));
        }
        if updated.disabled != current.disabled {
            details.insert("disabled".into(), updated.disabled.into());
        }
        if changes.password_hash.is_some() {
            details.insert("password_changed".into(), true.into());
        }
        if changes.password_hash.is_some() || (updated.disabled && !current.disabled) {
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
                .bind(user_id)
                .bind(keep_session)
                .execute(&mut *transaction)
                .await?;
            details.insert("sessions_ended".into(), ended.rows_affected().into());
        }
        audit::record(&mut transaction, actor, "update", "user", Some(user_id), details.into()).await?;
        transaction.commit().await?;
        Ok(UpdateUser::Updated(updated))
    }
}
