// A call script's steps as the editor holds them ("drafts"): the API's
// steps, with a keypress menu's branches as an ordered list of keys; read
// from and written back to the body the API takes.
import { isObject, type Prompt, type ScriptBody, type ScriptStep } from "../../api";

/** A step as the editor holds it: the API's step, with a gather's branches as an ordered list. */
export type Draft = { type: string; [key: string]: unknown };

export interface Branch {
  key: string;
  steps: Draft[];
}

export type StepType = "say" | "play" | "pause" | "gather" | "opt_out" | "hangup";

/** Steps a list may take: menus only at the top (one level of nesting is enough). */
export const TOP_STEPS: StepType[] = ["say", "play", "pause", "gather", "opt_out", "hangup"];
export const BRANCH_STEPS: StepType[] = ["say", "play", "pause", "opt_out", "hangup"];
export const SPOKEN_STEPS: StepType[] = ["say", "play", "pause"];

export function toDrafts(raw: unknown, where: string): Draft[] {
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

export function fromDrafts(drafts: Draft[]): ScriptStep[] {
  return drafts.map(fromDraft);
}

function fromDraft(draft: Draft): ScriptStep {
  if (draft.type !== "gather") return { ...draft } as ScriptStep;
  const branches: Record<string, ScriptStep[]> = {};
  for (const branch of draft.branches as Branch[]) branches[branch.key] = fromDrafts(branch.steps);
  return { ...draft, prompt: fromDrafts(draft.prompt as Draft[]), branches, otherwise: fromDrafts(draft.otherwise as Draft[]) } as ScriptStep;
}

export function newStep(type: StepType, prompts: Prompt[]): Draft {
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

/** A body without the keys the editor edits. */
export function unknownKeys(body: object): Record<string, unknown> {
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
export function unfinished(list: Draft[], path: string, problems: Record<string, string>): void {
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

/** A new script: say something, then hang up. */
export function emptyScript(): ScriptBody {
  return { voice: null, on_machine: "continue", voicemail: [], steps: [{ type: "say", text: "" }, { type: "hangup" }] };
}

/** The number of steps a script plays at its top level (what the list of scripts shows). */
export function stepCount(body: ScriptBody | null | undefined): number {
  return Array.isArray(body?.steps) ? body.steps.length : 0;
}
