//! `herald import`: contacts from CSV. Bad rows are reported with their line
//! number; good rows import.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use herald_config::Config;
use herald_store::{NewContact, Store};
use herald_types::E164;

/// One row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    pub line: u64,
    pub message: String,
}

/// Parses CSV text into contacts and row errors. The header must name a
/// `phone` column; `timezone` sets the zone; every other column is a tag.
pub(crate) fn parse_contacts(reader: impl std::io::Read) -> anyhow::Result<(Vec<NewContact>, Vec<RowError>)> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers = csv.headers().context("reading the header row")?.clone();
    let Some(phone_column) = headers.iter().position(|name| name.eq_ignore_ascii_case("phone")) else {
        bail!("the header row has no `phone` column (found: {})", headers.iter().collect::<Vec<_>>().join(", "));
    };
    let zone_column = headers.iter().position(|name| name.eq_ignore_ascii_case("timezone"));
    let mut contacts = Vec::new();
    let mut errors = Vec::new();
    for record in csv.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|position| position.line()).unwrap_or(0);
                errors.push(RowError { line, message: error.to_string() });
                continue;
            }
        };
        let line = record.position().map(|position| position.line()).unwrap_or(0);
        let Some(raw_phone) = record.get(phone_column) else {
            errors.push(RowError { line, message: "missing phone".into() });
            continue;
        };
        let phone = match E164::parse(raw_phone) {
            Ok(phone) => phone,
            Err(error) => {
                errors.push(RowError { line, message: format!("phone {raw_phone:?}: {error}") });
                continue;
            }
        };
        let mut tags = serde_json::Map::new();
        for (index, value) in record.iter().enumerate() {
            if index == phone_column || Some(index) == zone_column {
                continue;
            }
            if let Some(name) = headers.get(index) {
                tags.insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
            }
        }
        contacts.push(NewContact {
            phone,
            tags: serde_json::Value::Object(tags),
            timezone: zone_column
                .and_then(|column| record.get(column))
                .filter(|zone| !zone.is_empty())
                .map(str::to_owned),
            import_line: i32::try_from(line).ok(),
            next_eligible_at: None,
        });
    }
    Ok((contacts, errors))
}

/// Sets each contact's first eligible instant from the campaign's calling
/// window in the contact's zones. A contact whose window never opens (or
/// whose explicit zone is unknown) is reported, not imported.
pub(crate) fn schedule_first_calls(
    contacts: Vec<NewContact>,
    mut errors: Vec<RowError>,
    window: Option<&herald_policy::CallingWindow>,
    now: chrono::DateTime<chrono::Utc>,
) -> (Vec<NewContact>, Vec<RowError>) {
    let Some(window) = window else { return (contacts, errors) };
    let mut scheduled = Vec::with_capacity(contacts.len());
    for mut contact in contacts {
        let line = contact.import_line.unwrap_or(0) as u64;
        let zones = match herald_policy::contact_zones(&contact.phone, contact.timezone.as_deref()) {
            Ok(zones) => zones,
            Err(error) => {
                errors.push(RowError { line, message: error.to_string() });
                continue;
            }
        };
        match herald_policy::first_eligible_at(window, &zones, now) {
            Some(at) => {
                contact.next_eligible_at = Some(at);
                scheduled.push(contact);
            }
            None => errors.push(RowError {
                line,
                message: format!("{}: the campaign's calling window never opens in its time zone(s)", contact.phone),
            }),
        }
    }
    (scheduled, errors)
}

pub(crate) async fn run(config: &Config, campaign: i64, file: &Path) -> anyhow::Result<ExitCode> {
    let reader = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let (contacts, errors) = parse_contacts(reader)?;
    let store = Store::connect(&config.database).await.context("connecting to PostgreSQL")?;
    let window = herald_policy::CallingWindow::from_campaign_json(&store.campaign(campaign).await?.calling_window)
        .context("the campaign's calling window")?;
    let (contacts, mut errors) = schedule_first_calls(contacts, errors, window.as_ref(), chrono::Utc::now());
    // COPY in chunks: each a transaction of its own, with progress between.
    let mut imported = 0;
    let mut done = 0;
    for chunk in contacts.chunks(50_000) {
        imported += store.copy_contacts(campaign, chunk).await?;
        done += chunk.len();
        if contacts.len() > 50_000 {
            eprintln!("  {done} of {} rows loaded", contacts.len());
        }
    }
    errors.sort_by_key(|error| error.line);
    for error in &errors {
        eprintln!("{}:{}: {}", file.display(), error.line, error.message);
    }
    println!(
        "imported {imported} contacts into campaign {campaign} ({} duplicates skipped, {} rows rejected)",
        contacts.len() as u64 - imported,
        errors.len()
    );
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_are_reported_with_their_line_and_good_rows_kept() {
        let text = "phone,name,timezone\n+49 30 123456,Ada,Europe/Berlin\nnot a number,Bob,\n+15550100199,Cy,\n\"unterminated,x\n";
        let (contacts, errors) = parse_contacts(text.as_bytes()).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].phone.as_str(), "+4930123456");
        assert_eq!(contacts[0].tags, serde_json::json!({"name": "Ada"}));
        assert_eq!(contacts[0].timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(contacts[1].import_line, Some(4));
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.contains("not a number"), "{:?}", errors[0]);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn first_calls_wait_for_the_window_in_the_contacts_zone() {
        let text = "phone,timezone\n+4930123456,Europe/Berlin\n+15550100199,Mars/Olympus\n+12025550123,\n";
        let (contacts, errors) = parse_contacts(text.as_bytes()).unwrap();
        // Weekdays 09:00-17:00 local; now is Saturday 2026-11-21 12:00 UTC.
        let window: herald_policy::CallingWindow = serde_json::from_value(serde_json::json!({
            "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
            "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]
        }))
        .unwrap();
        let now: chrono::DateTime<chrono::Utc> = "2026-11-21T12:00:00Z".parse().unwrap();
        let (scheduled, errors) = schedule_first_calls(contacts, errors, Some(&window), now);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("Mars/Olympus"), "{errors:?}");
        assert_eq!(errors[0].line, 3);
        // Berlin: Monday 09:00 CET = 08:00 UTC.
        assert_eq!(scheduled[0].next_eligible_at, Some("2026-11-23T08:00:00Z".parse().unwrap()));
        // Washington DC (+1 202): Monday 09:00 EST = 14:00 UTC.
        assert_eq!(scheduled[1].next_eligible_at, Some("2026-11-23T14:00:00Z".parse().unwrap()));
    }

    #[test]
    fn a_file_without_a_phone_column_is_refused() {
        let error = parse_contacts("name,number\nAda,+4930123456\n".as_bytes()).unwrap_err();
        assert!(error.to_string().contains("phone"));
    }
}
