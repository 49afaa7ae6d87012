// Trunk groups: the trunks a campaign's calls may use instead of a single
// trunk, tried by number prefix, then by position (ordered) or weight
// (weighted), with failover to the next trunk and a circuit breaker.
import { ApiError, del, get, patch, post, put, type Items, type Trunk, type TrunkGroup, type TrunkGroupDetail, type TrunkGroupMember } from "../api";
import { formatNumber, formatTime, h, replace } from "../dom";
import { busy, conflictOn, errorBanner, field, flash, formAlert, input, select, showErrors, strategyField, values } from "../forms";
import { canWrite } from "../session";

/** Each strategy Herald knows (the API's `strategy` is a string): its name and how it picks the trunk for a call. */
export const GROUP_STRATEGIES: Record<string, { text: string; explanation: string }> = {
  ordered: { text: "Ordered", explanation: "Lower position first; the next trunk only when one fails." },
  weighted: { text: "Weighted", explanation: "Calls shared among the trunks in proportion to their weights." },
};

export function groupStrategyText(strategy: string): string {
  return GROUP_STRATEGIES[strategy]?.text ?? strategy;
}

function explanation(strategy: string): string {
  return GROUP_STRATEGIES[strategy]?.explanation ?? "";
}

/** How a group routes a call, as Herald's Talkers do it. */
function routingRules(): HTMLElement {
  return h(
    "ul",
    { class: "hint strategies", "data-testid": "routing-rules" },
    h("li", null, h("strong", null, "Prefixes first"), ": a call tries the trunks whose prefixes match the number, then the catch-all trunks (no prefixes). A trunk with prefixes takes no other numbers."),
    h("li", null, h("strong", null, "Then by strategy"), ": by position, lower first (ordered), or in proportion to weight (weighted)."),
    h("li", null, h("strong", null, "Failover"), ": a call a trunk fails with 408 or 5xx, or does not answer at all, is placed on the next trunk within the same attempt."),
    h("li", null, h("strong", null, "Circuit breaker"), ": a trunk failing 5 calls in a row is skipped for 30 s, then one call tries it again."),
  );
}

/** A whole number of at least `min`, `fallback` for "", or a field error for `name`. */
function wholeNumber(value: string | undefined, name: string, min: number, fallback: number, what: string): number {
  if (!value) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > 2_147_483_647) {
    throw new ApiError(400, "invalid", `Check the ${what}.`, { [name]: `must be a whole number of at least ${min}` });
  }
  return Number(value);
}

/** "+49 30, +4940" → ["+4930", "+4940"], or a field error. */
function parsePrefixes(value: string | undefined): string[] {
  const prefixes = (value ?? "")
    .split(",")
    .map((prefix) => prefix.replace(/[\s().-]/g, ""))
    .filter(Boolean);
  const bad = prefixes.find((prefix) => !/^\+\d{1,15}$/.test(prefix));
  if (bad) {
    throw new ApiError(400, "invalid", "Check the prefixes.", { prefixes: `“${bad}” is not the beginning of an E.164 number: + and digits, e.g. +4930` });
  }
  return [...new Set(prefixes)];
}

function prefixesCell(member: TrunkGroupMember): HTMLElement {
  return h(
    "td",
    { "data-testid": "member-prefixes" },
    member.prefixes.length ? member.prefixes.map((prefix) => h("span", { class: "chip mono" }, prefix)) : h("span", { class: "muted" }, "every number (catch-all)"),
  );
}

export async function trunkGroupsView(main: HTMLElement) {
  const groups = await get<Items<TrunkGroup>>("/trunk-groups");
  const table = groups.items.length
    ? h(
        "table",
        { "data-testid": "trunk-groups" },
        h("thead", null, h("tr", null, ["Name", "Strategy", "How it picks", "Created"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          groups.items.map((group) =>
            h(
              "tr",
              null,
              h("th", { scope: "row" }, h("a", { href: `#/trunk-groups/${group.id}` }, group.name)),
              h("td", null, h("span", { class: "badge" }, groupStrategyText(group.strategy))),
              h("td", null, explanation(group.strategy)),
              h("td", null, formatTime(group.created_at)),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, "No trunk groups yet.");

  let form: HTMLFormElement | null = null;
  if (canWrite()) {
    const submit = h("button", { type: "submit", class: "primary" }, "Create group");
    const strategy = strategyField(GROUP_STRATEGIES, "ordered");
    form = h(
      "form",
      { class: "form", novalidate: true },
      formAlert(),
      h("div", { class: "row" }, field("Name", input("name", { required: true, autocomplete: "off" })), strategy),
      h("div", { class: "actions" }, submit),
    );
    const createForm = form;
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(createForm);
      try {
        if (!data.name) throw new ApiError(400, "invalid", "Enter a name.", { name: "is required" });
        const created = await busy(submit, () => post<TrunkGroup>("/trunk-groups", { name: data.name, strategy: data.strategy }));
        flash(`Trunk group “${created.name}” created: add its trunks.`);
        location.hash = `#/trunk-groups/${created.id}`;
      } catch (error) {
        // A taken name is the name field's problem.
        showErrors(createForm, conflictOn(error, "name"));
      }
    });
  }

  replace(
    main,
    h("h1", { tabindex: "-1" }, "Trunk groups"),
    h("p", { class: "hint" }, "A campaign routing through a group spreads its calls over the group's trunks and survives a carrier failing: each trunk keeps its own calls-per-second and line limits (", h("a", { href: "#/trunks" }, "Trunks"), ")."),
    h("section", { class: "card", "aria-label": "Trunk groups" }, h("div", { class: "table-wrap" }, table)),
    h("section", { class: "card", "aria-labelledby": "routing-title" }, h("h2", { id: "routing-title" }, "How a group routes a call"), routingRules()),
    form ? h("section", { class: "card", "aria-labelledby": "new-group-title" }, h("h2", { id: "new-group-title" }, "New trunk group"), form) : null,
  );
}

export async function trunkGroupView(main: HTMLElement, params: Record<string, string>) {
  const id = Number(params.id);
  let [group, trunks] = await Promise.all([get<TrunkGroupDetail>(`/trunk-groups/${id}`), get<Items<Trunk>>("/trunks").then((answer) => answer.items)]);
  const membersBox = h("div", { class: "table-wrap" });
  const membersError = h("div");
  const warningBox = h("div", { "aria-live": "polite" });
  const addBox = h("section", { class: "card", "aria-labelledby": "add-member-title" });
  const path = (trunkId: number) => `/trunk-groups/${id}/members/${trunkId}`;
  const trunkOf = (trunkId: number) => trunks.find((trunk) => trunk.id === trunkId);
  const trunkName = (trunkId: number) => trunkOf(trunkId)?.name ?? `trunk #${trunkId}`;
  const columns = ["Trunk", "Position", "Weight", "Prefixes", "State", canWrite() ? "Actions" : null].filter(Boolean) as string[];

  async function reload(): Promise<void> {
    try {
      [group, trunks] = await Promise.all([get<TrunkGroupDetail>(`/trunk-groups/${id}`), get<Items<Trunk>>("/trunks").then((answer) => answer.items)]);
    } catch (error) {
      errorBanner(membersError, error);
      return;
    }
    renderMembers();
    if (canWrite()) renderAdd();
  }

  function renderWarnings(): void {
    const warnings: string[] = [];
    if (!group.members.length) warnings.push("No trunks yet: campaigns routing through this group cannot place calls.");
    else if (group.members.every((member) => member.prefixes.length)) warnings.push("Every trunk here has prefixes: numbers that match none of them have no trunk. Add a trunk without prefixes as the catch-all.");
    const disabled = group.members.filter((member) => trunkOf(member.trunk_id) && !trunkOf(member.trunk_id)!.enabled);
    if (disabled.length) warnings.push(`Disabled, so never tried: ${disabled.map((member) => trunkName(member.trunk_id)).join(", ")}.`);
    replace(warningBox, warnings.length ? h("ul", { class: "blockers", "data-testid": "group-warnings" }, warnings.map((warning) => h("li", null, warning))) : null);
  }

  function renderMembers(): void {
    renderWarnings();
    if (!group.members.length) {
      replace(membersBox, h("p", { class: "muted" }, "No trunks in this group yet."));
      return;
    }
    const totalWeight = group.members.filter((member) => !member.prefixes.length).reduce((sum, member) => sum + member.weight, 0);
    replace(
      membersBox,
      h(
        "table",
        { "data-testid": "members" },
        h("thead", null, h("tr", null, columns.map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          group.members.map((member) => {
            const trunk = trunkOf(member.trunk_id);
            const row = h(
              "tr",
              { "data-trunk": member.trunk_id },
              h("th", { scope: "row" }, h("a", { href: `#/trunks?trunk=${member.trunk_id}` }, trunkName(member.trunk_id))),
              h("td", { class: "num", "data-testid": "member-position" }, formatNumber(member.position)),
              h(
                "td",
                { class: "num", "data-testid": "member-weight" },
                formatNumber(member.weight),
                // The share of the catch-all calls, where weights matter.
                group.strategy === "weighted" && !member.prefixes.length && totalWeight > 0 ? h("span", { class: "muted" }, ` (${formatNumber((100 * member.weight) / totalWeight)} %)`) : null,
              ),
              prefixesCell(member),
              h("td", null, trunk ? h("span", { class: `badge ${trunk.enabled ? "on" : "off"}` }, trunk.enabled ? "enabled" : "disabled") : h("span", { class: "badge off" }, "deleted")),
              canWrite()
                ? h(
                    "td",
                    { class: "row-actions" },
                    h("button", { type: "button", onclick: () => edit(member, row) }, "Edit", h("span", { class: "visually-hidden" }, ` ${trunkName(member.trunk_id)}`)),
                    h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(member, event.currentTarget as HTMLButtonElement) }, "Remove", h("span", { class: "visually-hidden" }, ` ${trunkName(member.trunk_id)}`)),
                  )
                : null,
            );
            return row;
          }),
        ),
      ),
    );
  }

  /** Position, weight and prefixes inputs, filled from `member`. */
  function memberFields(member: TrunkGroupMember | null): HTMLElement[] {
    const ordered = group.strategy === "ordered";
    return [
      field("Position", input("position", { type: "number", step: 1, min: 0, value: member?.position ?? nextPosition(), autocomplete: "off" }), ordered ? "Lower is tried first." : "Only ordered groups use it."),
      field("Weight", input("weight", { type: "number", step: 1, min: 1, value: member?.weight ?? 1, autocomplete: "off" }), ordered ? "Only weighted groups use it." : "Calls in proportion to it; at least 1."),
      field("Prefixes", input("prefixes", { value: member?.prefixes.join(", ") ?? "", placeholder: "every number", autocomplete: "off" }), "Number beginnings separated by commas, e.g. +4930, +4940; empty: every number (catch-all)."),
    ];
  }

  function nextPosition(): number {
    return group.members.length ? Math.max(...group.members.map((member) => member.position)) + 1 : 0;
  }

  /** The PUT body from a form's position, weight and prefixes. */
  function memberBody(data: Record<string, string>): { position: number; weight: number; prefixes: string[] } {
    return {
      position: wholeNumber(data.position, "position", 0, 0, "position"),
      weight: wholeNumber(data.weight, "weight", 1, 1, "weight"),
      prefixes: parsePrefixes(data.prefixes),
    };
  }

  function describe(body: { position: number; weight: number; prefixes: string[] }): string {
    const place = group.strategy === "ordered" ? `position ${body.position}` : `weight ${body.weight}`;
    return `${place}, ${body.prefixes.length ? `numbers starting ${body.prefixes.join(", ")}` : "every number"}`;
  }

  function edit(member: TrunkGroupMember, row: HTMLElement): void {
    const name = trunkName(member.trunk_id);
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const editForm = h(
      "form",
      { class: "form inline-cap", novalidate: true, "aria-label": `Change ${name} in this group` },
      formAlert(),
      h("div", { class: "row" }, memberFields(member)),
      h("div", { class: "actions" }, save, h("button", { type: "button", onclick: () => renderMembers() }, "Cancel")),
    );
    editForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const body = memberBody(values(editForm));
        await busy(save, () => put(path(member.trunk_id), body));
        flash(`${name}: ${describe(body)}.`);
        await reload();
      } catch (error) {
        showErrors(editForm, error);
      }
    });
    replace(row, h("th", { scope: "row" }, name), h("td", { colspan: columns.length - 1 }, editForm));
    editForm.querySelector<HTMLInputElement>("input")?.focus();
  }

  async function remove(member: TrunkGroupMember, button: HTMLButtonElement): Promise<void> {
    const name = trunkName(member.trunk_id);
    if (!window.confirm(`Remove ${name} from the group “${group.name}”? Its calls move to the group's other trunks.`)) return;
    replace(membersError);
    try {
      await busy(button, () => del(path(member.trunk_id)));
      flash(`${name} removed from the group.`);
      await reload();
    } catch (error) {
      errorBanner(membersError, error);
    }
  }

  function renderAdd(): void {
    const candidates = trunks.filter((trunk) => !group.members.some((member) => member.trunk_id === trunk.id));
    if (!candidates.length) {
      replace(
        addBox,
        h("h2", { id: "add-member-title" }, "Add a trunk to this group"),
        h("p", { class: "muted" }, trunks.length ? "Every trunk is in this group already: change one in the table." : ["No trunks yet: ", h("a", { href: "#/trunks" }, "add one on the Trunks page"), "."]),
      );
      return;
    }
    const trunkSelect = select(
      "trunk_id",
      [{ value: "", text: "— choose a trunk —" }, ...candidates.map((trunk) => ({ value: String(trunk.id), text: `${trunk.name} (${trunk.host}:${trunk.port})${trunk.enabled ? "" : " — disabled"}` }))],
      candidates.length === 1 ? String(candidates[0].id) : "",
    );
    const addSubmit = h("button", { type: "submit", class: "primary" }, "Add to group");
    const addForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Add a trunk to the group" },
      formAlert(),
      h("div", { class: "row" }, field("Trunk", trunkSelect), memberFields(null)),
      h("div", { class: "actions" }, addSubmit),
    );
    addForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(addForm);
      try {
        if (!data.trunk_id) throw new ApiError(400, "invalid", "Choose a trunk.", { trunk_id: "is required" });
        const body = memberBody(data);
        const name = trunkName(Number(data.trunk_id));
        await busy(addSubmit, () => put(path(Number(data.trunk_id)), body));
        flash(`${name} added: ${describe(body)}.`);
        await reload();
        addBox.querySelector<HTMLSelectElement>("select[name=trunk_id]")?.focus();
      } catch (error) {
        // 409: the trunk is gone (deleted meanwhile).
        showErrors(addForm, conflictOn(error, "trunk_id"));
      }
    });
    replace(addBox, h("h2", { id: "add-member-title" }, "Add a trunk to this group"), addForm);
  }

  /** Rename, change the strategy, or delete the group (409 while a campaign routes through it). */
  function settingsSection(): HTMLElement {
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const settingsForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Name and strategy of the group" },
      formAlert(),
      h("div", { class: "row" }, field("Name", input("name", { required: true, value: group.name, autocomplete: "off" })), strategyField(GROUP_STRATEGIES, group.strategy)),
      h("div", { class: "actions" }, save),
    );
    settingsForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(settingsForm);
      try {
        if (!data.name) throw new ApiError(400, "invalid", "Enter a name.", { name: "is required" });
        const changed = await busy(save, () => patch<TrunkGroup>(`/trunk-groups/${id}`, { name: data.name, strategy: data.strategy }));
        flash(`Trunk group “${changed.name}” saved: ${groupStrategyText(changed.strategy).toLowerCase()}.`);
        // The heading, the hints and the member fields all follow name and strategy: draw the page again.
        await trunkGroupView(main, params);
        main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
      } catch (error) {
        // A taken name is the name field's problem.
        showErrors(settingsForm, conflictOn(error, "name"));
      }
    });
    const deleteError = h("div");
    const deleteButton = h("button", { type: "button", class: "danger", onclick: () => removeGroup() }, "Delete group");
    async function removeGroup(): Promise<void> {
      if (!window.confirm(`Delete the trunk group “${group.name}”? Its trunks stay; only the group goes.`)) return;
      replace(deleteError);
      try {
        await busy(deleteButton, () => del(`/trunk-groups/${id}`));
        flash(`Trunk group “${group.name}” deleted.`);
        location.hash = "#/trunk-groups";
      } catch (error) {
        // 409: a campaign routes through the group.
        errorBanner(deleteError, error instanceof ApiError && error.status === 409 ? new Error(`${error.message}: route those campaigns through a trunk or another group first.`) : error);
      }
    }
    return h(
      "section",
      { class: "card", "aria-labelledby": "group-settings-title" },
      h("h2", { id: "group-settings-title" }, "Name and strategy"),
      settingsForm,
      h("div", { class: "actions", "data-testid": "delete-group" }, deleteButton, h("span", { class: "hint" }, " Not possible while a campaign routes through this group.")),
      deleteError,
    );
  }

  renderMembers();
  if (canWrite()) renderAdd();
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/trunk-groups" }, "Trunk groups"), ` / ${group.name}`),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, group.name), h("span", { class: "badge", "data-testid": "group-strategy" }, groupStrategyText(group.strategy))),
    h("p", { class: "hint" }, `${groupStrategyText(group.strategy)}: ${explanation(group.strategy)}`),
    h("details", { class: "hint" }, h("summary", null, "How this group routes a call"), routingRules()),
    canWrite() ? addBox : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "members-title" },
      h("div", { class: "section-head" }, h("h2", { id: "members-title" }, "Trunks in this group"), h("button", { type: "button", onclick: () => reload() }, "Refresh")),
      warningBox,
      membersError,
      membersBox,
    ),
    canWrite() ? settingsSection() : null,
  );
}
