// A campaign's contacts: the upload form (for those who may change the
// campaign) and the uploads so far with their counts.
import { API, get, type Import, type Items } from "../../api";
import { formatNumber, formatTime, h, replaceKeepingFocus } from "../../dom";
import { errorBanner } from "../../forms";
import { canWrite } from "../../session";
import { importForm } from "./importForm";
import type { CampaignPage } from "./page";

export interface ContactsPanel {
  element: HTMLElement;
  /** Lists the uploads again. */
  refresh(): Promise<void>;
}

/** `imported`: an upload finished (the page's figures are due again). */
export function contactsPanel(page: CampaignPage, imported: () => void): ContactsPanel {
  const uploads = h("div");
  const element = h(
    "section",
    { class: "card", "aria-labelledby": "contacts-title" },
    h("h2", { id: "contacts-title" }, "Contacts"),
    canWrite() && page.campaign.status !== "archived" ? importForm(page.id, imported) : null,
    h("h3", null, "Uploads"),
    uploads,
  );

  async function refresh(): Promise<void> {
    try {
      const imports = await get<Items<Import>>(`/campaigns/${page.id}/imports`);
      if (page.stopped) return;
      replaceKeepingFocus(uploads, importsTable(imports.items));
    } catch (error) {
      errorBanner(uploads, error);
    }
  }

  return { element, refresh };
}

function importsTable(imports: Import[]): HTMLElement {
  if (!imports.length) return h("p", { class: "muted" }, "No contacts uploaded yet.");
  const rows = imports
    .slice()
    .sort((a, b) => b.id - a.id)
    .map((entry) =>
      h(
        "tr",
        null,
        h("td", null, `#${entry.id}`),
        h("td", null, entry.state, entry.error ? ` — ${entry.error}` : ""),
        h("td", { class: "num" }, formatNumber(entry.rows_read)),
        h("td", { class: "num" }, formatNumber(entry.imported)),
        h("td", { class: "num" }, formatNumber(entry.duplicates)),
        h("td", { class: "num" }, entry.rejected ? h("a", { href: `${API}/imports/${entry.id}/errors.csv`, download: `import-${entry.id}-errors.csv` }, formatNumber(entry.rejected)) : "0"),
        h("td", null, formatTime(entry.created_at)),
        h("td", null, formatTime(entry.finished_at)),
      ),
    );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compact", "data-testid": "imports" },
      h("thead", null, h("tr", null, ["Upload", "State", "Rows", "Imported", "Duplicates", "Rejected", "Started", "Finished"].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", null, rows),
    ),
  );
}
