// A campaign's report: outcomes, SIP answers, average talk time, the keys
// pressed at the script's menus, and outcomes per minute.
import { get, type Report } from "../../api";
import { outcomeBars, outcomeColumns } from "../../charts";
import { formatNumber, h, replace } from "../../dom";
import { errorBanner } from "../../forms";
import type { CampaignPage } from "./page";

export interface ReportPanel {
  element: HTMLElement;
  refresh(): Promise<void>;
}

/** `refreshed`: a new report was drawn. */
export function reportPanel(page: CampaignPage, refreshed: () => void): ReportPanel {
  const element = h("div");

  async function refresh(): Promise<void> {
    let report: Report;
    try {
      report = await get<Report>(`/campaigns/${page.id}/report`);
    } catch (error) {
      errorBanner(element, error);
      return;
    }
    if (page.stopped) return;
    replace(
      element,
      h("div", { class: "grid-2" }, h("div", null, h("h3", null, "Outcomes"), outcomeBars(report.outcomes ?? {})), sipAnswers(report)),
      answersSection(report, page.campaign.script_id != null),
      h("h3", null, "Outcomes per minute"),
      outcomeColumns((report.by_minute ?? []).map((minute) => ({ label: new Date(minute.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), outcomes: minute.outcomes }))),
    );
    refreshed();
  }

  return { element, refresh };
}

/** Calls by SIP answer code, and the average talk time. */
function sipAnswers(report: Report): HTMLElement {
  const codes = Object.entries(report.sip_codes ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  return h(
    "div",
    null,
    h("h3", null, "SIP answers"),
    codes.length
      ? h(
          "table",
          { class: "compact" },
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Calls"))),
          h("tbody", null, codes.map(([code, count]) => h("tr", null, h("td", null, code), h("td", { class: "num" }, formatNumber(count))))),
        )
      : h("p", { class: "muted" }, "No calls yet."),
    h("p", null, `Average talk time: ${report.average_talk_ms ? `${(report.average_talk_ms / 1000).toFixed(1)} s` : "–"}`),
  );
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
