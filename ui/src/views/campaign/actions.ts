// A campaign's status badge, the actions its status allows (start, pause,
// stop, clone, …) and, for a draft, what to do next.
import { post, type Campaign, type CampaignAction } from "../../api";
import { h, replace } from "../../dom";
import { busy, errorBanner, flash } from "../../forms";
import { navigate } from "../../router";
import { canWrite } from "../../session";
import type { CampaignPage } from "./page";

/** A move of the campaign's lifecycle (the store's one table says which its status allows), or a clone. */
type Action = CampaignAction | "clone";

/** The buttons' order. */
const ORDER: Action[] = ["start", "schedule", "pause", "resume", "stop", "clone", "archive"];

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

export interface ActionsPanel {
  /** The status badge beside the title. */
  badge: HTMLElement;
  /** The action buttons, the edit link and the next step. */
  bar: HTMLElement;
  /** Why the last action failed. */
  error: HTMLElement;
  /** Redraws the badge and the buttons for the campaign's status. */
  render(): void;
  /** Redraws the next step from the latest summary. */
  renderNextStep(): void;
}

/** `changed`: an action moved the campaign (its figures and preflight are due again). */
export function actionsPanel(page: CampaignPage, changed: () => void): ActionsPanel {
  const badge = h("span", { class: `badge status-${page.campaign.status}`, "data-testid": "campaign-status", "aria-live": "polite" }, page.campaign.status);
  const bar = h("div", { class: "actions", role: "group", "aria-label": "Campaign actions" });
  const error = h("div");
  const nextStep = h("p", { class: "hint next-step", "aria-live": "polite" });

  function renderNextStep(): void {
    const text = nextStepText(page);
    if (nextStep.textContent !== text) nextStep.textContent = text;
  }

  function render(): void {
    const { campaign } = page;
    badge.textContent = campaign.status;
    badge.className = `badge status-${campaign.status}`;
    if (!canWrite()) {
      replace(bar);
      return;
    }
    const hasSchedule = Boolean(campaign.schedule_start_cron || campaign.starts_at);
    // The moves its status allows, from the API (`allowed_actions`); a clone is always allowed.
    const allowed = new Set<Action>([...campaign.allowed_actions, "clone"]);
    const buttons = ORDER.filter((action) => allowed.has(action))
      .filter((action) => action !== "schedule" || hasSchedule)
      .map((action) =>
        h(
          "button",
          { type: "button", class: buttonClass(action), "data-action": action, onclick: (event: Event) => act(action, event.currentTarget as HTMLButtonElement) },
          ACTION_TEXT[action],
        ),
      );
    const edit = campaign.status !== "archived" ? h("a", { class: "button", href: `#/campaigns/${page.id}/edit` }, "Edit") : null;
    replace(bar, buttons, edit, nextStep);
    renderNextStep();
  }

  async function act(action: Action, button: HTMLButtonElement): Promise<void> {
    if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
    replace(error);
    try {
      const answer = await busy(button, () => post<Campaign>(`/campaigns/${page.id}/${action}`));
      if (action === "clone") {
        flash(`Cloned as “${answer.name}” (a draft without contacts).`);
        navigate(`/campaigns/${answer.id}`);
        return;
      }
      page.campaign = answer;
      flash(`Campaign ${answer.status}.`);
      render();
      changed();
    } catch (failure) {
      errorBanner(error, failure);
    }
  }

  return { badge, bar, error, render, renderNextStep };
}

function buttonClass(action: Action): string {
  if (action === "start" || action === "resume") return "primary";
  return action === "stop" ? "danger" : "";
}

function nextStepText(page: CampaignPage): string {
  if (page.campaign.status !== "draft") return "";
  return page.summary.contacts ? "Next: press Start — calls begin at once (within the calling hours)." : "Next: upload contacts below, then press Start.";
}
