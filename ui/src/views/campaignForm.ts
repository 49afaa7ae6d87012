// The campaign form, for creating and editing: dialling settings and the
// local calling hours (any time; one weekly window of weekday ×
// "HH:MM-HH:MM" ranges; or each number's country default), plus blackout
// dates.
import {
  ApiError,
  get,
  getList,
  usesCountryDefaults,
  type Campaign,
  type CallerIdPool,
  type CallingWindow,
  type CountryHours,
  type Items,
  type Prompt,
  type Script,
  type Trunk,
  type TrunkGroup,
  type WeeklyWindow,
} from "../api";
import { h } from "../dom";
import { field, formAlert, input, optionalNumber, select, values } from "../forms";
import { strategyText } from "./callerIds";
import { groupStrategyText } from "./trunkGroups";

const WEEKDAYS: [string, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
/** Herald's key for the dates the window stays shut. */
const BLACKOUT_KEY = "blackout_dates";
const RANGE = /^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;

/** How a campaign's local calling hours are set. */
type HoursMode = "any" | "weekly" | "country";

function hoursMode(window: CallingWindow | null | undefined): HoursMode {
  if (usesCountryDefaults(window)) return "country";
  return window && Object.keys(window).length ? "weekly" : "any";
}

/** "09:00-20:00" → "09:00–20:00". */
function rangeText(range: string): string {
  return range.replace("-", "–");
}

/**
 * A weekly window in a few words: runs of days with the same hours,
 * closed days left out ("Mon–Fri 10:00–13:00, 14:00–20:00 · Sat 10:00–14:00").
 */
export function describeWeek(window: WeeklyWindow): string {
  const runs: { first: string; last: string; hours: string }[] = [];
  for (const [key] of WEEKDAYS) {
    const hours = (window[key] ?? []).map(rangeText).join(", ");
    const previous = runs[runs.length - 1];
    if (previous && previous.hours === hours && hours) previous.last = key;
    else runs.push({ first: key, last: key, hours });
  }
  const short = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
  const open = runs.filter((run) => run.hours);
  if (!open.length) return "closed every day";
  return open.map((run) => `${short(run.first)}${run.last === run.first ? "" : `–${short(run.last)}`} ${run.hours}`).join(" · ");
}

/** "+1", or "every other country" for code 0. */
export function countryText(code: number): string {
  return code === 0 ? "every other country" : `+${code}`;
}

/** Each country's default hours as one line: "+1: Mon–Sat 09:00–20:00; +7: …; every other country: …". */
export function describeDefaults(defaults: CountryHours[]): string {
  return defaults.map((entry) => `${countryText(entry.country_code)}: ${describeWeek(entry.window)}`).join("; ");
}

/** The campaign's calling hours in words: which mode, the hours of a weekly window, the blackout dates. */
export function describeCallingHours(window: CallingWindow | null | undefined): string {
  const mode = hoursMode(window);
  if (mode === "any" || !window) return "any time";
  const blackout = window.blackout_dates ?? [];
  const closed = blackout.length ? `; no calls on ${blackout.join(", ")}` : "";
  if (mode === "country") return `each number's country default hours${closed}`;
  return `the same hours for every number: ${describeWeek(window as WeeklyWindow)}${closed}`;
}

/** The defaults as a compact read-only table. */
function defaultsTable(defaults: CountryHours[]): HTMLElement {
  return h(
    "table",
    { class: "compact", "data-testid": "default-hours" },
    h("caption", null, "Each country's default hours (local time of the number)"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Numbers starting"), h("th", { scope: "col" }, "Calls only"))),
    h(
      "tbody",
      null,
      defaults.map((entry) => h("tr", null, h("th", { scope: "row" }, countryText(entry.country_code)), h("td", null, describeWeek(entry.window)))),
    ),
  );
}

/** Herald's country default hours; null when it does not list them. */
async function countryDefaults(): Promise<CountryHours[] | null> {
  try {
    return await getList<CountryHours>("/calling-hours/defaults");
  } catch {
    return null;
  }
}

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Tokyo"];
  }
}

/** Outcomes a campaign may retry, with Herald's default delay (minutes). */
const RETRIABLE: [string, string, number][] = [
  ["busy", "Busy", 5],
  ["no_answer", "No answer", 15],
  ["failed", "Failed (carrier or network)", 2],
];

function localInput(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export interface CampaignFormParts {
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  /** The JSON body for POST/PATCH /campaigns; throws a field error for unreadable calling hours. */
  body(): Record<string, unknown>;
}

/** The call scripts a campaign may play; none where this Herald has no scripts yet (404). */
async function callScripts(): Promise<Script[]> {
  try {
    return await getList<Script>("/scripts");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}

export async function campaignForm(campaign: Campaign | null, submitText: string): Promise<CampaignFormParts> {
  const [trunks, prompts, pools, groups, scripts, defaults] = await Promise.all([
    get<Items<Trunk>>("/trunks"),
    get<Items<Prompt>>("/prompts"),
    get<Items<CallerIdPool>>("/caller-id-pools"),
    get<Items<TrunkGroup>>("/trunk-groups"),
    callScripts(),
    countryDefaults(),
  ]);
  const trunkSelect = select(
    "trunk_id",
    [{ value: "", text: trunks.items.length ? "— choose a trunk —" : "— no trunks yet —" }, ...trunks.items.map((trunk) => ({ value: String(trunk.id), text: `${trunk.name} (${trunk.host}:${trunk.port})${trunk.enabled ? "" : " — disabled"}` }))],
    campaign?.trunk_id != null ? String(campaign.trunk_id) : trunks.items.length === 1 ? String(trunks.items[0].id) : "",
  );
  const groupSelect = select(
    "trunk_group_id",
    [{ value: "", text: groups.items.length ? "— choose a trunk group —" : "— no trunk groups yet —" }, ...groups.items.map((group) => ({ value: String(group.id), text: `${group.name} (${groupStrategyText(group.strategy).toLowerCase()})` }))],
    campaign?.trunk_group_id != null ? String(campaign.trunk_group_id) : groups.items.length === 1 ? String(groups.items[0].id) : "",
  );
  // Route through one trunk or a trunk group: one radio each, and the select that goes with it.
  const viaGroup = campaign?.trunk_group_id != null;
  const routeTrunk = input("route", { type: "radio", value: "trunk", checked: !viaGroup });
  const routeGroup = input("route", { type: "radio", value: "group", checked: viaGroup });
  const trunkField = field("Trunk", trunkSelect, trunks.items.length ? "The carrier trunk the calls go through." : "Add a trunk first (Trunks page).");
  const groupField = field(
    "Trunk group",
    groupSelect,
    groups.items.length ? "Calls go through the group's trunks, by prefix and position or weight, moving on to the next trunk when one fails." : "Create a group first (Trunk groups page).",
  );
  const showRoute = () => {
    trunkField.hidden = !routeTrunk.checked;
    groupField.hidden = !routeGroup.checked;
  };
  routeTrunk.addEventListener("change", showRoute);
  routeGroup.addEventListener("change", showRoute);
  showRoute();
  const promptSelect = select(
    "prompt_id",
    [{ value: "", text: prompts.items.length ? "— choose a prompt —" : "— no prompts yet —" }, ...prompts.items.map((prompt) => ({ value: String(prompt.id), text: `${prompt.name} (${(prompt.duration_ms / 1000).toFixed(1)} s)` }))],
    campaign?.prompt_id != null ? String(campaign.prompt_id) : prompts.items.length === 1 ? String(prompts.items[0].id) : "",
  );
  const scriptSelect = select(
    "script_id",
    [{ value: "", text: "none (play the prompt)" }, ...scripts.map((script) => ({ value: String(script.id), text: script.name }))],
    campaign?.script_id != null ? String(campaign.script_id) : "",
  );
  const promptHint = prompts.items.length ? "The message played when someone answers." : "Upload a prompt first (Prompts page).";
  const promptField = field("Prompt", promptSelect, promptHint);
  const scriptField = field(
    "Script",
    scriptSelect,
    scripts.length ? "Spoken text with the contact's details, keypress menus, opt-out: played instead of the prompt." : "Write one on the Scripts page to speak to each contact, ask for keys or offer opt-out.",
  );
  // With a script, the prompt is not played: say so next to it.
  const showPromptUse = () => {
    const hint = promptField.querySelector<HTMLElement>(".hint");
    if (hint) hint.textContent = scriptSelect.value ? "Not played while a script is chosen: the script's own steps play." : promptHint;
  };
  scriptSelect.addEventListener("change", showPromptUse);
  showPromptUse();
  const poolSelect = select(
    "caller_id_pool_id",
    [{ value: "", text: "none" }, ...pools.items.map((pool) => ({ value: String(pool.id), text: `${pool.name} (${strategyText(pool.strategy).toLowerCase()})` }))],
    campaign?.caller_id_pool_id != null ? String(campaign.caller_id_pool_id) : "",
  );
  const zoneList = h("datalist", { id: "timezones" }, timeZones().map((zone) => h("option", { value: zone })));

  const saved: CallingWindow = campaign?.calling_window ?? {};
  const savedMode = hoursMode(saved);
  const weekly: WeeklyWindow = savedMode === "weekly" ? (saved as WeeklyWindow) : {};
  const modeRadios: Record<HoursMode, HTMLInputElement> = {
    any: input("calling_hours", { type: "radio", value: "any", checked: savedMode === "any" }),
    weekly: input("calling_hours", { type: "radio", value: "weekly", checked: savedMode === "weekly" }),
    country: input("calling_hours", { type: "radio", value: "country", checked: savedMode === "country" }),
  };
  const dayInputs = WEEKDAYS.map(([key, name]) => {
    const ranges = savedMode === "weekly" ? (weekly[key] ?? []).join(", ") : ["sat", "sun"].includes(key) ? "" : "09:00-20:00";
    return field(name, input(`window_${key}`, { value: ranges, placeholder: "closed" }));
  });
  const blackout = (saved.blackout_dates ?? (saved as WeeklyWindow).holidays ?? []).join(", ");
  const weekEditor = h(
    "div",
    { class: "window-editor" },
    h("p", { class: "hint" }, "Local time of each contact. Ranges like 09:00-12:00, 14:00-20:00; leave a day empty to never call on it."),
    h("div", { class: "days" }, dayInputs),
  );
  const defaultsBox = h(
    "div",
    { class: "window-defaults" },
    h("p", { class: "hint" }, "Each contact is called only within the default hours of its number's country, in its local time."),
    defaults ? defaultsTable(defaults) : h("p", { class: "muted" }, "Herald did not list its default hours."),
  );
  const blackoutField = field("No calls on these dates", input("window_blackout", { value: blackout, placeholder: "2026-12-25, 2027-01-01" }), "Holidays, as YYYY-MM-DD separated by commas.");
  const showHours = () => {
    weekEditor.hidden = !modeRadios.weekly.checked;
    defaultsBox.hidden = !modeRadios.country.checked;
    blackoutField.hidden = modeRadios.any.checked;
  };
  Object.values(modeRadios).forEach((radio) => radio.addEventListener("change", showHours));
  showHours();

  const retryRules = campaign?.retry_rules ?? {};
  const retryInputs = RETRIABLE.map(([key, name, minutes]) => {
    const rule = retryRules[key];
    const value = rule === null ? "never" : rule ? String(rule.delay_secs / 60) : "";
    return field(`${name}: retry after (minutes)`, input(`retry_${key}`, { value, placeholder: `default: ${minutes}`, autocomplete: "off" }));
  });
  const advancedSet = Boolean(Object.keys(retryRules).length || campaign?.whitelist_only || campaign?.schedule_start_cron || campaign?.schedule_stop_cron || campaign?.starts_at || campaign?.ends_at);
  const advanced = h(
    "details",
    { class: "advanced", open: advancedSet },
    h("summary", null, "Retries, schedule and whitelist"),
    h(
      "fieldset",
      null,
      h("legend", null, "Retries"),
      h("p", { class: "hint" }, "Used when a contact has more than one attempt. Minutes, or “never”; empty keeps Herald's default."),
      h("div", { class: "row" }, retryInputs),
      h("p", { class: "field-error", "data-error-for": "retry_rules", hidden: true }),
    ),
    h(
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
    ),
    field("Only call numbers on a whitelist", input("whitelist_only", { type: "checkbox", checked: campaign?.whitelist_only ?? false }), "Lists page: a whitelist for this campaign or for every campaign."),
  );

  const submit = h("button", { type: "submit", class: "primary" }, submitText);
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    formAlert(),
    h(
      "fieldset",
      null,
      h("legend", null, "What to call with"),
      field("Name", input("name", { required: true, value: campaign?.name ?? "", autocomplete: "off" })),
      h(
        "fieldset",
        { class: "route" },
        h("legend", null, "Route through"),
        h("div", { class: "choices" }, field("A single trunk", routeTrunk), field("A trunk group", routeGroup)),
        trunkField,
        groupField,
      ),
      h("div", { class: "row" }, promptField, scriptField),
      h(
        "div",
        { class: "row" },
        field("Caller ID", input("caller_id", { value: campaign?.caller_id ?? "", placeholder: "+12025550100", autocomplete: "off" }), "The number people see, in E.164."),
        field("Caller ID pool", poolSelect, pools.items.length ? "A pool overrides the fixed caller ID." : "A pool overrides the fixed caller ID. Add pools on the Caller IDs page."),
      ),
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "How to dial"),
      h(
        "div",
        { class: "row" },
        field("Max attempts per contact", input("max_attempts", { type: "number", min: 1, max: 20, value: campaign?.max_attempts ?? 1 })),
        field("Ring timeout (seconds)", input("ring_timeout_secs", { type: "number", min: 5, max: 300, value: campaign?.ring_timeout_secs ?? 30 })),
        field("Calls per second cap", input("cps_cap", { type: "number", min: 0, step: "any", value: campaign?.cps_cap ?? "", placeholder: "trunk's limit" })),
        field("Concurrent calls cap", input("concurrency_cap", { type: "number", min: 1, value: campaign?.concurrency_cap ?? "", placeholder: "trunk's lines" })),
      ),
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "When to call"),
      field("Time zone", input("timezone", { value: campaign?.timezone ?? "UTC", list: "timezones", autocomplete: "off" }), "For schedules; calling hours follow each contact's own zone."),
      zoneList,
      h(
        "fieldset",
        { class: "route", "data-testid": "calling-hours-mode" },
        h("legend", null, "Local calling hours"),
        h(
          "div",
          { class: "choices" },
          field("Any time", modeRadios.any),
          field("The same hours for every number", modeRadios.weekly),
          field("Each number's country default hours", modeRadios.country),
        ),
        h("p", { class: "field-error", "data-error-for": "calling_window", hidden: true }),
        weekEditor,
        defaultsBox,
        blackoutField,
      ),
    ),
    advanced,
    h("div", { class: "actions" }, submit),
  );

  /** The calling hours the form describes; a range or date that cannot be read is its field's error. */
  function callingWindow(): CallingWindow {
    const data = values(form);
    const mode = (data.calling_hours ?? "any") as HoursMode;
    if (mode === "any") return {};
    const dates = (data.window_blackout ?? "").split(/[,\s]+/).filter(Boolean);
    for (const date of dates) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ApiError(400, "invalid", "Check the blackout dates.", { window_blackout: `“${date}” is not a date like 2026-12-25` });
    }
    if (mode === "country") return dates.length ? { country_defaults: true, [BLACKOUT_KEY]: dates } : { country_defaults: true };
    const result: WeeklyWindow = {};
    for (const [key, name] of WEEKDAYS) {
      const ranges = (data[`window_${key}`] ?? "").split(/[,\s]+/).filter(Boolean);
      for (const range of ranges) {
        if (!RANGE.test(range)) throw new ApiError(400, "invalid", `Check the hours of ${name}.`, { [`window_${key}`]: `“${range}” is not a range like 09:00-17:00` });
      }
      result[key] = ranges;
    }
    if (dates.length) result[BLACKOUT_KEY] = dates;
    return result;
  }

  function retries(data: Record<string, string>): Record<string, { delay_secs: number } | null> {
    const rules: Record<string, { delay_secs: number } | null> = {};
    for (const [key, name] of RETRIABLE) {
      const value = (data[`retry_${key}`] ?? "").toLowerCase();
      if (!value) continue;
      if (value === "never" || value === "no") rules[key] = null;
      else if (/^\d+(\.\d+)?$/.test(value)) rules[key] = { delay_secs: Math.round(Number(value) * 60) };
      else throw new Error(`${name}: “${value}” is neither a number of minutes nor “never”`);
    }
    return rules;
  }

  function instant(value: string | undefined): string | null {
    return value ? new Date(value).toISOString() : null;
  }

  function body(): Record<string, unknown> {
    const data = values(form);
    // The route not chosen is cleared: a campaign uses one or the other.
    const group = data.route === "group";
    return {
      name: data.name,
      trunk_id: !group && data.trunk_id ? Number(data.trunk_id) : null,
      trunk_group_id: group && data.trunk_group_id ? Number(data.trunk_group_id) : null,
      prompt_id: data.prompt_id ? Number(data.prompt_id) : null,
      script_id: data.script_id ? Number(data.script_id) : null,
      caller_id: data.caller_id || null,
      caller_id_pool_id: data.caller_id_pool_id ? Number(data.caller_id_pool_id) : null,
      max_attempts: optionalNumber(data.max_attempts) ?? 1,
      ring_timeout_secs: optionalNumber(data.ring_timeout_secs) ?? 30,
      cps_cap: optionalNumber(data.cps_cap) ?? null,
      concurrency_cap: optionalNumber(data.concurrency_cap) ?? null,
      timezone: data.timezone || "UTC",
      calling_window: callingWindow(),
      retry_rules: retries(data),
      whitelist_only: data.whitelist_only === "on",
      schedule_start_cron: data.schedule_start_cron || null,
      schedule_stop_cron: data.schedule_stop_cron || null,
      starts_at: instant(data.starts_at),
      ends_at: instant(data.ends_at),
    };
  }

  return { form, submit, body };
}
