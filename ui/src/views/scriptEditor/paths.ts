// JSON paths in a script body ("body.steps[2].branches.1[0].prompt_id"):
// each control and error slot of the editor is named by one, so that the
// API's field errors land next to what they are about.
import { label } from "../../dom";

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
export function parentPath(path: string): string | null {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
  return cut > 0 ? path.slice(0, cut) : null;
}

/** A step's title, numbered within its list: "Step 2", "Key 1 step 1", "Prompt step 1". */
export function stepTitle(listTitle: string, index: number): string {
  return listTitle ? `${listTitle} step ${index + 1}` : `Step ${index + 1}`;
}

export const inBody = (path: string) => path === "body" || path.startsWith("body.") || path.startsWith("body[");
