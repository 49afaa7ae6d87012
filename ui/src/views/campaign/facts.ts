// The line under a campaign's title: route, what answered calls hear,
// caller ID, dialling limits and calling hours.
import { asCallingWindow, getList, usesCountryDefaults, type CountryHours } from "../../api";
import { h } from "../../dom";
import { describeCallingHours, describeDefaults } from "../campaignForm/callingHours";
import { groupLink, poolLink } from "./links";
import type { CampaignPage } from "./page";

export function campaignFacts(page: CampaignPage): HTMLElement {
  const { campaign } = page;
  const trunkName = page.trunks.find((trunk) => trunk.id === campaign.trunk_id)?.name;
  return h(
    "p",
    { class: "hint" },
    campaign.trunk_group_id != null ? ["Trunk group: ", ...groupLink(page)] : `Trunk: ${trunkName ?? "none"}`,
    message(page),
    " · Caller ID: ",
    campaign.caller_id_pool_id != null ? poolLink(page) : campaign.caller_id ?? "–",
    ` · up to ${campaign.max_attempts} attempt${campaign.max_attempts === 1 ? "" : "s"}, ring ${campaign.ring_timeout_secs} s · CPS cap ${campaign.cps_cap ?? "trunk's"} · concurrency cap ${campaign.concurrency_cap ?? "trunk's"} · ${campaign.timezone} · calling hours: `,
    h("span", { "data-testid": "calling-hours" }, describeCallingHours(asCallingWindow(campaign.calling_window))),
    countryDefaultHours(page),
  );
}

/** What answered calls hear: the script (a link to it), or the prompt. */
function message(page: CampaignPage): (HTMLElement | string)[] {
  const { campaign } = page;
  if (campaign.script_id == null) {
    const promptName = page.prompts.find((prompt) => prompt.id === campaign.prompt_id)?.name;
    return [` · Prompt: ${promptName ?? "none"}`];
  }
  const scriptName = page.scripts.find((script) => script.id === campaign.script_id)?.name;
  return [" · Script: ", h("a", { href: `#/scripts/${campaign.script_id}`, "data-testid": "campaign-script" }, scriptName ?? `#${campaign.script_id}`)];
}

/** Country defaults: what they are, once Herald lists them. */
function countryDefaultHours(page: CampaignPage): HTMLElement {
  const shown = h("span", { class: "muted", "data-testid": "calling-hours-defaults" });
  if (usesCountryDefaults(asCallingWindow(page.campaign.calling_window))) {
    getList<CountryHours>("/calling-hours/defaults").then(
      (defaults) => (shown.textContent = ` (${describeDefaults(defaults)})`),
      () => {},
    );
  }
  return shown;
}
