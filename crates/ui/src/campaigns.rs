//! `/api/v1/campaigns`: where campaigns stand (the full resource arrives
//! with the rest of issue #5).

use axum::Json;
use axum::extract::{Path, State};
use herald_store::{CampaignSummary, ContactEvent, Preflight, Role};

use crate::AppState;
use crate::auth::Principal;
use crate::error::Result;
use crate::input::parse_id;

/// `GET /api/v1/campaigns/{id}/summary` (viewer).
pub(crate) async fn summary(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CampaignSummary>> {
    principal.require(Role::Viewer)?;
    let id = parse_id(&id, "campaign")?;
    Ok(Json(state.store()?.campaign_summary(id).await?))
}

/// `GET /api/v1/contacts/{id}/history` (viewer): why the contact was or was
/// not called — its attempts and the decision log, oldest first.
pub(crate) async fn contact_history(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ContactEvent>>> {
    principal.require(Role::Viewer)?;
    let id = parse_id(&id, "contact")?;
    Ok(Json(state.store()?.contact_history(id).await?))
}

/// `GET /api/v1/campaigns/{id}/preflight` (viewer): "why is nothing
/// dialing?" — trunk, contacts due now and in each coming hour, recent
/// decisions, and the blockers found.
pub(crate) async fn preflight(
    principal: Principal,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Preflight>> {
    principal.require(Role::Viewer)?;
    let id = parse_id(&id, "campaign")?;
    Ok(Json(state.store()?.preflight(id).await?))
}
