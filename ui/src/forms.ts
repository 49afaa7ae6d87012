// Form building blocks: labelled fields whose error messages sit next to
// their inputs, a form-level alert, and a status line for confirmations.
import { ApiError, type Campaign } from "./api";
import { h, replace, uid } from "./dom";

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * A label, the control, an optional hint and the slot for the control's
 * error message (filled by `showErrors` from the API's `fields`).
 */
export function field(text: string, control: Control, hint?: string): HTMLElement {
  const id = control.id || uid(control.name || "f");
  control.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  const isCheck = control instanceof HTMLInputElement && (control.type === "checkbox" || control.type === "radio");
  const labelElement = h("label", { for: id }, text);
  return h(
    "div",
    { class: isCheck ? "field check" : "field" },
    isCheck ? [control, labelElement] : [labelElement, control],
    hintId ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId, "data-error-for": control.name, hidden: true }),
  );
}

export function input(name: string, attrs: Record<string, unknown> = {}): HTMLInputElement {
  return h("input", { name, type: "text", ...attrs });
}

export function select(
  name: string,
  options: { value: string; text: string }[],
  selected?: string | null,
  attrs: Record<string, unknown> = {},
): HTMLSelectElement {
  return h(
    "select",
    { name, ...attrs },
    options.map((option) => h("option", { value: option.value, selected: option.value === (selected ?? "") }, option.text)),
  );
}

/** The box at the top of a form for errors no field claims. */
export function formAlert(): HTMLElement {
  return h("div", { class: "form-alert", role: "alert", hidden: true });
}

function errorSlot(form: HTMLElement, name: string): HTMLElement | null {
  const candidates = [name, name.split(/[.[]/)[0]];
  for (const candidate of candidates) {
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(candidate)}"]`);
    if (slot) return slot;
  }
  return null;
}

export function clearErrors(form: HTMLElement): void {
  form.querySelectorAll<HTMLElement>("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
    slot.hidden = true;
  });
  form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  const alert = form.querySelector<HTMLElement>(".form-alert");
  if (alert) {
    alert.textContent = "";
    alert.hidden = true;
  }
}

/** Puts an API error's field messages next to their inputs and the rest in the form's alert. */
export function showErrors(form: HTMLElement, error: unknown): void {
  clearErrors(form);
  const alert = form.querySelector<HTMLElement>(".form-alert");
  const unclaimed: string[] = [];
  let first: HTMLElement | null = null;
  if (error instanceof ApiError) {
    for (const [name, message] of Object.entries(error.fields)) {
      const slot = errorSlot(form, name);
      if (!slot) {
        unclaimed.push(`${name}: ${message}`);
        continue;
      }
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
      slot.hidden = false;
      const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(slot.dataset.errorFor ?? "")}"]`);
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first ??= control;
      }
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  if (alert) {
    replace(alert, h("strong", null, message), unclaimed.length ? h("ul", null, unclaimed.map((line) => h("li", null, line))) : null);
    alert.hidden = false;
  }
  (first ?? alert)?.focus?.();
}

/** Runs `action` with `button` disabled and marked busy. */
export async function busy<T>(button: HTMLButtonElement | null, action: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await action();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

/** A short confirmation in the page's status line (announced politely). */
export function flash(message: string): void {
  const status = document.getElementById("flash");
  if (!status) return;
  status.textContent = message;
  status.hidden = false;
  window.clearTimeout(Number(status.dataset.timer));
  status.dataset.timer = String(window.setTimeout(() => (status.hidden = true), 5000));
}

/** Shows an error that belongs to no form (a failed action button). */
export function errorBanner(container: HTMLElement, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  container.replaceChildren(h("div", { class: "form-alert", role: "alert" }, message));
}

/** Form values by name (trimmed strings; unchecked checkboxes absent). */
export function values(form: HTMLFormElement): Record<string, string> {
  const result: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    if (typeof value === "string") result[key] = value.trim();
  });
  return result;
}

/** "" → undefined, else the number (NaN kept so the API reports it). */
export function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  return Number(value);
}

/** A 409 (a taken name, a missing reference) shown as the error of the field `name`; other errors as they are. */
export function conflictOn(error: unknown, name: string): unknown {
  return error instanceof ApiError && error.status === 409 ? new ApiError(409, error.code, error.message, { [name]: error.message }, error.request) : error;
}

/** A strategy select labelled "Strategy" whose hint explains the chosen strategy as it changes. */
export function strategyField(choices: Record<string, { text: string; explanation: string }>, selected: string): HTMLElement {
  const strategy = select(
    "strategy",
    Object.entries(choices).map(([value, { text }]) => ({ value, text })),
    selected,
  );
  const wrapper = field("Strategy", strategy, choices[strategy.value]?.explanation ?? "");
  const hint = wrapper.querySelector<HTMLElement>(".hint");
  if (hint) hint.setAttribute("aria-live", "polite");
  strategy.addEventListener("change", () => {
    if (hint) hint.textContent = choices[strategy.value]?.explanation ?? "";
  });
  return wrapper;
}

/** A `campaign_id` select: "" (every campaign) or one campaign not archived. */
export function campaignScope(campaigns: Campaign[]): HTMLSelectElement {
  return select("campaign_id", [{ value: "", text: "every campaign" }, ...campaigns.filter((campaign) => campaign.status !== "archived").map((campaign) => ({ value: String(campaign.id), text: campaign.name }))], "");
}
