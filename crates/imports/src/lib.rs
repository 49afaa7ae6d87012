//! Contact imports: a CSV file streamed into a campaign. Rows are parsed on
//! a blocking thread as the bytes arrive ([`contacts_csv`]) and `COPY`'d in
//! batches, the import's progress written after each, so a million-row file
//! never sits in memory and `GET /imports/{id}` shows how far it got. Bad
//! rows are kept with their line number; good rows import.
//!
//! The API's uploads (`PUT /api/v1/imports/{id}/data`) and `herald import`
//! both run [`run`]. It never speaks HTTP: callers hand it a stream of bytes.

pub mod contacts_csv;

use bytes::Bytes;
use herald_store::{Import, ImportMapping, ImportProgress, Store};
use tokio::sync::mpsc;
use tracing::warn;

use crate::contacts_csv::Batch;

pub use contacts_csv::default_mapping;

/// Row errors kept per import (the counts stay exact beyond it).
const MAX_STORED_ERRORS: i64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] herald_store::Error),
    /// The parser's thread ended without a result (it panicked).
    #[error("the CSV parser stopped unexpectedly")]
    ParserStopped,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Streams `bytes` into `import`'s campaign and returns the finished import.
/// A file that cannot be imported (no phone column, a read error, a batch
/// the database refuses) still finishes the import, with its error; `Err`
/// is only for the store failing around it.
pub async fn run(
    store: &Store,
    import: &Import,
    bytes: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
) -> Result<Import> {
    let campaign = store.campaign(import.campaign_id).await?;
    let hours = match herald_policy::CampaignHours::from_campaign_json(&campaign.calling_window) {
        Ok(hours) => hours,
        Err(error) => {
            let message = format!("the campaign's calling window is invalid: {error}");
            return Ok(store.finish_import(import.id, Some(&message)).await?);
        }
    };
    let mapping = ImportMapping {
        phone_column: import.phone_column.clone(),
        timezone_column: import.timezone_column.clone(),
        tag_columns: import.tag_columns.clone(),
    };
    // The parser runs on a blocking thread, reading the body through a
    // bridge; at most two batches wait for the database.
    let (batches, mut received) = mpsc::channel::<Batch>(2);
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(bytes));
    let now = chrono::Utc::now();
    let parser = tokio::task::spawn_blocking(move || {
        contacts_csv::parse(reader, &mapping, &hours, now, |batch| batches.blocking_send(batch).is_ok())
    });
    let mut progress = ImportProgress::default();
    let mut failure = None;
    while let Some(batch) = received.recv().await {
        match load_batch(store, import, &mut progress, batch).await {
            Ok(()) => {}
            Err(error) => {
                warn!(import = import.id, %error, "import failed");
                failure = Some("the database refused a batch; the rows before it are imported".to_owned());
                break;
            }
        }
    }
    drop(received);
    let parsed = parser.await.map_err(|_| Error::ParserStopped)?;
    if failure.is_none()
        && let Err(message) = parsed
    {
        failure = Some(message);
    }
    Ok(store.finish_import(import.id, failure.as_deref()).await?)
}

async fn load_batch(
    store: &Store,
    import: &Import,
    progress: &mut ImportProgress,
    batch: Batch,
) -> herald_store::Result<()> {
    let imported = if batch.contacts.is_empty() {
        0
    } else {
        store.copy_contacts(import.campaign_id, &batch.contacts).await? as i64
    };
    progress.imported += imported;
    progress.duplicates += batch.contacts.len() as i64 - imported;
    let room = (MAX_STORED_ERRORS - progress.rejected).max(0) as usize;
    progress.rejected += batch.errors.len() as i64;
    progress.bytes_read = batch.bytes_read as i64;
    progress.rows_read = batch.rows_read as i64;
    let errors: Vec<(i64, String)> =
        batch.errors.into_iter().take(room).map(|error| (error.line as i64, error.message)).collect();
    store.import_progress(import.id, progress, &errors).await
}
