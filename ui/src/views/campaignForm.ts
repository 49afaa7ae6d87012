// The campaign form, for creating and editing: dialling settings and the
// calling window (weekday × "HH:MM-HH:MM" ranges, plus blackout dates).
import { ApiError, get, getList, type Campaign, type CallerIdPool, type CallingWindow, type Items, type Prompt, type Script, type Trunk, type TrunkGroup } from "../api";
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
  /** The JSON body for POST/PATCH /campaigns; throws a message for a bad calling window. */
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
  const [trunks, prompts, pools, groups, scripts] = await Promise.all([
    get<Items<Trunk>>("/trunks"),
    get<Items<Prompt>>("/prompts"),
    get<Items<CallerIdPool>>("/caller-id-pools"),
    get<Items<TrunkGroup>>("/trunk-groups"),
    callScripts(),
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
  const restricted = Object.keys(saved).length > 0;
  const restrict = input("restrict_hours", { type: "checkbox", checked: restricted });
  const dayInputs = WEEKDAYS.map(([key, name]) => {
    const ranges = restricted ? (saved[key] ?? []).join(", ") : ["sat", "sun"].includes(key) ? "" : "09:00-20:00";
    return field(name, input(`window_${key}`, { value: ranges, placeholder: "closed" }));
  });
  const blackout = (saved[BLACKOUT_KEY] ?? saved.holidays ?? []).join(", ");
  const windowEditor = h(
    "div",
    { class: "window-editor", hidden: !restricted },
    h("p", { class: "hint" }, "Local time of each contact. Ranges like 09:00-12:00, 14:00-20:00; leave a day empty to never call on it."),
    h("div", { class: "days" }, dayInputs),
    field("No calls on these dates", input("window_blackout", { value: blackout, placeholder: "2026-12-25, 2027-01-01" }), "Holidays, as YYYY-MM-DD separated by commas."),
  );
  restrict.addEventListener("change", () => (windowEditor.hidden = !restrict.checked));

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
      field("Only call during set hours", restrict),
      h("p", { class: "field-error", "data-error-for": "calling_window", hidden: true }),
      windowEditor,
    ),
    advanced,
    h("div", { class: "actions" }, submit),
  );

  function callingWindow(): CallingWindow {
    if (!restrict.checked) return {};
    const result: CallingWindow = {};
    const data = values(form);
    for (const [key, name] of WEEKDAYS) {
      const ranges = (data[`window_${key}`] ?? "").split(/[,\s]+/).filter(Boolean);
      for (const range of ranges) {
        if (!RANGE.test(range)) throw new Error(`${name}: "${range}" is not a range like 09:00-17:00`);
      }
      result[key] = ranges;
    }
    const dates = (data.window_blackout ?? "").split(/[,\s]+/).filter(Boolean);
    for (const date of dates) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`"${date}" is not a date like 2026-12-25`);
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
