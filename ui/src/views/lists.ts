// Black and white lists: numbers or prefixes never (black) or only (white)
// called, globally or for one campaign, with optional expiry.
import { api, del, get, patch, post, type Campaign, type EntryPage, type Items, type ListEntry, type ListUpload, type NumberList } from "../api";
import { formatTime, h, replace } from "../dom";
import { busy, campaignScope, errorBanner, field, flash, formAlert, input, select, showErrors, values } from "../forms";
import { navigate } from "../router";
import { canWrite } from "../session";

export async function listsView(main: HTMLElement) {
  const [lists, campaigns] = await Promise.all([get<Items<NumberList>>("/lists"), get<Items<Campaign>>("/campaigns")]);
  const campaignNames = new Map(campaigns.items.map((campaign) => [campaign.id, campaign.name]));
  const table = lists.items.length
    ? h(
        "table",
        { "data-testid": "lists" },
        h("thead", null, h("tr", null, ["Name", "Kind", "Applies to"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          lists.items.map((list) =>
            h(
              "tr",
              null,
              h("th", { scope: "row" }, h("a", { href: `#/lists/${list.id}` }, list.name)),
              h("td", null, h("span", { class: `badge kind-${list.kind}` }, list.kind === "black" ? "blacklist: never call" : "whitelist: only call")),
              h("td", null, list.campaign_id ? campaignNames.get(list.campaign_id) ?? `campaign #${list.campaign_id}` : "every campaign"),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, "No lists yet.");

  let form: HTMLFormElement | null = null;
  if (canWrite()) {
    const submit = h("button", { type: "submit", class: "primary" }, "Create list");
    form = h(
      "form",
      { class: "form", novalidate: true },
      formAlert(),
      h(
        "div",
        { class: "row" },
        field("Name", input("name", { required: true, autocomplete: "off" })),
        field("Kind", select("kind", [{ value: "black", text: "Blacklist: never call these" }, { value: "white", text: "Whitelist: call only these" }], "black")),
        field(
          "Applies to",
          campaignScope(campaigns.items),
        ),
      ),
      h("div", { class: "actions" }, submit),
    );
    const createForm = form;
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(createForm);
      try {
        const created = await busy(submit, () => post<NumberList>("/lists", { name: data.name, kind: data.kind, campaign_id: data.campaign_id ? Number(data.campaign_id) : null }));
        flash(`List “${created.name}” created.`);
        location.hash = `#/lists/${created.id}`;
      } catch (error) {
        showErrors(createForm, error);
      }
    });
  }

  let optOut: HTMLElement | null = null;
  if (canWrite()) {
    const optSubmit = h("button", { type: "submit" }, "Opt out");
    const optForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Opt a number out" },
      formAlert(),
      h("div", { class: "row" }, field("Phone number", input("phone", { required: true, placeholder: "+4930123456", autocomplete: "off" })), field("Reason", input("reason", { autocomplete: "off", placeholder: "asked not to be called" }))),
      h("div", { class: "actions" }, optSubmit),
    );
    optForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(optForm);
      try {
        await busy(optSubmit, () => post("/opt-outs", { phone: data.phone, reason: data.reason || null }));
        flash(`${data.phone} will not be called again by any campaign (list “opt-out”).`);
        // The opt-out list is made on first use: show it.
        navigate("/lists");
      } catch (error) {
        showErrors(optForm, error);
      }
    });
    optOut = h("section", { class: "card", "aria-labelledby": "opt-out-title" }, h("h2", { id: "opt-out-title" }, "Opt a number out"), h("p", { class: "hint" }, "Puts the number on the global opt-out blacklist: no campaign calls it again."), optForm);
  }

  replace(
    main,
    h("h1", { tabindex: "-1" }, "Lists"),
    h("p", { class: "hint" }, "Herald checks these just before dialing each number. Entries can be whole numbers or prefixes, and can expire."),
    h("section", { class: "card", "aria-label": "Lists" }, h("div", { class: "table-wrap" }, table)),
    form ? h("section", { class: "card", "aria-labelledby": "new-list-title" }, h("h2", { id: "new-list-title" }, "New list"), form) : null,
    optOut,
  );
}

export async function listView(main: HTMLElement, params: Record<string, string>) {
  const id = Number(params.id);
  const list = await get<NumberList>(`/lists/${id}`);
  const entriesBox = h("div", { class: "table-wrap" });
  const entriesError = h("div");
  const search = h("input", { type: "search", name: "search", id: "entry-search", placeholder: "+4930…", autocomplete: "off" });
  let cursors: (string | null)[] = [null];

  async function loadEntries(): Promise<void> {
    const query = new URLSearchParams({ limit: "50" });
    if (search.value.trim()) query.set("search", search.value.trim());
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set("after", cursor);
    let page: EntryPage;
    try {
      page = await get<EntryPage>(`/lists/${id}/entries?${query}`);
    } catch (error) {
      errorBanner(entriesError, error);
      return;
    }
    replace(entriesError);
    const next = page.next ?? null;
    replace(
      entriesBox,
      page.items.length
        ? h(
            "table",
            { class: "compact", "data-testid": "entries" },
            h("thead", null, h("tr", null, ["Number or prefix", "Reason", "Expires", "Added", canWrite() ? "Actions" : null].filter(Boolean).map((text) => h("th", { scope: "col" }, text)))),
            h(
              "tbody",
              null,
              page.items.map((entry) =>
                h(
                  "tr",
                  null,
                  h("td", { class: "mono" }, entry.pattern, entry.is_prefix ? h("span", { class: "chip" }, "prefix") : null),
                  h("td", null, entry.reason ?? ""),
                  h("td", null, entry.expires_at ? formatTime(entry.expires_at) : "never"),
                  h("td", null, formatTime(entry.created_at)),
                  canWrite()
                    ? h("td", null, h("button", { type: "button", class: "danger", onclick: (event: Event) => removeEntry(entry, event.currentTarget as HTMLButtonElement) }, "Remove", h("span", { class: "visually-hidden" }, ` ${entry.pattern}`)))
                    : null,
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, search.value ? "No entries match." : "This list is empty."),
      h(
        "div",
        { class: "pager" },
        h("button", { type: "button", disabled: cursors.length === 1, onclick: () => { cursors.pop(); void loadEntries(); } }, "Previous page"),
        h("span", null, `Page ${cursors.length}`),
        h("button", { type: "button", disabled: !next, onclick: () => { cursors.push(next); void loadEntries(); } }, "Next page"),
      ),
    );
  }

  async function removeEntry(entry: ListEntry, button: HTMLButtonElement): Promise<void> {
    try {
      await busy(button, () => del(`/lists/${id}/entries/${encodeURIComponent(entry.pattern)}`));
      flash(`${entry.pattern} removed.`);
      await loadEntries();
    } catch (error) {
      errorBanner(entriesError, error);
    }
  }

  async function removeList(button: HTMLButtonElement): Promise<void> {
    if (!window.confirm(`Delete the list “${list.name}” and all its entries?`)) return;
    try {
      await busy(button, () => del(`/lists/${id}`));
      flash(`List “${list.name}” deleted.`);
      navigate("/lists");
    } catch (error) {
      errorBanner(entriesError, error);
    }
  }

  const searchForm = h("form", { class: "filters", role: "search", "aria-label": "Search entries" }, h("div", { class: "field" }, h("label", { for: "entry-search" }, "Search"), search), h("button", { type: "submit" }, "Search"));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [null];
    void loadEntries();
  });

  let writeForms: HTMLElement | null = null;
  if (canWrite()) {
    const addSubmit = h("button", { type: "submit", class: "primary" }, "Add entry");
    const addForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Add an entry" },
      formAlert(),
      h(
        "div",
        { class: "row" },
        field("Number or prefix", input("pattern", { required: true, placeholder: "+4930123456", autocomplete: "off" }), "E.164: + and digits."),
        field("Reason", input("reason", { autocomplete: "off" })),
        field("Expires", input("expires_at", { type: "datetime-local" }), "Leave empty to keep it for good."),
      ),
      field("It is a prefix (matches every number starting with it)", input("is_prefix", { type: "checkbox" })),
      h("div", { class: "actions" }, addSubmit),
    );
    addForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(addForm);
      try {
        await busy(addSubmit, () =>
          post(`/lists/${id}/entries`, {
            pattern: data.pattern,
            is_prefix: data.is_prefix === "on",
            reason: data.reason || null,
            expires_at: data.expires_at ? new Date(data.expires_at).toISOString() : null,
          }),
        );
        flash(`${data.pattern} added.`);
        addForm.reset();
        await loadEntries();
      } catch (error) {
        showErrors(addForm, error);
      }
    });

    const file = input("file", { type: "file", accept: ".csv,text/csv" });
    const uploadSubmit = h("button", { type: "submit" }, "Upload CSV");
    const uploadResult = h("div", { "aria-live": "polite", "data-testid": "list-upload-result" });
    const uploadForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Upload entries" },
      formAlert(),
      field("CSV file", file, "One entry per line: number, then an optional reason. A number ending in * is a prefix (+4930*)."),
      h("div", { class: "actions" }, uploadSubmit),
      uploadResult,
    );
    uploadForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (!chosen) return;
      try {
        const result = await busy(uploadSubmit, () => api<ListUpload>("PUT", `/lists/${id}/data`, chosen, "text/csv"));
        flash(`${chosen.name}: ${result.written} entries written, ${result.rejected_count} lines refused.`);
        replace(
          uploadResult,
          h("p", null, `${result.written} entries written · ${result.rejected_count} lines refused`),
          result.rejected.length
            ? h(
                "table",
                { class: "compact errors" },
                h("caption", null, "Refused lines"),
                h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Problem"))),
                h("tbody", null, result.rejected.slice(0, 50).map((row) => h("tr", null, h("td", { class: "num" }, row.line), h("td", null, row.message)))),
              )
            : null,
        );
        uploadForm.reset();
        cursors = [null];
        await loadEntries();
      } catch (error) {
        showErrors(uploadForm, error);
      }
    });
    writeForms = h("div", { class: "grid-2" }, h("section", { class: "card" }, h("h2", null, "Add an entry"), addForm), h("section", { class: "card" }, h("h2", null, "Upload entries"), uploadForm));
  }

  /** Rename the list (its kind and campaign stay: make a new list for another). */
  function renameSection(): HTMLElement {
    const save = h("button", { type: "submit", class: "primary" }, "Rename");
    const renameForm = h(
      "form",
      { class: "form", novalidate: true, "aria-label": "Rename the list" },
      formAlert(),
      h("div", { class: "row" }, field("List name", input("name", { required: true, value: list.name, autocomplete: "off" }), "Its kind and campaign cannot change: make a new list for those.")),
      h("div", { class: "actions" }, save),
    );
    renameForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = values(renameForm);
      try {
        const renamed = await busy(save, () => patch<NumberList>(`/lists/${id}`, { name: data.name }));
        flash(`List renamed “${renamed.name}”.`);
        // The heading and the crumbs show the name: draw the page again.
        await listView(main, params);
        main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
      } catch (error) {
        showErrors(renameForm, error);
      }
    });
    return h("section", { class: "card", "aria-labelledby": "rename-list-title" }, h("h2", { id: "rename-list-title" }, "Name"), renameForm);
  }

  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/lists" }, "Lists"), ` / ${list.name}`),
    h(
      "div",
      { class: "page-head" },
      h("h1", { tabindex: "-1" }, list.name),
      h("span", { class: `badge kind-${list.kind}` }, list.kind === "black" ? "blacklist" : "whitelist"),
      canWrite() ? h("button", { type: "button", class: "danger", onclick: (event: Event) => removeList(event.currentTarget as HTMLButtonElement) }, "Delete list") : null,
    ),
    h("p", { class: "hint" }, list.campaign_id ? ["Applies to ", h("a", { href: `#/campaigns/${list.campaign_id}` }, `campaign #${list.campaign_id}`), " only."] : "Applies to every campaign."),
    writeForms,
    h("section", { class: "card", "aria-labelledby": "entries-title" }, h("h2", { id: "entries-title" }, "Entries"), searchForm, entriesError, entriesBox),
    canWrite() ? renameSection() : null,
  );
  await loadEntries();
}
