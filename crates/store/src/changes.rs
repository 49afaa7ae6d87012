//! Changes a constraint may refuse: [`Change`] and how a statement's
//! unique or foreign-key violation becomes its `Conflict`, and the one audited
//! delete every entity's `delete_…` goes through. It never decides what a
//! change is; each entity's module does.

use crate::audit::{self, Actor};
use crate::{Error, Result, Store};

/// The result of a change that a constraint may refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    Done(T),
    /// A unique name is taken, or the row is still in use: the message says which.
    Conflict(&'static str),
}

impl<T> Change<T> {
    /// The change, its conflict as an [`Error::Conflict`]: for callers that
    /// have no other way to say it.
    pub(crate) fn done(self) -> Result<T> {
        match self {
            Change::Done(value) => Ok(value),
            Change::Conflict(message) => Err(Error::Conflict(message)),
        }
    }
}

/// A statement's error as a change's result: a unique violation (`taken`)
/// or a foreign-key violation (`missing`) is the request's conflict with
/// what is stored; anything else is an error.
pub(crate) fn refused<T>(
    error: sqlx::Error,
    taken: Option<&'static str>,
    missing: Option<&'static str>,
) -> Result<Change<T>> {
    let code = error.as_database_error().and_then(|error| error.code());
    let message = match code.as_deref() {
        Some("23505") => taken,
        Some("23503") => missing,
        _ => None,
    };
    match message {
        Some(message) => Ok(Change::Conflict(message)),
        None => Err(error.into()),
    }
}

impl Store {
    /// Deletes the row `id` of `table`, audited; `NotFound` names `entity`,
    /// and `in_use` is the conflict when other rows still refer to it.
    pub(crate) async fn delete_row(
        &self,
        table: &'static str,
        entity: &'static str,
        id: i64,
        actor: &Actor,
        in_use: &'static str,
    ) -> Result<Change<()>> {
        // The statement, and the entity as the audit log names it (as its creation was).
        let (query, audited_as) = match table {
            "trunks" => ("DELETE FROM trunks WHERE id = $1", "trunk"),
            "prompts" => ("DELETE FROM prompts WHERE id = $1", "prompt"),
            "lists" => ("DELETE FROM lists WHERE id = $1", "list"),
            "trunk_groups" => ("DELETE FROM trunk_groups WHERE id = $1", "trunk_group"),
            "call_scripts" => ("DELETE FROM call_scripts WHERE id = $1", "call_script"),
            "caller_id_pools" => ("DELETE FROM caller_id_pools WHERE id = $1", "caller_id_pool"),
            _ => unreachable!("delete_row is called with a known table"),
        };
        let mut transaction = self.pool.begin().await?;
        match sqlx::query(query).bind(id).execute(&mut *transaction).await {
            Ok(done) if done.rows_affected() == 0 => return Err(crate::Error::NotFound { entity, id }),
            Ok(_) => {}
            Err(error) => return refused(error, Some(in_use), Some(in_use)),
        }
        audit::record(&mut transaction, actor, "delete", audited_as, Some(id), serde_json::json!({})).await?;
        transaction.commit().await?;
        Ok(Change::Done(()))
    }
}
