// A keypress menu's card: its answer name and key settings, the prompt it
// plays, one branch of steps per key, and what plays otherwise.
import { h } from "../../dom";
import { input } from "../../forms";
import { numberInput, stepField } from "./controls";
import { BRANCH_STEPS, SPOKEN_STEPS, type Branch, type Draft } from "./drafts";
import type { StepEditing } from "./editing";

/** Keys offered, in this order, for a new branch. */
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];

export function gatherFields(editing: StepEditing, step: Draft, path: string, title: string): HTMLElement[] {
  const prompt = (step.prompt ??= []) as Draft[];
  const branches = (step.branches ??= []) as Branch[];
  const otherwise = (step.otherwise ??= []) as Draft[];
  return [
    settings(editing, step, path),
    h("div", { class: "nested" }, h("h4", null, "Prompt"), editing.stepList(prompt, `${path}.prompt`, "Prompt", `${title}: prompt`, SPOKEN_STEPS)),
    h(
      "div",
      { class: "nested" },
      h("h4", null, "Keys"),
      h("p", { class: "field-error", "data-error-for": `${path}.branches`, hidden: true }),
      branches.length ? branches.map((_, index) => branchBox(editing, branches, index, path, title)) : h("p", { class: "muted empty-list" }, "No keys yet: every answer goes to “otherwise”."),
      editing.readOnly ? null : addKeyButton(editing, branches, path),
    ),
    h("div", { class: "nested" }, h("h4", null, "Otherwise"), h("p", { class: "hint" }, "After the last try without a branch's keys."), editing.stepList(otherwise, `${path}.otherwise`, "Otherwise", `${title}: otherwise`, BRANCH_STEPS)),
  ];
}

/** The answer's name, how many digits, how long to wait, how many tries, and the finish key. */
function settings(editing: StepEditing, step: Draft, path: string): HTMLElement {
  const name = input(`${path}.name`, { value: step.name ?? "", placeholder: "confirm", autocomplete: "off", spellcheck: "false" });
  name.addEventListener("input", () => (step.name = name.value));
  const finish = input(`${path}.finish_on_key`, { value: step.finish_on_key ?? "", placeholder: "none", maxlength: 1, autocomplete: "off" });
  finish.addEventListener("input", () => (step.finish_on_key = finish.value.trim() || null));
  return h(
    "div",
    { class: "row" },
    stepField(editing, "Answer name", name, "Lowercase letters, digits and _; the report counts the keys under it."),
    stepField(editing, "Max digits", numberInput(step, "max_digits", path, { min: 1, max: 20 })),
    stepField(editing, "Wait for keys (s)", numberInput(step, "timeout_secs", path, { min: 1, max: 60 })),
    stepField(editing, "Tries", numberInput(step, "attempts", path, { min: 1, max: 5 }), "Asked again when no key, or no branch's keys, are pressed."),
    stepField(editing, "Finish key", finish, "e.g. #; none: max digits end it."),
  );
}

/** One key: the keys pressed, and the steps that follow them. */
function branchBox(editing: StepEditing, branches: Branch[], index: number, path: string, title: string): HTMLElement {
  const branch = branches[index];
  const branchPath = `${path}.branches.${branch.key}`;
  const key = input(branchPath, { value: branch.key, "data-branch-key": "", class: "key-input", autocomplete: "off", spellcheck: "false", inputmode: "numeric", maxlength: 8 });
  key.addEventListener("change", () => {
    branch.key = key.value.trim();
    // Paths and titles name the key: redrawn once the focus has moved on, and put back where it went.
    window.setTimeout(() => editing.renderKeepingFocus());
  });
  const remove = editing.readOnly
    ? null
    : h(
        "button",
        {
          type: "button",
          class: "danger",
          "aria-label": `Remove key ${branch.key} of ${title.toLowerCase()}`,
          onclick: () => {
            branches.splice(index, 1);
            editing.restructure({ path, what: "title" });
          },
        },
        "Remove key",
      );
  return h(
    "div",
    { class: "branch" },
    h("div", { class: "branch-head" }, stepField(editing, "When the caller presses", key), remove),
    editing.stepList(branch.steps, branchPath, `Key ${branch.key}`, `${title}: key ${branch.key}`, BRANCH_STEPS, false),
  );
}

function addKeyButton(editing: StepEditing, branches: Branch[], path: string): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      "data-add-key": "",
      onclick: () => {
        const used = new Set(branches.map((branch) => branch.key));
        const key = KEYS.find((candidate) => !used.has(candidate)) ?? "";
        branches.push({ key, steps: [{ type: "say", text: "" }] });
        editing.restructure({ path, what: "key" });
        // The new key's input, not the first.
        const inputs = editing.structured.querySelectorAll<HTMLInputElement>(`[data-path="${CSS.escape(path)}"] input[data-branch-key]`);
        inputs[inputs.length - 1]?.focus();
      },
    },
    h("span", { "aria-hidden": "true" }, "+ "),
    "Add a key",
  );
}
