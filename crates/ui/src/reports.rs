//! A campaign's report: outcome counts, its attempts page by page with
//! filters, and every attempt as CSV, streamed a page at a time so that a
//! million rows never sit in memory.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use herald_store::{AttemptQuery, AttemptRow, CampaignReport};
use serde::Serialize;

use crate::AppState;
use crate::error::{FieldErrors, Result};
use crate::input::parse_id;

const OUTCOMES: &[&str] = &["answered", "busy", "no_answer", "rejected", "failed", "machine", "lost_with_node", "open"];
const EXPORT_PAGE: i64 = 5_000;

/// A page of attempts; `next` is the cursor for the following page.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct AttemptPage {
    items: Vec<AttemptRow>,
    next: Option<String>,
}

/// The filters both the page and the export take.
fn attempt_query(query: &HashMap<String, String>, paged: bool) -> Result<AttemptQuery> {
    let mut fields = FieldErrors::default();
    let mut attempts = AttemptQuery { limit: 50, ..AttemptQuery::default() };
    for (key, value) in query {
        match key.as_str() {
            "outcome" if OUTCOMES.contains(&value.as_str()) => attempts.outcome = Some(value.clone()),
            "outcome" => fields.add("outcome", format!("must be one of {}", OUTCOMES.join(", "))),
            "phone" if value.chars().all(|c| c == '+' || c.is_ascii_digit()) && value.len() <= 16 => {
                attempts.phone = (!value.is_empty()).then(|| value.clone());
            }
            "phone" => fields.add("phone", "must be the beginning of an E.164 number, e.g. +4930"),
            "after" if paged => match value.parse::<i64>() {
                Ok(after) if after >= 0 => attempts.after = Some(after),
                _ => fields.add("after", "must be the `next` cursor of the previous page"),
            },
            "limit" if paged => match value.parse::<i64>() {
                Ok(limit) if (1..=1000).contains(&limit) => attempts.limit = limit,
                _ => fields.add("limit", "must be a whole number from 1 to 1000"),
            },
            _ => fields.add(key, "is not a known parameter"),
        }
    }
    fields.check()?;
    Ok(attempts)
}

/// `GET /api/v1/campaigns/{id}/attempts?outcome=&phone=&after=&limit=` (viewer).
pub(crate) async fn attempts(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AttemptPage>> {
    let campaign_id = parse_id(&id, "campaign")?;
    let mut query = attempt_query(&query, true)?;
    let store = state.store()?;
    store.campaign(campaign_id).await?;
    // One row more than asked: whether another page follows.
    let limit = query.limit;
    query.limit += 1;
    let mut items = store.attempts_page(campaign_id, &query).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = if more { items.last().map(|row| row.id.to_string()) } else { None };
    Ok(Json(AttemptPage { items, next }))
}

/// `GET /api/v1/campaigns/{id}/report` (viewer).
pub(crate) async fn report(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CampaignReport>> {
    Ok(Json(state.store()?.campaign_report(parse_id(&id, "campaign")?).await?))
}

/// `GET /api/v1/campaigns/{id}/attempts.csv?outcome=&phone=` (viewer):
/// every attempt, streamed.
pub(crate) async fn attempts_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let campaign_id = parse_id(&id, "campaign")?;
    let mut query = attempt_query(&query, false)?;
    query.limit = EXPORT_PAGE;
    let store = state.store()?.clone();
    store.campaign(campaign_id).await?;
    let pages = futures_util::stream::try_unfold(Some(query), move |query| {
        let store = store.clone();
        async move {
            let Some(mut query) = query else { return Ok(None) };
            let rows = store.attempts_page(campaign_id, &query).await?;
            let mut text = String::with_capacity(rows.len() * 160 + 256);
            if query.after.is_none() {
                text.push_str(CSV_HEADER);
            }
            for row in &rows {
                csv_row(&mut text, row);
            }
            let next = if rows.len() as i64 == query.limit {
                query.after = rows.last().map(|row| row.id);
                Some(query)
            } else {
                None
            };
            Ok::<_, herald_store::Error>(Some((Bytes::from(text), next)))
        }
    });
    let filename = format!("attachment; filename=\"campaign-{campaign_id}-attempts.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, filename)],
        Body::from_stream(pages.map_err(std::io::Error::other)),
    )
        .into_response())
}

const CSV_HEADER: &str = "attempt_id,contact_id,phone,attempt_no,outcome,sip_code,sip_reason,q850_cause,trunk_id,\
                          caller_id,node_id,invite_at,answered_at,ended_at,talk_ms,dtmf,amd_verdict,early_media,\
                          answers,opted_out,voicemail_left\n";

fn csv_row(text: &mut String, row: &AttemptRow) {
    let instant = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(|at| at.to_rfc3339()).unwrap_or_default();
    let number = |value: Option<i64>| value.map(|value| value.to_string()).unwrap_or_default();
    let _ = writeln!(
        text,
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        row.id,
        row.contact_id,
        csv_field(&row.phone),
        row.attempt_no,
        row.outcome.as_deref().unwrap_or("open"),
        number(row.sip_code.map(i64::from)),
        csv_field(row.sip_reason.as_deref().unwrap_or_default()),
        number(row.q850_cause.map(i64::from)),
        number(row.trunk_id),
        csv_field(row.caller_id.as_deref().unwrap_or_default()),
        csv_field(&row.node_id),
        instant(row.invite_at),
        instant(row.answered_at),
        instant(row.ended_at),
        number(row.talk_ms.map(i64::from)),
        csv_field(row.dtmf.as_deref().unwrap_or_default()),
        csv_field(row.amd_verdict.as_deref().unwrap_or_default()),
        row.early_media,
        csv_field(&answers_text(row.answers.as_ref())),
        row.opted_out,
        row.voicemail_left,
    );
}

/// A script's answers as `confirm=1;pin=42`.
fn answers_text(answers: Option<&serde_json::Value>) -> String {
    let Some(serde_json::Value::Object(answers)) = answers else { return String::new() };
    answers
        .iter()
        .map(|(name, value)| format!("{name}={}", value.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(";")
}

/// One CSV field, quoted when it must be (RFC 4180). A leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so that spreadsheets do not run it as a
/// formula (phone numbers in E.164 start with `+` and are left alone).
pub(crate) fn csv_field(value: &str) -> std::borrow::Cow<'_, str> {
    let formula = value.starts_with(['=', '-', '@']) || (value.starts_with('+') && !is_e164(value));
    if !formula && !value.contains([',', '"', '\n', '\r']) {
        return value.into();
    }
    let value = if formula { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", value.replace('"', "\"\"")).into()
}

fn is_e164(value: &str) -> bool {
    value.len() > 1 && value[1..].bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("+4930123456"), "+4930123456");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
        assert_eq!(csv_field("+1+1"), "\"'+1+1\"");
    }
}
