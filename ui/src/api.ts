// Herald's REST API (/api/v1): types, fetch with the session's CSRF token,
// errors as ApiError, and uploads with progress.

export const API = "/api/v1";

export type Role = "admin" | "manager" | "viewer";

export interface User {
  id: number;
  email: string;
  display_name: string | null;
  role: Role;
  disabled: boolean;
  created_at: string;
}

export interface Trunk {
  id: number;
  name: string;
  host: string;
  port: number;
  transport: "udp" | "tcp";
  auth_username: string | null;
  cps_limit: number;
  max_lines: number;
  enabled: boolean;
}

export interface Prompt {
  id: number;
  name: string;
  filename: string;
  content_type: string;
  duration_ms: number;
  created_at: string;
}

export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "stopped" | "archived";

/** The same local hours for every number: weekday keys ("mon"…"sun") → ["HH:MM-HH:MM", …], plus "blackout_dates"; {} means any time. */
export type WeeklyWindow = Record<string, string[]>;

/** Each number's country default hours (GET /calling-hours/defaults), closed on the blackout dates too. */
export interface CountryDefaultsWindow {
  country_defaults: true;
  blackout_dates?: string[];
}

/** A campaign's local calling hours: any time ({}), one weekly window, or each number's country default. */
export type CallingWindow = WeeklyWindow | CountryDefaultsWindow;

export function usesCountryDefaults(window: CallingWindow | null | undefined): window is CountryDefaultsWindow {
  return (window as CountryDefaultsWindow | null | undefined)?.country_defaults === true;
}

/** One country's default hours; country_code 0: every country without hours of its own. */
export interface CountryHours {
  country_code: number;
  window: WeeklyWindow;
}

/** Outcome → {delay_secs} or null (never retried); missing outcomes take Herald's default. */
export type RetryRules = Record<string, { delay_secs: number } | null>;

export interface Campaign {
  id: number;
  name: string;
  status: CampaignStatus;
  trunk_id: number | null;
  /** Route through this trunk group instead of `trunk_id`. */
  trunk_group_id: number | null;
  prompt_id: number | null;
  /** Play this call script instead of `prompt_id`; null: play the prompt. */
  script_id: number | null;
  caller_id: string | null;
  /** Present a number from this pool (by its strategy) instead of `caller_id`. */
  caller_id_pool_id: number | null;
  max_attempts: number;
  ring_timeout_secs: number;
  cps_cap: number | null;
  concurrency_cap: number | null;
  timezone: string;
  calling_window: CallingWindow;
  retry_rules: RetryRules;
  whitelist_only: boolean;
  /** Cron expressions read in the campaign's time zone; the Scheduler follows them. */
  schedule_start_cron: string | null;
  schedule_stop_cron: string | null;
  starts_at: string | null;
  ends_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
}

export type Outcomes = Record<string, number>;

export interface Summary {
  campaign_id: number;
  status: CampaignStatus;
  contacts: number;
  queued: number;
  leased: number;
  done: number;
  outcomes: Outcomes;
  attempts: number;
  first_invite_at: string | null;
  last_ended_at: string | null;
}

/** A trunk as the preflight sees it, with the Talkers' last OPTIONS probe. */
export interface PreflightTrunk {
  id: number;
  name: string;
  enabled: boolean;
  cps_limit: number;
  max_lines: number;
  /** The Talkers' last OPTIONS probe of the trunk; null: not probed lately. */
  answers_options: boolean | null;
  /** What that probe saw, how long ago, from which node. */
  probe: string | null;
}

export interface Preflight {
  campaign_id: number;
  status: CampaignStatus;
  trunk: PreflightTrunk | null;
  /** The campaign's trunk group with each of its trunks (in routing order); null: not routed through a group. */
  trunk_group: { id: number; name: string; strategy: TrunkGroupStrategy; trunks: PreflightTrunk[] } | null;
  has_prompt: boolean;
  caller_id: string | null;
  /** The campaign's caller-ID pool as it stands today. */
  caller_ids: {
    pool_id: number;
    name: string;
    numbers: number;
    /** Enabled, not resting and under their daily cap: presentable now. */
    available: number;
    resting: number;
    at_daily_cap: number;
  } | null;
  /** Local calling hours are set. */
  calling_window: boolean;
  queued: number;
  due_now: number;
  /** Contacts becoming due in each of the next 24 hours (hour: UTC start). */
  due_by_hour: { hour: string; contacts: number }[];
  /** Why contacts were not dialed in the last hour, by reason. */
  recent_decisions: Record<string, number>;
  /** What stops the campaign from dialing right now. */
  blockers: string[];
}

export interface Import {
  id: number;
  campaign_id: number;
  state: "waiting" | "running" | "done" | "failed";
  bytes_read: number;
  rows_read: number;
  imported: number;
  duplicates: number;
  rejected: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface Attempt {
  id: number;
  contact_id: number;
  phone: string;
  attempt_no: number;
  outcome: string | null;
  sip_code: number | null;
  sip_reason: string | null;
  q850_cause: number | null;
  trunk_id: number | null;
  caller_id: string | null;
  invite_at: string | null;
  answered_at: string | null;
  ended_at: string | null;
  talk_ms: number | null;
  dtmf: string | null;
  amd_verdict: string | null;
  early_media: boolean | null;
  /** Keys collected by the call script's menus, by menu name (`{"confirm": "1"}`). */
  answers?: Record<string, string> | null;
  /** The person opted out at the script's opt-out step. */
  opted_out?: boolean;
  /** The script left its voicemail after a machine's beep. */
  voicemail_left?: boolean;
}

export interface Report {
  outcomes: Outcomes;
  by_minute: { minute: string; outcomes: Outcomes }[];
  sip_codes: Record<string, number>;
  average_talk_ms: number | null;
  /** Keys pressed at the script's gather steps: the gather's name, the digits, how many calls. */
  answers?: { name: string; value: string; count: number }[];
  /** Attempts on which the person opted out (at the script's opt_out step). */
  opted_out?: number;
  /** Attempts on which the script left a voicemail after a machine's beep. */
  voicemails_left?: number;
}

/** What a call script does when an answering machine picks up. */
export type OnMachine = "continue" | "hangup" | "leave_message";

/** One step of a call script; `gather` collects keys and branches on them. */
export type ScriptStep =
  | { type: "say"; text: string }
  | { type: "play"; prompt_id: number | null }
  | { type: "pause"; ms: number }
  | {
      type: "gather";
      /** The answer's name in the report ("confirm"). */
      name: string;
      prompt: ScriptStep[];
      max_digits: number;
      timeout_secs: number;
      attempts: number;
      finish_on_key: string | null;
      /** Keys pressed ("1", "12", "#") → the steps that follow them. */
      branches: Record<string, ScriptStep[]>;
      /** Played when no branch matches (or nothing was pressed). */
      otherwise: ScriptStep[];
    }
  | { type: "opt_out" }
  | { type: "hangup" };

export interface ScriptBody {
  /** An espeak-ng voice name ("en-us"); null: the server's default. */
  voice: string | null;
  on_machine: OnMachine;
  /** Played after the beep when `on_machine` is "leave_message". */
  voicemail: ScriptStep[];
  steps: ScriptStep[];
}

/** A call script: what a campaign plays to each person who answers. */
export interface Script {
  id: number;
  name: string;
  body: ScriptBody;
  created_at: string;
  updated_at: string;
}

export interface NumberList {
  id: number;
  name: string;
  kind: "black" | "white";
  /** null: applies to every campaign. */
  campaign_id: number | null;
  created_at: string;
}

/** The answer to a list's CSV upload. */
export interface ListUpload {
  written: number;
  /** The first 1,000 refused lines. */
  rejected: { line: number; message: string }[];
  rejected_count: number;
}

export interface ListEntry {
  pattern: string;
  is_prefix: boolean;
  reason: string | null;
  expires_at: string | null;
  created_at: string;
}

export type CallerIdStrategy = "fixed" | "round_robin" | "local_presence" | "least_used";

export interface CallerIdPool {
  id: number;
  name: string;
  strategy: CallerIdStrategy;
  created_at: string;
}

export interface CallerId {
  id: number;
  pool_id: number;
  number: string;
  /** Calls per day; null: no cap. */
  daily_cap: number | null;
  /** Not presented until then (its answer rate collapsed); past or null: available. */
  rested_until: string | null;
  enabled: boolean;
  /** Calls presenting it today (UTC). */
  used_today: number;
}

export interface CallerIdPoolDetail extends CallerIdPool {
  numbers: CallerId[];
}

export type TrunkGroupStrategy = "ordered" | "weighted";

export interface TrunkGroup {
  id: number;
  name: string;
  strategy: TrunkGroupStrategy;
  created_at: string;
}

export interface TrunkGroupMember {
  trunk_id: number;
  /** Ordered groups try lower positions first. */
  position: number;
  /** Weighted groups share calls in proportion to it (≥ 1). */
  weight: number;
  /** E.164 beginnings ("+4930"); empty: every number. */
  prefixes: string[];
}

export interface TrunkGroupDetail extends TrunkGroup {
  members: TrunkGroupMember[];
}

export interface Dashboard {
  campaigns: {
    id: number;
    name: string;
    status: CampaignStatus;
    trunk_id: number | null;
    contacts: number;
    queued: number;
    leased: number;
    done: number;
    outcomes: Outcomes;
    started_at: string | null;
  }[];
  /** lines_in_use is null when Redis does not answer. */
  trunks: { id: number; name: string; cps_limit: number; max_lines: number; enabled: boolean; lines_in_use: number | null }[];
}

/** One attempt as the live event stream carries it. */
export interface LiveAttempt {
  id: number;
  campaign_id: number;
  contact_id: number;
  phone: string;
  outcome: string;
  sip_code: number | null;
  trunk_id: number | null;
  talk_ms: number | null;
  ended_at: string | number | null;
  /** ms since the epoch when the attempt was committed. */
  written_at: number;
}

/** A Talker node's `tick` event. */
export interface Tick {
  node: string;
  at: number;
  interval_ms: number;
  active_calls: { total: number; by_trunk: Record<string, number>; by_campaign: Record<string, number> };
  dialed_by_trunk: Record<string, number>;
  attempts: LiveAttempt[];
}

export interface Webhook {
  id: number;
  url: string;
  /** null: every campaign. */
  campaign_id: number | null;
  enabled: boolean;
  created_at: string;
  /** Deliveries waiting for their (next) try. */
  pending: number;
  /** Deliveries given up on after every retry. */
  failed: number;
  delivered: number;
  last_error: string | null;
}

/** One delivery of an attempt to a webhook. */
export interface WebhookDelivery {
  id: number;
  attempt_id: number;
  /** Tries made since it was queued (or last retried by hand). */
  tries: number;
  /** The HTTP status the endpoint last answered; null: no answer yet (see last_error). */
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  /** Given up after every retry. */
  failed: boolean;
  /** When it is tried next; null once delivered or given up. */
  next_try_at: string | null;
}

/** The answer to creating a webhook: the secret is never shown again. */
export interface CreatedWebhook {
  id: number;
  secret: string;
}

export interface Items<T> {
  items: T[];
  next?: string | null;
}

/** An error answer from the API: `{"error": {code, message, fields}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    /** "GET /api/v1/…": which call failed. */
    readonly request = "",
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an API answer says the session is gone (401). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

function unsafe(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method);
}

async function errorFrom(response: Response, request: string): Promise<ApiError> {
  let code = "http_" + response.status;
  let message = `${response.status} ${response.statusText}`;
  let fields: Record<string, string> = {};
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      fields = body.error.fields ?? {};
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, code, message, fields, request);
}

function handleUnauthenticated(path: string, error: ApiError): void {
  if (error.status === 401 && !path.startsWith("/auth/") && onUnauthenticated) onUnauthenticated();
}

/**
 * One API call. `body`: a plain object is sent as JSON; a Blob (a File) is
 * sent raw with `contentType` (or the Blob's type).
 */
export async function api<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = contentType || body.type || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  if (unsafe(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(API + path, { method, headers, body: payload, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "network", `Herald did not answer (${(error as Error).message})`, {}, `${method} ${API}${path}`);
  }
  if (!response.ok) {
    const error = await errorFrom(response, `${method} ${API}${path}`);
    handleUnauthenticated(path, error);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * One API call whose answer is not JSON (audio): the body as a Blob with
 * its Content-Type. Errors as for `api`.
 */
export async function fetchBlob(method: string, path: string, body?: unknown): Promise<Blob> {
  const headers: Record<string, string> = { Accept: "audio/*, application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (unsafe(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const request = `${method} ${API}${path}`;
  let response: Response;
  try {
    response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "network", `Herald did not answer (${(error as Error).message})`, {}, request);
  }
  if (!response.ok) {
    const error = await errorFrom(response, request);
    handleUnauthenticated(path, error);
    throw error;
  }
  return response.blob();
}

/** The items of a list answer, whether it is `{items: […]}` or a bare array. */
export async function getList<T>(path: string): Promise<T[]> {
  const answer = await get<Items<T> | T[]>(path);
  return Array.isArray(answer) ? answer : answer.items;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);
export const del = <T>(path: string) => api<T>("DELETE", path);

/**
 * Sends `file` as the raw body of `method path` with XMLHttpRequest, so that
 * the bytes sent can be shown; resolves with the JSON answer.
 */
export function uploadWithProgress<T>(
  method: string,
  path: string,
  file: Blob,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, API + path);
    request.setRequestHeader("Content-Type", contentType);
    request.setRequestHeader("Accept", "application/json");
    if (csrfToken) request.setRequestHeader("X-CSRF-Token", csrfToken);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onerror = () => reject(new ApiError(0, "network", "the upload was interrupted"));
    request.onload = () => {
      let body: unknown = undefined;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (request.status >= 200 && request.status < 300) {
        resolve(body as T);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string; fields?: Record<string, string> } })?.error;
      const apiError = new ApiError(
        request.status,
        error?.code ?? "http_" + request.status,
        error?.message ?? `${request.status} ${request.statusText}`,
        error?.fields ?? {},
      );
      handleUnauthenticated(path, apiError);
      reject(apiError);
    };
    request.send(file);
  });
}

/** Every page of a paged list (`next` cursors), up to `limit` items. */
export async function getAll<T>(path: string, limit = 10_000): Promise<T[]> {
  const items: T[] = [];
  let after: string | null | undefined = undefined;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page: Items<T> = await get<Items<T>>(after ? `${path}${separator}after=${encodeURIComponent(after)}` : path);
    items.push(...page.items);
    after = page.next;
  } while (after && items.length < limit);
  return items;
}
