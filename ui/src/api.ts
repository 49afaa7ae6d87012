// Herald's REST API (/api/v1): types, fetch with the session's CSRF token,
// errors as ApiError, and uploads with progress.
//
// The types are the OpenAPI document's schemas (ui/openapi.json, what
// `herald openapi` prints), generated into api.gen.ts by `npm run generate`
// and named here for the rest of the UI. Written by hand are only what the
// document does not describe: the live event stream's ticks, and the shape
// of the fields it leaves as any JSON (calling hours, retry rules; a call
// script's body in replies), read through the `as…` functions below.
import type { components } from "./api.gen";

export const API = "/api/v1";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type User = Schemas["User"];
export type CampaignAction = Schemas["CampaignAction"];
export type LoginResponse = Schemas["LoginResponse"];
export type MeResponse = Schemas["MeResponse"];
export type Trunk = Schemas["Trunk"];
export type Prompt = Schemas["PromptInfo"];
export type Campaign = Schemas["Campaign"];
export type CountryHours = Schemas["CountryHours"];
export type Summary = Schemas["CampaignSummary"];
export type Outcomes = Summary["outcomes"];
/** A trunk as the preflight sees it, with the Talkers' last OPTIONS probe. */
export type PreflightTrunk = Schemas["PreflightTrunk"];
export type Preflight = Schemas["Preflight"];
export type Import = Schemas["Import"];
export type Attempt = Schemas["AttemptRow"];
export type AttemptPage = Schemas["AttemptPage"];
export type Report = Schemas["CampaignReport"];
/** A call script: what a campaign plays to each person who answers (its body: `asScriptBody`). */
export type Script = Schemas["CallScript"];
export type NumberList = Schemas["NumberList"];
/** The answer to a list's CSV upload. */
export type ListUpload = Schemas["ListUpload"];
export type ListEntry = Schemas["ListEntry"];
export type EntryPage = Schemas["EntryPage"];
export type CallerIdPool = Schemas["CallerIdPool"];
export type CallerId = Schemas["CallerId"];
export type CallerIdPoolDetail = Schemas["CallerIdPoolDetail"];
export type TrunkGroup = Schemas["TrunkGroup"];
export type TrunkGroupMember = Schemas["TrunkGroupMember"];
export type TrunkGroupDetail = Schemas["TrunkGroupDetail"];
export type Dashboard = Schemas["Dashboard"];
export type Webhook = Schemas["Webhook"];
/** One delivery of an attempt to a webhook. */
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** The answer to creating a webhook: the secret is never shown again. */
export type CreatedWebhook = Schemas["CreatedWebhook"];

/**
 * A list answer. The document names one schema per item type (`Items`,
 * `Items2`, …); they all have this shape.
 */
export interface Items<T> {
  items: T[];
}

// ---------------------------------------------------------------- what the document leaves as any JSON

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The same local hours for every number: weekday keys ("mon"…"sun") → ["HH:MM-HH:MM", …], plus "blackout_dates"; {} means any time. */
export type WeeklyWindow = Record<string, string[]>;

/** Each number's country default hours (GET /calling-hours/defaults), closed on the blackout dates too. */
export interface CountryDefaultsWindow {
  country_defaults: true;
  blackout_dates?: string[];
}

/** A campaign's local calling hours: any time ({}), one weekly window, or each number's country default. */
export type CallingWindow = WeeklyWindow | CountryDefaultsWindow;

/** `Campaign.calling_window` (any JSON in the document); anything but an object reads as any time. */
export function asCallingWindow(value: unknown): CallingWindow {
  return isObject(value) ? (value as CallingWindow) : {};
}

/** `CountryHours.window` (any JSON in the document): a weekly window. */
export function asWeeklyWindow(value: unknown): WeeklyWindow {
  return isObject(value) ? (value as WeeklyWindow) : {};
}

export function usesCountryDefaults(window: CallingWindow | null | undefined): window is CountryDefaultsWindow {
  return (window as CountryDefaultsWindow | null | undefined)?.country_defaults === true;
}

/** Outcome → {delay_secs} or null (never retried); missing outcomes take Herald's default. */
export type RetryRules = Record<string, { delay_secs: number } | null>;

/** `Campaign.retry_rules` (any JSON in the document). */
export function asRetryRules(value: unknown): RetryRules {
  return isObject(value) ? (value as RetryRules) : {};
}

/** Keys collected by the call script's menus on an attempt, by menu name (`{"confirm": "1"}`); `AttemptRow.answers` is any JSON in the document. */
export function asAnswers(value: unknown): Record<string, string> {
  return isObject(value) ? (value as Record<string, string>) : {};
}

/** What a call script does when an answering machine picks up. */
export type OnMachine = Schemas["OnMachine"];

/** One step of a call script; `gather` collects keys and branches on them. */
export type ScriptStep = Schemas["Step"];

/** A call script's body, as the API takes it (`CreateScriptRequest.body`). */
export type ScriptBody = Schemas["Script"];

/**
 * `CallScript.body` (any JSON in the document's reply, a `Script` in its
 * requests). Not checked here: the editor reads its steps and says what it
 * cannot read.
 */
export function asScriptBody(value: unknown): ScriptBody | null {
  return isObject(value) ? (value as unknown as ScriptBody) : null;
}

// ---------------------------------------------------------------- the live event stream (not in the document)

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
