// A list of step cards: each card's title, its move and remove buttons and
// its fields; then buttons that add a step of each type the list takes.
import { h, uid } from "../../dom";
import { newStep, TOP_STEPS, type Draft, type StepType } from "./drafts";
import type { FocusTarget, StepEditing } from "./editing";
import { stepTitle } from "./paths";
import { stepFields } from "./stepFields";

const STEP_TEXT: Record<StepType, { title: string; add: string }> = {
  say: { title: "Say", add: "Say" },
  play: { title: "Play a prompt", add: "Play prompt" },
  pause: { title: "Pause", add: "Pause" },
  gather: { title: "Keypress menu", add: "Keypress menu" },
  opt_out: { title: "Opt out", add: "Opt out" },
  hangup: { title: "Hang up", add: "Hang up" },
};

/** A list of steps: its cards, then buttons that add a step of each type it takes. */
export function stepList(editing: StepEditing, list: Draft[], path: string, listTitle: string, groupLabel: string, types: StepType[], ownSlot = true): HTMLElement {
  const cards = list.map((_, index) => stepCard(editing, list, index, `${path}[${index}]`, listTitle));
  return h(
    "div",
    { class: "script-list", role: "group", "aria-label": groupLabel, "data-list": path },
    ownSlot ? h("p", { class: "field-error", "data-error-for": path, hidden: true }) : null,
    cards.length ? h("ol", { class: "script-steps" }, cards) : h("p", { class: "muted empty-list" }, "No steps."),
    editing.readOnly ? null : addButtons(editing, list, path, groupLabel, types),
  );
}

function addButtons(editing: StepEditing, list: Draft[], path: string, groupLabel: string, types: StepType[]): HTMLElement {
  return h(
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
            list.push(newStep(type, editing.prompts));
            editing.restructure({ path: `${path}[${list.length - 1}]`, what: "first" });
          },
        },
        h("span", { "aria-hidden": "true" }, "+ "),
        STEP_TEXT[type].add,
      ),
    ),
  );
}

function stepCard(editing: StepEditing, list: Draft[], index: number, path: string, listTitle: string): HTMLElement {
  const step = list[index];
  const known = (TOP_STEPS as string[]).includes(step.type);
  const title = stepTitle(listTitle, index);
  const titleId = uid("step");
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
        editing.readOnly ? null : stepActions(editing, list, index, path, title),
      ),
      h("p", { class: "field-error", "data-error-for": path, hidden: true }),
      h("div", { class: "step-body" }, stepFields(editing, step, path, title)),
    ),
  );
}

/** Move the step up or down its list, or remove it. */
function stepActions(editing: StepEditing, list: Draft[], index: number, path: string, title: string): HTMLElement {
  const move = (by: number, direction: "up" | "down") => {
    const [moved] = list.splice(index, 1);
    list.splice(index + by, 0, moved);
    editing.restructure({ path: path.replace(/\[\d+\]$/, `[${index + by}]`), what: direction });
  };
  const remove = () => {
    list.splice(index, 1);
    if (list.length) editing.restructure({ path: path.replace(/\[\d+\]$/, `[${Math.min(index, list.length - 1)}]`), what: "title" });
    else editing.restructure({ path: path.replace(/\[\d+\]$/, ""), what: "add" });
  };
  return h(
    "div",
    { class: "step-actions" },
    h("button", { type: "button", "data-move": "up", disabled: index === 0, "aria-label": `Move ${title.toLowerCase()} up`, title: "Move up", onclick: () => move(-1, "up") }, "↑"),
    h("button", { type: "button", "data-move": "down", disabled: index === list.length - 1, "aria-label": `Move ${title.toLowerCase()} down`, title: "Move down", onclick: () => move(1, "down") }, "↓"),
    h("button", { type: "button", class: "danger", "aria-label": `Remove ${title.toLowerCase()}`, onclick: remove }, "Remove"),
  );
}

/** After a redraw: the focus on the card's control that `focus` names (or its list's first add button). */
export function focusAfterRender(structured: HTMLElement, focus: FocusTarget): void {
  const { path, what } = focus;
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
