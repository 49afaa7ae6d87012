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
//!
//! # Layout
//!
//! One module per entity, each with its model and its queries; every change
//! a manager makes is audited in the transaction that makes it.
//!
//! - `trunks`, `trunk_groups`, `caller_ids`: what calls go out through, and
//!   as whom.
//! - `prompts`, `scripts`: what calls play.
//! - `campaigns`: the campaign model and every status write;
//!   `campaigns::lifecycle` defines the statuses and the moves between them,
//!   once, for the store, the Scheduler and the API.
//! - `contacts`: adding contacts in bulk.
//! - `dispatch`: the dialing path (claim, renew, finish, reap), the hot path.
//! - `lists`: black and white lists, their verdicts and the opt-out list.
//! - `imports`: contact uploads and their progress.
//! - `reports`, `preflight`: what managers read back (summary, attempts,
//!   report, dashboard; why nothing is dialing).
//! - `webhooks`: subscriptions and their delivery queue.
//! - `users`, `sessions`, `tokens`: who may use the API.
//! - `audit`: the audit log; `changes`: the refusable change and the audited
//!   delete the entities share.

mod audit;
mod caller_ids;
mod campaigns;
mod changes;
mod contacts;
mod dispatch;
mod imports;
mod lists;
mod preflight;
mod prompts;
mod reports;
mod scripts;
mod sessions;
mod tokens;
mod trunk_groups;
mod trunks;
mod users;
mod webhooks;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub use audit::{Actor, AuditEntry, AuditQuery};
pub use caller_ids::{CallerId, CallerIdPool, CallerIdPoolDetail};
pub use campaigns::lifecycle::{AllowedActions, CampaignAction, CampaignStatus, UnknownStatus};
pub use campaigns::{ActionRefused, Campaign, CampaignFields, DialPlan, NewCampaign, ScheduledCampaign};
pub use changes::Change;
pub use contacts::NewContact;
pub use dispatch::{AttemptRecord, ClaimedAttempt, ContactEvent, ContactNext, FinishResult};
pub use imports::{Import, ImportMapping, ImportProgress};
pub use lists::{ListEntry, ListVerdict, NewListEntry, NumberList, OPT_OUT_LIST};
pub use preflight::{DueInHour, Preflight, PreflightCallerIds, PreflightGroup, PreflightLimits, PreflightTrunk};
pub use prompts::{NewPrompt, PromptAudio, PromptInfo};
pub use reports::{
    AnswerCount, AttemptQuery, AttemptRow, CampaignReport, CampaignSummary, Dashboard, DashboardCampaign,
    DashboardTrunk, MinuteOutcomes,
};
pub use scripts::CallScript;
pub use sessions::{LiveSession, NewSession};
pub use tokens::{ApiToken, LiveToken, RevokeToken};
pub use trunk_groups::{TrunkGroup, TrunkGroupDetail, TrunkGroupMember};
pub use trunks::{NewTrunk, Trunk, TrunkFields};
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
    /// A change a constraint refused, for callers that do not take a
    /// [`Change`] (e.g. a taken trunk name in [`Store::create_trunk`]).
    #[error("refused: {0}")]
    Conflict(&'static str),
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
