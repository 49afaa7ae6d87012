//! `herald import`: contacts from a CSV file, through the same streamed
//! import as the API's uploads (so it shows in the web UI with its progress
//! and refused rows). Bad rows are reported with their line number; good
//! rows import.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use herald_config::Config;
use herald_store::{Actor, Store};

pub(crate) async fn run(config: &Config, campaign: i64, file: &Path) -> anyhow::Result<ExitCode> {
    let reader = tokio::fs::File::open(file).await.with_context(|| format!("opening {}", file.display()))?;
    let store = Store::connect(&config.database).await.context("connecting to PostgreSQL")?;
    let mapping = herald_imports::default_mapping();
    let import = store.create_import(campaign, &mapping, &Actor::system("import")).await?;
    store.begin_import(import.id).await?;
    let bytes = tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024);
    let finished =
        herald_imports::run(&store, &import, bytes).await.map_err(|error| anyhow::anyhow!("import failed: {error}"))?;
    let mut after = 0;
    loop {
        let errors = store.import_errors(import.id, after, 10_000).await?;
        for (line, message) in &errors {
            eprintln!("{}:{line}: {message}", file.display());
        }
        match errors.last() {
            Some((line, _)) if errors.len() == 10_000 => after = *line,
            _ => break,
        }
    }
    if let Some(error) = &finished.error {
        eprintln!("{}: {error}", file.display());
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "imported {} contacts into campaign {campaign} ({} duplicates skipped, {} rows rejected; import {})",
        finished.imported, finished.duplicates, finished.rejected, finished.id
    );
    Ok(if finished.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
