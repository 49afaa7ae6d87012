// The campaign's trunk group and caller-ID pool as links, with their
// strategies (the page's facts line and the preflight show them).
import { h } from "../../dom";
import { strategyText } from "../callerIds";
import { groupStrategyText } from "../trunkGroups";
import type { CampaignPage } from "./page";

/** The campaign's trunk group as a link, with its strategy. */
export function groupLink(page: CampaignPage): (HTMLElement | string)[] {
  const { campaign } = page;
  const group = page.groups.find((candidate) => candidate.id === campaign.trunk_group_id);
  return [
    h("a", { href: `#/trunk-groups/${campaign.trunk_group_id}`, "data-testid": "trunk-group" }, group?.name ?? `#${campaign.trunk_group_id}`),
    group ? ` (${groupStrategyText(group.strategy).toLowerCase()})` : "",
  ];
}

/** The campaign's pool (a link to it), which overrides the fixed caller ID. */
export function poolLink(page: CampaignPage): (HTMLElement | string)[] {
  const { campaign } = page;
  const pool = page.pools.find((candidate) => candidate.id === campaign.caller_id_pool_id);
  return [
    "pool ",
    h("a", { href: `#/caller-ids/${campaign.caller_id_pool_id}`, "data-testid": "caller-id-pool" }, pool?.name ?? `#${campaign.caller_id_pool_id}`),
    pool ? ` (${strategyText(pool.strategy).toLowerCase()})` : "",
  ];
}
