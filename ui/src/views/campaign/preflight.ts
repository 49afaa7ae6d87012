// "Why is nothing dialing?": what blocks the campaign (GET
// /campaigns/{id}/preflight), its route's trunks with their OPTIONS probes,
// its caller IDs, calling hours, contacts due, and why contacts were not
// dialled in the last hour.
import { asCallingWindow, get, type Preflight, type PreflightTrunk } from "../../api";
import { formatNumber, formatTime, h, label, replace, type Child } from "../../dom";
import { errorBanner } from "../../forms";
import { describeCallingHours } from "../campaignForm/callingHours";
import { groupLink, poolLink } from "./links";
import type { CampaignPage } from "./page";

export interface PreflightPanel {
  element: HTMLElement;
  refresh(): Promise<void>;
}

export function preflightPanel(page: CampaignPage): PreflightPanel {
  const box = h("div");
  const element = h(
    "section",
    { class: "card", "aria-labelledby": "preflight-title" },
    h("div", { class: "section-head" }, h("h2", { id: "preflight-title" }, "Why is nothing dialing?"), h("button", { type: "button", onclick: () => refresh() }, "Check again")),
    box,
  );

  async function refresh(): Promise<void> {
    let preflight: Preflight;
    try {
      preflight = await get<Preflight>(`/campaigns/${page.id}/preflight`);
    } catch (error) {
      errorBanner(box, error);
      return;
    }
    if (page.stopped) return;
    replace(box, blockerList(preflight), details(page, preflight), dueByHour(preflight), recentDecisions(preflight));
  }

  return { element, refresh };
}

function blockerList(preflight: Preflight): HTMLElement {
  const blockers = preflight.blockers ?? [];
  return blockers.length
    ? h("ul", { class: "blockers", "data-testid": "blockers" }, blockers.map((blocker) => h("li", null, blocker)))
    : h("p", { class: "ok", "data-testid": "blockers" }, "Nothing blocks this campaign.");
}

/** A word in green when all is well, in red when not. */
function verdict(ok: boolean, text: string): HTMLElement {
  return h("span", { class: ok ? "ok" : "blockers" }, text);
}

function details(page: CampaignPage, preflight: Preflight): HTMLElement {
  const { campaign } = page;
  const group = preflight.trunk_group ?? null;
  const trunk = preflight.trunk;
  const pool = preflight.caller_ids;
  return h(
    "dl",
    { class: "details" },
    h("dt", null, "Status"), h("dd", null, preflight.status),
    campaign.trunk_group_id != null ? [h("dt", null, "Trunk group"), h("dd", { "data-testid": "preflight-group" }, groupStatus(page, group))] : null,
    group?.trunks.length ? [h("dt", null, "Group's trunks"), h("dd", null, groupTrunks(group.trunks))] : null,
    trunk || campaign.trunk_group_id == null
      ? [
          h("dt", null, "Trunk"), h("dd", null, trunk ? [trunk.name, " — ", ...trunkState(trunk)] : verdict(false, "none")),
          trunk ? [h("dt", null, "OPTIONS probe"), h("dd", { "data-testid": "trunk-probe" }, probeStatus(trunk))] : null,
        ]
      : null,
    h("dt", null, "Prompt"), h("dd", null, verdict(preflight.has_prompt, preflight.has_prompt ? "yes" : "none")),
    h("dt", null, "Caller ID"), h("dd", null, campaign.caller_id_pool_id != null ? poolLink(page) : preflight.caller_id ?? "none"),
    pool
      ? [
          h("dt", null, "Pool numbers"),
          h(
            "dd",
            { "data-testid": "caller-id-availability" },
            verdict(pool.available > 0, `${formatNumber(pool.available)} of ${formatNumber(pool.numbers)} available`),
            ` · ${formatNumber(pool.resting)} resting · ${formatNumber(pool.at_daily_cap)} at their daily cap`,
          ),
        ]
      : null,
    h("dt", null, "At most"), h("dd", { "data-testid": "preflight-limits" }, ceilings(preflight)),
    h("dt", null, "Calling hours"), h("dd", null, preflight.calling_window ? `${describeCallingHours(asCallingWindow(campaign.calling_window))} (local to each contact)` : "any time"),
    h("dt", null, "Waiting to be called"), h("dd", null, formatNumber(preflight.queued)),
    h("dt", null, "Due now"), h("dd", null, formatNumber(preflight.due_now)),
  );
}

/** The campaign's ceilings: the lower of its own caps and its trunks', and whose each is. */
function ceilings(preflight: Preflight): string {
  const { limits } = preflight;
  const whose = (setBy: string | null | undefined) => (setBy === "campaign" ? "the campaign's cap" : "its trunks' caps");
  const parts: string[] = [];
  if (limits.cps != null) parts.push(`${formatNumber(limits.cps, Number.isInteger(limits.cps) ? 0 : 1)} calls per second (${whose(limits.cps_set_by)})`);
  if (limits.concurrent_calls != null) parts.push(`${formatNumber(limits.concurrent_calls)} calls at once (${whose(limits.concurrent_calls_set_by)})`);
  return parts.length ? parts.join(" · ") : "no trunk to dial through";
}

/** Contacts becoming due in each of the coming hours (those with any). */
function dueByHour(preflight: Preflight): Child {
  const hours = (preflight.due_by_hour ?? []).filter((entry) => entry.contacts > 0);
  if (!hours.length) return null;
  return h(
    "details",
    null,
    h("summary", null, "Due in the coming hours"),
    h(
      "table",
      { class: "compact" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Contacts"))),
      h("tbody", null, hours.map((entry) => h("tr", null, h("td", null, formatTime(entry.hour)), h("td", { class: "num" }, formatNumber(entry.contacts))))),
    ),
  );
}

/** Why contacts were not dialled, or waited for a cap before they were, in the last hour, by reason. */
function recentDecisions(preflight: Preflight): Child {
  const decisions = Object.entries(preflight.recent_decisions ?? {});
  if (!decisions.length) return null;
  return h(
    "details",
    { open: true },
    h("summary", null, "Not dialed, or held back by a cap, in the last hour"),
    h("table", { class: "compact" }, h("tbody", null, decisions.map(([reason, count]) => h("tr", null, h("td", null, label(reason)), h("td", { class: "num" }, formatNumber(count)))))),
  );
}

/** The Talkers' last OPTIONS probe of the trunk: ✓, ✗ or not probed lately, with what it saw. */
function probeStatus(trunk: PreflightTrunk): (HTMLElement | string)[] {
  const state =
    trunk.answers_options === true
      ? h("span", { class: "ok" }, "✓ answers OPTIONS")
      : trunk.answers_options === false
        ? h("span", { class: "blockers" }, "✗ does not answer OPTIONS")
        : h("span", { class: "muted" }, "not probed lately");
  return [state, trunk.probe ? h("span", { class: "hint" }, ` — ${trunk.probe}`) : ""];
}

/** Enabled or not, with the trunk's limits. */
function trunkState(trunk: PreflightTrunk): (HTMLElement | string)[] {
  return [h("span", { class: trunk.enabled ? "ok" : "blockers" }, trunk.enabled ? "enabled" : "disabled"), ` · ${trunk.cps_limit} CPS · ${trunk.max_lines} lines`];
}

/** Each of the group's trunks, in routing order: state, limits and OPTIONS probe. */
function groupTrunks(trunks: PreflightTrunk[]): HTMLElement {
  return h(
    "ul",
    { class: "plain", "data-testid": "group-trunk-probes" },
    trunks.map((trunk) => h("li", { "data-trunk": trunk.id }, h("a", { href: `#/trunks?trunk=${trunk.id}` }, trunk.name), " — ", ...trunkState(trunk), " · ", ...probeStatus(trunk))),
  );
}

/** The campaign's trunk group (a link to it) and how many of its trunks are enabled and answer OPTIONS. */
function groupStatus(page: CampaignPage, group: Preflight["trunk_group"]): (HTMLElement | string)[] {
  const link = groupLink(page);
  if (!group) return link;
  const enabled = group.trunks.filter((trunk) => trunk.enabled);
  const answering = enabled.filter((trunk) => trunk.answers_options === true).length;
  const total = group.trunks.length;
  return [
    ...link,
    " — ",
    h(
      "span",
      { class: enabled.length ? "ok" : "blockers" },
      total ? `${enabled.length} of ${total} trunk${total === 1 ? "" : "s"} enabled` : "no trunks: calls cannot be placed",
    ),
    enabled.length ? h("span", { class: answering ? "ok" : "blockers" }, ` · ${answering} answering OPTIONS`) : "",
  ];
}
