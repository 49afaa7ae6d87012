// One campaign: status and actions, progress, "why is nothing dialing?",
// contacts upload with column mapping, and the report; and its edit form.
// Each panel is a module of views/campaign/, sharing a `CampaignPage`.
import { get, patch, type Campaign } from "../api";
import { h, replace } from "../dom";
import { busy, flash, showErrors } from "../forms";
import { navigate } from "../router";
import { actionsPanel } from "./campaign/actions";
import { attemptsPanel } from "./campaign/attempts";
import { contactsPanel } from "./campaign/contacts";
import { campaignFacts } from "./campaign/facts";
import { loadCampaignPage } from "./campaign/page";
import { preflightPanel } from "./campaign/preflight";
import { progressPanel } from "./campaign/progress";
import { reportPanel } from "./campaign/report";
import { campaignForm } from "./campaignForm";

const SUMMARY_MS = 2000;

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
  const page = await loadCampaignPage(Number(params.id));
  const { id } = page;

  const actions = actionsPanel(page, () => {
    void progress.refresh();
    void preflight.refresh();
  });
  const progress = progressPanel(page, {
    statusChanged: () => actions.render(),
    shown: () => actions.renderNextStep(),
    doneChanged: () => void report.refresh(),
  });
  const preflight = preflightPanel(page);
  const contacts = contactsPanel(page, () => {
    void progress.refresh();
    void preflight.refresh();
    void contacts.refresh();
  });
  const attempts = attemptsPanel(page);
  const report = reportPanel(page, () => attempts.reloadFirstPage());

  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/campaigns" }, "Campaigns"), ` / #${id}`),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, page.campaign.name), actions.badge, h("a", { href: `#/dashboard?campaign=${id}` }, "Live dashboard")),
    actions.bar,
    actions.error,
    campaignFacts(page),
    h("div", { class: "grid-2" }, progress.element, preflight.element),
    contacts.element,
    h("section", { class: "card", "aria-labelledby": "report-title" }, h("h2", { id: "report-title" }, "Report"), report.element, h("h3", null, "Calls"), attempts.filters, attempts.table),
  );

  actions.render();
  progress.render();
  void preflight.refresh();
  void contacts.refresh();
  void report.refresh();
  void attempts.load();
  const timer = window.setInterval(() => void progress.refresh(), SUMMARY_MS);
  return () => {
    page.stopped = true;
    window.clearInterval(timer);
  };
}
