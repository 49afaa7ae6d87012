// A step card's labelled controls, each named by its JSON path.
import { field, input } from "../../forms";
import type { Draft } from "./drafts";
import type { StepEditing } from "./editing";

/** A labelled control of a step, named by its path (its error slot follows it). */
export function stepField(editing: StepEditing, text: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  if (editing.readOnly) control.disabled = true;
  return field(text, control, hint);
}

/**
 * `step[key]` as typed: a number (the API says when it is out of range);
 * left empty, the key is left out (Herald's default) or, with `required`, null.
 */
export function numberInput(step: Draft, key: string, path: string, attrs: Record<string, unknown>, required = false): HTMLInputElement {
  const control = input(`${path}.${key}`, { type: "number", value: step[key] ?? "", inputmode: "numeric", placeholder: required ? "" : "default", ...attrs });
  control.addEventListener("input", () => {
    const value = control.value.trim();
    if (value === "" && !required) delete step[key];
    else step[key] = value === "" ? null : Number(value);
  });
  return control;
}
