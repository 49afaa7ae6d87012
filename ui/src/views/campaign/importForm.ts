// Upload contacts: choose a CSV, map its columns (read from the header row
// in the browser), send it with progress, and follow the import until done.
import { API, get, post, uploadWithProgress, type Import } from "../../api";
import { parseCsv, readCsvHead } from "../../csv";
import { formatNumber, h, replace } from "../../dom";
import { field, flash, formAlert, select, showErrors } from "../../forms";

const IMPORT_POLL_MS = 500;

export function importForm(campaignId: number, onFinished: () => void): HTMLElement {
  const fileInput = h("input", { type: "file", name: "file", accept: ".csv,text/csv" });
  const mapping = h("div", { class: "mapping" });
  const progressBox = h("div", { "aria-live": "polite", "data-testid": "import-progress" });
  const submit = h("button", { type: "submit", class: "primary", disabled: true }, "Upload contacts");
  const form = h(
    "form",
    { class: "import-form", novalidate: true },
    formAlert(),
    field("Contacts file (CSV)", fileInput, "The first row names the columns; one contact per row."),
    mapping,
    h("div", { class: "actions" }, submit),
    progressBox,
  );

  fileInput.addEventListener("change", async () => {
    replace(mapping);
    replace(progressBox);
    submit.disabled = true;
    const file = fileInput.files?.[0];
    if (!file) return;
    let header: string[];
    let preview: string[][];
    try {
      ({ header, preview } = await readCsvHead(file));
    } catch (error) {
      showErrors(form, error);
      return;
    }
    if (!header.length || header.every((name) => !name)) {
      showErrors(form, new Error("The file's first row is empty: it must name the columns."));
      return;
    }
    replace(mapping, columnMapping(header), previewTable(file, header, preview));
    submit.disabled = false;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) return;
    const data = new FormData(form);
    const columns = {
      phone_column: String(data.get("phone_column") ?? ""),
      timezone_column: data.get("timezone_column") ? String(data.get("timezone_column")) : null,
      tag_columns: data.getAll("tag_columns").map(String),
    };
    submit.disabled = true;
    fileInput.disabled = true;
    const progress = importProgress(file);
    replace(progressBox, progress.elements);
    try {
      await upload(campaignId, file, columns, progress);
      onFinished();
    } catch (error) {
      showErrors(form, error);
      if (progress.started()) progress.failed();
    } finally {
      submit.disabled = false;
      fileInput.disabled = false;
    }
  });
  return form;
}

/** Which column holds the phone number and the time zone, and which others to keep as tags. */
function columnMapping(header: string[]): HTMLElement[] {
  const guessPhone = header.find((name) => /^(phone|number|msisdn|mobile|tel|telephone|phone_number)$/i.test(name)) ?? header[0];
  const guessZone = header.find((name) => /^(tz|timezone|time_zone|time zone)$/i.test(name)) ?? "";
  const phoneSelect = select("phone_column", header.map((name) => ({ value: name, text: name })), guessPhone);
  const zoneSelect = select("timezone_column", [{ value: "", text: "— none: from the number —" }, ...header.map((name) => ({ value: name, text: name }))], guessZone);
  const tagBoxes = h("fieldset", { class: "tags" }, h("legend", null, "Keep these columns as tags"));
  const renderTags = () => {
    const previous = new Map([...tagBoxes.querySelectorAll<HTMLInputElement>("input")].map((box) => [box.value, box.checked]));
    tagBoxes.querySelectorAll(".field").forEach((node) => node.remove());
    for (const name of header) {
      if (name === phoneSelect.value || name === zoneSelect.value) continue;
      tagBoxes.appendChild(field(name, h("input", { type: "checkbox", name: "tag_columns", value: name, checked: previous.get(name) ?? true })));
    }
    if (!tagBoxes.querySelector(".field")) tagBoxes.appendChild(h("p", { class: "muted field" }, "No other columns."));
  };
  phoneSelect.addEventListener("change", renderTags);
  zoneSelect.addEventListener("change", renderTags);
  renderTags();
  return [
    h("div", { class: "row" }, field("Phone number column", phoneSelect), field("Time zone column", zoneSelect, "Optional: an IANA zone per contact, e.g. Europe/Paris.")),
    tagBoxes,
  ];
}

/** The file's first rows under its header. */
function previewTable(file: File, header: string[], preview: string[][]): HTMLElement | null {
  if (!preview.length) return null;
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "compact preview" },
      h("caption", null, `First rows of ${file.name} (${formatNumber(file.size / 1024, 1)} KiB)`),
      h("thead", null, h("tr", null, header.map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", null, preview.map((row) => h("tr", null, header.map((_, index) => h("td", null, row[index] ?? ""))))),
    ),
  );
}

/** An upload's bytes sent, its import's counts and state, and its rejected rows. */
interface ImportProgress {
  elements: HTMLElement[];
  errors: HTMLElement;
  /** The import as last seen; null until it is created. */
  current: Import | null;
  sent: number;
  show(): void;
  started(): boolean;
  failed(): void;
}

function importProgress(file: File): ImportProgress {
  const bytes = h("progress", { max: file.size || 1, value: 0, "aria-label": "Bytes sent" });
  const bytesText = h("span");
  const rowsText = h("p", { "data-testid": "import-counts" });
  const stateText = h("p", { "data-testid": "import-state" }, "Starting the upload…");
  const errors = h("div", { "data-testid": "import-errors" });
  const progress: ImportProgress = {
    elements: [h("p", null, bytes, " ", bytesText), rowsText, stateText, errors],
    errors,
    current: null,
    sent: 0,
    show() {
      bytes.value = progress.sent;
      bytesText.textContent = `${formatNumber(progress.sent / 1024, 1)} of ${formatNumber(file.size / 1024, 1)} KiB sent`;
      const current = progress.current;
      if (!current) return;
      rowsText.textContent = `${formatNumber(current.rows_read)} rows read · ${formatNumber(current.imported)} imported · ${formatNumber(current.duplicates)} duplicates · ${formatNumber(current.rejected)} rejected`;
      stateText.textContent = current.state === "done" ? "Import done." : current.state === "failed" ? `Import failed: ${current.error ?? "unknown error"}` : `Import ${current.state}…`;
      stateText.dataset.state = current.state;
    },
    started: () => progress.current !== null,
    failed() {
      stateText.textContent = "Upload failed.";
    },
  };
  return progress;
}

/**
 * Creates the import with its column mapping, sends the file while polling
 * the import's counts, then shows its rejected rows and the final counts.
 */
async function upload(campaignId: number, file: File, columns: object, progress: ImportProgress): Promise<void> {
  let polling = 0;
  const poll = async () => {
    const current = progress.current;
    if (!current) return;
    try {
      const latest = await get<Import>(`/imports/${current.id}`);
      if (progress.current && progress.current.state !== "done" && progress.current.state !== "failed") progress.current = latest;
      progress.show();
    } catch {
      // The next poll tries again.
    }
  };
  try {
    const created = await post<Import>(`/campaigns/${campaignId}/imports`, columns);
    progress.current = created;
    progress.show();
    polling = window.setInterval(poll, IMPORT_POLL_MS);
    const finished = await uploadWithProgress<Import>("PUT", `/imports/${created.id}/data`, file, "text/csv", (loaded) => {
      progress.sent = loaded;
      progress.show();
    });
    progress.sent = file.size;
    window.clearInterval(polling);
    const done = finished ?? (await get<Import>(`/imports/${created.id}`));
    // The rejected rows first, so that "done" shows with its errors.
    if (done.rejected > 0) await showImportErrors(done, progress.errors);
    progress.current = done;
    progress.show();
    flash(`Imported ${done.imported} contacts${done.rejected ? `, ${done.rejected} rows rejected` : ""}.`);
  } finally {
    window.clearInterval(polling);
  }
}

async function showImportErrors(finished: Import, box: HTMLElement): Promise<void> {
  const url = `${API}/imports/${finished.id}/errors.csv`;
  const link = h("a", { href: url, download: `import-${finished.id}-errors.csv` }, `Download the ${finished.rejected} rejected rows (CSV)`);
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    const [, ...rows] = parseCsv(await response.text()).filter((row) => row.length >= 2);
    replace(
      box,
      h(
        "table",
        { class: "compact errors" },
        h("caption", null, "Rejected rows"),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Problem"))),
        h("tbody", null, rows.slice(0, 20).map(([line, message]) => h("tr", null, h("td", { class: "num", "data-testid": "error-line" }, line), h("td", null, message)))),
      ),
      rows.length > 20 ? h("p", null, `…and ${rows.length - 20} more.`) : null,
      h("p", null, link),
    );
  } catch {
    replace(box, h("p", null, link));
  }
}
