// The call-script editor: the script's body as step cards (add, remove,
// reorder; a gather's prompt, keys and "otherwise" nested inside it), or as
// raw JSON for power users. Each control is named by its JSON path in the
// request ("body.steps[1].prompt_id"), so that the API's field errors land
// next to what they are about.
import { API, ApiError, fetchBlob, type OnMachine, type Prompt, type ScriptBody, type ScriptStep } from "../api";
import { h, label, replace, uid } from "../dom";
import { field, input, select } from "../forms";

/** A step as the editor holds it: the API's step, with a gather's branches as an ordered list. */
type Draft = { type: string; [key: string]: unknown };
interface Branch {
  key: string;
  steps: Draft[];
}
type StepType = "say" | "play" | "pause" | "gather" | "opt_out" | "hangup";

const STEP_TEXT: Record<StepType, { title: string; add: string }> = {
  say: { title: "Say", add: "Say" },
  play: { title: "Play a prompt", add: "Play prompt" },
  pause: { title: "Pause", add: "Pause" },
  gather: { title: "Keypress menu", add: "Keypress menu" },
  opt_out: { title: "Opt out", add: "Opt out" },
  hangup: { title: "Hang up", add: "Hang up" },
};

/** Steps a list may take: menus only at the top (one level of nesting is enough). */
const TOP_STEPS: StepType[] = ["say", "play", "pause", "gather", "opt_out", "hangup"];
const BRANCH_STEPS: StepType[] = ["say", "play", "pause", "opt_out", "hangup"];
const SPOKEN_STEPS: StepType[] = ["say", "play", "pause"];

export const ON_MACHINE: Record<OnMachine, string> = {
  continue: "Play the script anyway",
  hangup: "Hang up",
  leave_message: "Leave a message after the beep",
};

/** espeak-ng voices people ask for most; any other espeak-ng voice name works too. */
const VOICES = ["en", "en-us", "en-gb", "en-gb-scotland", "fr-fr", "de", "es", "es-419", "it", "pt", "pt-br", "nl", "pl", "sv", "da", "nb", "fi", "cs", "ru", "tr", "el", "ar", "hi", "zh", "ja"];

/** `{{name}}`, `{{name|fallback}}`, `{{name:digits}}` (Herald's `say` templates). */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------- body ⇄ drafts

function toDrafts(raw: unknown, where: string): Draft[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${where} must be a list of steps`);
  return raw.map((step, index) => toDraft(step, `${where}[${index}]`));
}

function toDraft(raw: unknown, where: string): Draft {
  if (!isObject(raw) || typeof raw.type !== "string") throw new Error(`${where} must be an object with a "type"`);
  const draft: Draft = { ...raw, type: raw.type };
  if (raw.type === "gather") {
    const branches = raw.branches ?? {};
    if (!isObject(branches)) throw new Error(`${where}.branches must map keys to steps`);
    draft.prompt = toDrafts(raw.prompt, `${where}.prompt`);
    draft.branches = Object.entries(branches).map(([key, steps]): Branch => ({ key, steps: toDrafts(steps, `${where}.branches.${key}`) }));
    draft.otherwise = toDrafts(raw.otherwise, `${where}.otherwise`);
  }
  return draft;
}

function fromDrafts(drafts: Draft[]): ScriptStep[] {
  return drafts.map(fromDraft);
}

function fromDraft(draft: Draft): ScriptStep {
  if (draft.type !== "gather") return { ...draft } as ScriptStep;
  const branches: Record<string, ScriptStep[]> = {};
  for (const branch of draft.branches as Branch[]) branches[branch.key] = fromDrafts(branch.steps);
  return { ...draft, prompt: fromDrafts(draft.prompt as Draft[]), branches, otherwise: fromDrafts(draft.otherwise as Draft[]) } as ScriptStep;
}

function newStep(type: StepType, prompts: Prompt[]): Draft {
  switch (type) {
    case "say":
      return { type, text: "" };
    case "play":
      return { type, prompt_id: prompts.length === 1 ? prompts[0].id : null };
    case "pause":
      return { type, ms: 500 };
    case "gather":
      return { type, name: "", prompt: [{ type: "say", text: "" }], max_digits: 1, timeout_secs: 5, attempts: 2, finish_on_key: null, branches: [], otherwise: [] };
    default:
      return { type };
  }
}

/** A new script: say something, then hang up. */
export function emptyScript(): ScriptBody {
  return { voice: null, on_machine: "continue", voicemail: [], steps: [{ type: "say", text: "" }, { type: "hangup" }] };
}

/** The number of steps a script plays at its top level (what the list of scripts shows). */
export function stepCount(body: ScriptBody | null | undefined): number {
  return Array.isArray(body?.steps) ? body.steps.length : 0;
}

// ---------------------------------------------------------------- paths

/**
 * "body.steps[2].branches.1[0].prompt_id" → "Step 3 › key 1 › step 1 › prompt":
 * where an API error points, as the editor's titles name it.
 */
export function describePath(path: string): string {
  const tokens = [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((found) => (found[1] !== undefined ? Number(found[1]) : found[2]));
  const parts: string[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const next = tokens[index + 1];
    if (token === "body" && index === 0) continue;
    if (typeof token === "number") {
      parts.push(`step ${token + 1}`);
      continue;
    }
    if (token === "steps" && typeof next === "number") continue;
    if (token === "branches" && next !== undefined && typeof next === "string") {
      parts.push(`key ${next}`);
      index++;
      continue;
    }
    const names: Record<string, string> = { prompt_id: "prompt", ms: "length (ms)", timeout_secs: "timeout", finish_on_key: "finish key", on_machine: "answering machine", voicemail: "voicemail", steps: "steps" };
    parts.push(names[token] ?? label(token));
  }
  const text = parts.join(" › ") || "script";
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The path one level up: "a.b[1].c" → "a.b[1]" → "a.b" → "a" → null. */
function parentPath(path: string): string | null {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
  return cut > 0 ? path.slice(0, cut) : null;
}

/** A step's title, numbered within its list: "Step 2", "Key 1 step 1", "Prompt step 1". */
function stepTitle(listTitle: string, index: number): string {
  return listTitle ? `${listTitle} step ${index + 1}` : `Step ${index + 1}`;
}

// ---------------------------------------------------------------- listening

/** A "Listen" button with its player and what went wrong, if anything. */
function listenControl(what: string, source: () => Promise<string | null>): HTMLElement {
  const audio = h("audio", { controls: true, hidden: true, preload: "auto", "aria-label": `${what}: playback` });
  const problem = h("span", { class: "field-error listen-error", role: "status" });
  const button = h("button", { type: "button", class: "listen", "aria-label": `Listen to ${what}` }, h("span", { "aria-hidden": "true" }, "▶"), " Listen");
  button.addEventListener("click", async () => {
    problem.textContent = "";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const url = await source();
      if (!url) return;
      audio.src = url;
      audio.hidden = false;
      await audio.play().catch(() => undefined);
    } catch (error) {
      problem.textContent = error instanceof ApiError && error.code === "unavailable" ? `No text-to-speech on the server: ${error.message}` : error instanceof Error ? error.message : String(error);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return h("div", { class: "listen-box" }, button, audio, problem);
}

/**
 * The text a preview speaks: each placeholder as its fallback, or else as its
 * name ("Hello {{first_name}}" → "Hello first name"); a call fills them from
 * the contact.
 */
export function previewText(text: string): string {
  return text.replace(PLACEHOLDER, (_, inside: string) => {
    const [head, fallback] = inside.split("|", 2).map((part) => part.trim());
    if (fallback) return fallback;
    return head.replace(/:digits$/, "").replace(/[_.-]+/g, " ").trim();
  });
}

// ---------------------------------------------------------------- the editor

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

  jsonToggle.addEventListener("click", () => {
    toggleError.hidden = true;
    if (!jsonMode()) {
      json.value = JSON.stringify(currentBody(), null, 2);
      jsonBox.hidden = false;
      structured.hidden = true;
      settings.hidden = true;
      jsonToggle.setAttribute("aria-pressed", "true");
      jsonToggle.textContent = toggleText(true);
      json.focus();
      return;
    }
    try {
      const parsed: unknown = JSON.parse(json.value);
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
  });

  // ---- rendering the steps

  /** Where the focus goes after the next render: a step card (by path) and which of its controls. */
  let focusNext: { path: string; what: "first" | "up" | "down" | "title" | "key" | "add" } | null = null;

  function restructure(focus: typeof focusNext): void {
    focusNext = focus;
    render();
  }

  /** Redraws the steps with the focus on the same control (the structure is unchanged: only names changed). */
  function renderKeepingFocus(): void {
    const focusable = () => [...structured.querySelectorAll<HTMLElement>("input, select, textarea, button, [tabindex]")];
    const at = focusable().indexOf(document.activeElement as HTMLElement);
    render();
    if (at >= 0) focusable()[at]?.focus();
  }

  function render(): void {
    const machine = onMachine.value;
    replace(
      structured,
      stepList(steps, "body.steps", "", "Steps", TOP_STEPS),
      machine === "leave_message"
        ? h(
            "div",
            { class: "voicemail" },
            h("h3", null, "Message left on an answering machine"),
            h("p", { class: "hint" }, "Played after the beep, instead of the steps above."),
            stepList(voicemail, "body.voicemail", "Voicemail", "Voicemail", SPOKEN_STEPS),
          )
        : null,
    );
    if (!focusNext) return;
    const { path, what } = focusNext;
    focusNext = null;
    if (what === "add") {
      structured.querySelector<HTMLElement>(`[data-list="${CSS.escape(path)}"] > .add-step button`)?.focus();
      return;
    }
    const card = structured.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
    if (!card) return;
    const controls = {
      first: () => card.querySelector<HTMLElement>(".step-body input, .step-body select, .step-body textarea") ?? card.querySelector<HTMLElement>(".step-title"),
      up: () => card.querySelector<HTMLButtonElement>(".step-head [data-move='up']:not(:disabled)") ?? card.querySelector<HTMLElement>(".step-head [data-move='down']"),
      down: () => card.querySelector<HTMLButtonElement>(".step-head [data-move='down']:not(:disabled)") ?? card.querySelector<HTMLElement>(".step-head [data-move='up']"),
      title: () => card.querySelector<HTMLElement>(".step-title"),
      key: () => card.querySelector<HTMLElement>("input[data-branch-key]"),
    };
    (controls[what]() ?? card.querySelector<HTMLElement>(".step-title"))?.focus();
  }

  /** A list of steps: its cards, then buttons that add a step of each type it takes. */
  function stepList(list: Draft[], path: string, listTitle: string, groupLabel: string, types: StepType[], ownSlot = true): HTMLElement {
    const cards = list.map((_, index) => stepCard(list, index, `${path}[${index}]`, listTitle));
    return h(
      "div",
      { class: "script-list", role: "group", "aria-label": groupLabel, "data-list": path },
      ownSlot ? h("p", { class: "field-error", "data-error-for": path, hidden: true }) : null,
      cards.length ? h("ol", { class: "script-steps" }, cards) : h("p", { class: "muted empty-list" }, "No steps."),
      readOnly
        ? null
        : h(
            "div",
            { class: "add-step", role: "group", "aria-label": `Add a step to ${groupLabel.toLowerCase()}` },
            h("span", { class: "hint", "aria-hidden": "true" }, "Add:"),
            types.map((type) =>
              h(
                "button",
                {
                  type: "button",
                  "data-add": type,
                  onclick: () => {
                    list.push(newStep(type, prompts));
                    restructure({ path: `${path}[${list.length - 1}]`, what: "first" });
                  },
                },
                h("span", { "aria-hidden": "true" }, "+ "),
                STEP_TEXT[type].add,
              ),
            ),
          ),
    );
  }

  function stepCard(list: Draft[], index: number, path: string, listTitle: string): HTMLElement {
    const step = list[index];
    const known = (TOP_STEPS as string[]).includes(step.type);
    const title = stepTitle(listTitle, index);
    const titleId = uid("step");
    const move = (by: number, direction: "up" | "down") => {
      const [moved] = list.splice(index, 1);
      list.splice(index + by, 0, moved);
      restructure({ path: path.replace(/\[\d+\]$/, `[${index + by}]`), what: direction });
    };
    const remove = () => {
      list.splice(index, 1);
      if (list.length) restructure({ path: path.replace(/\[\d+\]$/, `[${Math.min(index, list.length - 1)}]`), what: "title" });
      else restructure({ path: path.replace(/\[\d+\]$/, ""), what: "add" });
    };
    const actions = readOnly
      ? null
      : h(
          "div",
          { class: "step-actions" },
          h("button", { type: "button", "data-move": "up", disabled: index === 0, "aria-label": `Move ${title.toLowerCase()} up`, title: "Move up", onclick: () => move(-1, "up") }, "↑"),
          h("button", { type: "button", "data-move": "down", disabled: index === list.length - 1, "aria-label": `Move ${title.toLowerCase()} down`, title: "Move down", onclick: () => move(1, "down") }, "↓"),
          h("button", { type: "button", class: "danger", "aria-label": `Remove ${title.toLowerCase()}`, onclick: remove }, "Remove"),
        );
    return h(
      "li",
      { class: `script-step step-${known ? step.type : "unknown"}`, "data-path": path, "data-type": step.type },
      h(
        "div",
        { role: "group", "aria-labelledby": titleId },
        h(
          "div",
          { class: "step-head" },
          h("span", { class: "step-title", id: titleId, tabindex: "-1" }, `${title} · `, h("strong", null, known ? STEP_TEXT[step.type as StepType].title : `“${step.type}”`)),
          actions,
        ),
        h("p", { class: "field-error", "data-error-for": path, hidden: true }),
        h("div", { class: "step-body" }, stepFields(step, path, title)),
      ),
    );
  }

  /** A labelled control of a step, named by its path (its error slot follows it). */
  function stepField(text: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
    if (readOnly) control.disabled = true;
    return field(text, control, hint);
  }

  /**
   * `step[key]` as typed: a number (the API says when it is out of range);
   * left empty, the key is left out (Herald's default) or, with `required`, null.
   */
  function numberInput(step: Draft, key: string, path: string, attrs: Record<string, unknown>, required = false): HTMLInputElement {
    const control = input(`${path}.${key}`, { type: "number", value: step[key] ?? "", inputmode: "numeric", placeholder: required ? "" : "default", ...attrs });
    control.addEventListener("input", () => {
      const value = control.value.trim();
      if (value === "" && !required) delete step[key];
      else step[key] = value === "" ? null : Number(value);
    });
    return control;
  }

  function stepFields(step: Draft, path: string, title: string): HTMLElement[] {
    switch (step.type) {
      case "say": {
        const text = h("textarea", { name: `${path}.text`, rows: 2, value: typeof step.text === "string" ? step.text : String(step.text ?? "") });
        text.addEventListener("input", () => (step.text = text.value));
        // The speech preview is for those who write scripts (managers).
        if (readOnly) return [stepField("Text", text)];
        const listen = listenControl(title.toLowerCase(), async () => {
          if (!text.value.trim()) throw new Error("Write the text first.");
          const blob = await fetchBlob("POST", "/speech/preview", { text: previewText(text.value), voice: voice.value.trim() || undefined });
          const url = URL.createObjectURL(blob);
          blobUrls.push(url);
          return url;
        });
        return [stepField("Text", text), listen];
      }
      case "play": {
        const current = typeof step.prompt_id === "number" ? step.prompt_id : null;
        const options = [{ value: "", text: prompts.length ? "— choose a prompt —" : "— no prompts yet —" }, ...prompts.map((prompt) => ({ value: String(prompt.id), text: `${prompt.name} (${(prompt.duration_ms / 1000).toFixed(1)} s)` }))];
        if (current !== null && !prompts.some((prompt) => prompt.id === current)) options.push({ value: String(current), text: `prompt #${current} (not found)` });
        const prompt = select(`${path}.prompt_id`, options, current === null ? "" : String(current));
        prompt.addEventListener("change", () => (step.prompt_id = prompt.value ? Number(prompt.value) : null));
        return [
          stepField("Prompt", prompt, prompts.length ? undefined : "Upload one on the Prompts page."),
          listenControl(title.toLowerCase(), async () => {
            if (!prompt.value) throw new Error("Choose a prompt first.");
            return `${API}/prompts/${prompt.value}/audio`;
          }),
        ];
      }
      case "pause":
        return [h("div", { class: "row narrow-row" }, stepField("Length (ms)", numberInput(step, "ms", path, { min: 1, max: 30000, step: 100 }, true)))];
      case "gather":
        return gatherFields(step, path, title);
      case "opt_out":
        return [h("p", { class: "hint" }, "Records that the contact asked not to be called again: their number is opted out, and the report counts it.")];
      case "hangup":
        return [h("p", { class: "hint" }, "Ends the call here; nothing after it is played.")];
      default:
        return [h("p", { class: "hint" }, readOnly ? "A step this editor does not know, as JSON:" : "A step this editor does not know: edit it as JSON."), h("pre", { class: "mono step-raw" }, JSON.stringify(step, null, 2))];
    }
  }

  function gatherFields(step: Draft, path: string, title: string): HTMLElement[] {
    const name = input(`${path}.name`, { value: step.name ?? "", placeholder: "confirm", autocomplete: "off", spellcheck: "false" });
    name.addEventListener("input", () => (step.name = name.value));
    const finish = input(`${path}.finish_on_key`, { value: step.finish_on_key ?? "", placeholder: "none", maxlength: 1, autocomplete: "off" });
    finish.addEventListener("input", () => (step.finish_on_key = finish.value.trim() || null));
    const prompt = (step.prompt ??= []) as Draft[];
    const branches = (step.branches ??= []) as Branch[];
    const otherwise = (step.otherwise ??= []) as Draft[];
    const lower = title.toLowerCase();
    const branchBoxes = branches.map((branch, index) => {
      const branchPath = `${path}.branches.${branch.key}`;
      const key = input(branchPath, { value: branch.key, "data-branch-key": "", class: "key-input", autocomplete: "off", spellcheck: "false", inputmode: "numeric", maxlength: 8 });
      key.addEventListener("change", () => {
        branch.key = key.value.trim();
        // Paths and titles name the key: redrawn once the focus has moved on, and put back where it went.
        window.setTimeout(renderKeepingFocus);
      });
      return h(
        "div",
        { class: "branch" },
        h(
          "div",
          { class: "branch-head" },
          stepField("When the caller presses", key),
          readOnly
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "aria-label": `Remove key ${branch.key} of ${lower}`,
                  onclick: () => {
                    branches.splice(index, 1);
                    restructure({ path, what: "title" });
                  },
                },
                "Remove key",
              ),
        ),
        stepList(branch.steps, branchPath, `Key ${branch.key}`, `${title}: key ${branch.key}`, BRANCH_STEPS, false),
      );
    });
    const addKey = readOnly
      ? null
      : h(
          "button",
          {
            type: "button",
            "data-add-key": "",
            onclick: () => {
              const used = new Set(branches.map((branch) => branch.key));
              const key = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"].find((candidate) => !used.has(candidate)) ?? "";
              branches.push({ key, steps: [{ type: "say", text: "" }] });
              restructure({ path, what: "key" });
              // The new key's input, not the first.
              const inputs = structured.querySelectorAll<HTMLInputElement>(`[data-path="${CSS.escape(path)}"] input[data-branch-key]`);
              inputs[inputs.length - 1]?.focus();
            },
          },
          h("span", { "aria-hidden": "true" }, "+ "),
          "Add a key",
        );
    return [
      h(
        "div",
        { class: "row" },
        stepField("Answer name", name, "Lowercase letters, digits and _; the report counts the keys under it."),
        stepField("Max digits", numberInput(step, "max_digits", path, { min: 1, max: 20 })),
        stepField("Wait for keys (s)", numberInput(step, "timeout_secs", path, { min: 1, max: 60 })),
        stepField("Tries", numberInput(step, "attempts", path, { min: 1, max: 5 }), "Asked again when no key, or no branch's keys, are pressed."),
        stepField("Finish key", finish, "e.g. #; none: max digits end it."),
      ),
      h("div", { class: "nested" }, h("h4", null, "Prompt"), stepList(prompt, `${path}.prompt`, "Prompt", `${title}: prompt`, SPOKEN_STEPS)),
      h(
        "div",
        { class: "nested" },
        h("h4", null, "Keys"),
        h("p", { class: "field-error", "data-error-for": `${path}.branches`, hidden: true }),
        branchBoxes.length ? branchBoxes : h("p", { class: "muted empty-list" }, "No keys yet: every answer goes to “otherwise”."),
        addKey,
      ),
      h("div", { class: "nested" }, h("h4", null, "Otherwise"), h("p", { class: "hint" }, "After the last try without a branch's keys."), stepList(otherwise, `${path}.otherwise`, "Otherwise", `${title}: otherwise`, BRANCH_STEPS)),
    ];
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
    h(
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
    ),
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

  const inBody = (path: string) => path === "body" || path.startsWith("body.") || path.startsWith("body[");

  /** The nearest error slot this editor shows for `path`: the field's, its step's, its list's, or the body's. */
  function slotFor(path: string): string {
    if (jsonMode()) return "body";
    let slot: string | null = path;
    while (slot && !element.querySelector(`[data-error-for="${CSS.escape(slot)}"]`)) slot = parentPath(slot);
    return slot ?? "body";
  }

  function placeErrors(error: unknown): unknown {
    if (!(error instanceof ApiError)) return error;
    const fields: Record<string, string> = {};
    for (const [path, message] of Object.entries(error.fields)) {
      const slot = inBody(path) ? slotFor(path) : path;
      const text = slot === path ? message : `${describePath(path)}: ${message}`;
      // One line each in the JSON's slot, which shows them all.
      fields[slot] = fields[slot] ? `${fields[slot]}${slot === "body" ? "\n" : "; "}${text}` : text;
    }
    return new ApiError(error.status, error.code, error.message, fields, error.request);
  }

  function errorSummary(error: unknown): HTMLElement | null {
    if (!(error instanceof ApiError) || jsonMode()) return null;
    const paths = Object.keys(error.fields).filter(inBody);
    if (!paths.length) return null;
    const target = (path: string): HTMLElement | null => {
      const slot = slotFor(path);
      return (
        element.querySelector<HTMLElement>(`[name="${CSS.escape(slot)}"]`) ??
        element.querySelector<HTMLElement>(`[data-path="${CSS.escape(slot)}"] .step-title`) ??
        element.querySelector<HTMLElement>(`[data-list="${CSS.escape(slot)}"] .add-step button`) ??
        element.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(slot)}"]`)
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

  return {
    element,
    body,
    placeErrors,
    errorSummary,
    dispose: () => blobUrls.splice(0).forEach((url) => URL.revokeObjectURL(url)),
  };
}

/** A body without the keys the editor edits. */
function unknownKeys(body: object): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...body };
  for (const key of ["steps", "voicemail", "voice", "on_machine"]) delete rest[key];
  return rest;
}

/**
 * Steps the API could not even read, at their paths: a prompt not chosen, a
 * pause without a length, a menu key used twice (the editor keeps branches
 * as a list, the API as an object). The API reports only the first of
 * these, and as a JSON decoding error; the rest it checks itself.
 */
function unfinished(list: Draft[], path: string, problems: Record<string, string>): void {
  for (const [index, step] of list.entries()) {
    const here = `${path}[${index}]`;
    if (step.type === "play" && typeof step.prompt_id !== "number") problems[`${here}.prompt_id`] = "choose a prompt";
    if (step.type === "pause" && (typeof step.ms !== "number" || !Number.isFinite(step.ms))) problems[`${here}.ms`] = "how long? a number of milliseconds";
    if (step.type !== "gather") continue;
    unfinished(step.prompt as Draft[], `${here}.prompt`, problems);
    const seen = new Set<string>();
    for (const branch of step.branches as Branch[]) {
      if (seen.has(branch.key)) problems[`${here}.branches.${branch.key}`] = "this key is taken by another branch";
      seen.add(branch.key);
      unfinished(branch.steps, `${here}.branches.${branch.key}`, problems);
    }
    unfinished(step.otherwise as Draft[], `${here}.otherwise`, problems);
  }
}
