// A campaign's calls: filtered by outcome and phone, a page of 50 at a
// time, exported as CSV.
import { API, asAnswers, get, type Attempt, type AttemptPage, type Trunk } from "../../api";
import { formatClock, formatTime, h, label, replaceKeepingFocus } from "../../dom";
import { errorBanner, field, select } from "../../forms";
import type { CampaignPage } from "./page";

const KNOWN_OUTCOMES = ["answered", "busy", "no_answer", "rejected", "failed", "machine", "lost_with_node"];

export interface AttemptsPanel {
  /** Outcome and phone filters, and the CSV export. */
  filters: HTMLFormElement;
  /** The current page of calls and the pager. */
  table: HTMLElement;
  load(): Promise<void>;
  /** Loads the first page again if it is the one shown (new calls show up there). */
  reloadFirstPage(): void;
}

export function attemptsPanel(page: CampaignPage): AttemptsPanel {
  const { id } = page;
  const outcomeFilter = select("outcome", [{ value: "", text: "any" }, ...KNOWN_OUTCOMES.map((name) => ({ value: name, text: label(name) }))]);
  const phoneFilter = h("input", { name: "phone", type: "search", placeholder: "+1202…", autocomplete: "off" });
  const table = h("div");
  /** Cursors of the pages shown so far; the last is the current page's. */
  let cursors: (string | null)[] = [null];
  let nextCursor: string | null = null;
  const filters = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter calls" },
    field("Outcome", outcomeFilter),
    field("Phone", phoneFilter),
    h("button", { type: "submit" }, "Filter"),
    h("a", { class: "button", href: `${API}/campaigns/${id}/attempts.csv`, download: `campaign-${id}-attempts.csv`, "data-testid": "export-csv" }, "Export CSV"),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [null];
    void load();
  });

  async function load(): Promise<void> {
    const query = new URLSearchParams({ limit: "50" });
    if (outcomeFilter.value) query.set("outcome", outcomeFilter.value);
    if (phoneFilter.value.trim()) query.set("phone", phoneFilter.value.trim());
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set("after", cursor);
    let attempts: AttemptPage;
    try {
      attempts = await get<AttemptPage>(`/campaigns/${id}/attempts?${query}`);
    } catch (error) {
      errorBanner(table, error);
      return;
    }
    if (page.stopped) return;
    nextCursor = attempts.next ?? null;
    const pageNumber = cursors.length;
    replaceKeepingFocus(
      table,
      attempts.items.length ? attemptsTable(attempts.items, page.trunks, page.campaign.script_id != null) : h("p", { class: "muted" }, "No calls match."),
      h(
        "div",
        { class: "pager" },
        h("button", { type: "button", disabled: pageNumber === 1, onclick: () => { cursors.pop(); void load(); } }, "Previous page"),
        h("span", null, `Page ${pageNumber}`),
        h("button", { type: "button", disabled: !nextCursor, onclick: () => { cursors.push(nextCursor); void load(); } }, "Next page"),
      ),
    );
  }

  function reloadFirstPage(): void {
    if (cursors.length === 1) void load();
  }

  return { filters, table, load, reloadFirstPage };
}

/** What the call script collected on an attempt: "confirm=1 · opted out · voicemail left". */
function scriptResult(attempt: Attempt): string {
  const parts = Object.entries(asAnswers(attempt.answers)).map(([name, value]) => `${name}=${value}`);
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
