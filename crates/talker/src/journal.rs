//! The record journal: terminal records and opt-outs that Postgres could
//! not take, kept on local disk until it can.
//!
//! An entry is appended to this process's journal file and fsync'd before
//! the call that produced it lets go, so a Postgres outage (or a network
//! cut between this node and Postgres) loses no outcome and no opt-out.
//! A replay task writes the entries back as soon as Postgres answers, and
//! the node claims no new contact while any entry waits: the records of
//! the calls it already made come first. Replaying is idempotent — a
//! record is written only over its open attempt, or over the
//! `lost_with_node` the reaper put in its place while nobody leased the
//! contact since (`Store::finish_attempts`); an opt-out is an upsert — so
//! an entry replayed twice (a crash between replay and truncation) is
//! written once.
//!
//! A claimed contact whose call was stopped before its INVITE (its lease
//! unconfirmed) is journaled too, to be given back: replayed, it also
//! undoes a `lost_with_node` the reaper wrote meanwhile, so the contact is
//! called later instead of closed uncalled.
//!
//! Each process writes its own file (`<node>.<pid>.<start>.journal`) and
//! holds an exclusive lock on it. A node started on the same directory
//! adopts every file no live process holds — what a killed or restarted
//! predecessor left — replays it, and deletes it.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_store::{AttemptRecord, ClaimedAttempt, ContactNext, FinishResult, Store};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

/// One thing Postgres must still be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Entry {
    /// An attempt's terminal record, as the node that held its lease wrote it.
    Record { node: String, record: Box<AttemptRecord>, next: ContactNext },
    /// A number to put on the global opt-out list.
    OptOut { phone: String, reason: String },
    /// A claimed contact that was never dialed, to give back (due at once).
    Release { node: String, claim: Box<ClaimedAttempt>, reason: String },
}

/// How an entry's replay went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replayed {
    Written,
    /// A record Postgres no longer wanted (the contact moved on meanwhile).
    Refused,
}

pub(crate) struct Journal {
    dir: PathBuf,
    own: Mutex<OwnFile>,
    /// No entry waits, here or in an adopted file (as of the last round).
    clear: AtomicBool,
}

struct OwnFile {
    path: PathBuf,
    /// Open, and exclusively locked, for as long as the process runs.
    file: File,
    /// The entries appended and not yet replayed, in order.
    pending: Vec<Entry>,
}

impl Journal {
    /// Creates the directory if needed and this process's locked journal
    /// file. Other files in the directory are adopted by [`Journal::replay`].
    pub(crate) fn open(dir: &Path, node_id: &str) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let node: String =
            node_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let path = dir.join(format!("{node}.{}.{started:x}.journal", std::process::id()));
        let file = create_locked(&path, &[])?;
        sync_dir(dir)?;
        let journal = Journal {
            dir: dir.to_owned(),
            own: Mutex::new(OwnFile { path, file, pending: Vec::new() }),
            // Until the first round has looked for files left behind.
            clear: AtomicBool::new(false),
        };
        Ok(journal)
    }

    /// True when nothing waits to be replayed: the node may claim.
    pub(crate) fn is_clear(&self) -> bool {
        self.clear.load(Ordering::Acquire)
    }

    /// Entries of this process waiting for Postgres.
    pub(crate) fn pending(&self) -> usize {
        self.own.lock().expect("journal poisoned").pending.len()
    }

    /// Appends `entry` and waits until it is on disk.
    pub(crate) async fn append(self: &Arc<Self>, entry: Entry) -> std::io::Result<()> {
        let journal = Arc::clone(self);
        tokio::task::spawn_blocking(move || journal.append_blocking(entry))
            .await
            .map_err(|error| std::io::Error::other(error.to_string()))?
    }

    fn append_blocking(&self, entry: Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut own = self.own.lock().expect("journal poisoned");
        own.file.write_all(&line)?;
        own.file.sync_data()?;
        own.pending.push(entry);
        self.clear.store(false, Ordering::Release);
        Ok(())
    }

    /// One replay round: this process's pending entries, then every file
    /// in the directory no live process holds. Stops at the first entry
    /// Postgres cannot take (to try again next round). Returns how many
    /// entries were replayed.
    pub(crate) async fn replay(self: &Arc<Self>, store: &Store) -> usize {
        let mut replayed = 0;
        // Own entries: replay a snapshot, then drop exactly those from the
        // front (appends meanwhile stay behind them).
        let snapshot: Vec<Entry> = self.own.lock().expect("journal poisoned").pending.clone();
        let (done, complete) = replay_entries(store, &snapshot).await;
        replayed += done;
        if done > 0 {
            let journal = Arc::clone(self);
            let result = tokio::task::spawn_blocking(move || journal.forget_replayed(done)).await;
            if let Ok(Err(error)) | Err(error) = result.map_err(std::io::Error::other) {
                warn!(%error, "cannot rewrite the journal: its replayed entries will be replayed again (harmless)");
            }
        }
        let mut orphans_clear = true;
        if complete {
            for path in self.orphans() {
                match self.adopt(store, &path).await {
                    Ok(count) => replayed += count,
                    Err(error) => {
                        warn!(%error, file = %path.display(), "journal left by another process not replayed yet");
                        orphans_clear = false;
                    }
                }
            }
        }
        let clear = complete && orphans_clear && self.pending() == 0;
        self.clear.store(clear, Ordering::Release);
        if replayed > 0 {
            info!(replayed, clear, "journal replayed to postgres");
        }
        replayed
    }

    /// Drops the first `count` pending entries and rewrites the file with
    /// the rest (atomically: a new file, fsync'd, renamed over, locked).
    fn forget_replayed(&self, count: usize) -> std::io::Result<()> {
        let mut own = self.own.lock().expect("journal poisoned");
        let count = count.min(own.pending.len());
        own.pending.drain(..count);
        if own.pending.is_empty() {
            own.file.set_len(0)?;
            own.file.sync_data()?;
            return Ok(());
        }
        let mut content = Vec::new();
        for entry in &own.pending {
            content.extend(serde_json::to_vec(entry).map_err(std::io::Error::other)?);
            content.push(b'\n');
        }
        own.file = create_locked(&own.path, &content)?;
        sync_dir(&self.dir)?;
        Ok(())
    }

    /// Journal files in the directory other than this process's own.
    fn orphans(&self) -> Vec<PathBuf> {
        let own = self.own.lock().expect("journal poisoned").path.clone();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|extension| extension == "journal") && *path != own)
            .collect()
    }

    /// Replays a file another process left, if no live process holds it,
    /// and deletes it once every entry is written.
    async fn adopt(&self, store: &Store, path: &Path) -> std::io::Result<usize> {
        let path_owned = path.to_owned();
        let opened = tokio::task::spawn_blocking(move || -> std::io::Result<Option<(File, Vec<Entry>)>> {
            let file = OpenOptions::new().read(true).write(true).open(&path_owned)?;
            if file.try_lock().is_err() {
                // Its process is alive and replays it itself.
                return Ok(None);
            }
            let entries = read_entries(&file, &path_owned)?;
            Ok(Some((file, entries)))
        })
        .await
        .map_err(std::io::Error::other)??;
        let Some((file, entries)) = opened else { return Ok(0) };
        info!(file = %path.display(), entries = entries.len(), "adopting a journal left by a stopped process");
        let (done, complete) = replay_entries(store, &entries).await;
        if !complete {
            return Err(std::io::Error::other(format!(
                "{done} of {} entries replayed; postgres unreachable",
                entries.len()
            )));
        }
        std::fs::remove_file(path)?;
        sync_dir(&self.dir)?;
        drop(file);
        Ok(done)
    }
}

/// Replays `entries` in order; returns how many were written (or refused
/// for good) and whether that was all of them.
async fn replay_entries(store: &Store, entries: &[Entry]) -> (usize, bool) {
    for (index, entry) in entries.iter().enumerate() {
        match replay_one(store, entry).await {
            Ok(Replayed::Written) => {}
            Ok(Replayed::Refused) => {
                if let Entry::Record { record, .. } = entry {
                    warn!(attempt = record.attempt_id, outcome = %record.outcome, "journaled record refused: the contact moved on");
                }
            }
            Err(error) if error.is_transient() => {
                tracing::debug!(%error, "journal replay stopped: postgres unreachable or busy");
                return (index, false);
            }
            Err(error) => {
                // Postgres answered and refused it: replaying again would
                // be refused again and stop the node claiming for good.
                tracing::error!(%error, ?entry, "journaled entry refused by postgres: dropped (it is in this log line)");
            }
        }
    }
    (entries.len(), true)
}

async fn replay_one(store: &Store, entry: &Entry) -> herald_store::Result<Replayed> {
    match entry {
        Entry::Record { node, record, next } => match store.finish_attempt(node, record, *next).await? {
            FinishResult::Recorded => Ok(Replayed::Written),
            FinishResult::AlreadyFinal => Ok(Replayed::Refused),
        },
        Entry::OptOut { phone, reason } => {
            store.opt_out(phone, reason, &herald_store::Actor::system("talker")).await?;
            Ok(Replayed::Written)
        }
        Entry::Release { node, claim, reason } => {
            match store.defer_claim(node, claim, chrono::Utc::now(), reason).await? {
                true => Ok(Replayed::Written),
                false => Ok(Replayed::Refused),
            }
        }
    }
}

/// A journal file's entries; a torn last line (the process died while
/// writing it, before its fsync returned, so its call was never let go) is
/// skipped.
fn read_entries(file: &File, path: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(entry) => entries.push(entry),
            Err(error) => warn!(%error, file = %path.display(), line = number + 1, "journal line unreadable: skipped"),
        }
    }
    Ok(entries)
}

/// Writes `content` (fsync'd) under a name no other process adopts
/// (`.journal-new`), locks it, and only then renames it to `path`: a file
/// with the `.journal` name is always complete and locked by its writer
/// while it lives (otherwise a Talker looking for files left behind could
/// adopt, and delete, one that was just being made). Replaces what was at
/// `path` atomically; returns the file, open for appending.
fn create_locked(path: &Path, content: &[u8]) -> std::io::Result<File> {
    let fresh_path = path.with_extension("journal-new");
    let _ = std::fs::remove_file(&fresh_path);
    let mut file = OpenOptions::new().create_new(true).append(true).read(true).open(&fresh_path)?;
    file.try_lock().map_err(|error| std::io::Error::other(format!("{}: {error}", fresh_path.display())))?;
    file.write_all(content)?;
    file.sync_data()?;
    std::fs::rename(&fresh_path, path)?;
    Ok(file)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// How often the directory is looked at for files that processes which
/// stopped since left behind.
const ADOPT_EVERY: u32 = 30;

/// Replays the journal every second while anything waits (and looks for
/// files left behind every [`ADOPT_EVERY`] seconds) until `stop`, and once
/// more at the end.
pub(crate) async fn replay_until(journal: Arc<Journal>, store: Store, stop: tokio_util::sync::CancellationToken) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut round: u32 = 0;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stop.cancelled() => break,
        }
        if !journal.is_clear() || round.is_multiple_of(ADOPT_EVERY) {
            journal.replay(&store).await;
        }
        round = round.wrapping_add(1);
    }
    if journal.pending() > 0 {
        journal.replay(&store).await;
        let left = journal.pending();
        if left > 0 {
            warn!(left, "stopping with journaled records not yet in postgres: the next node on this disk replays them");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("herald-journal-unit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn opt_out(index: u32) -> Entry {
        Entry::OptOut { phone: format!("+1202555{index:04}"), reason: "test".into() }
    }

    fn locked_by_someone(path: &Path) -> bool {
        let file = File::open(path).unwrap();
        file.try_lock().is_err()
    }

    /// A journal file under its adoptable name is always complete and
    /// locked by its writer: when made, and when rewritten after a replay
    /// (otherwise another Talker could adopt — and delete — it).
    #[tokio::test]
    async fn a_journal_file_is_locked_from_its_first_moment_and_rewritten_whole() {
        let dir = scratch("locked");
        let journal = Arc::new(Journal::open(&dir, "talker/1").unwrap());
        let path = journal.own.lock().unwrap().path.clone();
        assert!(path.file_name().unwrap().to_str().unwrap().starts_with("talker_1."));
        assert!(locked_by_someone(&path), "locked as soon as it exists");
        for index in 0..3 {
            journal.append(opt_out(index)).await.unwrap();
        }
        assert_eq!(read_entries(&File::open(&path).unwrap(), &path).unwrap().len(), 3);
        journal.forget_replayed(1).unwrap();
        assert!(locked_by_someone(&path), "still locked after the rewrite");
        let left = read_entries(&File::open(&path).unwrap(), &path).unwrap();
        assert_eq!(left, vec![opt_out(1), opt_out(2)], "the rest, in order");
        journal.append(opt_out(3)).await.unwrap();
        let left = read_entries(&File::open(&path).unwrap(), &path).unwrap();
        assert_eq!(left, vec![opt_out(1), opt_out(2), opt_out(3)], "appends go to the rewritten file");
        let stray: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "journal-new"))
            .collect();
        assert!(stray.is_empty(), "no half-made file is left: {stray:?}");
        // Another Talker on the directory sees the file but cannot take it.
        let other = Journal::open(&dir, "talker-2").unwrap();
        assert_eq!(other.orphans(), vec![path.clone()]);
        assert!(locked_by_someone(&path));
        journal.forget_replayed(3).unwrap();
        assert_eq!(journal.pending(), 0);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
