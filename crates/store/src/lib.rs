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
//! - `leadership`: the Scheduler's leader lease and its fencing epoch.
//! - `audit`: the audit log; `changes`: the refusable change and the audited
//!   delete the entities share.

mod audit;
mod caller_ids;
mod campaigns;
mod changes;
mod contacts;
mod dispatch;
mod imports;
mod leadership;
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
pub use leadership::LeaderFence;
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
    /// Postgres did not answer within the store's deadline (a dark network,
    /// a stuck server): treat it as unreachable.
    #[error("database: no answer within {0:?}")]
    Deadline(Duration),
    /// A Scheduler action refused because its leadership lease has moved on
    /// (see `leadership`).
    #[error("no longer the scheduler leader")]
    NotLeader,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Postgres could not be reached (no answer within the deadline, no
    /// connection to be had, the connection broke): the request may succeed
    /// later, and says nothing about what was asked.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Error::Deadline(_)
                | Error::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
        )
    }

    /// The same request may succeed later: Postgres was unreachable, or
    /// answered with an error of the moment (SQLSTATE classes 08 connection,
    /// 40 serialization or deadlock, 53 resources, 57 cancelled or shutting
    /// down, 58 system), not about the request itself.
    pub fn is_transient(&self) -> bool {
        if self.is_unreachable() {
            return true;
        }
        let Error::Database(sqlx::Error::Database(error)) = self else { return false };
        error.code().is_some_and(|code| ["08", "40", "53", "57", "58"].iter().any(|class| code.starts_with(class)))
    }
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    /// How long the dialing path and the Scheduler wait for one answer.
    deadline: Duration,
}

/// The deadline of a store made from a bare pool (tests, tools).
const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// Server-side settings of every connection, so that Postgres itself ends
/// what a vanished client left behind: a session whose client no longer
/// answers TCP keepalives (or leaves data unacknowledged) is closed within
/// about 15 s, releasing its locks, rather than after the kernel's two
/// hours; a transaction left idle is rolled back.
fn session_settings(config: &herald_config::DatabaseConfig) -> Vec<(&'static str, String)> {
    let statement_ms = config.statement_timeout_secs.saturating_mul(1000);
    vec![
        ("statement_timeout", statement_ms.to_string()),
        ("idle_in_transaction_session_timeout", statement_ms.to_string()),
        ("tcp_keepalives_idle", "5".to_owned()),
        ("tcp_keepalives_interval", "2".to_owned()),
        ("tcp_keepalives_count", "3".to_owned()),
        ("tcp_user_timeout", "15000".to_owned()),
    ]
}

impl Store {
    pub async fn connect(config: &herald_config::DatabaseConfig) -> Result<Store> {
        let options: sqlx::postgres::PgConnectOptions = config.url.parse()?;
        let options = options.options(session_settings(config));
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
            .connect_with(options)
            .await?;
        Ok(Store { pool, deadline: Duration::from_millis(config.deadline_ms) })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool, deadline: DEFAULT_DEADLINE }
    }

    /// The same store with another deadline for one answer.
    pub fn with_deadline(mut self, deadline: Duration) -> Store {
        self.deadline = deadline;
        self
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Runs one database operation within the store's deadline: what the
    /// dialing path and the Scheduler call must fail, not hang, when
    /// Postgres cannot be reached.
    pub(crate) async fn timed<T>(&self, operation: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        self.within(self.deadline, operation).await
    }

    /// [`Store::timed`] with a deadline of its own.
    pub(crate) async fn within<T>(
        &self,
        deadline: Duration,
        operation: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::time::timeout(deadline, operation).await.unwrap_or(Err(Error::Deadline(deadline)))
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

    /// Readiness: the database answers, within the deadline.
    pub async fn ping(&self) -> Result<()> {
        self.timed(async {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
        .await
    }
}
