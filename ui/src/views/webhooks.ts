// Webhooks: URLs Herald POSTs every finished attempt to, signed with the
// webhook's secret (shown once), retried with back-off, at least once;
// each one edited, disabled and enabled, and its recent deliveries listed
// (a given-up one retried).
import { ApiError, del, get, patch, post, type Campaign, type CreatedWebhook, type Items, type Webhook, type WebhookDelivery } from "../api";
import { formatClock, formatNumber, formatTime, h, replace, replaceKeepingFocus } from "../dom";
import { busy, campaignScope, clearErrors, conflictOn, errorBanner, field, flash, formAlert, input, showErrors, values } from "../forms";
import { canWrite } from "../session";

/** What a receiver gets and should do with it. */
function deliveryRules(): HTMLElement {
  return h(
    "ul",
    { class: "hint strategies", "data-testid": "delivery-rules" },
    h("li", null, h("strong", null, "What is sent"), ": every finished attempt, as a POST of JSON ", h("code", null, '{"event": "attempt.finished", "delivery": …, "attempt": {…}}'), " to the URL (for one campaign or every campaign)."),
    h("li", null, h("strong", null, "Signature"), ": the header ", h("code", null, "X-Herald-Signature: sha256=…"), " carries the HMAC-SHA256 of the raw body with the webhook's secret, in hex. Compute it over the bytes received and compare before trusting the body."),
    h("li", null, h("strong", null, "Retries"), ": an answer other than 2xx, or none, is tried again with exponential back-off (5 s, 10 s, 20 s, …), up to 12 tries; then the delivery counts as failed."),
    h("li", null, h("strong", null, "At least once"), ": a delivery may arrive more than once. Deduplicate by ", h("code", null, "delivery"), " (also in the ", h("code", null, "X-Herald-Delivery"), " header) or ", h("code", null, "attempt.id"), "."),
  );
}

/** Copies `text`; falls back to selecting it (outside a secure context, or when refused). */
async function copy(text: string, shown: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return false;
  }
}

/** The new webhook's secret, shown this once, with a copy button. */
function secretOnce(box: HTMLElement, created: CreatedWebhook, url: string): void {
  const code = h("code", { "data-testid": "webhook-secret" }, created.secret);
  const copied = h("span", { class: "hint", "aria-live": "polite" });
  const copyButton = h(
    "button",
    {
      type: "button",
      onclick: async () => {
        copied.textContent = (await copy(created.secret, code)) ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.";
      },
    },
    "Copy secret",
  );
  replace(
    box,
    h(
      "section",
      { class: "card", role: "alert", "aria-labelledby": "secret-title", "data-testid": "secret-once" },
      h("h2", { id: "secret-title" }, "Signing secret of the new webhook"),
      h("p", null, h("strong", null, "Store it now: it will not be shown again."), ` Receivers at ${url} check X-Herald-Signature with it; lost, the webhook must be deleted and created anew.`),
      h("div", { class: "secret-once" }, code, copyButton, copied),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => replace(box) }, "I have stored it")),
    ),
  );
  copyButton.focus();
}

/** Deliveries listed at first, and at most (the API's bound). */
const DELIVERIES_SHOWN = 50;
const DELIVERIES_MAX = 500;

/** A delivery's state as a badge: delivered, given up, or waiting for its (next) try. */
function deliveryState(delivery: WebhookDelivery): HTMLElement {
  if (delivery.delivered_at) return h("span", { class: "badge on" }, "delivered");
  if (delivery.failed) return h("span", { class: "badge off" }, "given up");
  return h("span", { class: "badge resting" }, "waiting");
}

/** When it was delivered, or when it is tried next. */
function deliveryWhen(delivery: WebhookDelivery): string {
  if (delivery.delivered_at) return formatClock(delivery.delivered_at);
  if (delivery.next_try_at) return `next try ${formatClock(delivery.next_try_at)}`;
  return "–";
}

export async function webhooksView(main: HTMLElement) {
  if (!canWrite()) {
    replace(main, h("h1", { tabindex: "-1" }, "Webhooks"), h("p", { class: "muted" }, "Only managers and admins see and change webhooks."));
    return;
  }
  let [webhooks, campaigns] = await Promise.all([get<Items<Webhook>>("/webhooks").then((answer) => answer.items), get<Items<Campaign>>("/campaigns").then((answer) => answer.items)]);
  const campaignNames = new Map(campaigns.map((campaign) => [campaign.id, campaign.name]));
  const listBox = h("div", { class: "table-wrap" });
  const listError = h("div");
  const secretBox = h("div");
  const deliveriesSection = h("section", { class: "card", "aria-labelledby": "deliveries-title", "data-testid": "deliveries-section", hidden: true });
  const deliveriesError = h("div");
  /** The webhook whose deliveries are shown, and how many of them. */
  let shown: { webhook: Webhook; limit: number } | null = null;

  /** Puts the focus back on a row's button after the list is drawn again. */
  function focusRowAction(webhookId: number, action: string): void {
    listBox.querySelector<HTMLElement>(`[data-webhook="${webhookId}"] [data-action="${action}"]`)?.focus();
  }

  async function reload(): Promise<void> {
    try {
      webhooks = (await get<Items<Webhook>>("/webhooks")).items;
    } catch (error) {
      errorBanner(listError, error);
      return;
    }
    renderList();
    // The open deliveries follow their webhook: gone, or its URL changed.
    const open = shown;
    if (!open) return;
    const current = webhooks.find((webhook) => webhook.id === open.webhook.id);
    if (!current) return closeDeliveries();
    const urlChanged = current.url !== open.webhook.url;
    open.webhook = current;
    if (urlChanged) await loadDeliveries();
  }

  function scope(webhook: Webhook): HTMLElement | string {
    if (webhook.campaign_id === null) return "every campaign";
    return h("a", { href: `#/campaigns/${webhook.campaign_id}` }, campaignNames.get(webhook.campaign_id) ?? `campaign #${webhook.campaign_id}`);
  }

  function renderList(): void {
    if (!webhooks.length) {
      replace(listBox, h("p", { class: "muted" }, "No webhooks yet."));
      return;
    }
    replace(
      listBox,
      h(
        "table",
        { "data-testid": "webhooks" },
        h("thead", null, h("tr", null, ["URL", "Campaigns", "State", "Delivered", "Pending", "Failed", "Last error", "Created", "Actions"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          webhooks.map((webhook) =>
            h(
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
                h("button", { type: "button", "data-action": "deliveries", onclick: () => openDeliveries(webhook) }, "Deliveries", h("span", { class: "visually-hidden" }, ` to ${webhook.url}`)),
                h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(webhook, event.currentTarget as HTMLButtonElement) }, "Delete", h("span", { class: "visually-hidden" }, ` ${webhook.url}`)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function toggle(webhook: Webhook, button: HTMLButtonElement): Promise<void> {
    replace(listError);
    try {
      await busy(button, () => patch<Webhook>(`/webhooks/${webhook.id}`, { enabled: !webhook.enabled }));
      flash(
        webhook.enabled
          ? `Webhook to ${webhook.url} disabled: nothing new is queued for it, and its waiting deliveries wait until it is enabled again.`
          : `Webhook to ${webhook.url} enabled: its waiting deliveries go out again.`,
      );
      await reload();
      focusRowAction(webhook.id, "toggle");
    } catch (error) {
      errorBanner(listError, error);
    }
  }

  /** The row becomes a form for the URL and the campaigns it hears. */
  function edit(webhook: Webhook, row: HTMLElement): void {
    const scopeSelect = campaignScope(campaigns);
    // An archived campaign is not offered for new webhooks, but this one may hear it still.
    if (webhook.campaign_id !== null && ![...scopeSelect.options].some((option) => option.value === String(webhook.campaign_id))) {
      scopeSelect.append(h("option", { value: String(webhook.campaign_id) }, campaignNames.get(webhook.campaign_id) ?? `campaign #${webhook.campaign_id}`));
    }
    scopeSelect.value = webhook.campaign_id === null ? "" : String(webhook.campaign_id);
    const urlInput = input("url", { type: "url", required: true, value: webhook.url, autocomplete: "off" });
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const editForm = h(
      "form",
      { class: "form inline-cap", novalidate: true, "aria-label": `Edit the webhook to ${webhook.url}` },
      formAlert(),
      h("div", { class: "row" }, field("Webhook URL", urlInput, "Checked as when it was added."), field("Webhook campaigns", scopeSelect)),
      h("div", { class: "actions" }, save, h("button", { type: "button", onclick: () => { renderList(); focusRowAction(webhook.id, "edit"); } }, "Cancel")),
    );
    editForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(editForm);
      try {
        const changed = await busy(save, () => patch<Webhook>(`/webhooks/${webhook.id}`, { url: data.url, campaign_id: data.campaign_id ? Number(data.campaign_id) : null }));
        flash(`Webhook to ${changed.url} saved: ${changed.campaign_id === null ? "every campaign" : `the attempts of ${campaignNames.get(changed.campaign_id) ?? `campaign #${changed.campaign_id}`}`}.`);
        await reload();
        focusRowAction(webhook.id, "edit");
      } catch (error) {
        // 409: the campaign is gone (deleted meanwhile).
        showErrors(editForm, conflictOn(error, "campaign_id"));
      }
    });
    const columns = row.children.length;
    replace(row, h("th", { scope: "row", class: "mono url" }, webhook.url), h("td", { colspan: columns - 1 }, editForm));
    urlInput.focus();
  }

  function openDeliveries(webhook: Webhook): void {
    shown = { webhook, limit: DELIVERIES_SHOWN };
    deliveriesSection.hidden = false;
    void loadDeliveries().then(() => deliveriesSection.querySelector<HTMLElement>("h2")?.focus());
  }

  function closeDeliveries(): void {
    const webhookId = shown?.webhook.id;
    shown = null;
    deliveriesSection.hidden = true;
    replace(deliveriesSection);
    if (webhookId !== undefined) focusRowAction(webhookId, "deliveries");
  }

  /** Draws the open webhook's latest deliveries, newest first. */
  async function loadDeliveries(): Promise<void> {
    if (!shown) return;
    const { webhook, limit } = shown;
    replace(deliveriesError);
    let deliveries: WebhookDelivery[] | null = null;
    try {
      deliveries = (await get<Items<WebhookDelivery>>(`/webhooks/${webhook.id}/deliveries?limit=${limit}`)).items;
    } catch (error) {
      errorBanner(deliveriesError, error);
    }
    if (shown?.webhook.id !== webhook.id) return;
    const more =
      deliveries && deliveries.length === limit && limit < DELIVERIES_MAX
        ? h("button", { type: "button", onclick: () => showMore() }, `Show the latest ${DELIVERIES_MAX}`)
        : null;
    // Redrawn under the keyboard (Refresh, Retry): the focused button keeps the focus.
    replaceKeepingFocus(
      deliveriesSection,
      h(
        "div",
        { class: "section-head" },
        h("h2", { id: "deliveries-title", tabindex: "-1" }, "Deliveries to ", h("span", { class: "mono" }, webhook.url)),
        h("div", { class: "row-actions" }, h("button", { type: "button", onclick: () => refreshDeliveries() }, "Refresh deliveries"), h("button", { type: "button", onclick: () => closeDeliveries() }, "Close")),
      ),
      h("p", { class: "hint" }, `The latest ${limit}, newest first. A delivery is given up after 12 failed tries; Retry makes it due now, its tries counted afresh (“Retry now” does the same for one waiting out its back-off).`),
      deliveriesError,
      deliveries === null ? null : deliveries.length ? deliveriesTable(deliveries) : h("p", { class: "muted", "data-testid": "no-deliveries" }, "No deliveries yet: each attempt this webhook hears makes one once it is finished."),
      more,
    );
  }

  /** The deliveries and the webhook's counts above them, as they are now. */
  async function refreshDeliveries(): Promise<void> {
    await reload();
    await loadDeliveries();
  }

  async function showMore(): Promise<void> {
    if (shown) shown.limit = DELIVERIES_MAX;
    await loadDeliveries();
    deliveriesSection.querySelector<HTMLElement>("h2")?.focus();
  }

  function deliveriesTable(deliveries: WebhookDelivery[]): HTMLElement {
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "compact", "data-testid": "deliveries" },
        h("thead", null, h("tr", null, ["Delivery", "Attempt", "State", "Tries", "Last answer", "Last error", "Delivered or next try", "Actions"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          deliveries.map((delivery) => {
            const waitingAfterFailure = !delivery.delivered_at && !delivery.failed && delivery.tries > 0;
            return h(
              "tr",
              { "data-delivery": delivery.id },
              h("th", { scope: "row", class: "num", tabindex: "-1" }, `#${delivery.id}`),
              h("td", { class: "num" }, `#${delivery.attempt_id}`),
              h("td", { "data-testid": "delivery-state" }, deliveryState(delivery)),
              h("td", { class: "num", "data-testid": "delivery-tries" }, formatNumber(delivery.tries)),
              h("td", { class: "num" }, delivery.last_status === null ? h("span", { class: "muted" }, "none") : String(delivery.last_status)),
              h("td", null, delivery.last_error ? h("span", { class: "blockers" }, delivery.last_error) : h("span", { class: "muted" }, "none")),
              h("td", null, deliveryWhen(delivery)),
              h(
                "td",
                { class: "row-actions" },
                delivery.failed || waitingAfterFailure
                  ? h(
                      "button",
                      { type: "button", onclick: (event: Event) => retry(delivery, event.currentTarget as HTMLButtonElement) },
                      delivery.failed ? "Retry" : "Retry now",
                      h("span", { class: "visually-hidden" }, ` delivery ${delivery.id}`),
                    )
                  : null,
              ),
            );
          }),
        ),
      ),
    );
  }

  async function retry(delivery: WebhookDelivery, button: HTMLButtonElement): Promise<void> {
    if (!shown) return;
    const { webhook } = shown;
    try {
      await busy(button, () => post<WebhookDelivery>(`/webhooks/${webhook.id}/deliveries/${delivery.id}/retry`));
      flash(
        webhook.enabled
          ? `Delivery #${delivery.id} is due now: Herald tries it within a second.`
          : `Delivery #${delivery.id} is due now, but the webhook is disabled: it goes out once the webhook is enabled.`,
      );
      await refreshDeliveries();
      deliveriesSection.querySelector<HTMLElement>(`[data-delivery="${delivery.id}"] th`)?.focus();
    } catch (error) {
      // 409: it was delivered meanwhile (Herald's message says so): show it as it is now, and why.
      await refreshDeliveries();
      errorBanner(deliveriesError, error);
      deliveriesSection.querySelector<HTMLElement>("h2")?.focus();
    }
  }

  async function remove(webhook: Webhook, button: HTMLButtonElement): Promise<void> {
    const waiting = webhook.pending ? ` Its ${formatNumber(webhook.pending)} pending deliver${webhook.pending === 1 ? "y is" : "ies are"} dropped.` : "";
    if (!window.confirm(`Delete the webhook to ${webhook.url}? Herald stops sending attempts there.${waiting}`)) return;
    replace(listError);
    try {
      await busy(button, () => del(`/webhooks/${webhook.id}`));
      flash(`Webhook to ${webhook.url} deleted.`);
      await reload();
    } catch (error) {
      errorBanner(listError, error);
    }
  }

  const submit = h("button", { type: "submit", class: "primary" }, "Add webhook");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Add a webhook" },
    formAlert(),
    h(
      "div",
      { class: "row" },
      field("URL", input("url", { type: "url", required: true, placeholder: "https://example.com/herald", autocomplete: "off" }), "http:// or https://; receives a POST per finished attempt."),
      field("Secret", input("secret", { autocomplete: "off", spellcheck: "false", placeholder: "made by Herald" }), "At least 16 characters; empty: Herald makes one. Shown once."),
      field("Campaigns", campaignScope(campaigns), "The attempts of one campaign, or of every campaign."),
    ),
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = values(form);
    try {
      if (!data.url) throw new ApiError(400, "invalid", "Enter a URL.", { url: "is required" });
      if (!/^https?:\/\/\S+$/.test(data.url)) throw new ApiError(400, "invalid", "Check the URL.", { url: "must be an http:// or https:// URL" });
      if (data.secret && data.secret.length < 16) throw new ApiError(400, "invalid", "Check the secret.", { secret: "must be at least 16 characters (or leave it empty to have one made)" });
      const body: Record<string, unknown> = { url: data.url };
      if (data.secret) body.secret = data.secret;
      if (data.campaign_id) body.campaign_id = Number(data.campaign_id);
      const created = await busy(submit, () => post<CreatedWebhook>("/webhooks", body));
      flash(`Webhook to ${data.url} added.`);
      form.reset();
      clearErrors(form);
      await reload();
      secretOnce(secretBox, created, data.url);
    } catch (error) {
      // 409: the campaign is gone (deleted meanwhile).
      showErrors(form, conflictOn(error, "campaign_id"));
    }
  });

  renderList();
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Webhooks"),
    h("p", { class: "hint" }, "Herald tells other systems about every finished call attempt as it happens: outcome, SIP code, talk time, DTMF and the rest, as on a campaign's report."),
    secretBox,
    h(
      "section",
      { class: "card", "aria-labelledby": "webhooks-title" },
      h("div", { class: "section-head" }, h("h2", { id: "webhooks-title" }, "Webhooks"), h("button", { type: "button", onclick: () => reload() }, "Refresh")),
      listError,
      listBox,
    ),
    deliveriesSection,
    h("section", { class: "card", "aria-labelledby": "delivery-title" }, h("h2", { id: "delivery-title" }, "How deliveries work"), deliveryRules()),
    h("section", { class: "card", "aria-labelledby": "new-webhook-title" }, h("h2", { id: "new-webhook-title" }, "Add a webhook"), form),
  );
}
