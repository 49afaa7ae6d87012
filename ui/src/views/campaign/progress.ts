// A campaign's progress: contacts waiting, in a call and done, attempts,
// outcomes so far; refreshed every few seconds by the page.
import { get, type Summary } from "../../api";
import { formatNumber, formatTime, h, label, replace, type Child } from "../../dom";
import type { CampaignPage } from "./page";

export interface ProgressPanel {
  element: HTMLElement;
  render(): void;
  /** Fetches the summary again and redraws. */
  refresh(): Promise<void>;
}

export interface ProgressHooks {
  /** The summary shows another status than the campaign's (page.campaign is updated). */
  statusChanged(): void;
  /** A new summary was drawn. */
  shown(): void;
  /** More contacts are done than at the last summary. */
  doneChanged(): void;
}

export function progressPanel(page: CampaignPage, hooks: ProgressHooks): ProgressPanel {
  const box = h("div", { "aria-live": "polite" });
  const element = h("section", { class: "card", "aria-labelledby": "progress-title" }, h("h2", { id: "progress-title" }, "Progress"), box);
  let lastDone = page.summary.done;

  function render(): void {
    replace(box, ...summaryFigures(page.summary));
  }

  async function refresh(): Promise<void> {
    try {
      page.summary = await get<Summary>(`/campaigns/${page.id}/summary`);
    } catch {
      return;
    }
    if (page.stopped) return;
    const { summary } = page;
    if (summary.status && summary.status !== page.campaign.status) {
      page.campaign = { ...page.campaign, status: summary.status };
      hooks.statusChanged();
    }
    render();
    hooks.shown();
    if (summary.done !== lastDone) {
      lastDone = summary.done;
      hooks.doneChanged();
    }
  }

  return { element, render, refresh };
}

function summaryFigures(summary: Summary): Child[] {
  const share = summary.contacts ? summary.done / summary.contacts : 0;
  const outcomes = Object.entries(summary.outcomes ?? {});
  return [
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
  ];
}

function figure(title: string, value: number, testId: string): HTMLElement[] {
  return [h("dt", null, title), h("dd", { "data-testid": testId }, formatNumber(value))];
}
