// The API's field errors about a script body (`body.steps[1].prompt_id`),
// moved to the nearest slot the editor shows and listed with links to them.
import { ApiError } from "../../api";
import { h } from "../../dom";
import { describePath, inBody, parentPath } from "./paths";

/**
 * The nearest error slot the editor shows for `path`: the field's, its
 * step's, its list's, or the body's (all of them while the JSON is shown).
 */
function slotFor(editor: HTMLElement, jsonMode: () => boolean, path: string): string {
  if (jsonMode()) return "body";
  let slot: string | null = path;
  while (slot && !editor.querySelector(`[data-error-for="${CSS.escape(slot)}"]`)) slot = parentPath(slot);
  return slot ?? "body";
}

/** An API error with its `body.*` fields moved to the slots the editor shows (others untouched). */
export function placeErrors(editor: HTMLElement, jsonMode: () => boolean, error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const fields: Record<string, string> = {};
  for (const [path, message] of Object.entries(error.fields)) {
    const slot = inBody(path) ? slotFor(editor, jsonMode, path) : path;
    const text = slot === path ? message : `${describePath(path)}: ${message}`;
    // One line each in the JSON's slot, which shows them all.
    fields[slot] = fields[slot] ? `${fields[slot]}${slot === "body" ? "\n" : "; "}${text}` : text;
  }
  return new ApiError(error.status, error.code, error.message, fields, error.request);
}

/** The error's `body.*` fields as a list whose items take the focus to what they are about; null: none (or JSON shown). */
export function errorSummary(editor: HTMLElement, jsonMode: () => boolean, error: unknown): HTMLElement | null {
  if (!(error instanceof ApiError) || jsonMode()) return null;
  const paths = Object.keys(error.fields).filter(inBody);
  if (!paths.length) return null;
  const target = (path: string): HTMLElement | null => {
    const slot = slotFor(editor, jsonMode, path);
    return (
      editor.querySelector<HTMLElement>(`[name="${CSS.escape(slot)}"]`) ??
      editor.querySelector<HTMLElement>(`[data-path="${CSS.escape(slot)}"] .step-title`) ??
      editor.querySelector<HTMLElement>(`[data-list="${CSS.escape(slot)}"] .add-step button`) ??
      editor.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(slot)}"]`)
    );
  };
  return h(
    "ul",
    { class: "error-summary" },
    paths.map((path) =>
      h(
        "li",
        null,
        h("button", { type: "button", class: "link", onclick: () => target(path)?.focus() }, `${describePath(path)}: ${error.fields[path]}`),
      ),
    ),
  );
}
