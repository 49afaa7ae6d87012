//! Contacts from CSV, streamed: rows are parsed on a blocking thread as the
//! bytes arrive and handed over in batches, so a million-row file never sits
//! in memory. Bad rows are reported with their line number; good rows
//! import. [`crate::run`] streams its batches into the database.

use std::io::Read;

use chrono::{DateTime, Utc};
use herald_store::{ImportMapping, NewContact};
use herald_types::E164;

/// Rows per batch handed to the importer (one `COPY` each).
pub const BATCH_ROWS: usize = 10_000;

/// One row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// Parsed rows, and how far into the file they reach.
#[derive(Debug, Default)]
pub struct Batch {
    pub contacts: Vec<NewContact>,
    pub errors: Vec<RowError>,
    pub bytes_read: u64,
    pub rows_read: u64,
}

/// The mapping `herald import` uses: `phone`, `timezone`, every other
/// column a tag.
pub fn default_mapping() -> ImportMapping {
    ImportMapping { phone_column: "phone".into(), timezone_column: Some("timezone".into()), tag_columns: None }
}

/// Columns by position, resolved from the header row.
struct Columns {
    phone: usize,
    zone: Option<usize>,
    /// (position, tag name).
    tags: Vec<(usize, String)>,
}

impl Columns {
    fn resolve(headers: &csv::StringRecord, mapping: &ImportMapping) -> Result<Columns, String> {
        let find = |name: &str| headers.iter().position(|header| header.eq_ignore_ascii_case(name.trim()));
        let found = || headers.iter().collect::<Vec<_>>().join(", ");
        let Some(phone) = find(&mapping.phone_column) else {
            return Err(format!("the header row has no {:?} column (found: {})", mapping.phone_column, found()));
        };
        // A mapping's zone column must exist; the default one may be absent.
        let zone = match &mapping.timezone_column {
            Some(name) => match find(name) {
                Some(position) => Some(position),
                None if *name == "timezone" && mapping.tag_columns.is_none() => None,
                None => return Err(format!("the header row has no {name:?} column (found: {})", found())),
            },
            None => None,
        };
        let tags = match &mapping.tag_columns {
            Some(names) => {
                let mut tags = Vec::new();
                for name in names {
                    let position = find(name)
                        .ok_or_else(|| format!("the header row has no {name:?} column (found: {})", found()))?;
                    tags.push((position, headers[position].to_owned()));
                }
                tags
            }
            None => headers
                .iter()
                .enumerate()
                .filter(|(position, _)| *position != phone && Some(*position) != zone)
                .map(|(position, name)| (position, name.to_owned()))
                .collect(),
        };
        Ok(Columns { phone, zone, tags })
    }
}

/// Counts the bytes the CSV reader has consumed.
struct Counting<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.bytes += read as u64;
        Ok(read)
    }
}

/// Parses `reader` and hands each batch to `sink` (which returns false to
/// stop early). Each contact's first call waits for its window of `hours`
/// to open in its zones; a contact whose window never opens, or whose zone is unknown, is
/// a row error. Fails only when the header row is unusable or the input
/// cannot be read.
pub fn parse(
    reader: impl Read,
    mapping: &ImportMapping,
    hours: &herald_policy::CampaignHours,
    now: DateTime<Utc>,
    mut sink: impl FnMut(Batch) -> bool,
) -> Result<(), String> {
    let mut csv =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(Counting { inner: reader, bytes: 0 });
    let headers = csv.headers().map_err(|error| format!("reading the header row: {error}"))?.clone();
    let columns = Columns::resolve(&headers, mapping)?;
    let mut batch = Batch::default();
    let mut record = csv::StringRecord::new();
    let mut rows_read = 0;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows_read += 1;
                let line = record.position().map_or(0, csv::Position::line);
                match contact(&record, &columns, line, hours, now) {
                    Ok(contact) => batch.contacts.push(contact),
                    Err(message) => batch.errors.push(RowError { line, message }),
                }
            }
            Err(error) => {
                if let csv::ErrorKind::Io(io) = error.kind() {
                    return Err(format!("reading the file: {io}"));
                }
                rows_read += 1;
                let line = error.position().map_or(0, csv::Position::line);
                batch.errors.push(RowError { line, message: error.to_string() });
            }
        }
        if batch.contacts.len() + batch.errors.len() >= BATCH_ROWS {
            batch.bytes_read = csv.get_ref().bytes;
            batch.rows_read = rows_read;
            if !sink(std::mem::take(&mut batch)) {
                return Ok(());
            }
        }
    }
    batch.bytes_read = csv.get_ref().bytes;
    batch.rows_read = rows_read;
    sink(batch);
    Ok(())
}

fn contact(
    record: &csv::StringRecord,
    columns: &Columns,
    line: u64,
    hours: &herald_policy::CampaignHours,
    now: DateTime<Utc>,
) -> Result<NewContact, String> {
    let raw_phone = record.get(columns.phone).filter(|phone| !phone.is_empty()).ok_or("missing phone")?;
    let phone = E164::parse(raw_phone).map_err(|error| format!("phone {raw_phone:?}: {error}"))?;
    let tags: serde_json::Map<String, serde_json::Value> = columns
        .tags
        .iter()
        .map(|(position, name)| {
            (name.clone(), serde_json::Value::String(record.get(*position).unwrap_or_default().to_owned()))
        })
        .collect();
    let timezone =
        columns.zone.and_then(|column| record.get(column)).filter(|zone| !zone.is_empty()).map(str::to_owned);
    let next_eligible_at = match hours.window_for(Some(&phone)) {
        None => None,
        Some(window) => {
            let zones = herald_policy::contact_zones(&phone, timezone.as_deref()).map_err(|error| error.to_string())?;
            Some(
                herald_policy::first_eligible_at(window, &zones, now)
                    .ok_or_else(|| format!("{phone}: the campaign's calling window never opens in its time zone(s)"))?,
            )
        }
    };
    Ok(NewContact {
        phone,
        tags: serde_json::Value::Object(tags),
        timezone,
        import_line: i32::try_from(line).ok(),
        next_eligible_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str, mapping: &ImportMapping) -> Result<(Vec<NewContact>, Vec<RowError>, u64), String> {
        let mut contacts = Vec::new();
        let mut errors = Vec::new();
        let mut rows = 0;
        parse(text.as_bytes(), mapping, &herald_policy::CampaignHours::Any, Utc::now(), |batch| {
            contacts.extend(batch.contacts);
            errors.extend(batch.errors);
            rows = batch.rows_read;
            true
        })?;
        Ok((contacts, errors, rows))
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_good_rows_kept() {
        let text = "phone,name,timezone\n+49 30 123456,Ada,Europe/Berlin\nnot a number,Bob,\n+15550100199,Cy,\n\"unterminated,x\n";
        let (contacts, errors, rows) = parse_all(text, &default_mapping()).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(rows, 4);
        assert_eq!(contacts[0].phone.as_str(), "+4930123456");
        assert_eq!(contacts[0].tags, serde_json::json!({"name": "Ada"}));
        assert_eq!(contacts[0].timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(contacts[1].import_line, Some(4));
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.contains("not a number"), "{:?}", errors[0]);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn a_mapping_picks_the_phone_zone_and_tag_columns() {
        let text = "Name,Mobile,Zone,Plan,Internal\nAda,+4930123456,Europe/Berlin,gold,x\n";
        let mapping = ImportMapping {
            phone_column: "mobile".into(),
            timezone_column: Some("Zone".into()),
            tag_columns: Some(vec!["Name".into(), "Plan".into()]),
        };
        let (contacts, errors, _) = parse_all(text, &mapping).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(contacts[0].phone.as_str(), "+4930123456");
        assert_eq!(contacts[0].timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(contacts[0].tags, serde_json::json!({"Name": "Ada", "Plan": "gold"}));
        let missing = ImportMapping { tag_columns: Some(vec!["Nope".into()]), ..mapping };
        assert!(parse_all(text, &missing).unwrap_err().contains("\"Nope\""));
    }

    #[test]
    fn batches_carry_progress() {
        let mut text = String::from("phone\n");
        for index in 0..(BATCH_ROWS + 5) {
            text.push_str(&format!("+1202555{:04}\n", index % 10_000));
        }
        let mut batches = Vec::new();
        parse(text.as_bytes(), &default_mapping(), &herald_policy::CampaignHours::Any, Utc::now(), |batch| {
            batches.push((batch.contacts.len(), batch.rows_read, batch.bytes_read));
            true
        })
        .unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].0, BATCH_ROWS);
        assert_eq!(batches[1], (5, (BATCH_ROWS + 5) as u64, text.len() as u64));
    }

    #[test]
    fn first_calls_wait_for_the_window_in_the_contacts_zone() {
        let text = "phone,timezone\n+4930123456,Europe/Berlin\n+15550100199,Mars/Olympus\n+12025550123,\n";
        // Weekdays 09:00-17:00 local; now is Saturday 2026-11-21 12:00 UTC.
        let window: herald_policy::CallingWindow = serde_json::from_value(serde_json::json!({
            "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
            "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]
        }))
        .unwrap();
        let now: DateTime<Utc> = "2026-11-21T12:00:00Z".parse().unwrap();
        let mut scheduled = Vec::new();
        let mut errors = Vec::new();
        parse(text.as_bytes(), &default_mapping(), &herald_policy::CampaignHours::Window(window), now, |batch| {
            scheduled.extend(batch.contacts);
            errors.extend(batch.errors);
            true
        })
        .unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("Mars/Olympus"), "{errors:?}");
        assert_eq!(errors[0].line, 3);
        // Berlin: Monday 09:00 CET = 08:00 UTC.
        assert_eq!(scheduled[0].next_eligible_at, Some("2026-11-23T08:00:00Z".parse().unwrap()));
        // Washington DC (+1 202): Monday 09:00 EST = 14:00 UTC.
        assert_eq!(scheduled[1].next_eligible_at, Some("2026-11-23T14:00:00Z".parse().unwrap()));
    }

    #[test]
    fn a_file_without_the_phone_column_is_refused() {
        let error = parse_all("name,number\nAda,+4930123456\n", &default_mapping()).unwrap_err();
        assert!(error.contains("phone"));
    }
}
