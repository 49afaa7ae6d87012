// The call-script editor: the script's body as step cards (add, remove,
// reorder; a gather's prompt, keys and "otherwise" nested inside it), or as
// raw JSON for power users. Each control is named by its JSON path in the
// request ("body.steps[1].prompt_id"), so that the API's field errors land
// next to what they are about. The cards, the drafts they edit, the paths
// and the previews are modules of views/scriptEditor/.
import { ApiError, isObject, type OnMachine, type Prompt, type ScriptBody } from "../api";
import { h, replace, uid } from "../dom";
import { field, input, select } from "../forms";
import { fromDrafts, SPOKEN_STEPS, toDrafts, TOP_STEPS, unfinished, unknownKeys } from "./scriptEditor/drafts";
import type { FocusTarget, StepEditing } from "./scriptEditor/editing";
import { errorSummary, placeErrors } from "./scriptEditor/errors";
import { focusAfterRender, stepList } from "./scriptEditor/stepCards";

export { emptyScript, stepCount } from "./scriptEditor/drafts";

export const ON_MACHINE: Record<OnMachine, string> = {
  continue: "Play the script anyway",
  hangup: "Hang up",
  leave_message: "Leave a message after the beep",
};

/** espeak-ng voices people ask for most; any other espeak-ng voice name works too. */
const VOICES = ["en", "en-us", "en-gb", "en-gb-scotland", "fr-fr", "de", "es", "es-419", "it", "pt", "pt-br", "nl", "pl", "sv", "da", "nb", "fi", "cs", "ru", "tr", "el", "ar", "hi", "zh", "ja"];

export interface ScriptEditor {
  element: HTMLElement;
  /** The body to send: the step editor's, or the JSON as typed; throws an ApiError for JSON that does not parse. */
  body(): unknown;
  /** An API error with its `body.*` fields moved to the slots this editor shows (others untouched). */
  placeErrors(error: unknown): unknown;
  /** The error's `body.*` fields as a list whose items take the focus to what they are about; null: none (or JSON shown). */
  errorSummary(error: unknown): HTMLElement | null;
  /** Forgets the audio made for previews. */
  dispose(): void;
}

export function scriptEditor(initial: ScriptBody, prompts: Prompt[], readOnly: boolean): ScriptEditor {
  let steps = toDrafts(initial.steps, "steps");
  let voicemail = toDrafts(initial.voicemail, "voicemail");
  /** Keys of a body that this editor does not know: kept as they are. */
  let rest = unknownKeys(initial);
  const blobUrls: string[] = [];

  const voice = input("body.voice", { value: initial.voice ?? "", list: uid("voices"), placeholder: "server default", autocomplete: "off", spellcheck: "false", disabled: readOnly });
  const voices = h("datalist", { id: voice.getAttribute("list") }, VOICES.map((name) => h("option", { value: name })));
  const onMachine = select(
    "body.on_machine",
    Object.entries(ON_MACHINE).map(([value, text]) => ({ value, text })),
    initial.on_machine ?? "continue",
    { disabled: readOnly },
  );
  const structured = h("div", { class: "script-structured" });
  const bodySlot = h("p", { class: "field-error body-error", id: uid("body-error"), "data-error-for": "body", hidden: true });
  const json = h("textarea", { id: uid("json"), name: "body", class: "json", rows: 22, spellcheck: "false", "aria-describedby": bodySlot.id, readonly: readOnly });
  const jsonBox = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: json.id }, "Script body (JSON)"),
    json,
    readOnly ? null : h("p", { class: "hint" }, "The body as the API takes it. Switching back to the steps checks its shape; saving sends it as it is."),
  );
  const toggleText = (showingJson: boolean) => (readOnly ? (showingJson ? "Show as steps" : "Show JSON") : showingJson ? "Edit as steps" : "Edit as JSON");
  const jsonToggle = h("button", { type: "button", "aria-pressed": "false", "data-testid": "json-toggle" }, toggleText(false));
  const toggleError = h("p", { class: "field-error", role: "alert", hidden: true });

  function currentBody(): ScriptBody {
    const machine = onMachine.value as OnMachine;
    return {
      ...rest,
      voice: voice.value.trim() || null,
      on_machine: machine,
      // What is hidden is not saved: voicemail only when leaving a message.
      voicemail: machine === "leave_message" ? fromDrafts(voicemail) : [],
      steps: fromDrafts(steps),
    };
  }

  function jsonMode(): boolean {
    return !jsonBox.hidden;
  }

  function showJson(): void {
    json.value = JSON.stringify(currentBody(), null, 2);
    jsonBox.hidden = false;
    structured.hidden = true;
    settings.hidden = true;
    jsonToggle.setAttribute("aria-pressed", "true");
    jsonToggle.textContent = toggleText(true);
    json.focus();
  }

  /** Back to the step cards, once the JSON reads as a script body. */
  function showSteps(): void {
    try {
      readJson(JSON.parse(json.value));
    } catch (error) {
      toggleError.textContent = `Fix the JSON first: ${(error as Error).message}`;
      toggleError.hidden = false;
      json.focus();
      return;
    }
    jsonBox.hidden = true;
    structured.hidden = false;
    settings.hidden = false;
    jsonToggle.setAttribute("aria-pressed", "false");
    jsonToggle.textContent = toggleText(false);
    render();
    jsonToggle.focus();
  }

  /** Takes the steps and settings of a body typed as JSON; throws (changing nothing) when its shape is wrong. */
  function readJson(parsed: unknown): void {
    if (!isObject(parsed)) throw new Error("the body must be a JSON object");
    const nextSteps = toDrafts(parsed.steps, "steps");
    const nextVoicemail = toDrafts(parsed.voicemail, "voicemail");
    steps = nextSteps;
    voicemail = nextVoicemail;
    rest = unknownKeys(parsed);
    voice.value = typeof parsed.voice === "string" ? parsed.voice : "";
    const machine = typeof parsed.on_machine === "string" ? parsed.on_machine : "continue";
    if (![...onMachine.options].some((option) => option.value === machine)) onMachine.append(h("option", { value: machine }, machine));
    onMachine.value = machine;
  }

  jsonToggle.addEventListener("click", () => {
    toggleError.hidden = true;
    if (jsonMode()) showSteps();
    else showJson();
  });

  // ---- rendering the steps

  /** Where the focus goes after the next render. */
  let focusNext: FocusTarget | null = null;

  const editing: StepEditing = {
    readOnly,
    prompts,
    structured,
    voice: () => voice.value.trim(),
    keepUrl: (url) => blobUrls.push(url),
    restructure(focus) {
      focusNext = focus;
      render();
    },
    renderKeepingFocus() {
      const focusable = () => [...structured.querySelectorAll<HTMLElement>("input, select, textarea, button, [tabindex]")];
      const at = focusable().indexOf(document.activeElement as HTMLElement);
      render();
      if (at >= 0) focusable()[at]?.focus();
    },
    stepList: (list, path, listTitle, groupLabel, types, ownSlot) => stepList(editing, list, path, listTitle, groupLabel, types, ownSlot),
  };

  function render(): void {
    replace(structured, stepList(editing, steps, "body.steps", "", "Steps", TOP_STEPS), onMachine.value === "leave_message" ? voicemailSteps() : null);
    if (!focusNext) return;
    const focus = focusNext;
    focusNext = null;
    focusAfterRender(structured, focus);
  }

  function voicemailSteps(): HTMLElement {
    return h(
      "div",
      { class: "voicemail" },
      h("h3", null, "Message left on an answering machine"),
      h("p", { class: "hint" }, "Played after the beep, instead of the steps above."),
      stepList(editing, voicemail, "body.voicemail", "Voicemail", "Voicemail", SPOKEN_STEPS),
    );
  }

  onMachine.addEventListener("change", () => render());
  render();

  // In the JSON, these are "on_machine" and "voice".
  const settings = h(
    "div",
    { class: "row" },
    field("When an answering machine picks up", onMachine),
    h("div", null, field("Voice", voice, "An espeak-ng voice, e.g. en-us or fr-fr; empty: the server's default."), voices),
  );
  const element = h(
    "div",
    { class: "script-editor" },
    settings,
    h("div", { class: "section-head editor-head" }, h("h3", null, "What the call plays"), jsonToggle),
    placeholderHelp(),
    toggleError,
    bodySlot,
    structured,
    jsonBox,
  );

  function body(): unknown {
    if (!jsonMode()) {
      const body = currentBody();
      // What the API cannot say at its place (it would stop at the first): checked here.
      const problems: Record<string, string> = {};
      unfinished(steps, "body.steps", problems);
      if (body.on_machine === "leave_message") unfinished(voicemail, "body.voicemail", problems);
      if (Object.keys(problems).length) throw new ApiError(400, "validation", "Finish these steps first.", problems);
      return body;
    }
    try {
      return JSON.parse(json.value);
    } catch (error) {
      throw new ApiError(400, "validation", "The script's JSON does not parse.", { body: (error as Error).message });
    }
  }

  return {
    element,
    body,
    placeErrors: (error) => placeErrors(element, jsonMode, error),
    errorSummary: (error) => errorSummary(element, jsonMode, error),
    dispose: () => blobUrls.splice(0).forEach((url) => URL.revokeObjectURL(url)),
  };
}

/** How say steps take the contact's details. */
function placeholderHelp(): HTMLElement {
  return h(
    "p",
    { class: "hint" },
    "Steps play in order once someone answers. Say steps are spoken by text-to-speech: ",
    h("code", null, "{{name}}"),
    " takes the contact's tag column of that name (kept at the import), ",
    h("code", null, "{{name|there}}"),
    " says “there” when it is empty, ",
    h("code", null, "{{code:digits}}"),
    " reads digit by digit, ",
    h("code", null, "{{phone}}"),
    " is the number called. Listen reads a tag as its name (or its fallback).",
  );
}
