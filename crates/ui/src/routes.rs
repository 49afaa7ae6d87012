//! The API's one route table: each line names a route's method, path,
//! handler and [`Doc`] — its summary, the [`Role`] it needs, what it takes
//! and what it answers. [`api_routes`] serves it, putting the role check in
//! front of each handler as a layer (see [`require_role`]), and
//! [`crate::openapi::document`] describes it, so neither the roles nor the
//! description can drift from what is served.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use herald_store::Role;
use schemars::generate::SchemaGenerator;
use schemars::{JsonSchema, Schema};

use crate::auth::Principal;
use crate::error::Result;
use crate::patch::Changes;
use crate::{
    AppState, Items, audit, auth, caller_ids, campaigns, imports, lists, live, prompts, reports, scripts, tokens,
    trunk_groups, trunks, users, webhooks,
};

/// What a route takes.
#[derive(Clone, Copy)]
pub(crate) enum Request {
    None,
    /// A JSON body of this schema, derived from the request type the
    /// handler reads (or, for bodies applied field by field, that
    /// describes them).
    Json(fn(&mut SchemaGenerator) -> Schema),
    /// The raw body, of these media types.
    Raw(&'static [&'static str]),
}

/// What a route answers on success.
#[derive(Clone, Copy)]
pub(crate) enum Reply {
    Json(u16, fn(&mut SchemaGenerator) -> Schema),
    Empty(u16),
    /// A file or stream of this media type.
    Raw(&'static str),
}

/// One operation of the API.
#[derive(Clone, Copy)]
pub(crate) struct Doc {
    pub(crate) summary: &'static str,
    /// `None`: no credentials needed (sign-in).
    pub(crate) role: Option<Role>,
    pub(crate) request: Request,
    pub(crate) reply: Reply,
    /// Query parameters: name and description.
    pub(crate) query: &'static [(&'static str, &'static str)],
}

#[derive(Clone, Copy)]
pub(crate) struct Operation {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) doc: Doc,
}

pub(crate) fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

const fn doc(summary: &'static str, role: Option<Role>, reply: Reply) -> Doc {
    Doc { summary, role, request: Request::None, reply, query: &[] }
}

/// A JSON reply of `T` with status 200.
const fn ok<T: JsonSchema>() -> Reply {
    Reply::Json(200, schema_of::<T>)
}

const fn created<T: JsonSchema>() -> Reply {
    Reply::Json(201, schema_of::<T>)
}

const VIEWER: Option<Role> = Some(Role::Viewer);
const MANAGER: Option<Role> = Some(Role::Manager);
const ADMIN: Option<Role> = Some(Role::Admin);

impl Doc {
    const fn body<T: JsonSchema>(mut self) -> Doc {
        self.request = Request::Json(schema_of::<T>);
        self
    }

    const fn raw_body(mut self, types: &'static [&'static str]) -> Doc {
        self.request = Request::Raw(types);
        self
    }

    const fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Doc {
        self.query = query;
        self
    }
}

/// The route table: `method "path" => handler, doc;`.
macro_rules! api {
    ($( $method:ident $path:literal => $handler:expr, $doc:expr; )*) => {
        /// The API's routes (mounted under `/api/v1`), each behind the role
        /// check its [`Doc`] names.
        pub(crate) fn api_routes(state: &AppState) -> Router<AppState> {
            let router = Router::new();
            $( let router = router.route($path, guarded($method($handler), $doc.role, state)); )*
            router
        }

        /// The API's operations, as served by [`api_routes`].
        pub(crate) fn operations() -> Vec<Operation> {
            vec![ $( Operation { method: stringify!($method), path: $path, doc: $doc } ),* ]
        }
    };
}

/// What [`require_role`] needs: the state to authenticate against, and the
/// least role the route admits.
#[derive(Clone)]
struct RoleCheck {
    state: AppState,
    role: Role,
}

/// `route` behind the check for `role` (`None`: no credentials needed).
/// A route layer, so that a path's other methods still answer 405 without
/// credentials, as before.
fn guarded(route: MethodRouter<AppState>, role: Option<Role>, state: &AppState) -> MethodRouter<AppState> {
    match role {
        Some(role) => {
            route.route_layer(middleware::from_fn_with_state(RoleCheck { state: state.clone(), role }, require_role))
        }
        None => route,
    }
}

/// Authenticates the request ([`Principal`]: 401, or 403 `csrf`) and
/// refuses a principal whose role is below the route's (403 `forbidden`),
/// before the handler reads any input: a caller without the right role
/// learns nothing about what input would have been valid. The principal is
/// left in the request's extensions for the handler.
async fn require_role(State(check): State<RoleCheck>, request: axum::extract::Request, next: Next) -> Result<Response> {
    let (mut parts, body) = request.into_parts();
    let principal = Principal::from_request_parts(&mut parts, &check.state).await?;
    principal.require(check.role)?;
    Ok(next.run(axum::extract::Request::from_parts(parts, body)).await)
}

api! {
    post "/auth/login" => auth::login,
        doc("Sign in: sets the session cookie and returns the CSRF token", None, ok::<auth::LoginResponse>())
            .body::<auth::LoginRequest>();
    post "/auth/logout" => auth::logout, doc("Sign out (ends this session)", VIEWER, Reply::Empty(204));
    get "/auth/me" => auth::me, doc("Who is signed in, and the session's CSRF token", VIEWER, ok::<auth::MeResponse>());

    get "/users" => users::list, doc("List users", ADMIN, ok::<Items<herald_store::User>>());
    post "/users" => users::create, doc("Create a user", ADMIN, created::<herald_store::User>())
            .body::<users::CreateUserRequest>();
    get "/users/{id}" => users::get, doc("A user", ADMIN, ok::<herald_store::User>());
    patch "/users/{id}" => users::update,
        doc("Change a user's role, name or password, or disable them", ADMIN, ok::<herald_store::User>())
            .body::<users::UpdateUserRequest>();

    get "/tokens" => tokens::list,
        doc("API tokens (yours; admins: anyone's with user_id)", VIEWER, ok::<Items<herald_store::ApiToken>>())
            .query(&[("user_id", "admins only: that user's tokens")]);
    post "/tokens" => tokens::create,
        doc("Create an API token; its secret is shown once", MANAGER, created::<tokens::CreatedToken>())
            .body::<tokens::CreateTokenRequest>();
    delete "/tokens/{id}" => tokens::revoke, doc("Revoke an API token", MANAGER, Reply::Empty(204));

    get "/audit" => audit::list,
        doc("The audit log, newest first", ADMIN, ok::<audit::AuditPage>()).query(&[
            ("before", "the previous page's next_before"),
            ("limit", "1 to 500 (default 100)"),
            ("entity", "e.g. campaign, trunk, user"),
            ("entity_id", "with entity"),
            ("actor_user_id", "changes made by this user"),
        ]);

    get "/trunks" => trunks::list, doc("List the carriers' SIP trunks", VIEWER, ok::<Items<herald_store::Trunk>>());
    post "/trunks" => trunks::create, doc("Add a trunk", MANAGER, created::<herald_store::Trunk>())
            .body::<trunks::CreateTrunkRequest>();
    get "/trunks/{id}" => trunks::get, doc("A trunk", VIEWER, ok::<herald_store::Trunk>());
    patch "/trunks/{id}" => trunks::update,
        doc("Change a trunk (any field of create)", MANAGER, ok::<herald_store::Trunk>())
            .body::<Changes<trunks::CreateTrunkRequest>>();
    delete "/trunks/{id}" => trunks::remove,
        doc("Remove a trunk no campaign uses (409 otherwise)", MANAGER, Reply::Empty(204));

    get "/trunk-groups" => trunk_groups::list,
        doc("Trunk groups", VIEWER, ok::<Items<herald_store::TrunkGroup>>());
    post "/trunk-groups" => trunk_groups::create,
        doc("Create a trunk group", MANAGER, created::<herald_store::TrunkGroup>())
            .body::<trunk_groups::CreateGroupRequest>();
    get "/trunk-groups/{id}" => trunk_groups::get,
        doc("A trunk group and its members", VIEWER, ok::<herald_store::TrunkGroupDetail>());
    patch "/trunk-groups/{id}" => trunk_groups::update,
        doc("Rename a trunk group or change its strategy", MANAGER, ok::<herald_store::TrunkGroup>())
            .body::<Changes<trunk_groups::UpdateGroupRequest>>();
    delete "/trunk-groups/{id}" => trunk_groups::remove,
        doc("Remove a trunk group no campaign uses (409 otherwise)", MANAGER, Reply::Empty(204));
    put "/trunk-groups/{id}/members/{trunk_id}" => trunk_groups::put_member,
        doc("Add a trunk to the group, or change its position, weight or prefixes", MANAGER, Reply::Empty(204))
            .body::<trunk_groups::PutMemberRequest>();
    delete "/trunk-groups/{id}/members/{trunk_id}" => trunk_groups::remove_member,
        doc("Remove a trunk from the group", MANAGER, Reply::Empty(204));

    get "/prompts" => prompts::list, doc("List prompts", VIEWER, ok::<Items<herald_store::PromptInfo>>());
    post "/prompts" => prompts::create,
        doc("Upload a prompt: the audio file is the body", MANAGER, created::<herald_store::PromptInfo>())
            .raw_body(&["audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "application/octet-stream"])
            .query(&[("name", "required: the prompt's name"), ("filename", "required: ends in .wav, .mp3, .ogg or .flac")]);
    get "/prompts/{id}" => prompts::get, doc("A prompt", VIEWER, ok::<herald_store::PromptInfo>());
    delete "/prompts/{id}" => prompts::remove,
        doc("Remove a prompt no campaign uses (409 otherwise)", MANAGER, Reply::Empty(204));
    get "/prompts/{id}/audio" => prompts::audio, doc("The prompt's file, as uploaded", VIEWER, Reply::Raw("audio/*"));

    get "/scripts" => scripts::list, doc("List call scripts", VIEWER, ok::<Items<herald_store::CallScript>>());
    post "/scripts" => scripts::create,
        doc("Create a call script (checked: each problem at its body.path)", MANAGER, created::<herald_store::CallScript>())
            .body::<scripts::CreateScriptRequest>();
    get "/scripts/{id}" => scripts::get, doc("A call script", VIEWER, ok::<herald_store::CallScript>());
    patch "/scripts/{id}" => scripts::update,
        doc("Change a call script's name or body", MANAGER, ok::<herald_store::CallScript>())
            .body::<Changes<scripts::CreateScriptRequest>>();
    delete "/scripts/{id}" => scripts::remove,
        doc("Remove a call script no campaign plays (409 otherwise)", MANAGER, Reply::Empty(204));
    post "/speech/preview" => scripts::preview,
        doc("Text spoken by the node's text-to-speech engine, as the call carries it", MANAGER, Reply::Raw("audio/wav"))
            .body::<scripts::SpeechPreviewRequest>();

    get "/calling-hours/defaults" => campaigns::default_hours,
        doc("Each country's default local calling hours (calling_window {\"country_defaults\": true})", VIEWER, ok::<Items<campaigns::CountryHours>>());
    get "/campaigns" => campaigns::list,
        doc("List campaigns, newest first", VIEWER, ok::<Items<herald_store::Campaign>>())
            .query(&[("status", "only this status (archived campaigns are listed only this way)")]);
    post "/campaigns" => campaigns::create,
        doc("Create a campaign (a draft)", MANAGER, created::<herald_store::Campaign>())
            .body::<campaigns::CreateCampaignRequest>();
    get "/campaigns/{id}" => campaigns::get, doc("A campaign", VIEWER, ok::<herald_store::Campaign>());
    patch "/campaigns/{id}" => campaigns::update,
        doc("Change a campaign (any field of create)", MANAGER, ok::<herald_store::Campaign>())
            .body::<Changes<campaigns::CreateCampaignRequest>>();
    post "/campaigns/{id}/clone" => campaigns::clone,
        doc("A new draft with the campaign's settings, no contacts", MANAGER, created::<herald_store::Campaign>());
    post "/campaigns/{id}/{action}" => campaigns::action,
        doc(
            "Lifecycle: action is start, schedule, pause, resume, stop or archive (409 when it does not apply)",
            MANAGER,
            ok::<herald_store::Campaign>(),
        );
    get "/campaigns/{id}/summary" => campaigns::summary,
        doc("Contacts by state and final outcome", VIEWER, ok::<herald_store::CampaignSummary>());
    get "/campaigns/{id}/preflight" => campaigns::preflight,
        doc("Why is nothing dialing? Trunk, due contacts, recent decisions, blockers", VIEWER, ok::<herald_store::Preflight>());
    get "/campaigns/{id}/report" => reports::report,
        doc("Attempts by outcome, per minute and by SIP code", VIEWER, ok::<herald_store::CampaignReport>());
    get "/campaigns/{id}/attempts" => reports::attempts,
        doc("The campaign's attempts, a page at a time", VIEWER, ok::<reports::AttemptPage>()).query(&[
            ("outcome", "answered, busy, no_answer, rejected, failed, machine, lost_with_node or open"),
            ("phone", "numbers starting with this"),
            ("after", "the previous page's next"),
            ("limit", "1 to 1000 (default 50)"),
        ]);
    get "/campaigns/{id}/attempts.csv" => reports::attempts_csv,
        doc("Every attempt as CSV, streamed", VIEWER, Reply::Raw("text/csv"))
            .query(&[("outcome", "as for attempts"), ("phone", "as for attempts")]);
    get "/campaigns/{id}/imports" => imports::list,
        doc("The campaign's contact imports, newest first", VIEWER, ok::<Items<herald_store::Import>>());
    post "/campaigns/{id}/imports" => imports::create,
        doc("Start a contact import: the column mapping (then PUT its data)", MANAGER, created::<herald_store::Import>())
            .body::<imports::CreateImportRequest>();
    get "/imports/{id}" => imports::get, doc("An import and its progress", VIEWER, ok::<herald_store::Import>());
    put "/imports/{id}/data" => imports::upload,
        doc("The CSV file, streamed in; answers when it is imported", MANAGER, ok::<herald_store::Import>())
            .raw_body(&["text/csv"]);
    get "/imports/{id}/errors.csv" => imports::errors_csv,
        doc("The rows the import refused: line,message", VIEWER, Reply::Raw("text/csv"));
    get "/contacts/{id}/history" => campaigns::contact_history,
        doc("A contact's attempts and the decisions about it", VIEWER, ok::<Vec<herald_store::ContactEvent>>());

    get "/lists" => lists::list, doc("Black and white lists", VIEWER, ok::<Items<herald_store::NumberList>>());
    post "/lists" => lists::create,
        doc("Create a list (global, or for one campaign)", MANAGER, created::<herald_store::NumberList>())
            .body::<lists::CreateListRequest>();
    get "/lists/{id}" => lists::get, doc("A list", VIEWER, ok::<herald_store::NumberList>());
    patch "/lists/{id}" => lists::update,
        doc("Rename a list (its kind and campaign cannot change)", MANAGER, ok::<herald_store::NumberList>())
            .body::<Changes<lists::UpdateListRequest>>();
    delete "/lists/{id}" => lists::remove, doc("Remove a list and its entries", MANAGER, Reply::Empty(204));
    get "/lists/{id}/entries" => lists::entries,
        doc("A list's entries in number order, a page at a time", VIEWER, ok::<lists::EntryPage>()).query(&[
            ("search", "entries starting with this, e.g. +4930"),
            ("after", "the previous page's next"),
            ("limit", "1 to 1000 (default 50)"),
        ]);
    post "/lists/{id}/entries" => lists::add_entry,
        doc("Add (or update) an entry", MANAGER, Reply::Empty(201)).body::<lists::AddEntryRequest>();
    delete "/lists/{id}/entries/{pattern}" => lists::remove_entry,
        doc("Remove an entry (the pattern URL-encoded)", MANAGER, Reply::Empty(204));
    put "/lists/{id}/data" => lists::upload,
        doc(
            "Bulk upload, CSV: pattern[,reason] per line; a trailing * makes a prefix",
            MANAGER,
            ok::<lists::ListUpload>(),
        )
        .raw_body(&["text/csv"]);
    post "/opt-outs" => lists::opt_out,
        doc("Never call this number again (the global opt-out blacklist)", MANAGER, Reply::Empty(201))
            .body::<lists::OptOutRequest>();

    get "/caller-id-pools" => caller_ids::list,
        doc("Caller-ID pools", VIEWER, ok::<Items<herald_store::CallerIdPool>>());
    post "/caller-id-pools" => caller_ids::create,
        doc("Create a caller-ID pool", MANAGER, created::<herald_store::CallerIdPool>())
            .body::<caller_ids::CreatePoolRequest>();
    get "/caller-id-pools/{id}" => caller_ids::get,
        doc("A pool with its numbers and their calls today", VIEWER, ok::<herald_store::CallerIdPoolDetail>());
    patch "/caller-id-pools/{id}" => caller_ids::update,
        doc("Rename a caller-ID pool or change its strategy", MANAGER, ok::<herald_store::CallerIdPool>())
            .body::<Changes<caller_ids::UpdatePoolRequest>>();
    delete "/caller-id-pools/{id}" => caller_ids::remove,
        doc("Remove a caller-ID pool and its numbers, if no campaign uses it (409 otherwise)", MANAGER, Reply::Empty(204));
    put "/caller-id-pools/{id}/numbers/{number}" => caller_ids::put_number,
        doc("Add a number (E.164, URL-encoded) to the pool, or change it", MANAGER, Reply::Empty(204))
            .body::<caller_ids::PutNumberRequest>();
    delete "/caller-id-pools/{id}/numbers/{number}" => caller_ids::remove_number,
        doc("Remove a number from the pool", MANAGER, Reply::Empty(204));

    get "/webhooks" => webhooks::list,
        doc("Webhooks on attempt outcomes, with their delivery counts", MANAGER, ok::<Items<herald_store::Webhook>>());
    post "/webhooks" => webhooks::create,
        doc(
            "Add a webhook: every finished attempt is POSTed to it as JSON, signed (X-Herald-Signature: sha256=HMAC)",
            MANAGER,
            created::<webhooks::CreatedWebhook>(),
        )
        .body::<webhooks::CreateWebhookRequest>();
    patch "/webhooks/{id}" => webhooks::update,
        doc(
            "Change a webhook's URL or campaign, or disable it (its queued deliveries then wait)",
            MANAGER,
            ok::<herald_store::Webhook>(),
        )
        .body::<Changes<webhooks::UpdateWebhookRequest>>();
    delete "/webhooks/{id}" => webhooks::remove, doc("Remove a webhook", MANAGER, Reply::Empty(204));
    get "/webhooks/{id}/deliveries" => webhooks::deliveries,
        doc(
            "The webhook's latest deliveries, newest first: tries, last status and error, when tried next",
            MANAGER,
            ok::<Items<herald_store::WebhookDelivery>>(),
        )
        .query(&[("limit", "1 to 500 (default 50)")]);
    post "/webhooks/{id}/deliveries/{delivery_id}/retry" => webhooks::retry,
        doc(
            "Try a delivery again now, its tries counted afresh (409 if it was delivered)",
            MANAGER,
            ok::<herald_store::WebhookDelivery>(),
        );

    get "/dashboard" => live::dashboard,
        doc("Campaigns' progress and trunks' lines in use, now", VIEWER, ok::<herald_store::Dashboard>());
    get "/events" => live::events,
        doc(
            "Live ticks (Server-Sent Events, event: tick, data: Tick); resumes after Last-Event-ID",
            VIEWER,
            Reply::Raw("text/event-stream"),
        )
        .query(&[("campaign", "only this campaign's attempts")]);
}

/// `(method, path under /api/v1, role needed)` of every operation; `None`:
/// no credentials needed.
pub fn routes() -> Vec<(&'static str, &'static str, Option<Role>)> {
    operations().into_iter().map(|operation| (operation.method, operation.path, operation.doc.role)).collect()
}
