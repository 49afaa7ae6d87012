// Caller-ID pools: the numbers a campaign presents instead of its fixed
// caller ID, one per call by the pool's strategy, each with an optional
// daily cap; Herald rests a number whose answer rate collapses.
import { ApiError, del, get, patch, post, put, type CallerId, type CallerIdPool, type CallerIdPoolDetail, type Items } from "../api";
import { formatNumber, formatTime, h, replace } from "../dom";
import { busy, conflictOn, errorBanner, field, flash, formAlert, input, showErrors, strategyField, values } from "../forms";
import { canWrite } from "../session";

/** Each strategy Herald knows (the API's `strategy` is a string): its name and how it picks the number for a call. */
export const STRATEGIES: Record<string, { text: string; explanation: string }> = {
  fixed: { text: "Fixed", explanation: "The first available number; the others stand by." },
  round_robin: { text: "Round robin", explanation: "Each number in turn." },
  local_presence: { text: "Local presence", explanation: "The number sharing the longest prefix with the callee, e.g. the same area code." },
  least_used: { text: "Least used", explanation: "The number used least today." },
};

export function strategyText(strategy: string): string {
  return STRATEGIES[strategy]?.text ?? strategy;
}

function explanation(strategy: string): string {
  return STRATEGIES[strategy]?.explanation ?? "";
}

/** A positive whole number, null for "", or a field error for `name`. */
function dailyCap(value: string | undefined, name = "daily_cap"): number | null {
  if (!value) return null;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ApiError(400, "invalid", "Check the daily cap.", { [name]: "must be a whole number of at least 1 (or empty for no cap)" });
  return Number(value);
}

/** "+1 202-555-0101" → "+12025550101", to spot a number already in the pool. */
function digitsOf(number: string): string {
  return number.replace(/[\s().-]/g, "");
}

export async function callerIdPoolsView(main: HTMLElement) {
  const pools = await get<Items<CallerIdPool>>("/caller-id-pools");
  const table = pools.items.length
    ? h(
        "table",
        { "data-testid": "caller-id-pools" },
        h("thead", null, h("tr", null, ["Name", "Strategy", "How it picks", "Created"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          pools.items.map((pool) =>
            h(
              "tr",
              null,
              h("th", { scope: "row" }, h("a", { href: `#/caller-ids/${pool.id}` }, pool.name)),
              h("td", null, h("span", { class: "badge" }, strategyText(pool.strategy))),
              h("td", null, explanation(pool.strategy)),
              h("td", null, formatTime(pool.created_at)),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, "No caller-ID pools yet.");

  let form: HTMLFormElement | null = null;
  if (canWrite()) {
    const submit = h("button", { type: "submit", class: "primary" }, "Create pool");
    const strategy = strategyField(STRATEGIES, "round_robin");
    form = h(
      "form",
      { class: "form", novalidate: true },
      formAlert(),
      h("div", { class: "row" }, field("Name", input("name", { required: true, autocomplete: "off" })), strategy),
      h(
        "ul",
        { class: "hint strategies" },
        Object.values(STRATEGIES).map(({ text, explanation: how }) => h("li", null, h("strong", null, text), `: ${how}`)),
      ),
      h("div", { class: "actions" }, submit),
    );
    const createForm = form;
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(createForm);
      try {
        const created = await busy(submit, () => post<CallerIdPool>("/caller-id-pools", { name: data.name, strategy: data.strategy }));
        flash(`Pool “${created.name}” created: add its numbers.`);
        location.hash = `#/caller-ids/${created.id}`;
      } catch (error) {
        // A taken name is the name field's problem.
        showErrors(createForm, conflictOn(error, "name"));
      }
    });
  }

  replace(
    main,
    h("h1", { tabindex: "-1" }, "Caller IDs"),
    h("p", { class: "hint" }, "A campaign with a pool presents one of the pool's numbers per call instead of its fixed caller ID, picked by the pool's strategy among the numbers enabled, not resting and under their daily cap."),
    h("section", { class: "card", "aria-label": "Caller-ID pools" }, h("div", { class: "table-wrap" }, table)),
    form ? h("section", { class: "card", "aria-labelledby": "new-pool-title" }, h("h2", { id: "new-pool-title" }, "New pool"), form) : null,
  );
}

export async function callerIdPoolView(main: HTMLElement, params: Record<string, string>) {
  const id = Number(params.id);
  let pool = await get<CallerIdPoolDetail>(`/caller-id-pools/${id}`);
  const numbersBox = h("div", { class: "table-wrap" });
  const numbersError = h("div");
  const path = (number: string) => `/caller-id-pools/${id}/numbers/${encodeURIComponent(number)}`;

  async function reload(): Promise<void> {
    try {
      pool = await get<CallerIdPoolDetail>(`/caller-id-pools/${id}`);
    } catch (error) {
      errorBanner(numbersError, error);
      return;
    }
    renderNumbers();
  }

  function resting(number: CallerId): boolean {
    return number.rested_until != null && new Date(number.rested_until).getTime() > Date.now();
  }

  function renderNumbers(): void {
    if (!pool.numbers.length) {
      replace(numbersBox, h("p", { class: "muted" }, "No numbers yet: campaigns using this pool wait until one is added."));
      return;
    }
    replace(
      numbersBox,
      h(
        "table",
        { "data-testid": "caller-ids" },
        h("thead", null, h("tr", null, ["Number", "Calls today / daily cap", "State", canWrite() ? "Actions" : null].filter(Boolean).map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          pool.numbers.map((number) => {
            const capCell = h(
              "td",
              { class: "num", "data-testid": "usage" },
              `${formatNumber(number.used_today)} / ${number.daily_cap == null ? "no cap" : formatNumber(number.daily_cap)}`,
              number.daily_cap != null && number.used_today >= number.daily_cap ? [" ", h("span", { class: "badge off" }, "cap reached")] : null,
            );
            return h(
              "tr",
              { "data-number": number.number },
              h("th", { scope: "row", class: "mono" }, number.number),
              capCell,
              h(
                "td",
                null,
                h("span", { class: `badge ${number.enabled ? "on" : "off"}` }, number.enabled ? "enabled" : "disabled"),
                resting(number) ? [" ", h("span", { class: "badge resting", "data-testid": "resting" }, `resting until ${formatTime(number.rested_until)}`)] : null,
              ),
              canWrite()
                ? h(
                    "td",
                    { class: "row-actions" },
                    h("button", { type: "button", onclick: (event: Event) => toggle(number, event.currentTarget as HTMLButtonElement) }, number.enabled ? "Disable" : "Enable", h("span", { class: "visually-hidden" }, ` ${number.number}`)),
                    h("button", { type: "button", onclick: () => editCap(number, capCell) }, "Change cap", h("span", { class: "visually-hidden" }, ` of ${number.number}`)),
                    h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(number, event.currentTarget as HTMLButtonElement) }, "Remove", h("span", { class: "visually-hidden" }, ` ${number.number}`)),
                  )
                : null,
            );
          }),
        ),
      ),
    );
  }

  // PUT sets both the cap and the state: always send both.
  async function toggle(number: CallerId, button: HTMLButtonElement): Promise<void> {
    replace(numbersError);
    try {
      await busy(button, () => put(path(number.number), { daily_cap: number.daily_cap, enabled: !number.enabled }));
      flash(`${number.number} ${number.enabled ? "disabled: no campaign presents it" : "enabled"}.`);
      await reload();
    } catch (error) {
      errorBanner(numbersError, error);
    }
  }

  function editCap(number: CallerId, cell: HTMLElement): void {
    const capInput = input("daily_cap", { type: "number", min: 1, step: 1, value: number.daily_cap ?? "", placeholder: "no cap", autocomplete: "off" });
    const save = h("button", { type: "submit", class: "primary" }, "Save cap");
    const capForm = h(
      "form",
      { class: "form inline-cap", novalidate: true, "aria-label": `Change the daily cap of ${number.number}` },
      formAlert(),
      field(`Daily cap of ${number.number}`, capInput, "Empty: no cap."),
      h("div", { class: "actions" }, save, h("button", { type: "button", onclick: () => renderNumbers() }, "Cancel")),
    );
    capForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const cap = dailyCap(values(capForm).daily_cap);
        await busy(save, () => put(path(number.number), { daily_cap: cap, enabled: number.enabled }));
        flash(`${number.number}: ${cap === null ? "no daily cap" : `at most ${formatNumber(cap)} calls a day`}.`);
        await reload();
      } catch (error) {
        showErrors(capForm, error);
      }
    });
    replace(cell, capForm);
    capInput.focus();
  }

  async function remove(number: CallerId, button: HTMLButtonElement): Promise<void> {
    if (!window.confirm(`Remove ${number.number} from the pool “${pool.name}”?`)) return;
    replace(numbersError);
    try {
      await busy(button, () => del(path(number.number)));
      flash(`${number.number} removed.`);
      await reload();
    } catch (error) {
      errorBanner(numbersError, error);
    }
  }

  let addSection: HTMLElement | null = null;
  if (canWrite()) {
    const addSubmit = h("button", { type: "submit", class: "primary" }, "Add number");
    const addForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Add a number" },
      formAlert(),
      h(
        "div",
        { class: "row" },
        field("Number", input("number", { required: true, placeholder: "+12025550101", autocomplete: "off" }), "E.164: + and digits."),
        field("Daily cap", input("daily_cap", { type: "number", min: 1, step: 1, placeholder: "no cap", autocomplete: "off" }), "Calls a day at most; empty: no cap."),
      ),
      h("div", { class: "actions" }, addSubmit),
    );
    addForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(addForm);
      try {
        if (!data.number) throw new ApiError(400, "invalid", "Enter a number.", { number: "is required" });
        // PUT would change a number already there (and enable it): say so instead.
        if (pool.numbers.some((number) => number.number === digitsOf(data.number))) {
          throw new ApiError(409, "conflict", `${data.number} is already in this pool.`, { number: "is already in this pool: change it in the table" });
        }
        const cap = dailyCap(data.daily_cap);
        await busy(addSubmit, () => put(path(data.number), { daily_cap: cap, enabled: true }));
        flash(`${data.number} added.`);
        addForm.reset();
        await reload();
      } catch (error) {
        showErrors(addForm, error);
      }
    });
    addSection = h("section", { class: "card", "aria-labelledby": "add-number-title" }, h("h2", { id: "add-number-title" }, "Add a number"), addForm);
  }

  /** Rename the pool, change its strategy, or delete it (409 while a campaign presents its numbers). */
  function settingsSection(): HTMLElement {
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const settingsForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Name and strategy of the pool" },
      formAlert(),
      h("div", { class: "row" }, field("Pool name", input("name", { required: true, value: pool.name, autocomplete: "off" })), strategyField(STRATEGIES, pool.strategy)),
      h("div", { class: "actions" }, save),
    );
    settingsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(settingsForm);
      try {
        const changed = await busy(save, () => patch<CallerIdPool>(`/caller-id-pools/${id}`, { name: data.name, strategy: data.strategy }));
        flash(`Pool “${changed.name}” saved: ${strategyText(changed.strategy).toLowerCase()}.`);
        // The heading and the hint follow name and strategy: draw the page again.
        await callerIdPoolView(main, params);
        main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
      } catch (error) {
        // A taken name is the name field's problem.
        showErrors(settingsForm, conflictOn(error, "name"));
      }
    });
    const deleteError = h("div");
    const deleteButton = h("button", { type: "button", class: "danger", onclick: () => removePool() }, "Delete pool");
    async function removePool(): Promise<void> {
      if (!window.confirm(`Delete the caller-ID pool “${pool.name}” and its ${pool.numbers.length} number${pool.numbers.length === 1 ? "" : "s"}?`)) return;
      replace(deleteError);
      try {
        await busy(deleteButton, () => del(`/caller-id-pools/${id}`));
        flash(`Pool “${pool.name}” deleted.`);
        location.hash = "#/caller-ids";
      } catch (error) {
        // 409: a campaign presents numbers from the pool; Herald's message says so.
        errorBanner(deleteError, error instanceof ApiError && error.status === 409 ? new Error(`Not deleted: ${error.message}. Give those campaigns another pool (or none) first.`) : error);
        deleteButton.focus();
      }
    }
    return h(
      "section",
      { class: "card", "aria-labelledby": "pool-settings-title" },
      h("h2", { id: "pool-settings-title" }, "Name and strategy"),
      settingsForm,
      h("div", { class: "actions", "data-testid": "delete-pool" }, deleteButton, h("span", { class: "hint" }, " Not possible while a campaign presents numbers from this pool.")),
      deleteError,
    );
  }

  renderNumbers();
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/caller-ids" }, "Caller IDs"), ` / ${pool.name}`),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, pool.name), h("span", { class: "badge", "data-testid": "pool-strategy" }, strategyText(pool.strategy))),
    h("p", { class: "hint" }, `${strategyText(pool.strategy)}: ${explanation(pool.strategy)} Only numbers enabled, not resting and under their daily cap are presented.`),
    addSection,
    h("section", { class: "card", "aria-labelledby": "numbers-title" }, h("div", { class: "section-head" }, h("h2", { id: "numbers-title" }, "Numbers"), h("button", { type: "button", onclick: () => reload() }, "Refresh")), numbersError, numbersBox),
    canWrite() ? settingsSection() : null,
  );
}
