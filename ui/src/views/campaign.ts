// One campaign: status and actions, progress, "why is nothing dialing?",
// contacts upload with column mapping, and the report.
import {
  API,
  get,
  getList,
  patch,
  post,
  uploadWithProgress,
  usesCountryDefaults,
  type Attempt,
  type CallerIdPool,
  type Campaign,
  type CampaignStatus,
  type CountryHours,
  type Import,
  type Items,
  type Preflight,
  type PreflightTrunk,
  type Prompt,
  type Report,
  type Script,
  type Summary,
  type Trunk,
  type TrunkGroup,
} from "../api";
import { outcomeBars, outcomeColumns } from "../charts";
import { parseCsv, readCsvHead } from "../csv";
import { formatClock, formatNumber, formatTime, h, label, replace, replaceKeepingFocus } from "../dom";
import { busy, errorBanner, field, flash, formAlert, select, showErrors } from "../forms";
import { navigate } from "../router";
import { canWrite } from "../session";
import { strategyText } from "./callerIds";
import { campaignForm, describeCallingHours, describeDefaults } from "./campaignForm";
import { groupStrategyText } from "./trunkGroups";

type Action = "start" | "schedule" | "pause" | "resume" | "stop" | "clone" | "archive";

/** What a campaign in each status can do next (as Herald's store allows). */
const ACTIONS: Record<CampaignStatus, Action[]> = {
  draft: ["start", "schedule", "clone", "archive"],
  scheduled: ["start", "stop", "clone"],
  running: ["pause", "stop", "clone"],
  paused: ["resume", "stop", "clone"],
  completed: ["clone", "archive"],
  stopped: ["clone", "archive"],
  archived: ["clone"],
};

const ACTION_TEXT: Record<Action, string> = {
  start: "Start",
  schedule: "Schedule",
  pause: "Pause",
  resume: "Resume",
  stop: "Stop",
  clone: "Clone",
  archive: "Archive",
};

const CONFIRM: Partial<Record<Action, string>> = {
  stop: "Stop this campaign for good? Contacts not called yet will never be called.",
  archive: "Archive this campaign? It leaves the lists but keeps its report.",
};

const KNOWN_OUTCOMES = ["answered", "busy", "no_answer", "rejected", "failed", "machine", "lost_with_node"];
const SUMMARY_MS = 2000;
const IMPORT_POLL_MS = 500;

export async function editCampaignView(main: HTMLElement, params: Record<string, string>) {
  const campaign = await get<Campaign>(`/campaigns/${params.id}`);
  const { form, submit, body } = await campaignForm(campaign, "Save changes");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await busy(submit, () => patch<Campaign>(`/campaigns/${campaign.id}`, body()));
      flash("Campaign saved.");
      navigate(`/campaigns/${campaign.id}`);
    } catch (error) {
      showErrors(form, error);
    }
  });
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/campaigns" }, "Campaigns"), " / ", h("a", { href: `#/campaigns/${campaign.id}` }, campaign.name), " / edit"),
    h("h1", { tabindex: "-1" }, `Edit ${campaign.name}`),
    form,
  );
}

export async function campaignView(main: HTMLElement, params: Record<string, string>) {
  const id = Number(params.id);
  let [campaign, summary, trunks, prompts, pools, groups, scripts] = await Promise.all([
    get<Campaign>(`/campaigns/${id}`),
    get<Summary>(`/campaigns/${id}/summary`),
    get<Items<Trunk>>("/trunks"),
    get<Items<Prompt>>("/prompts"),
    get<Items<CallerIdPool>>("/caller-id-pools"),
    get<Items<TrunkGroup>>("/trunk-groups"),
    // Only for the script's name: the page works without it.
    getList<Script>("/scripts").catch((): Script[] => []),
  ]);
  const timers: number[] = [];
  let stopped = false;

  const statusBadge = h("span", { class: `badge status-${campaign.status}`, "data-testid": "campaign-status", "aria-live": "polite" }, campaign.status);
  const actionBar = h("div", { class: "actions", role: "group", "aria-label": "Campaign actions" });
  const actionError = h("div");
  const summaryBox = h("div", { "aria-live": "polite" });
  const preflightBox = h("div");
  const importsBox = h("div");
  const reportBox = h("div");
  const attemptsBox = h("div");

  // ---- status and actions
  const nextStep = h("p", { class: "hint next-step", "aria-live": "polite" });
  function renderNextStep(): void {
    const text =
      campaign.status !== "draft" ? "" : summary.contacts ? "Next: press Start — calls begin at once (within the calling hours)." : "Next: upload contacts below, then press Start.";
    if (nextStep.textContent !== text) nextStep.textContent = text;
  }

  function renderActions(): void {
    statusBadge.textContent = campaign.status;
    statusBadge.className = `badge status-${campaign.status}`;
    if (!canWrite()) {
      replace(actionBar);
      return;
    }
    const hasSchedule = Boolean(campaign.schedule_start_cron || campaign.starts_at);
    const buttons = ACTIONS[campaign.status].filter((action) => action !== "schedule" || hasSchedule).map((action) =>
      h("button", { type: "button", class: action === "start" || action === "resume" ? "primary" : action === "stop" ? "danger" : "", "data-action": action, onclick: (event: Event) => act(action, event.currentTarget as HTMLButtonElement) }, ACTION_TEXT[action]),
    );
    const edit = campaign.status !== "archived" ? h("a", { class: "button", href: `#/campaigns/${id}/edit` }, "Edit") : null;
    replace(actionBar, buttons, edit, nextStep);
    renderNextStep();
  }

  async function act(action: Action, button: HTMLButtonElement): Promise<void> {
    if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
    replace(actionError);
    try {
      const answer = await busy(button, () => post<Campaign>(`/campaigns/${id}/${action}`));
      if (action === "clone") {
        flash(`Cloned as “${answer.name}” (a draft without contacts).`);
        navigate(`/campaigns/${answer.id}`);
        return;
      }
      campaign = answer;
      flash(`Campaign ${campaign.status}.`);
      renderActions();
      void refreshSummary();
      void refreshPreflight();
    } catch (error) {
      errorBanner(actionError, error);
    }
  }

  // ---- progress
  function renderSummary(): void {
    const share = summary.contacts ? summary.done / summary.contacts : 0;
    const outcomes = Object.entries(summary.outcomes ?? {});
    replace(
      summaryBox,
      h(
        "dl",
        { class: "figures" },
        figure("Contacts", summary.contacts, "summary-contacts"),
        figure("Waiting", summary.queued, "summary-queued"),
        figure("In a call", summary.leased, "summary-leased"),
        figure("Done", summary.done, "summary-done"),
        figure("Attempts", summary.attempts, "summary-attempts"),
      ),
      h("p", null, h("progress", { max: 1, value: share, "aria-label": "Progress" }), ` ${Math.floor(share * 100)} % done`),
      outcomes.length ? h("p", null, outcomes.map(([name, count]) => h("span", { class: `chip outcome-${name}` }, `${label(name)} ${count}`))) : null,
      h("p", { class: "hint" }, `First call ${formatTime(summary.first_invite_at)} · last call ended ${formatTime(summary.last_ended_at)}`),
    );
  }

  function figure(title: string, value: number, testId: string): HTMLElement[] {
    return [h("dt", null, title), h("dd", { "data-testid": testId }, formatNumber(value))];
  }

  let lastDone = summary.done;
  async function refreshSummary(): Promise<void> {
    try {
      summary = await get<Summary>(`/campaigns/${id}/summary`);
    } catch {
      return;
    }
    if (stopped) return;
    if (summary.status && summary.status !== campaign.status) {
      campaign = { ...campaign, status: summary.status };
      renderActions();
    }
    renderSummary();
    renderNextStep();
    if (summary.done !== lastDone) {
      lastDone = summary.done;
      void refreshReport();
    }
  }

  // ---- preflight
  async function refreshPreflight(): Promise<void> {
    let preflight: Preflight;
    try {
      preflight = await get<Preflight>(`/campaigns/${id}/preflight`);
    } catch (error) {
      errorBanner(preflightBox, error);
      return;
    }
    if (stopped) return;
    const group = preflight.trunk_group ?? null;
    const blockers = preflight.blockers ?? [];
    const yes = (ok: boolean, text: string) => h("span", { class: ok ? "ok" : "blockers" }, text);
    const trunk = preflight.trunk;
    const pool = preflight.caller_ids;
    const decisions = Object.entries(preflight.recent_decisions ?? {});
    const hours = (preflight.due_by_hour ?? []).filter((entry) => entry.contacts > 0);
    replace(
      preflightBox,
      blockers.length
        ? h("ul", { class: "blockers", "data-testid": "blockers" }, blockers.map((blocker) => h("li", null, blocker)))
        : h("p", { class: "ok", "data-testid": "blockers" }, "Nothing blocks this campaign."),
      h(
        "dl",
        { class: "details" },
        h("dt", null, "Status"), h("dd", null, preflight.status),
        campaign.trunk_group_id != null ? [h("dt", null, "Trunk group"), h("dd", { "data-testid": "preflight-group" }, groupStatus(group))] : null,
        group?.trunks.length ? [h("dt", null, "Group's trunks"), h("dd", null, groupTrunks(group.trunks))] : null,
        trunk || campaign.trunk_group_id == null
          ? [
              h("dt", null, "Trunk"), h("dd", null, trunk ? [trunk.name, " — ", ...trunkState(trunk)] : yes(false, "none")),
              trunk ? [h("dt", null, "OPTIONS probe"), h("dd", { "data-testid": "trunk-probe" }, probeStatus(trunk))] : null,
            ]
          : null,
        h("dt", null, "Prompt"), h("dd", null, yes(preflight.has_prompt, preflight.has_prompt ? "yes" : "none")),
        h("dt", null, "Caller ID"), h("dd", null, campaign.caller_id_pool_id != null ? callerIds() : preflight.caller_id ?? "none"),
        pool
          ? [
              h("dt", null, "Pool numbers"),
              h(
                "dd",
                { "data-testid": "caller-id-availability" },
                yes(pool.available > 0, `${formatNumber(pool.available)} of ${formatNumber(pool.numbers)} available`),
                ` · ${formatNumber(pool.resting)} resting · ${formatNumber(pool.at_daily_cap)} at their daily cap`,
              ),
            ]
          : null,
        h("dt", null, "Calling hours"), h("dd", null, preflight.calling_window ? `${describeCallingHours(campaign.calling_window)} (local to each contact)` : "any time"),
        h("dt", null, "Waiting to be called"), h("dd", null, formatNumber(preflight.queued)),
        h("dt", null, "Due now"), h("dd", null, formatNumber(preflight.due_now)),
      ),
      hours.length
        ? h(
            "details",
            null,
            h("summary", null, "Due in the coming hours"),
            h("table", { class: "compact" }, h("thead", null, h("tr", null, h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Contacts"))), h("tbody", null, hours.map((entry) => h("tr", null, h("td", null, formatTime(entry.hour)), h("td", { class: "num" }, formatNumber(entry.contacts)))))),
          )
        : null,
      decisions.length
        ? h(
            "details",
            { open: true },
            h("summary", null, "Not dialed in the last hour, by reason"),
            h("table", { class: "compact" }, h("tbody", null, decisions.map(([reason, count]) => h("tr", null, h("td", null, label(reason)), h("td", { class: "num" }, formatNumber(count)))))),
          )
        : null,
    );
  }

  // ---- contacts
  async function refreshImports(): Promise<void> {
    try {
      const imports = await get<Items<Import>>(`/campaigns/${id}/imports`);
      if (stopped) return;
      replaceKeepingFocus(importsBox, importsTable(imports.items));
    } catch (error) {
      errorBanner(importsBox, error);
    }
  }

  // ---- report
  async function refreshReport(): Promise<void> {
    let report: Report;
    try {
      report = await get<Report>(`/campaigns/${id}/report`);
    } catch (error) {
      errorBanner(reportBox, error);
      return;
    }
    if (stopped) return;
    const codes = Object.entries(report.sip_codes ?? {}).sort(([a], [b]) => Number(a) - Number(b));
    replace(
      reportBox,
      h(
        "div",
        { class: "grid-2" },
        h("div", null, h("h3", null, "Outcomes"), outcomeBars(report.outcomes ?? {})),
        h(
          "div",
          null,
          h("h3", null, "SIP answers"),
          codes.length
            ? h("table", { class: "compact" }, h("thead", null, h("tr", null, h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Calls"))), h("tbody", null, codes.map(([code, count]) => h("tr", null, h("td", null, code), h("td", { class: "num" }, formatNumber(count))))))
            : h("p", { class: "muted" }, "No calls yet."),
          h("p", null, `Average talk time: ${report.average_talk_ms ? `${(report.average_talk_ms / 1000).toFixed(1)} s` : "–"}`),
        ),
      ),
      answersSection(report, campaign.script_id != null),
      h("h3", null, "Outcomes per minute"),
      outcomeColumns((report.by_minute ?? []).map((minute) => ({ label: new Date(minute.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), outcomes: minute.outcomes }))),
    );
    if (attemptsCursor.length === 1) void loadAttempts();
  }

  // ---- attempts table with filters and paging
  const outcomeFilter = select("outcome", [{ value: "", text: "any" }, ...KNOWN_OUTCOMES.map((name) => ({ value: name, text: label(name) }))]);
  const phoneFilter = h("input", { name: "phone", type: "search", placeholder: "+1202…", autocomplete: "off" });
  /** Cursors of the pages shown so far; the last is the current page's. */
  let attemptsCursor: (string | null)[] = [null];
  let nextCursor: string | null = null;
  const filterForm = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter calls" },
    field("Outcome", outcomeFilter),
    field("Phone", phoneFilter),
    h("button", { type: "submit" }, "Filter"),
    h("a", { class: "button", href: `${API}/campaigns/${id}/attempts.csv`, download: `campaign-${id}-attempts.csv`, "data-testid": "export-csv" }, "Export CSV"),
  );
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    attemptsCursor = [null];
    void loadAttempts();
  });

  async function loadAttempts(): Promise<void> {
    const query = new URLSearchParams({ limit: "50" });
    if (outcomeFilter.value) query.set("outcome", outcomeFilter.value);
    if (phoneFilter.value.trim()) query.set("phone", phoneFilter.value.trim());
    const cursor = attemptsCursor[attemptsCursor.length - 1];
    if (cursor) query.set("after", cursor);
    let page: Items<Attempt>;
    try {
      page = await get<Items<Attempt>>(`/campaigns/${id}/attempts?${query}`);
    } catch (error) {
      errorBanner(attemptsBox, error);
      return;
    }
    if (stopped) return;
    nextCursor = page.next ?? null;
    const pageNumber = attemptsCursor.length;
    replaceKeepingFocus(
      attemptsBox,
      page.items.length ? attemptsTable(page.items, trunks.items, campaign.script_id != null) : h("p", { class: "muted" }, "No calls match."),
      h(
        "div",
        { class: "pager" },
        h("button", { type: "button", disabled: pageNumber === 1, onclick: () => { attemptsCursor.pop(); void loadAttempts(); } }, "Previous page"),
        h("span", null, `Page ${pageNumber}`),
        h("button", { type: "button", disabled: !nextCursor, onclick: () => { attemptsCursor.push(nextCursor); void loadAttempts(); } }, "Next page"),
      ),
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
  function groupTrunks(groupTrunks: PreflightTrunk[]): HTMLElement {
    return h(
      "ul",
      { class: "plain", "data-testid": "group-trunk-probes" },
      groupTrunks.map((trunk) => h("li", { "data-trunk": trunk.id }, h("a", { href: `#/trunks?trunk=${trunk.id}` }, trunk.name), " — ", ...trunkState(trunk), " · ", ...probeStatus(trunk))),
    );
  }

  /** The campaign's trunk group (a link to it) and how many of its trunks are enabled and answer OPTIONS. */
  function groupStatus(group: Preflight["trunk_group"]): (HTMLElement | string)[] {
    const link = routeLink();
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

  /** The campaign's trunk group as a link, with its strategy. */
  function routeLink(): (HTMLElement | string)[] {
    const group = groups.items.find((candidate) => candidate.id === campaign.trunk_group_id);
    return [
      h("a", { href: `#/trunk-groups/${campaign.trunk_group_id}`, "data-testid": "trunk-group" }, group?.name ?? `#${campaign.trunk_group_id}`),
      group ? ` (${groupStrategyText(group.strategy).toLowerCase()})` : "",
    ];
  }

  /** The campaign's pool (a link to it), which overrides the fixed caller ID. */
  function callerIds(): (HTMLElement | string)[] {
    const pool = pools.items.find((candidate) => candidate.id === campaign.caller_id_pool_id);
    return [
      "pool ",
      h("a", { href: `#/caller-ids/${campaign.caller_id_pool_id}`, "data-testid": "caller-id-pool" }, pool?.name ?? `#${campaign.caller_id_pool_id}`),
      pool ? ` (${strategyText(pool.strategy).toLowerCase()})` : "",
    ];
  }

  const trunkName = trunks.items.find((trunk) => trunk.id === campaign.trunk_id)?.name;
  const promptName = prompts.items.find((prompt) => prompt.id === campaign.prompt_id)?.name;
  /** What answered calls hear: the script (a link to it), or the prompt. */
  const message = (): (HTMLElement | string)[] =>
    campaign.script_id != null
      ? [" · Script: ", h("a", { href: `#/scripts/${campaign.script_id}`, "data-testid": "campaign-script" }, scripts.find((script) => script.id === campaign.script_id)?.name ?? `#${campaign.script_id}`)]
      : [` · Prompt: ${promptName ?? "none"}`];
  // Country defaults: what they are, once Herald lists them.
  const defaultHours = h("span", { class: "muted", "data-testid": "calling-hours-defaults" });
  if (usesCountryDefaults(campaign.calling_window)) {
    getList<CountryHours>("/calling-hours/defaults").then(
      (defaults) => (defaultHours.textContent = ` (${describeDefaults(defaults)})`),
      () => {},
    );
  }

  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/campaigns" }, "Campaigns"), ` / #${id}`),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, campaign.name), statusBadge, h("a", { href: `#/dashboard?campaign=${id}` }, "Live dashboard")),
    actionBar,
    actionError,
    h(
      "p",
      { class: "hint" },
      campaign.trunk_group_id != null ? ["Trunk group: ", ...routeLink()] : `Trunk: ${trunkName ?? "none"}`,
      message(),
      " · Caller ID: ",
      campaign.caller_id_pool_id != null ? callerIds() : campaign.caller_id ?? "–",
      ` · up to ${campaign.max_attempts} attempt${campaign.max_attempts === 1 ? "" : "s"}, ring ${campaign.ring_timeout_secs} s · CPS cap ${campaign.cps_cap ?? "trunk's"} · concurrency cap ${campaign.concurrency_cap ?? "trunk's"} · ${campaign.timezone} · calling hours: `,
      h("span", { "data-testid": "calling-hours" }, describeCallingHours(campaign.calling_window)),
      defaultHours,
    ),
    h("div", { class: "grid-2" }, h("section", { class: "card", "aria-labelledby": "progress-title" }, h("h2", { id: "progress-title" }, "Progress"), summaryBox),
      h(
        "section",
        { class: "card", "aria-labelledby": "preflight-title" },
        h("div", { class: "section-head" }, h("h2", { id: "preflight-title" }, "Why is nothing dialing?"), h("button", { type: "button", onclick: () => refreshPreflight() }, "Check again")),
        preflightBox,
      ),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "contacts-title" },
      h("h2", { id: "contacts-title" }, "Contacts"),
      canWrite() && campaign.status !== "archived" ? importPanel(id, () => { void refreshSummary(); void refreshPreflight(); void refreshImports(); }) : null,
      h("h3", null, "Uploads"),
      importsBox,
    ),
    h("section", { class: "card", "aria-labelledby": "report-title" }, h("h2", { id: "report-title" }, "Report"), reportBox, h("h3", null, "Calls"), filterForm, attemptsBox),
  );

  renderActions();
  renderSummary();
  void refreshPreflight();
  void refreshImports();
  void refreshReport();
  void loadAttempts();
  timers.push(window.setInterval(() => void refreshSummary(), SUMMARY_MS));
  return () => {
    stopped = true;
    timers.forEach((timer) => window.clearInterval(timer));
  };
}

/**
 * Keys pressed at the script's menus (by answer name, then keys) and how
 * many opted out; nothing for a campaign without a script and no answers.
 */
function answersSection(report: Report, hasScript: boolean): HTMLElement | null {
  // By menu, the most pressed first (Herald's order).
  const answers = report.answers ?? [];
  const optedOut = report.opted_out ?? 0;
  if (!answers.length && !hasScript && !optedOut) return null;
  const totals = new Map<string, number>();
  for (const answer of answers) totals.set(answer.name, (totals.get(answer.name) ?? 0) + answer.count);
  return h(
    "div",
    { class: "answers", "data-testid": "report-answers" },
    h("h3", null, "Answers"),
    answers.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "compact", "data-testid": "answers" },
            h("thead", null, h("tr", null, ["Question", "Keys pressed", "Calls", "Share"].map((text) => h("th", { scope: "col" }, text)))),
            h(
              "tbody",
              null,
              answers.map((answer) =>
                h(
                  "tr",
                  null,
                  h("th", { scope: "row" }, answer.name),
                  h("td", { class: "mono" }, answer.value),
                  h("td", { class: "num" }, formatNumber(answer.count)),
                  h("td", { class: "num" }, `${formatNumber((100 * answer.count) / (totals.get(answer.name) || 1))} %`),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No keys pressed at the script's menus yet."),
    h("p", null, h("span", { "data-testid": "opted-out" }, `Opted out: ${formatNumber(optedOut)}`), ` · voicemails left: ${formatNumber(report.voicemails_left ?? 0)}`),
  );
}

function importsTable(imports: Import[]): HTMLElement {
  if (!imports.length) return h("p", { class: "muted" }, "No contacts uploaded yet.");
  const rows = imports
    .slice()
    .sort((a, b) => b.id - a.id)
    .map((entry) =>
      h(
        "tr",
        null,
        h("td", null, `#${entry.id}`),
        h("td", null, entry.state, entry.error ? ` — ${entry.error}` : ""),
        h("td", { class: "num" }, formatNumber(entry.rows_read)),
        h("td", { class: "num" }, formatNumber(entry.imported)),
        h("td", { class: "num" }, formatNumber(entry.duplicates)),
        h("td", { class: "num" }, entry.rejected ? h("a", { href: `${API}/imports/${entry.id}/errors.csv`, download: `import-${entry.id}-errors.csv` }, formatNumber(entry.rejected)) : "0"),
        h("td", null, formatTime(entry.created_at)),
        h("td", null, formatTime(entry.finished_at)),
      ),
    );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compact", "data-testid": "imports" },
      h("thead", null, h("tr", null, ["Upload", "State", "Rows", "Imported", "Duplicates", "Rejected", "Started", "Finished"].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", null, rows),
    ),
  );
}

/** What the call script collected on an attempt: "confirm=1 · opted out · voicemail left". */
function scriptResult(attempt: Attempt): string {
  const parts = Object.entries(attempt.answers ?? {}).map(([name, value]) => `${name}=${value}`);
  if (attempt.opted_out) parts.push("opted out");
  if (attempt.voicemail_left) parts.push("voicemail left");
  return parts.join(" · ");
}

function attemptsTable(attempts: Attempt[], trunks: Trunk[], scripted: boolean): HTMLElement {
  const trunkNames = new Map(trunks.map((trunk) => [trunk.id, trunk.name]));
  // The script's column where the campaign plays one, or an attempt shows what one collected.
  const withScript = scripted || attempts.some((attempt) => scriptResult(attempt));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compact", "data-testid": "attempts" },
      h("thead", null, h("tr", null, ["Phone", "Try", "Outcome", "SIP", "Q.850", "Trunk", "Dialled", "Answered", "Ended", "Talk", "DTMF", withScript ? "Script" : null].filter(Boolean).map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        null,
        attempts.map((attempt) =>
          h(
            "tr",
            null,
            h("td", { class: "mono" }, attempt.phone),
            h("td", { class: "num" }, attempt.attempt_no),
            h("td", null, attempt.outcome ? h("span", { class: `badge outcome-${attempt.outcome}` }, label(attempt.outcome)) : "in progress"),
            h("td", null, attempt.sip_code ? `${attempt.sip_code} ${attempt.sip_reason ?? ""}` : "–"),
            h("td", { class: "num" }, attempt.q850_cause ?? "–"),
            h("td", null, attempt.trunk_id ? trunkNames.get(attempt.trunk_id) ?? `#${attempt.trunk_id}` : "–"),
            h("td", { class: "nowrap", title: formatTime(attempt.invite_at) }, formatClock(attempt.invite_at)),
            h("td", { class: "nowrap", title: formatTime(attempt.answered_at) }, formatClock(attempt.answered_at)),
            h("td", { class: "nowrap", title: formatTime(attempt.ended_at) }, formatClock(attempt.ended_at)),
            h("td", { class: "num" }, attempt.talk_ms ? `${(attempt.talk_ms / 1000).toFixed(1)} s` : "–"),
            h("td", null, attempt.dtmf ?? ""),
            withScript ? h("td", { "data-testid": "attempt-script" }, scriptResult(attempt)) : null,
          ),
        ),
      ),
    ),
  );
}

/**
 * Upload contacts: choose a CSV, map its columns (read from the header row
 * in the browser), send it with progress, and follow the import until done.
 */
function importPanel(campaignId: number, onFinished: () => void): HTMLElement {
  const fileInput = h("input", { type: "file", name: "file", accept: ".csv,text/csv" });
  const mapping = h("div", { class: "mapping" });
  const progressBox = h("div", { "aria-live": "polite", "data-testid": "import-progress" });
  const submit = h("button", { type: "submit", class: "primary", disabled: true }, "Upload contacts");
  const form = h(
    "form",
    { class: "import-form", novalidate: true },
    formAlert(),
    field("Contacts file (CSV)", fileInput, "The first row names the columns; one contact per row."),
    mapping,
    h("div", { class: "actions" }, submit),
    progressBox,
  );
  let header: string[] = [];

  fileInput.addEventListener("change", async () => {
    replace(mapping);
    replace(progressBox);
    submit.disabled = true;
    const file = fileInput.files?.[0];
    if (!file) return;
    let preview: string[][];
    try {
      ({ header, preview } = await readCsvHead(file));
    } catch (error) {
      showErrors(form, error);
      return;
    }
    if (!header.length || header.every((name) => !name)) {
      showErrors(form, new Error("The file's first row is empty: it must name the columns."));
      return;
    }
    const guessPhone = header.find((name) => /^(phone|number|msisdn|mobile|tel|telephone|phone_number)$/i.test(name)) ?? header[0];
    const guessZone = header.find((name) => /^(tz|timezone|time_zone|time zone)$/i.test(name)) ?? "";
    const phoneSelect = select("phone_column", header.map((name) => ({ value: name, text: name })), guessPhone);
    const zoneSelect = select("timezone_column", [{ value: "", text: "— none: from the number —" }, ...header.map((name) => ({ value: name, text: name }))], guessZone);
    const tagBoxes = h("fieldset", { class: "tags" }, h("legend", null, "Keep these columns as tags"));
    const renderTags = () => {
      const previous = new Map([...tagBoxes.querySelectorAll<HTMLInputElement>("input")].map((box) => [box.value, box.checked]));
      tagBoxes.querySelectorAll(".field").forEach((node) => node.remove());
      for (const name of header) {
        if (name === phoneSelect.value || name === zoneSelect.value) continue;
        tagBoxes.appendChild(field(name, h("input", { type: "checkbox", name: "tag_columns", value: name, checked: previous.get(name) ?? true })));
      }
      if (!tagBoxes.querySelector(".field")) tagBoxes.appendChild(h("p", { class: "muted field" }, "No other columns."));
    };
    phoneSelect.addEventListener("change", renderTags);
    zoneSelect.addEventListener("change", renderTags);
    renderTags();
    replace(
      mapping,
      h("div", { class: "row" }, field("Phone number column", phoneSelect), field("Time zone column", zoneSelect, "Optional: an IANA zone per contact, e.g. Europe/Paris.")),
      tagBoxes,
      preview.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "compact preview" },
              h("caption", null, `First rows of ${file.name} (${formatNumber(file.size / 1024, 1)} KiB)`),
              h("thead", null, h("tr", null, header.map((name) => h("th", { scope: "col" }, name)))),
              h("tbody", null, preview.map((row) => h("tr", null, header.map((_, index) => h("td", null, row[index] ?? ""))))),
            ),
          )
        : null,
    );
    submit.disabled = false;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) return;
    const data = new FormData(form);
    const body = {
      phone_column: String(data.get("phone_column") ?? ""),
      timezone_column: data.get("timezone_column") ? String(data.get("timezone_column")) : null,
      tag_columns: data.getAll("tag_columns").map(String),
    };
    submit.disabled = true;
    fileInput.disabled = true;
    let current: Import | null = null;
    let sent = 0;
    let polling = 0;
    const bytes = h("progress", { max: file.size || 1, value: 0, "aria-label": "Bytes sent" });
    const bytesText = h("span");
    const rowsText = h("p", { "data-testid": "import-counts" });
    const stateText = h("p", { "data-testid": "import-state" }, "Starting the upload…");
    const errorsBox = h("div", { "data-testid": "import-errors" });
    replace(progressBox, h("p", null, bytes, " ", bytesText), rowsText, stateText, errorsBox);

    const show = () => {
      bytes.value = sent;
      bytesText.textContent = `${formatNumber(sent / 1024, 1)} of ${formatNumber(file.size / 1024, 1)} KiB sent`;
      if (current) {
        rowsText.textContent = `${formatNumber(current.rows_read)} rows read · ${formatNumber(current.imported)} imported · ${formatNumber(current.duplicates)} duplicates · ${formatNumber(current.rejected)} rejected`;
        stateText.textContent = current.state === "done" ? "Import done." : current.state === "failed" ? `Import failed: ${current.error ?? "unknown error"}` : `Import ${current.state}…`;
        stateText.dataset.state = current.state;
      }
    };
    const poll = async () => {
      if (!current) return;
      try {
        const latest = await get<Import>(`/imports/${current.id}`);
        if (current.state !== "done" && current.state !== "failed") current = latest;
        show();
      } catch {
        // The next poll tries again.
      }
    };
    try {
      current = await post<Import>(`/campaigns/${campaignId}/imports`, body);
      show();
      polling = window.setInterval(poll, IMPORT_POLL_MS);
      const finished = await uploadWithProgress<Import>("PUT", `/imports/${current.id}/data`, file, "text/csv", (loaded) => {
        sent = loaded;
        show();
      });
      sent = file.size;
      window.clearInterval(polling);
      const done = finished ?? (await get<Import>(`/imports/${current.id}`));
      // The rejected rows first, so that "done" shows with its errors.
      if (done.rejected > 0) await showImportErrors(done, errorsBox);
      current = done;
      show();
      flash(`Imported ${current.imported} contacts${current.rejected ? `, ${current.rejected} rows rejected` : ""}.`);
      onFinished();
    } catch (error) {
      showErrors(form, error);
      if (current) stateText.textContent = "Upload failed.";
    } finally {
      window.clearInterval(polling);
      submit.disabled = false;
      fileInput.disabled = false;
    }
  });
  return form;
}

async function showImportErrors(finished: Import, box: HTMLElement): Promise<void> {
  const url = `${API}/imports/${finished.id}/errors.csv`;
  const link = h("a", { href: url, download: `import-${finished.id}-errors.csv` }, `Download the ${finished.rejected} rejected rows (CSV)`);
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    const [, ...rows] = parseCsv(await response.text()).filter((row) => row.length >= 2);
    replace(
      box,
      h(
        "table",
        { class: "compact errors" },
        h("caption", null, "Rejected rows"),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Problem"))),
        h("tbody", null, rows.slice(0, 20).map(([line, message]) => h("tr", null, h("td", { class: "num", "data-testid": "error-line" }, line), h("td", null, message)))),
      ),
      rows.length > 20 ? h("p", null, `…and ${rows.length - 20} more.`) : null,
      h("p", null, link),
    );
  } catch {
    replace(box, h("p", null, link));
  }
}
