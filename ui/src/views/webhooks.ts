// Webhooks: URLs Herald POSTs every finished attempt to, signed with the
// webhook's secret (shown once), retried with back-off, at least once.
import { ApiError, del, get, post, type Campaign, type CreatedWebhook, type Items, type Webhook } from "../api";
import { formatNumber, formatTime, h, replace } from "../dom";
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

  async function reload(): Promise<void> {
    try {
      webhooks = (await get<Items<Webhook>>("/webhooks")).items;
    } catch (error) {
      errorBanner(listError, error);
      return;
    }
    renderList();
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
              h("th", { scope: "row", class: "mono" }, webhook.url),
              h("td", null, scope(webhook)),
              h("td", null, h("span", { class: `badge ${webhook.enabled ? "on" : "off"}` }, webhook.enabled ? "enabled" : "disabled")),
              h("td", { class: "num", "data-testid": "webhook-delivered" }, formatNumber(webhook.delivered)),
              h("td", { class: "num", "data-testid": "webhook-pending" }, formatNumber(webhook.pending)),
              h("td", { class: "num", "data-testid": "webhook-failed" }, webhook.failed ? h("span", { class: "blockers" }, formatNumber(webhook.failed)) : formatNumber(webhook.failed)),
              h("td", { "data-testid": "webhook-last-error" }, webhook.last_error ? h("span", { class: "blockers" }, webhook.last_error) : h("span", { class: "muted" }, "none")),
              h("td", null, formatTime(webhook.created_at)),
              h(
                "td",
                { class: "row-actions" },
                h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(webhook, event.currentTarget as HTMLButtonElement) }, "Delete", h("span", { class: "visually-hidden" }, ` ${webhook.url}`)),
              ),
            ),
          ),
        ),
      ),
    );
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
    h("section", { class: "card", "aria-labelledby": "delivery-title" }, h("h2", { id: "delivery-title" }, "How deliveries work"), deliveryRules()),
    h("section", { class: "card", "aria-labelledby": "new-webhook-title" }, h("h2", { id: "new-webhook-title" }, "Add a webhook"), form),
  );
}
