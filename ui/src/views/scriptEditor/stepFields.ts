// The fields of one step card, by the step's type: a say step's text (with
// Listen), a play step's prompt, a pause's length; a keypress menu's are in
// gather.ts.
import { API, fetchBlob, type Prompt } from "../../api";
import { h } from "../../dom";
import { select } from "../../forms";
import { numberInput, stepField } from "./controls";
import type { Draft } from "./drafts";
import type { StepEditing } from "./editing";
import { gatherFields } from "./gather";
import { listenControl, previewText } from "./listen";

export function stepFields(editing: StepEditing, step: Draft, path: string, title: string): HTMLElement[] {
  switch (step.type) {
    case "say":
      return sayFields(editing, step, path, title);
    case "play":
      return playFields(editing, step, path, title);
    case "pause":
      return [h("div", { class: "row narrow-row" }, stepField(editing, "Length (ms)", numberInput(step, "ms", path, { min: 1, max: 30000, step: 100 }, true)))];
    case "gather":
      return gatherFields(editing, step, path, title);
    case "opt_out":
      return [h("p", { class: "hint" }, "Records that the contact asked not to be called again: their number is opted out, and the report counts it.")];
    case "hangup":
      return [h("p", { class: "hint" }, "Ends the call here; nothing after it is played.")];
    default:
      return [h("p", { class: "hint" }, editing.readOnly ? "A step this editor does not know, as JSON:" : "A step this editor does not know: edit it as JSON."), h("pre", { class: "mono step-raw" }, JSON.stringify(step, null, 2))];
  }
}

function sayFields(editing: StepEditing, step: Draft, path: string, title: string): HTMLElement[] {
  const text = h("textarea", { name: `${path}.text`, rows: 2, value: typeof step.text === "string" ? step.text : String(step.text ?? "") });
  text.addEventListener("input", () => (step.text = text.value));
  // The speech preview is for those who write scripts (managers).
  if (editing.readOnly) return [stepField(editing, "Text", text)];
  const listen = listenControl(title.toLowerCase(), async () => {
    if (!text.value.trim()) throw new Error("Write the text first.");
    const blob = await fetchBlob("POST", "/speech/preview", { text: previewText(text.value), voice: editing.voice() || undefined });
    const url = URL.createObjectURL(blob);
    editing.keepUrl(url);
    return url;
  });
  return [stepField(editing, "Text", text), listen];
}

function playFields(editing: StepEditing, step: Draft, path: string, title: string): HTMLElement[] {
  const { prompts } = editing;
  const current = typeof step.prompt_id === "number" ? step.prompt_id : null;
  const prompt = select(`${path}.prompt_id`, promptOptions(prompts, current), current === null ? "" : String(current));
  prompt.addEventListener("change", () => (step.prompt_id = prompt.value ? Number(prompt.value) : null));
  return [
    stepField(editing, "Prompt", prompt, prompts.length ? undefined : "Upload one on the Prompts page."),
    listenControl(title.toLowerCase(), async () => {
      if (!prompt.value) throw new Error("Choose a prompt first.");
      return `${API}/prompts/${prompt.value}/audio`;
    }),
  ];
}

/** The prompts to choose from, and the step's own if it is not (or no longer) among them. */
function promptOptions(prompts: Prompt[], current: number | null): { value: string; text: string }[] {
  const options = [{ value: "", text: prompts.length ? "— choose a prompt —" : "— no prompts yet —" }, ...prompts.map((prompt) => ({ value: String(prompt.id), text: `${prompt.name} (${(prompt.duration_ms / 1000).toFixed(1)} s)` }))];
  if (current !== null && !prompts.some((prompt) => prompt.id === current)) options.push({ value: String(current), text: `prompt #${current} (not found)` });
  return options;
}
