// A campaign's local calling hours in words (any time; one weekly window of
// weekday × "HH:MM-HH:MM" ranges; or each number's country default), plus
// blackout dates; and Herald's country default hours.
import { asWeeklyWindow, getList, usesCountryDefaults, type CallingWindow, type CountryHours, type WeeklyWindow } from "../../api";
import { h } from "../../dom";

export const WEEKDAYS: [string, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];

/** How a campaign's local calling hours are set. */
export type HoursMode = "any" | "weekly" | "country";

export function hoursMode(window: CallingWindow | null | undefined): HoursMode {
  if (usesCountryDefaults(window)) return "country";
  return window && Object.keys(window).length ? "weekly" : "any";
}

/** "09:00-20:00" → "09:00–20:00". */
function rangeText(range: string): string {
  return range.replace("-", "–");
}

/**
 * A weekly window in a few words: runs of days with the same hours,
 * closed days left out ("Mon–Fri 10:00–13:00, 14:00–20:00 · Sat 10:00–14:00").
 */
export function describeWeek(window: WeeklyWindow): string {
  const runs: { first: string; last: string; hours: string }[] = [];
  for (const [key] of WEEKDAYS) {
    const hours = (window[key] ?? []).map(rangeText).join(", ");
    const previous = runs[runs.length - 1];
    if (previous && previous.hours === hours && hours) previous.last = key;
    else runs.push({ first: key, last: key, hours });
  }
  const short = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
  const open = runs.filter((run) => run.hours);
  if (!open.length) return "closed every day";
  return open.map((run) => `${short(run.first)}${run.last === run.first ? "" : `–${short(run.last)}`} ${run.hours}`).join(" · ");
}

/** "+1", or "every other country" for code 0. */
export function countryText(code: number): string {
  return code === 0 ? "every other country" : `+${code}`;
}

/** Each country's default hours as one line: "+1: Mon–Sat 09:00–20:00; +7: …; every other country: …". */
export function describeDefaults(defaults: CountryHours[]): string {
  return defaults.map((entry) => `${countryText(entry.country_code)}: ${describeWeek(asWeeklyWindow(entry.window))}`).join("; ");
}

/** The campaign's calling hours in words: which mode, the hours of a weekly window, the blackout dates. */
export function describeCallingHours(window: CallingWindow | null | undefined): string {
  const mode = hoursMode(window);
  if (mode === "any" || !window) return "any time";
  const blackout = window.blackout_dates ?? [];
  const closed = blackout.length ? `; no calls on ${blackout.join(", ")}` : "";
  if (mode === "country") return `each number's country default hours${closed}`;
  return `the same hours for every number: ${describeWeek(window as WeeklyWindow)}${closed}`;
}

/** The defaults as a compact read-only table. */
export function defaultsTable(defaults: CountryHours[]): HTMLElement {
  return h(
    "table",
    { class: "compact", "data-testid": "default-hours" },
    h("caption", null, "Each country's default hours (local time of the number)"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Numbers starting"), h("th", { scope: "col" }, "Calls only"))),
    h(
      "tbody",
      null,
      defaults.map((entry) => h("tr", null, h("th", { scope: "row" }, countryText(entry.country_code)), h("td", null, describeWeek(asWeeklyWindow(entry.window))))),
    ),
  );
}

/** Herald's country default hours; null when it does not list them. */
export async function countryDefaults(): Promise<CountryHours[] | null> {
  try {
    return await getList<CountryHours>("/calling-hours/defaults");
  } catch {
    return null;
  }
}
