// Trunks: the carriers' SIP addresses calls go through, with their CPS and line limits.
import { del, get, patch, post, type Items, type Trunk } from "../api";
import { formatNumber, h, replace } from "../dom";
import { busy, errorBanner, field, flash, formAlert, input, optionalNumber, select, showErrors, values } from "../forms";
import { canWrite } from "../session";

/** `#/trunks?trunk=3` marks trunk 3's row (links from trunk groups). */
export async function trunksView(main: HTMLElement, _params: Record<string, string>, query: URLSearchParams) {
  const marked = Number(query.get("trunk") ?? "");
  let trunks = (await get<Items<Trunk>>("/trunks")).items;
  const tableBox = h("div", { class: "table-wrap" });
  const formBox = h("section", { class: "card", "aria-labelledby": "trunk-form-title" });
  const tableError = h("div");

  async function reload(): Promise<void> {
    trunks = (await get<Items<Trunk>>("/trunks")).items;
    renderTable();
  }

  function renderTable(): void {
    if (!trunks.length) {
      replace(tableBox, h("p", { class: "muted" }, "No trunks yet."));
      return;
    }
    replace(
      tableBox,
      h(
        "table",
        { "data-testid": "trunks" },
        h("thead", null, h("tr", null, ["Name", "Address", "Transport", "CPS limit", "Lines", "Auth user", "State", canWrite() ? "Actions" : null].filter(Boolean).map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          trunks.map((trunk) =>
            h(
              "tr",
              { "data-trunk": trunk.id, class: trunk.id === marked ? "marked" : null, "aria-current": trunk.id === marked ? "true" : null },
              h("th", { scope: "row" }, trunk.name),
              h("td", { class: "mono" }, `${trunk.host}:${trunk.port}`),
              h("td", null, trunk.transport.toUpperCase()),
              h("td", { class: "num" }, formatNumber(trunk.cps_limit, 1)),
              h("td", { class: "num" }, formatNumber(trunk.max_lines)),
              h("td", null, trunk.auth_username ?? "–"),
              h("td", null, h("span", { class: `badge ${trunk.enabled ? "on" : "off"}` }, trunk.enabled ? "enabled" : "disabled")),
              canWrite()
                ? h(
                    "td",
                    { class: "row-actions" },
                    h("button", { type: "button", onclick: () => renderForm(trunk) }, "Edit", h("span", { class: "visually-hidden" }, ` ${trunk.name}`)),
                    h("button", { type: "button", onclick: (event: Event) => toggle(trunk, event.currentTarget as HTMLButtonElement) }, trunk.enabled ? "Disable" : "Enable", h("span", { class: "visually-hidden" }, ` ${trunk.name}`)),
                    h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(trunk, event.currentTarget as HTMLButtonElement) }, "Delete", h("span", { class: "visually-hidden" }, ` ${trunk.name}`)),
                  )
                : null,
            ),
          ),
        ),
      ),
    );
  }

  async function toggle(trunk: Trunk, button: HTMLButtonElement): Promise<void> {
    replace(tableError);
    try {
      await busy(button, () => patch<Trunk>(`/trunks/${trunk.id}`, { enabled: !trunk.enabled }));
      flash(`Trunk “${trunk.name}” ${trunk.enabled ? "disabled" : "enabled"}.`);
      await reload();
    } catch (error) {
      errorBanner(tableError, error);
    }
  }

  async function remove(trunk: Trunk, button: HTMLButtonElement): Promise<void> {
    if (!window.confirm(`Delete the trunk “${trunk.name}”?`)) return;
    replace(tableError);
    try {
      await busy(button, () => del(`/trunks/${trunk.id}`));
      flash(`Trunk “${trunk.name}” deleted.`);
      await reload();
    } catch (error) {
      errorBanner(tableError, error);
    }
  }

  function renderForm(trunk: Trunk | null): void {
    const submit = h("button", { type: "submit", class: "primary" }, trunk ? "Save trunk" : "Add trunk");
    const form = h(
      "form",
      { class: "form", novalidate: true, "aria-label": trunk ? `Edit trunk ${trunk.name}` : "Add a trunk" },
      formAlert(),
      h(
        "div",
        { class: "row" },
        field("Name", input("name", { required: true, value: trunk?.name ?? "", autocomplete: "off" })),
        field("Host", input("host", { required: true, value: trunk?.host ?? "", placeholder: "sip.carrier.example", autocomplete: "off" }), "The carrier's SIP address or IP."),
        field("Port", input("port", { type: "number", min: 1, max: 65535, value: trunk?.port ?? 5060 })),
        field("Transport", select("transport", [{ value: "udp", text: "UDP" }, { value: "tcp", text: "TCP" }], trunk?.transport ?? "udp")),
      ),
      h(
        "div",
        { class: "row" },
        field("Calls per second limit", input("cps_limit", { type: "number", min: 0, step: "any", value: trunk?.cps_limit ?? 10 }), "New calls per second the carrier accepts."),
        field("Lines", input("max_lines", { type: "number", min: 1, value: trunk?.max_lines ?? 100 }), "Calls up at once."),
        field("Auth username", input("auth_username", { value: trunk?.auth_username ?? "", autocomplete: "off" }), "Only if the carrier asks for digest credentials."),
        field("Auth password", input("auth_password", { type: "password", autocomplete: "new-password", placeholder: trunk ? "unchanged" : "" })),
      ),
      field("Enabled", input("enabled", { type: "checkbox", checked: trunk?.enabled ?? true })),
      h("div", { class: "actions" }, submit, trunk ? h("button", { type: "button", onclick: () => renderForm(null) }, "Cancel") : null),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(form);
      const body: Record<string, unknown> = {
        name: data.name,
        host: data.host,
        port: optionalNumber(data.port) ?? 5060,
        transport: data.transport,
        cps_limit: optionalNumber(data.cps_limit) ?? 10,
        max_lines: optionalNumber(data.max_lines) ?? 100,
        auth_username: data.auth_username || null,
        enabled: data.enabled === "on",
      };
      const password = (form.elements.namedItem("auth_password") as HTMLInputElement).value;
      if (password) body.auth_password = password;
      try {
        const saved = await busy(submit, () => (trunk ? patch<Trunk>(`/trunks/${trunk.id}`, body) : post<Trunk>("/trunks", body)));
        flash(`Trunk “${saved.name}” ${trunk ? "saved" : "added"}.`);
        await reload();
        renderForm(null);
      } catch (error) {
        showErrors(form, error);
      }
    });
    replace(formBox, h("h2", { id: "trunk-form-title" }, trunk ? `Edit trunk ${trunk.name}` : "Add a trunk"), form);
    if (trunk) form.querySelector<HTMLInputElement>("input[name=name]")?.focus();
  }

  renderTable();
  if (canWrite()) renderForm(null);
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Trunks"),
    h("p", { class: "hint" }, "A trunk is a carrier's SIP entry point. Herald keeps every trunk's calls per second and lines within its limits across all Talker nodes."),
    h("p", { class: "hint" }, "To spread a campaign over several trunks, with failover and routing by number prefix, put them in a ", h("a", { href: "#/trunk-groups" }, "trunk group"), "."),
    h("section", { class: "card", "aria-label": "Trunks" }, tableError, tableBox),
    canWrite() ? formBox : null,
  );
  main.querySelector<HTMLElement>("tr.marked")?.scrollIntoView({ block: "center" });
}
