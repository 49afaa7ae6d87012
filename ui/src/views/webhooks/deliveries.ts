// One webhook's latest deliveries, newest first: state, tries, last answer
// and error; a given-up or backing-off delivery retried by hand.
import { get, post, type Items, type Webhook, type WebhookDelivery } from "../../api";
import { formatClock, formatNumber, h, replace, replaceKeepingFocus } from "../../dom";
import { busy, errorBanner, flash } from "../../forms";

/** Deliveries listed at first, and at most (the API's bound). */
const DELIVERIES_SHOWN = 50;
const DELIVERIES_MAX = 500;

export interface DeliveriesPanel {
  /** The card, hidden while no webhook's deliveries are open. */
  element: HTMLElement;
  open(webhook: Webhook): void;
  /** Follows the webhooks listed again: closed if its webhook is gone, reloaded if its URL changed. */
  follow(webhooks: Webhook[]): Promise<void>;
}

export interface DeliveriesHooks {
  /** Lists the webhooks again (their counts change with the deliveries); calls `follow`. */
  reloadWebhooks(): Promise<void>;
  /** Puts the focus back on the webhook's "Deliveries" button once closed. */
  closed(webhookId: number): void;
}

export function deliveriesPanel(hooks: DeliveriesHooks): DeliveriesPanel {
  const element = h("section", { class: "card", "aria-labelledby": "deliveries-title", "data-testid": "deliveries-section", hidden: true });
  const error = h("div");
  /** The webhook whose deliveries are shown, and how many of them. */
  let shown: { webhook: Webhook; limit: number } | null = null;

  function open(webhook: Webhook): void {
    shown = { webhook, limit: DELIVERIES_SHOWN };
    element.hidden = false;
    void load().then(() => element.querySelector<HTMLElement>("h2")?.focus());
  }

  function close(): void {
    const webhookId = shown?.webhook.id;
    shown = null;
    element.hidden = true;
    replace(element);
    if (webhookId !== undefined) hooks.closed(webhookId);
  }

  async function follow(webhooks: Webhook[]): Promise<void> {
    const current = shown;
    if (!current) return;
    const webhook = webhooks.find((candidate) => candidate.id === current.webhook.id);
    if (!webhook) return close();
    const urlChanged = webhook.url !== current.webhook.url;
    current.webhook = webhook;
    if (urlChanged) await load();
  }

  /** Draws the open webhook's latest deliveries, newest first. */
  async function load(): Promise<void> {
    if (!shown) return;
    const { webhook, limit } = shown;
    replace(error);
    let deliveries: WebhookDelivery[] | null = null;
    try {
      deliveries = (await get<Items<WebhookDelivery>>(`/webhooks/${webhook.id}/deliveries?limit=${limit}`)).items;
    } catch (failure) {
      errorBanner(error, failure);
    }
    if (shown?.webhook.id !== webhook.id) return;
    const more =
      deliveries && deliveries.length === limit && limit < DELIVERIES_MAX
        ? h("button", { type: "button", onclick: () => showMore() }, `Show the latest ${DELIVERIES_MAX}`)
        : null;
    // Redrawn under the keyboard (Refresh, Retry): the focused button keeps the focus.
    replaceKeepingFocus(
      element,
      h(
        "div",
        { class: "section-head" },
        h("h2", { id: "deliveries-title", tabindex: "-1" }, "Deliveries to ", h("span", { class: "mono" }, webhook.url)),
        h("div", { class: "row-actions" }, h("button", { type: "button", onclick: () => refresh() }, "Refresh deliveries"), h("button", { type: "button", onclick: () => close() }, "Close")),
      ),
      h("p", { class: "hint" }, `The latest ${limit}, newest first. A delivery is given up after 12 failed tries; Retry makes it due now, its tries counted afresh (“Retry now” does the same for one waiting out its back-off).`),
      error,
      deliveries === null ? null : deliveries.length ? deliveriesTable(deliveries, retry) : h("p", { class: "muted", "data-testid": "no-deliveries" }, "No deliveries yet: each attempt this webhook hears makes one once it is finished."),
      more,
    );
  }

  /** The deliveries and the webhook's counts above them, as they are now. */
  async function refresh(): Promise<void> {
    await hooks.reloadWebhooks();
    await load();
  }

  async function showMore(): Promise<void> {
    if (shown) shown.limit = DELIVERIES_MAX;
    await load();
    element.querySelector<HTMLElement>("h2")?.focus();
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
      await refresh();
      element.querySelector<HTMLElement>(`[data-delivery="${delivery.id}"] th`)?.focus();
    } catch (failure) {
      // 409: it was delivered meanwhile (Herald's message says so): show it as it is now, and why.
      await refresh();
      errorBanner(error, failure);
      element.querySelector<HTMLElement>("h2")?.focus();
    }
  }

  return { element, open, follow };
}

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

type Retry = (delivery: WebhookDelivery, button: HTMLButtonElement) => Promise<void>;

function deliveriesTable(deliveries: WebhookDelivery[], retry: Retry): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compact", "data-testid": "deliveries" },
      h("thead", null, h("tr", null, ["Delivery", "Attempt", "State", "Tries", "Last answer", "Last error", "Delivered or next try", "Actions"].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", null, deliveries.map((delivery) => deliveryRow(delivery, retry))),
    ),
  );
}

function deliveryRow(delivery: WebhookDelivery, retry: Retry): HTMLElement {
  const waitingAfterFailure = !delivery.delivered_at && !delivery.failed && delivery.tries > 0;
  return h(
    "tr",
    { "data-delivery": delivery.id },
    h("th", { scope: "row", class: "num", tabindex: "-1" }, `#${delivery.id}`),
    h("td", { class: "num" }, `#${delivery.attempt_id}`),
    h("td", { "data-testid": "delivery-state" }, deliveryState(delivery)),
    h("td", { class: "num", "data-testid": "delivery-tries" }, formatNumber(delivery.tries)),
    h("td", { class: "num" }, delivery.last_status == null ? h("span", { class: "muted" }, "none") : String(delivery.last_status)),
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
}
