// The live dashboard: calls up now, CPS per trunk, outcomes over time,
// progress and ETA per campaign, the latest attempts and how fresh they are.
// GET /dashboard gives a snapshot (refreshed every 2 s); the event stream
// adds what happens in between.
import { get, type Dashboard, type Items, type Outcomes, type Prompt } from "../api";
import { outcomeBars, outcomeColumns, type Bucket } from "../charts";
import { formatDuration, formatNumber, h, label, replace, replaceKeepingFocus } from "../dom";
import { BUCKET_MS, LiveFeed } from "../live";
import { navigate } from "../router";
import { canWrite } from "../session";
import { gettingStarted } from "./steps";

const SNAPSHOT_MS = 2000;
const ETA_WINDOW_MS = 60_000;

type CampaignRow = Dashboard["campaigns"][number];

function addOutcomes(into: Outcomes, from: Outcomes): Outcomes {
  for (const [name, count] of Object.entries(from)) into[name] = (into[name] ?? 0) + count;
  return into;
}

function sum(outcomes: Outcomes): number {
  return Object.values(outcomes).reduce((a, b) => a + b, 0);
}

/** A number card whose value is announced when it changes. */
function card(title: string, testId: string): { element: HTMLElement; set: (value: string, note?: string) => void } {
  const value = h("p", { class: "stat-value", "data-testid": testId, "aria-live": "polite", "aria-atomic": "true" }, "–");
  const note = h("p", { class: "stat-note" });
  return {
    element: h("section", { class: "stat card" }, h("h2", null, title), value, note),
    set(text: string, noteText = "") {
      if (value.textContent !== text) value.textContent = text;
      if (note.textContent !== noteText) note.textContent = noteText;
    },
  };
}

async function promptCount(): Promise<number> {
  return (await get<Items<Prompt>>("/prompts")).items.length;
}

export async function dashboardView(main: HTMLElement, _params: Record<string, string>, query: URLSearchParams) {
  const campaignId = query.get("campaign") ? Number(query.get("campaign")) : null;
  const feed = new LiveFeed(campaignId);
  let snapshotStartedAt = Date.now();
  let snapshot = await get<Dashboard>("/dashboard");
  // Attempts committed after this (server clock) are not in the snapshot yet.
  let snapshotServerMs = snapshotStartedAt;
  const doneSamples = new Map<number, { at: number; done: number }[]>();
  feed.start();

  const chooser = h(
    "select",
    { id: "dashboard-campaign", onchange: (event: Event) => {
      const value = (event.target as HTMLSelectElement).value;
      navigate(value ? `/dashboard?campaign=${value}` : "/dashboard");
    } },
    h("option", { value: "" }, "All campaigns"),
    snapshot.campaigns.map((campaign) => h("option", { value: String(campaign.id), selected: campaign.id === campaignId }, `${campaign.name} (#${campaign.id})`)),
  );
  const feedState = h("span", { class: "feed-state", "data-testid": "feed-state" }, "connecting…");
  const calls = card("Calls up now", "active-calls");
  const cps = card("Calls per second", "cps-total");
  const finished = card("Finished calls", "outcome-total");
  const progress = card("Progress", "progress");
  const latency = card("Event latency", "last-latency");
  const trunks = h("div", { class: "table-wrap" });
  const campaigns = h("div", { class: "table-wrap" });
  const overTime = h("div");
  const totals = h("div");
  const latest = h("div", { class: "table-wrap" });

  const neverRan = !campaignId && !snapshot.campaigns.some((campaign) => campaign.status !== "draft" && campaign.status !== "archived");
  const steps = canWrite() && neverRan ? gettingStarted(snapshot.trunks.length, await promptCount(), snapshot.campaigns) : null;

  replace(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", { tabindex: "-1" }, "Live dashboard"),
      h("div", { class: "inline-field" }, h("label", { for: "dashboard-campaign" }, "Show"), chooser),
      feedState,
    ),
    steps,
    h("div", { class: "stats" }, calls.element, cps.element, finished.element, progress.element, latency.element),
    h(
      "div",
      { class: "grid-2" },
      h("section", { class: "card" }, h("h2", null, "Outcomes over time"), h("p", { class: "hint" }, "Finished calls per 10 seconds, since this page opened."), overTime),
      h("section", { class: "card" }, h("h2", null, "Outcomes so far"), totals),
    ),
    h("section", { class: "card" }, h("h2", null, "Campaigns"), campaigns),
    h("section", { class: "card" }, h("h2", null, "Trunks"), trunks),
    h("section", { class: "card" }, h("h2", null, "Latest calls"), latest),
  );

  function shownCampaigns(): CampaignRow[] {
    const rows = snapshot.campaigns.filter((campaign) => (campaignId ? campaign.id === campaignId : campaign.status !== "archived"));
    const rank = (status: string) => ["running", "paused", "scheduled", "draft", "completed", "stopped"].indexOf(status);
    return rows.sort((a, b) => rank(a.status) - rank(b.status) || b.id - a.id);
  }

  function liveOutcomes(campaign: CampaignRow): Outcomes {
    return addOutcomes({ ...campaign.outcomes }, feed.outcomesSince(campaign.id, snapshotServerMs));
  }

  function doneRate(campaign: CampaignRow): number | null {
    const samples = doneSamples.get(campaign.id) ?? [];
    if (samples.length >= 2) {
      const first = samples[0], last = samples[samples.length - 1];
      if (last.at - first.at >= 4000) return ((last.done - first.done) * 1000) / (last.at - first.at);
    }
    return feed.finishRate(campaign.id);
  }

  function eta(campaign: CampaignRow): string {
    const remaining = campaign.contacts - campaign.done;
    if (campaign.contacts > 0 && remaining <= 0) return "done";
    if (campaign.status !== "running") return "–";
    const rate = doneRate(campaign);
    if (!rate || rate <= 0) return "waiting for calls to finish";
    return formatDuration(remaining / rate);
  }

  function update(): void {
    const active = feed.activeCalls();
    const cpsByTrunk = feed.cpsByTrunk();
    const nodes = feed.nodeCount();
    feedState.textContent =
      feed.state === "live" ? `● live · ${nodes} Talker node${nodes === 1 ? "" : "s"} · ${feed.received} calls received` : feed.state === "reconnecting" ? "○ reconnecting…" : "○ connecting…";
    feedState.className = `feed-state ${feed.state}`;

    const rows = shownCampaigns();
    const activeShown = campaignId ? active.byCampaign[String(campaignId)] ?? 0 : active.total;
    calls.set(formatNumber(activeShown), campaignId ? "in this campaign" : `on ${nodes} node${nodes === 1 ? "" : "s"}`);
    const totalCps = Object.values(cpsByTrunk).reduce((a, b) => a + b, 0);
    cps.set(formatNumber(totalCps, 1), "INVITEs sent, all trunks, last 3 s");
    const outcomeTotals: Outcomes = {};
    let contacts = 0, done = 0;
    for (const campaign of rows) {
      addOutcomes(outcomeTotals, liveOutcomes(campaign));
      contacts += campaign.contacts;
      done += campaign.done;
    }
    finished.set(formatNumber(sum(outcomeTotals)), `answered ${formatNumber(outcomeTotals.answered ?? 0)}`);
    progress.set(contacts ? `${Math.floor((100 * done) / contacts)} %` : "–", `${formatNumber(done)} of ${formatNumber(contacts)} contacts done`);
    const max = window.__heraldLatencyMax;
    latency.set(
      feed.lastLatencyMs === null ? "–" : `${formatNumber(feed.lastLatencyMs)} ms`,
      feed.lastLatencyMs === null ? "no call finished since this page opened" : `last event ${formatNumber(feed.lastLatencyMs)} ms after it was written (max ${formatNumber(max)} ms)`,
    );

    replace(overTime, outcomeColumns(buckets()));
    replace(totals, outcomeBars(outcomeTotals));
    replaceKeepingFocus(campaigns, campaignTable(rows, active.byCampaign));
    replaceKeepingFocus(trunks, trunkTable(active.byTrunk, cpsByTrunk, nodes > 0));
    replace(latest, latestTable());
  }

  function buckets(): Bucket[] {
    const end = Math.floor(feed.serverNow() / BUCKET_MS) * BUCKET_MS;
    const result: Bucket[] = [];
    for (let start = end - 29 * BUCKET_MS; start <= end; start += BUCKET_MS) {
      const time = new Date(start);
      result.push({ label: `${String(time.getHours()).padStart(2, "0")}:${String(time.getMinutes()).padStart(2, "0")}:${String(time.getSeconds()).padStart(2, "0")}`, outcomes: feed.buckets.get(start) ?? {} });
    }
    return result;
  }

  function campaignTable(rows: CampaignRow[], activeByCampaign: Record<string, number>): HTMLElement {
    if (!rows.length) return h("p", null, "No campaigns yet. ", h("a", { href: "#/campaigns/new" }, "Create one"), ".");
    return h(
      "table",
      { "data-testid": "dashboard-campaigns" },
      h("thead", null, h("tr", null, ["Campaign", "Status", "Calls up", "Progress", "Outcomes", "ETA"].map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        null,
        rows.map((campaign) => {
          const outcomes = liveOutcomes(campaign);
          const share = campaign.contacts ? campaign.done / campaign.contacts : 0;
          return h(
            "tr",
            { "data-campaign": campaign.id },
            h("th", { scope: "row" }, h("a", { href: `#/campaigns/${campaign.id}` }, campaign.name)),
            h("td", null, h("span", { class: `badge status-${campaign.status}` }, campaign.status)),
            h("td", { class: "num", "data-testid": "campaign-active" }, formatNumber(activeByCampaign[String(campaign.id)] ?? 0)),
            h(
              "td",
              null,
              h("progress", { max: 1, value: share, "aria-label": `${campaign.name} progress` }),
              " ",
              h("span", { "data-testid": "campaign-progress" }, `${formatNumber(campaign.done)} / ${formatNumber(campaign.contacts)}`),
            ),
            h("td", null, Object.keys(outcomes).length ? Object.entries(outcomes).map(([name, count]) => h("span", { class: "chip" }, `${label(name)} ${count}`)) : "–"),
            h("td", { "data-testid": "campaign-eta" }, eta(campaign)),
          );
        }),
      ),
    );
  }

  function trunkTable(activeByTrunk: Record<string, number>, cpsByTrunk: Record<string, number>, haveLive: boolean): HTMLElement {
    if (!snapshot.trunks.length) return h("p", null, "No trunks yet. ", h("a", { href: "#/trunks" }, "Add one"), ".");
    return h(
      "table",
      { "data-testid": "dashboard-trunks" },
      h("thead", null, h("tr", null, ["Trunk", "Lines in use", "Calls per second"].map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        null,
        snapshot.trunks.map((trunk) => {
          const lines = haveLive ? activeByTrunk[String(trunk.id)] ?? 0 : trunk.lines_in_use;
          const rate = cpsByTrunk[String(trunk.id)] ?? 0;
          return h(
            "tr",
            null,
            h("th", { scope: "row" }, trunk.name),
            h("td", null, h("meter", { min: 0, max: trunk.max_lines, value: lines, "aria-label": `${trunk.name} lines` }), ` ${formatNumber(lines)} of ${formatNumber(trunk.max_lines)}`),
            h("td", { "data-testid": "trunk-cps" }, `${formatNumber(rate, 1)} of ${formatNumber(trunk.cps_limit, 1)}`),
          );
        }),
      ),
    );
  }

  function latestTable(): HTMLElement {
    if (!feed.attempts.length) return h("p", { class: "muted" }, "Calls appear here as they finish.");
    const names = new Map(snapshot.campaigns.map((campaign) => [campaign.id, campaign.name]));
    return h(
      "table",
      { "data-testid": "latest-attempts" },
      h("thead", null, h("tr", null, ["Finished", "Campaign", "Phone", "Outcome", "SIP code", "Talk", "Latency"].map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        null,
        feed.attempts.slice(0, 25).map((attempt) =>
          h(
            "tr",
            null,
            h("td", null, new Date(attempt.written_at).toLocaleTimeString()),
            h("td", null, names.get(attempt.campaign_id) ?? `#${attempt.campaign_id}`),
            h("td", { class: "mono" }, attempt.phone),
            h("td", null, h("span", { class: `badge outcome-${attempt.outcome}` }, label(attempt.outcome))),
            h("td", { class: "num" }, attempt.sip_code ?? "–"),
            h("td", { class: "num" }, attempt.talk_ms ? `${(attempt.talk_ms / 1000).toFixed(1)} s` : "–"),
            h("td", { class: "num" }, `${attempt.latencyMs} ms`),
          ),
        ),
      ),
    );
  }

  function sampleDone(): void {
    const now = Date.now();
    for (const campaign of snapshot.campaigns) {
      const samples = doneSamples.get(campaign.id) ?? [];
      samples.push({ at: now, done: campaign.done });
      while (samples.length && now - samples[0].at > ETA_WINDOW_MS) samples.shift();
      doneSamples.set(campaign.id, samples);
    }
  }

  let stopped = false;
  async function refresh(): Promise<void> {
    if (stopped) return;
    snapshotStartedAt = Date.now();
    const serverAtStart = feed.serverNow();
    try {
      const next = await get<Dashboard>("/dashboard");
      if (stopped) return;
      snapshot = next;
      snapshotServerMs = serverAtStart;
      sampleDone();
      update();
    } catch {
      // Shown as stale numbers; the next round tries again.
    }
  }

  sampleDone();
  update();
  const unsubscribe = feed.subscribe(update);
  const timer = window.setInterval(refresh, SNAPSHOT_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
    unsubscribe();
    feed.stop();
  };
}
