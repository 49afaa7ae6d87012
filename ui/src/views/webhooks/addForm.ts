// Adding a webhook: its URL, an optional secret and the campaigns it hears;
// the signing secret is shown once, with a copy button.
import { ApiError, post, type Campaign, type CreatedWebhook } from "../../api";
import { h, replace } from "../../dom";
import { busy, campaignScope, clearErrors, conflictOn, field, flash, formAlert, input, showErrors, values } from "../../forms";

/** `added`: the webhook was created (the list is due again). */
export function addWebhookForm(campaigns: Campaign[], added: (created: CreatedWebhook, url: string) => Promise<void>): HTMLFormElement {
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
      const body = requestBody(data);
      const created = await busy(submit, () => post<CreatedWebhook>("/webhooks", body));
      flash(`Webhook to ${data.url} added.`);
      form.reset();
      clearErrors(form);
      await added(created, data.url);
    } catch (error) {
      // 409: the campaign is gone (deleted meanwhile).
      showErrors(form, conflictOn(error, "campaign_id"));
    }
  });
  return form;
}

/** The body of POST /webhooks; throws field errors the API would give, before asking it. */
function requestBody(data: Record<string, string>): Record<string, unknown> {
  if (!data.url) throw new ApiError(400, "invalid", "Enter a URL.", { url: "is required" });
  if (!/^https?:\/\/\S+$/.test(data.url)) throw new ApiError(400, "invalid", "Check the URL.", { url: "must be an http:// or https:// URL" });
  if (data.secret && data.secret.length < 16) throw new ApiError(400, "invalid", "Check the secret.", { secret: "must be at least 16 characters (or leave it empty to have one made)" });
  const body: Record<string, unknown> = { url: data.url };
  if (data.secret) body.secret = data.secret;
  if (data.campaign_id) body.campaign_id = Number(data.campaign_id);
  return body;
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
export function secretOnce(box: HTMLElement, created: CreatedWebhook, url: string): void {
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
