// What the step cards need of the editor that draws them.
import type { Prompt } from "../../api";
import type { Draft, StepType } from "./drafts";

/** Where the focus goes after the next render: a step card (by path) and which of its controls. */
export interface FocusTarget {
  path: string;
  what: "first" | "up" | "down" | "title" | "key" | "add";
}

export interface StepEditing {
  readonly readOnly: boolean;
  readonly prompts: Prompt[];
  /** Where the steps are drawn. */
  readonly structured: HTMLElement;
  /** The voice previews speak with; "": the server's default. */
  voice(): string;
  /** A preview's object URL, revoked when the editor is disposed. */
  keepUrl(url: string): void;
  /** Redraws after steps were added, removed or moved, then focuses `focus`. */
  restructure(focus: FocusTarget): void;
  /** Redraws with the focus on the same control (the structure is unchanged: only names changed). */
  renderKeepingFocus(): void;
  /** Draws a nested list of steps (a menu's prompt, keys and "otherwise"). */
  stepList(list: Draft[], path: string, listTitle: string, groupLabel: string, types: StepType[], ownSlot?: boolean): HTMLElement;
}
