// Call scripts: what a campaign plays to each person who answers — spoken
// text with the contact's details, recorded prompts, keypress menus,
// opt-out, and what to do on an answering machine. The list, and one
// script's editor (new or existing).
import { ApiError, asScriptBody, del, get, getList, patch, post, type Campaign, type Prompt, type Script } from "../api";
import { formatTime, h, replace } from "../dom";
import { busy, clearErrors, conflictOn, errorBanner, field, flash, formAlert, input, showErrors } from "../forms";
import { navigate } from "../router";
import { canWrite } from "../session";
import { emptyScript, ON_MACHINE, scriptEditor, stepCount } from "./scriptEditor";

/** How a call with a script goes, in a few lines. */
function howScriptsWork(): HTMLElement {
  return h(
    "ul",
    { class: "hint strategies" },
    h("li", null, h("strong", null, "Steps"), " play in order once someone answers: ", h("em", null, "say"), " speaks text (", h("code", null, "{{tag}}"), " takes the contact's own details from the import), ", h("em", null, "play"), " a recorded prompt, ", h("em", null, "pause"), "."),
    h("li", null, h("strong", null, "Keypress menus"), " ask a question, wait for keys and branch on them; the report counts each answer. An ", h("em", null, "opt out"), " step records that the contact asked not to be called again."),
    h("li", null, h("strong", null, "Answering machines"), ": play the script anyway, hang up, or leave a message after the beep."),
    h("li", null, "A campaign plays its script instead of its prompt: choose it on the campaign's form."),
  );
}

export async function scriptsView(main: HTMLElement) {
  const scripts = await getList<Script>("/scripts");
  const rows = scripts.slice().sort((a, b) => a.name.localeCompare(b.name));
  const table = rows.length
    ? h(
        "table",
        { "data-testid": "scripts" },
        h("thead", null, h("tr", null, ["Name", "Steps", "Answering machine", "Voice", "Updated"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          rows.map((script) => {
            const body = asScriptBody(script.body);
            const machine = body?.on_machine;
            return h(
              "tr",
              { "data-script": script.id },
              h("th", { scope: "row" }, h("a", { href: `#/scripts/${script.id}` }, script.name)),
              h("td", { class: "num" }, stepCount(body)),
              h("td", null, (machine && ON_MACHINE[machine]) ?? machine ?? "–"),
              h("td", null, body?.voice ?? h("span", { class: "muted" }, "default")),
              h("td", null, formatTime(script.updated_at)),
            );
          }),
        ),
      )
    : h("p", { class: "muted" }, "No scripts yet.", canWrite() ? [" ", h("a", { href: "#/scripts/new" }, "Write the first one"), "."] : null);
  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Call scripts"), canWrite() ? h("a", { class: "button primary", href: "#/scripts/new" }, "New script") : null),
    h("section", { class: "card", "aria-label": "Call scripts" }, h("div", { class: "table-wrap" }, table)),
    h("section", { class: "card", "aria-labelledby": "how-title" }, h("h2", { id: "how-title" }, "How a script plays"), howScriptsWork()),
  );
}

export async function newScriptView(main: HTMLElement) {
  return scriptScreen(main, null);
}

export async function scriptView(main: HTMLElement, params: Record<string, string>) {
  return scriptScreen(main, Number(params.id));
}

async function scriptScreen(main: HTMLElement, id: number | null) {
  const [script, prompts] = await Promise.all([id === null ? Promise.resolve(null) : get<Script>(`/scripts/${id}`), getList<Prompt>("/prompts")]);
  const writable = canWrite();
  if (id === null && !writable) {
    replace(main, h("h1", { tabindex: "-1" }, "New script"), h("p", { class: "muted" }, "Only managers and admins write scripts."));
    return;
  }
  const editor = scriptEditor(asScriptBody(script?.body) ?? emptyScript(), prompts, !writable);
  const name = input("name", { required: true, value: script?.name ?? "", autocomplete: "off", disabled: !writable });
  const submit = h("button", { type: "submit", class: "primary" }, script ? "Save script" : "Create script");
  const updated = h("p", { class: "hint", "data-testid": "script-updated" }, script ? `Created ${formatTime(script.created_at)} · updated ${formatTime(script.updated_at)}` : "");
  const deleteError = h("div");
  const form = h(
    "form",
    { class: "card form script-form", novalidate: true, "aria-label": script ? `Script ${script.name}` : "New script" },
    formAlert(),
    field("Name", name),
    editor.element,
    writable ? h("div", { class: "actions" }, submit) : null,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!writable) return;
    try {
      const body = { name: name.value.trim(), body: editor.body() };
      if (!script) {
        const created = await busy(submit, () => post<Script>("/scripts", body));
        flash(`Script “${created.name}” created.`);
        navigate(`/scripts/${created.id}`);
        return;
      }
      const saved = await busy(submit, () => patch<Script>(`/scripts/${script.id}`, body));
      clearErrors(form);
      updated.textContent = `Created ${formatTime(saved.created_at)} · updated ${formatTime(saved.updated_at)}`;
      flash(`Script “${saved.name}” saved.`);
    } catch (error) {
      // 409: the name is taken.
      showErrors(form, editor.placeErrors(conflictOn(error, "name")));
      const summary = editor.errorSummary(error);
      if (summary) form.querySelector(".form-alert")?.append(summary);
    }
  });

  async function remove(button: HTMLButtonElement): Promise<void> {
    if (!script) return;
    if (!window.confirm(`Delete the script “${script.name}”?`)) return;
    replace(deleteError);
    try {
      await busy(button, () => del(`/scripts/${script.id}`));
      flash(`Script “${script.name}” deleted.`);
      navigate("/scripts");
    } catch (error) {
      // 409: a campaign plays it.
      errorBanner(deleteError, error instanceof ApiError && error.status === 409 ? new Error(`Not deleted: ${error.message}`) : error);
    }
  }

  const usedBy = script ? await campaignsPlaying(script.id) : [];
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/scripts" }, "Call scripts"), script ? ` / #${script.id}` : " / new"),
    h(
      "div",
      { class: "page-head" },
      h("h1", { tabindex: "-1" }, script ? script.name : "New script"),
      script && writable ? h("button", { type: "button", class: "danger", onclick: (event: Event) => remove(event.currentTarget as HTMLButtonElement) }, "Delete script") : null,
    ),
    updated,
    usedBy.length ? h("p", { class: "hint", "data-testid": "script-campaigns" }, "Played by ", usedBy.map((campaign, index) => [index ? ", " : "", h("a", { href: `#/campaigns/${campaign.id}` }, campaign.name)]), ".") : null,
    deleteError,
    form,
  );
  return editor.dispose;
}

/** The campaigns (not archived) that play the script: a hint, and why a delete may be refused. */
async function campaignsPlaying(scriptId: number): Promise<Campaign[]> {
  try {
    const campaigns = await getList<Campaign>("/campaigns");
    return campaigns.filter((campaign) => campaign.script_id === scriptId && campaign.status !== "archived");
  } catch {
    return [];
  }
}
