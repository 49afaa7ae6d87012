// The campaign form's "What to call with": the name, the route (one trunk
// or a trunk group), the prompt or call script, and the caller ID or pool.
import type { CallerIdPool, Campaign, Prompt, Script, Trunk, TrunkGroup } from "../../api";
import { h } from "../../dom";
import { field, input, select } from "../../forms";
import { strategyText } from "../callerIds";
import { groupStrategyText } from "../trunkGroups";

/** What the form offers to choose from. */
export interface CampaignChoices {
  trunks: Trunk[];
  groups: TrunkGroup[];
  prompts: Prompt[];
  scripts: Script[];
  pools: CallerIdPool[];
}

export function whatToCall(campaign: Campaign | null, choices: CampaignChoices): HTMLElement {
  return h(
    "fieldset",
    null,
    h("legend", null, "What to call with"),
    field("Name", input("name", { required: true, value: campaign?.name ?? "", autocomplete: "off" })),
    route(campaign, choices.trunks, choices.groups),
    message(campaign, choices.prompts, choices.scripts),
    callerId(campaign, choices.pools),
  );
}

/** `id` as a select's value: the campaign's, else the only choice, else none. */
function chosen(id: number | null | undefined, only: { id: number }[]): string {
  if (id != null) return String(id);
  return only.length === 1 ? String(only[0].id) : "";
}

/** Route through one trunk or a trunk group: one radio each, and the select that goes with it. */
function route(campaign: Campaign | null, trunks: Trunk[], groups: TrunkGroup[]): HTMLElement {
  const trunkSelect = select(
    "trunk_id",
    [{ value: "", text: trunks.length ? "— choose a trunk —" : "— no trunks yet —" }, ...trunks.map((trunk) => ({ value: String(trunk.id), text: `${trunk.name} (${trunk.host}:${trunk.port})${trunk.enabled ? "" : " — disabled"}` }))],
    chosen(campaign?.trunk_id, trunks),
  );
  const groupSelect = select(
    "trunk_group_id",
    [{ value: "", text: groups.length ? "— choose a trunk group —" : "— no trunk groups yet —" }, ...groups.map((group) => ({ value: String(group.id), text: `${group.name} (${groupStrategyText(group.strategy).toLowerCase()})` }))],
    chosen(campaign?.trunk_group_id, groups),
  );
  const viaGroup = campaign?.trunk_group_id != null;
  const routeTrunk = input("route", { type: "radio", value: "trunk", checked: !viaGroup });
  const routeGroup = input("route", { type: "radio", value: "group", checked: viaGroup });
  const trunkField = field("Trunk", trunkSelect, trunks.length ? "The carrier trunk the calls go through." : "Add a trunk first (Trunks page).");
  const groupField = field(
    "Trunk group",
    groupSelect,
    groups.length ? "Calls go through the group's trunks, by prefix and position or weight, moving on to the next trunk when one fails." : "Create a group first (Trunk groups page).",
  );
  const showRoute = () => {
    trunkField.hidden = !routeTrunk.checked;
    groupField.hidden = !routeGroup.checked;
  };
  routeTrunk.addEventListener("change", showRoute);
  routeGroup.addEventListener("change", showRoute);
  showRoute();
  return h(
    "fieldset",
    { class: "route" },
    h("legend", null, "Route through"),
    h("div", { class: "choices" }, field("A single trunk", routeTrunk), field("A trunk group", routeGroup)),
    trunkField,
    groupField,
  );
}

/** What answered calls hear: the prompt, or a call script played instead of it. */
function message(campaign: Campaign | null, prompts: Prompt[], scripts: Script[]): HTMLElement {
  const promptSelect = select(
    "prompt_id",
    [{ value: "", text: prompts.length ? "— choose a prompt —" : "— no prompts yet —" }, ...prompts.map((prompt) => ({ value: String(prompt.id), text: `${prompt.name} (${(prompt.duration_ms / 1000).toFixed(1)} s)` }))],
    chosen(campaign?.prompt_id, prompts),
  );
  const scriptSelect = select(
    "script_id",
    [{ value: "", text: "none (play the prompt)" }, ...scripts.map((script) => ({ value: String(script.id), text: script.name }))],
    campaign?.script_id != null ? String(campaign.script_id) : "",
  );
  const promptHint = prompts.length ? "The message played when someone answers." : "Upload a prompt first (Prompts page).";
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
  return h("div", { class: "row" }, promptField, scriptField);
}

/** A fixed caller ID, or a pool that overrides it. */
function callerId(campaign: Campaign | null, pools: CallerIdPool[]): HTMLElement {
  const poolSelect = select(
    "caller_id_pool_id",
    [{ value: "", text: "none" }, ...pools.map((pool) => ({ value: String(pool.id), text: `${pool.name} (${strategyText(pool.strategy).toLowerCase()})` }))],
    campaign?.caller_id_pool_id != null ? String(campaign.caller_id_pool_id) : "",
  );
  return h(
    "div",
    { class: "row" },
    field("Caller ID", input("caller_id", { value: campaign?.caller_id ?? "", placeholder: "+12025550100", autocomplete: "off" }), "The number people see, in E.164."),
    field("Caller ID pool", poolSelect, pools.length ? "A pool overrides the fixed caller ID." : "A pool overrides the fixed caller ID. Add pools on the Caller IDs page."),
  );
}
