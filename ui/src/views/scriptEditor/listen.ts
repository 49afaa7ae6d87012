// "Listen" on a script's steps: a say step's text as text-to-speech
// (POST /speech/preview), a play step's prompt as recorded.
import { ApiError } from "../../api";
import { h } from "../../dom";

/** `{{name}}`, `{{name|fallback}}`, `{{name:digits}}` (Herald's `say` templates). */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** A "Listen" button with its player and what went wrong, if anything. */
export function listenControl(what: string, source: () => Promise<string | null>): HTMLElement {
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
