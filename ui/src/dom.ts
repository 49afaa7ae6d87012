// Small DOM helpers: `h` builds elements, `svg` builds SVG elements.
// Attributes named on* take listeners; `value`, `checked`, `disabled`,
// `selected` and `hidden` are set as properties; everything else is an
// attribute (false/null/undefined leave it out).

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, unknown>;

const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "hidden", "multiple", "indeterminate"]);

function apply(element: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      if (PROPERTIES.has(name)) (element as unknown as Record<string, unknown>)[name] = false;
      continue;
    }
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (PROPERTIES.has(name)) {
      (element as unknown as Record<string, unknown>)[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attrs);
  append(element, children);
  return element;
}

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  apply(element, attrs);
  append(element, children);
  return element;
}

/** Replaces the children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let nextId = 0;
/** A document-unique id for label/input pairs. */
export function uid(prefix = "f"): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString();
}

/** The time of day only when `value` is today, else date and time. */
export function formatClock(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

export function formatDuration(secs: number | null): string {
  if (secs === null || !Number.isFinite(secs) || secs < 0) return "–";
  if (secs < 60) return `${Math.round(secs)} s`;
  const minutes = Math.floor(secs / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(secs % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** "no_answer" → "no answer". */
export function label(code: string): string {
  return code.replace(/_/g, " ");
}

/**
 * `replace`, for content redrawn while someone may be on it with the
 * keyboard: the focused link or button gets the focus back in the new
 * content (found by its href, or its tag and text).
 */
export function replaceKeepingFocus(parent: Element, ...children: Child[]): void {
  const focused = document.activeElement;
  if (!(focused instanceof HTMLElement) || !parent.contains(focused)) {
    replace(parent, ...children);
    return;
  }
  const href = focused.getAttribute("href");
  const tag = focused.tagName;
  const text = focused.textContent;
  replace(parent, ...children);
  const candidates = [...parent.querySelectorAll<HTMLElement>(tag)];
  const again = candidates.find((element) => (href !== null ? element.getAttribute("href") === href : element.textContent === text));
  again?.focus({ preventScroll: true });
}
