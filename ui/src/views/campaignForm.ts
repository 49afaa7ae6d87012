// The campaign form, for creating and editing: what to call with, how to
// dial, when to call (local calling hours and blackout dates), and the
// folded retries, schedule and whitelist. Each fieldset is a module of
// views/campaignForm/.
import { ApiError, get, getList, type CallerIdPool, type Campaign, type Items, type Prompt, type Script, type Trunk, type TrunkGroup } from "../api";
import { h } from "../dom";
import { formAlert, optionalNumber, values } from "../forms";
import { advanced, readInstant, readRetryRules } from "./campaignForm/advanced";
import { countryDefaults } from "./campaignForm/callingHours";
import { howToDial } from "./campaignForm/howToDial";
import { whatToCall } from "./campaignForm/whatToCall";
import { readCallingWindow, whenToCall } from "./campaignForm/whenToCall";

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
  const choices = { trunks: trunks.items, groups: groups.items, prompts: prompts.items, scripts, pools: pools.items };
  const submit = h("button", { type: "submit", class: "primary" }, submitText);
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    formAlert(),
    whatToCall(campaign, choices),
    howToDial(campaign),
    whenToCall(campaign, defaults),
    advanced(campaign),
    h("div", { class: "actions" }, submit),
  );
  return { form, submit, body: () => campaignBody(values(form)) };
}

/** The form's values as the API takes a campaign. */
function campaignBody(data: Record<string, string>): Record<string, unknown> {
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
    calling_window: readCallingWindow(data),
    retry_rules: readRetryRules(data),
    whitelist_only: data.whitelist_only === "on",
    schedule_start_cron: data.schedule_start_cron || null,
    schedule_stop_cron: data.schedule_stop_cron || null,
    starts_at: readInstant(data.starts_at),
    ends_at: readInstant(data.ends_at),
  };
}
