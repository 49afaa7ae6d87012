// Webhooks: URLs Herald POSTs every finished attempt to, signed with the
// webhook's secret (shown once), retried with back-off, at least once;
// each one edited, disabled and enabled, and its recent deliveries listed
// (a given-up one retried). The cards are modules of views/webhooks/.
import { get, type Campaign, type Items, type Webhook } from "../api";
import { h, replace } from "../dom";
import { canWrite } from "../session";
import { addWebhookForm, secretOnce } from "./webhooks/addForm";
import { deliveriesPanel } from "./webhooks/deliveries";
import { webhookList } from "./webhooks/list";

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

export async function webhooksView(main: HTMLElement) {
  if (!canWrite()) {
    replace(main, h("h1", { tabindex: "-1" }, "Webhooks"), h("p", { class: "muted" }, "Only managers and admins see and change webhooks."));
    return;
  }
  const [webhooks, campaigns] = await Promise.all([get<Items<Webhook>>("/webhooks").then((answer) => answer.items), get<Items<Campaign>>("/campaigns").then((answer) => answer.items)]);
  const secretBox = h("div");
  const list = webhookList(webhooks, campaigns, {
    openDeliveries: (webhook) => deliveries.open(webhook),
    reloaded: (webhooks) => deliveries.follow(webhooks),
  });
  const deliveries = deliveriesPanel({
    reloadWebhooks: () => list.reload(),
    closed: (webhookId) => list.focusRowAction(webhookId, "deliveries"),
  });
  const form = addWebhookForm(campaigns, async (created, url) => {
    await list.reload();
    secretOnce(secretBox, created, url);
  });

  replace(
    main,
    h("h1", { tabindex: "-1" }, "Webhooks"),
    h("p", { class: "hint" }, "Herald tells other systems about every finished call attempt as it happens: outcome, SIP code, talk time, DTMF and the rest, as on a campaign's report."),
    secretBox,
    list.element,
    deliveries.element,
    h("section", { class: "card", "aria-labelledby": "delivery-title" }, h("h2", { id: "delivery-title" }, "How deliveries work"), deliveryRules()),
    h("section", { class: "card", "aria-labelledby": "new-webhook-title" }, h("h2", { id: "new-webhook-title" }, "Add a webhook"), form),
  );
}
