//! Contacts in campaigns: adding them in bulk (one `UNNEST` statement, or
//! `COPY` for large imports). It never leases or finishes a contact: the
//! dialing path ([`crate::dispatch`]) does.

use chrono::{DateTime, Utc};

use crate::{Result, Store};

/// One contact to import: an E.164 number and its tags.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub phone: herald_types::E164,
    pub tags: serde_json::Value,
    pub timezone: Option<String>,
    pub import_line: Option<i32>,
    /// When the contact may first be dialed (its calling window's next
    /// opening); now when unset.
    pub next_eligible_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Adds contacts to a campaign in one statement per call. A number already
    /// in the campaign is skipped (not an error); returns how many were added.
    pub async fn insert_contacts(&self, campaign_id: i64, contacts: &[NewContact]) -> Result<u64> {
        let phones: Vec<&str> = contacts.iter().map(|contact| contact.phone.as_str()).collect();
        let tags: Vec<&serde_json::Value> = contacts.iter().map(|contact| &contact.tags).collect();
        let zones: Vec<Option<&str>> = contacts.iter().map(|contact| contact.timezone.as_deref()).collect();
        let lines: Vec<Option<i32>> = contacts.iter().map(|contact| contact.import_line).collect();
        let eligible: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            contacts.iter().map(|contact| contact.next_eligible_at).collect();
        let inserted = sqlx::query(
            "INSERT INTO contacts (campaign_id, phone, tags, timezone, import_line, next_eligible_at) \
             SELECT $1, phone, tags, zone, line, coalesce(eligible, now()) \
             FROM UNNEST($2::text[], $3::jsonb[], $4::text[], $5::int[], $6::timestamptz[]) \
                  AS input(phone, tags, zone, line, eligible) \
             ON CONFLICT (campaign_id, phone) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(&phones)
        .bind(&tags)
        .bind(&zones)
        .bind(&lines)
        .bind(&eligible)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected())
    }

    /// Bulk-loads contacts with `COPY` (into a temporary table, then one
    /// `INSERT … SELECT` that skips numbers the campaign already has, as
    /// [`Store::insert_contacts`] does), in one transaction. Returns how many
    /// were new. For large imports: call it per chunk of tens of thousands.
    pub async fn copy_contacts(&self, campaign_id: i64, contacts: &[NewContact]) -> Result<u64> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "CREATE TEMPORARY TABLE contacts_in (phone text, tags jsonb, timezone text, import_line int, \
                 next_eligible_at timestamptz) ON COMMIT DROP",
        )
        .execute(&mut *transaction)
        .await?;
        let mut copy = transaction.copy_in_raw("COPY contacts_in FROM STDIN").await?;
        const FLUSH_AT: usize = 1 << 20;
        let mut buffer = Vec::with_capacity(FLUSH_AT + 4096);
        for contact in contacts {
            copy_row(&mut buffer, contact);
            if buffer.len() >= FLUSH_AT {
                copy.send(std::mem::replace(&mut buffer, Vec::with_capacity(FLUSH_AT + 4096))).await?;
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer).await?;
        }
        copy.finish().await?;
        let inserted = sqlx::query(
            "INSERT INTO contacts (campaign_id, phone, tags, timezone, import_line, next_eligible_at) \
             SELECT $1, phone, tags, timezone, import_line, coalesce(next_eligible_at, now()) FROM contacts_in \
             ON CONFLICT (campaign_id, phone) DO NOTHING",
        )
        .bind(campaign_id)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(inserted.rows_affected())
    }
}

/// Appends one contact as a line of `COPY … FROM STDIN` text format
/// (tab-separated; `\N` for NULL; backslash, tab, newline and carriage
/// return escaped).
fn copy_row(buffer: &mut Vec<u8>, contact: &NewContact) {
    fn field(buffer: &mut Vec<u8>, text: &str) {
        for &byte in text.as_bytes() {
            match byte {
                b'\\' => buffer.extend_from_slice(b"\\\\"),
                b'\t' => buffer.extend_from_slice(b"\\t"),
                b'\n' => buffer.extend_from_slice(b"\\n"),
                b'\r' => buffer.extend_from_slice(b"\\r"),
                _ => buffer.push(byte),
            }
        }
    }
    fn optional(buffer: &mut Vec<u8>, text: Option<&str>) {
        match text {
            Some(text) => field(buffer, text),
            None => buffer.extend_from_slice(b"\\N"),
        }
    }
    field(buffer, contact.phone.as_str());
    buffer.push(b'\t');
    field(buffer, &contact.tags.to_string());
    buffer.push(b'\t');
    optional(buffer, contact.timezone.as_deref());
    buffer.push(b'\t');
    optional(buffer, contact.import_line.map(|line| line.to_string()).as_deref());
    buffer.push(b'\t');
    optional(buffer, contact.next_eligible_at.map(|at| at.to_rfc3339()).as_deref());
    buffer.push(b'\n');
}

#[cfg(test)]
mod copy_tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_the_text_format_needs() {
        let contact = NewContact {
            phone: herald_types::E164::parse("+4930123456").unwrap(),
            tags: serde_json::json!({"note": "tab\there\\ and\nnewline"}),
            timezone: None,
            import_line: Some(7),
            next_eligible_at: Some("2026-11-23T08:00:00Z".parse().unwrap()),
        };
        let mut buffer = Vec::new();
        copy_row(&mut buffer, &contact);
        let line = String::from_utf8(buffer).unwrap();
        // JSON already escapes control characters; COPY doubles its backslashes.
        assert_eq!(
            line,
            "+4930123456\t{\"note\":\"tab\\\\there\\\\\\\\ and\\\\nnewline\"}\t\\N\t7\t2026-11-23T08:00:00+00:00\n"
        );
    }
}
