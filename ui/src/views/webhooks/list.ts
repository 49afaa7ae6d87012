// The webhooks table: each webhook's campaigns, state and delivery counts,
// disabled and enabled, edited in its row, deleted.
import { del, get, patch, type Campaign, type Items, type Webhook } from "../../api";
import { formatNumber, formatTime, h, replace } from "../../dom";
import { busy, campaignScope, conflictOn, errorBanner, field, flash, formAlert, input, showErrors, values } from "../../forms";

export interface WebhookList {
  /** The "Webhooks" card: Refresh, errors and the table. */
  element: HTMLElement;
  /** Lists the webhooks again and redraws the table. */
  reload(): Promise<void>;
  /** Puts the focus on a row's button (after the table is drawn again). */
  focusRowAction(webhookId: number, action: string): void;
}

export interface WebhookListHooks {
  /** "Deliveries" was pressed on a row. */
  openDeliveries(webhook: Webhook): void;
  /** The webhooks were listed again. */
  reloaded(webhooks: Webhook[]): Promise<void>;
}

export function webhookList(initial: Webhook[], campaigns: Campaign[], hooks: WebhookListHooks): WebhookList {
  let webhooks = initial;
  const campaignNames = new Map(campaigns.map((campaign) => [campaign.id, campaign.name]));
  const table = h("div", { class: "table-wrap" });
  const error = h("div");
  const element = h(
    "section",
    { class: "card", "aria-labelledby": "webhooks-title" },
    h("div", { class: "section-head" }, h("h2", { id: "webhooks-title" }, "Webhooks"), h("button", { type: "button", onclick: () => reload() }, "Refresh")),
    error,
    table,
  );

  function focusRowAction(webhookId: number, action: string): void {
    table.querySelector<HTMLElement>(`[data-webhook="${webhookId}"] [data-action="${action}"]`)?.focus();
  }

  async function reload(): Promise<void> {
    try {
      webhooks = (await get<Items<Webhook>>("/webhooks")).items;
    } catch (failure) {
      errorBanner(error, failure);
      return;
    }
    render();
    await hooks.reloaded(webhooks);
  }

  /** The campaigns a webhook hears: every one, or one (a link to it). */
  function scope(webhook: Webhook): HTMLElement | string {
    if (webhook.campaign_id == null) return "every campaign";
    return h("a", { href: `#/campaigns/${webhook.campaign_id}` }, campaignNames.get(webhook.campaign_id) ?? `campaign #${webhook.campaign_id}`);
  }

  function render(): void {
    if (!webhooks.length) {
      replace(table, h("p", { class: "muted" }, "No webhooks yet."));
      return;
    }
    replace(
      table,
      h(
        "table",
        { "data-testid": "webhooks" },
        h("thead", null, h("tr", null, ["URL", "Campaigns", "State", "Delivered", "Pending", "Failed", "Last error", "Created", "Actions"].map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", null, webhooks.map(row)),
      ),
    );
  }

  function row(webhook: Webhook): HTMLElement {
    return h(
      "tr",
      { "data-webhook": webhook.id },
      h("th", { scope: "row", class: "mono url" }, webhook.url),
      h("td", null, scope(webhook)),
      h("td", null, h("span", { class: `badge ${webhook.enabled ? "on" : "off"}` }, webhook.enabled ? "enabled" : "disabled")),
      h("td", { class: "num", "data-testid": "webhook-delivered" }, formatNumber(webhook.delivered)),
      h("td", { class: "num", "data-testid": "webhook-pending" }, formatNumber(webhook.pending)),
      h("td", { class: "num", "data-testid": "webhook-failed" }, webhook.failed ? h("span", { class: "blockers" }, formatNumber(webhook.failed)) : formatNumber(webhook.failed)),
      h("td", { "data-testid": "webhook-last-error" }, webhook.last_error ? h("span", { class: "blockers" }, webhook.last_error) : h("span", { class: "muted" }, "none")),
      h("td", null, formatTime(webhook.created_at)),
      h(
        "td",
        { class: "row-actions wrap" },
        h(
          "button",
          { type: "button", "data-action": "toggle", onclick: (event: Event) => toggle(webhook, event.currentTarget as HTMLButtonElement) },
          webhook.enabled ? "Disable" : "Enable",
          h("span", { class: "visually-hidden" }, ` ${webhook.url}`),
        ),
        h("button", { type: "button", "data-action": "edit", onclick: (event: Event) => edit(webhook, (event.currentTarget as HTMLElement).closest("tr")!) }, "Edit", h("span", { class: "visually-hidden" }, ` ${webhook.url}`)),
        h("button", { type: "button", "data-action": "deliveries", onclick: () => hooks.openDeliveries(webhook) }, "Deliveries", h("span", { class: "visually-hidden" }, ` to ${webhook.url}`)),
        h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(webhook, event.currentTarget as HTMLButtonElement) }, "Delete", h("span", { class: "visually-hidden" }, ` ${webhook.url}`)),
      ),
    );
  }

  async function toggle(webhook: Webhook, button: HTMLButtonElement): Promise<void> {
    replace(error);
    try {
      await busy(button, () => patch<Webhook>(`/webhooks/${webhook.id}`, { enabled: !webhook.enabled }));
      flash(
        webhook.enabled
          ? `Webhook to ${webhook.url} disabled: nothing new is queued for it, and its waiting deliveries wait until it is enabled again.`
          : `Webhook to ${webhook.url} enabled: its waiting deliveries go out again.`,
      );
      await reload();
      focusRowAction(webhook.id, "toggle");
    } catch (failure) {
      errorBanner(error, failure);
    }
  }

  /** The row becomes a form for the URL and the campaigns it hears. */
  function edit(webhook: Webhook, tableRow: HTMLElement): void {
    const form = editForm(webhook, campaigns, campaignNames, {
      saved: async () => {
        await reload();
        focusRowAction(webhook.id, "edit");
      },
      cancelled: () => {
        render();
        focusRowAction(webhook.id, "edit");
      },
    });
    const columns = tableRow.children.length;
    replace(tableRow, h("th", { scope: "row", class: "mono url" }, webhook.url), h("td", { colspan: columns - 1 }, form));
    form.querySelector<HTMLInputElement>("input[name=url]")?.focus();
  }

  async function remove(webhook: Webhook, button: HTMLButtonElement): Promise<void> {
    const waiting = webhook.pending ? ` Its ${formatNumber(webhook.pending)} pending deliver${webhook.pending === 1 ? "y is" : "ies are"} dropped.` : "";
    if (!window.confirm(`Delete the webhook to ${webhook.url}? Herald stops sending attempts there.${waiting}`)) return;
    replace(error);
    try {
      await busy(button, () => del(`/webhooks/${webhook.id}`));
      flash(`Webhook to ${webhook.url} deleted.`);
      await reload();
    } catch (failure) {
      errorBanner(error, failure);
    }
  }

  render();
  return { element, reload, focusRowAction };
}

/** A webhook's URL and campaigns as a form (PATCH /webhooks/{id}). */
function editForm(
  webhook: Webhook,
  campaigns: Campaign[],
  campaignNames: Map<number, string>,
  done: { saved(): Promise<void>; cancelled(): void },
): HTMLFormElement {
  const scopeSelect = campaignScope(campaigns);
  // An archived campaign is not offered for new webhooks, but this one may hear it still.
  if (webhook.campaign_id != null && ![...scopeSelect.options].some((option) => option.value === String(webhook.campaign_id))) {
    scopeSelect.append(h("option", { value: String(webhook.campaign_id) }, campaignNames.get(webhook.campaign_id) ?? `campaign #${webhook.campaign_id}`));
  }
  scopeSelect.value = webhook.campaign_id == null ? "" : String(webhook.campaign_id);
  const urlInput = input("url", { type: "url", required: true, value: webhook.url, autocomplete: "off" });
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  const form = h(
    "form",
    { class: "form inline-cap", novalidate: true, "aria-label": `Edit the webhook to ${webhook.url}` },
    formAlert(),
    h("div", { class: "row" }, field("Webhook URL", urlInput, "Checked as when it was added."), field("Webhook campaigns", scopeSelect)),
    h("div", { class: "actions" }, save, h("button", { type: "button", onclick: () => done.cancelled() }, "Cancel")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = values(form);
    try {
      const changed = await busy(save, () => patch<Webhook>(`/webhooks/${webhook.id}`, { url: data.url, campaign_id: data.campaign_id ? Number(data.campaign_id) : null }));
      flash(`Webhook to ${changed.url} saved: ${changed.campaign_id == null ? "every campaign" : `the attempts of ${campaignNames.get(changed.campaign_id) ?? `campaign #${changed.campaign_id}`}`}.`);
      await done.saved();
    } catch (error) {
      // 409: the campaign is gone (deleted meanwhile).
      showErrors(form, conflictOn(error, "campaign_id"));
    }
  });
  return form;
}
