// The campaign form's folded section: retry delays by outcome, the
// Scheduler's crons and bounds, and whitelist-only dialling.
import { asRetryRules, type Campaign, type RetryRules } from "../../api";
import { h } from "../../dom";
import { field, input } from "../../forms";

/** Outcomes a campaign may retry, with Herald's default delay (minutes). */
const RETRIABLE: [string, string, number][] = [
  ["busy", "Busy", 5],
  ["no_answer", "No answer", 15],
  ["failed", "Failed (carrier or network)", 2],
];

/** An instant as a datetime-local input's value, in the browser's time. */
function localInput(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function advanced(campaign: Campaign | null): HTMLElement {
  const retryRules = asRetryRules(campaign?.retry_rules);
  const set = Boolean(Object.keys(retryRules).length || campaign?.whitelist_only || campaign?.schedule_start_cron || campaign?.schedule_stop_cron || campaign?.starts_at || campaign?.ends_at);
  return h(
    "details",
    { class: "advanced", open: set },
    h("summary", null, "Retries, schedule and whitelist"),
    retries(retryRules),
    schedule(campaign),
    field("Only call numbers on a whitelist", input("whitelist_only", { type: "checkbox", checked: campaign?.whitelist_only ?? false }), "Lists page: a whitelist for this campaign or for every campaign."),
  );
}

function retries(retryRules: RetryRules): HTMLElement {
  const retryInputs = RETRIABLE.map(([key, name, minutes]) => {
    const rule = retryRules[key];
    const value = rule === null ? "never" : rule ? String(rule.delay_secs / 60) : "";
    return field(`${name}: retry after (minutes)`, input(`retry_${key}`, { value, placeholder: `default: ${minutes}`, autocomplete: "off" }));
  });
  return h(
    "fieldset",
    null,
    h("legend", null, "Retries"),
    h("p", { class: "hint" }, "Used when a contact has more than one attempt. Minutes, or “never”; empty keeps Herald's default."),
    h("div", { class: "row" }, retryInputs),
    h("p", { class: "field-error", "data-error-for": "retry_rules", hidden: true }),
  );
}

function schedule(campaign: Campaign | null): HTMLElement {
  return h(
    "fieldset",
    null,
    h("legend", null, "Schedule"),
    h("p", { class: "hint" }, "Optional: the Scheduler starts and pauses the campaign by these (after “Schedule”). Crons read in the campaign's time zone, e.g. 0 9 * * 1-5."),
    h(
      "div",
      { class: "row" },
      field("Start cron", input("schedule_start_cron", { value: campaign?.schedule_start_cron ?? "", placeholder: "0 9 * * 1-5", autocomplete: "off" })),
      field("Pause cron", input("schedule_stop_cron", { value: campaign?.schedule_stop_cron ?? "", placeholder: "0 18 * * 1-5", autocomplete: "off" })),
      field("Not before", input("starts_at", { type: "datetime-local", value: localInput(campaign?.starts_at) }), "Your browser's time."),
      field("Stop for good at", input("ends_at", { type: "datetime-local", value: localInput(campaign?.ends_at) }), "Your browser's time."),
    ),
    h("p", { class: "field-error", "data-error-for": "schedule", hidden: true }),
  );
}

/** The retry delays the form's values give, by outcome: minutes → seconds, "never" → null, empty left out. */
export function readRetryRules(data: Record<string, string>): RetryRules {
  const rules: RetryRules = {};
  for (const [key, name] of RETRIABLE) {
    const value = (data[`retry_${key}`] ?? "").toLowerCase();
    if (!value) continue;
    if (value === "never" || value === "no") rules[key] = null;
    else if (/^\d+(\.\d+)?$/.test(value)) rules[key] = { delay_secs: Math.round(Number(value) * 60) };
    else throw new Error(`${name}: “${value}” is neither a number of minutes nor “never”`);
  }
  return rules;
}

/** A datetime-local value as an instant; empty: null. */
export function readInstant(value: string | undefined): string | null {
  return value ? new Date(value).toISOString() : null;
}
