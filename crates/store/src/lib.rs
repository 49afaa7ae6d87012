//! Herald's system of record: PostgreSQL through sqlx.
//!
//! Every query is parameterised and checked at run time against the schema
//! in `migrations/` (embedded here and applied by [`Store::migrate`], under
//! sqlx's advisory lock so that many nodes may start at once). The dialing
//! path — [`Store::claim_due`], [`Store::renew_leases`],
//! [`Store::finish_attempt`], [`Store::reap_expired_leases`] — touches rows
//! only through the indexes made for it.
//!
//! This crate knows nothing of SIP, Redis or HTTP.

mod audit;
mod caller_ids;
mod campaigns;
mod dispatch;
mod imports;
mod lists;
mod manage;
mod models;
mod scripts;
mod sessions;
mod setup;
mod tokens;
mod trunk_groups;
mod users;
mod webhooks;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub use audit::{Actor, AuditEntry, AuditQuery};
pub use caller_ids::{CallerId, CallerIdPool, CallerIdPoolDetail};
pub use dispatch::{AttemptRecord, ClaimedAttempt, ContactEvent, ContactNext, FinishResult};
pub use imports::{
    AnswerCount, AttemptQuery, AttemptRow, CampaignReport, Dashboard, DashboardCampaign, DashboardTrunk, Import,
    ImportMapping, ImportProgress, MinuteOutcomes,
};
pub use lists::{ListEntry, NumberList, OPT_OUT_LIST};
pub use manage::{ActionRefused, CampaignAction, CampaignFields, Change, PromptInfo, TrunkFields};
pub use models::*;
pub use scripts::CallScript;
pub use sessions::{LiveSession, NewSession};
pub use tokens::{ApiToken, LiveToken, RevokeToken};
pub use trunk_groups::{TrunkGroup, TrunkGroupDetail, TrunkGroupMember};
pub use users::{CreateUser, NewUser, Role, UnknownRole, UpdateUser, User, UserChanges, UserCredentials};
pub use webhooks::{DueDelivery, Webhook, WebhookDelivery};

/// The schema, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    #[error("stored {field} is invalid: {message}")]
    Corrupt { field: &'static str, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    pub async fn connect(config: &herald_config::DatabaseConfig) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
            .connect(&config.url)
            .await?;
        Ok(Store { pool })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies pending migrations. sqlx holds a Postgres advisory lock while
    /// it does, so concurrent callers wait for each other.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
