// The campaign form's "When to call": its time zone and the local calling
// hours (any time, the same weekly hours for every number, or each
// number's country default), with blackout dates.
import { ApiError, asCallingWindow, type Campaign, type CallingWindow, type CountryHours, type WeeklyWindow } from "../../api";
import { h } from "../../dom";
import { field, input } from "../../forms";
import { defaultsTable, hoursMode, WEEKDAYS, type HoursMode } from "./callingHours";

/** Herald's key for the dates the window stays shut. */
const BLACKOUT_KEY = "blackout_dates";
const RANGE = /^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Tokyo"];
  }
}

export function whenToCall(campaign: Campaign | null, defaults: CountryHours[] | null): HTMLElement {
  const zoneList = h("datalist", { id: "timezones" }, timeZones().map((zone) => h("option", { value: zone })));
  return h(
    "fieldset",
    null,
    h("legend", null, "When to call"),
    field("Time zone", input("timezone", { value: campaign?.timezone ?? "UTC", list: "timezones", autocomplete: "off" }), "For schedules; calling hours follow each contact's own zone."),
    zoneList,
    callingHours(asCallingWindow(campaign?.calling_window), defaults),
  );
}

/** The mode radios, and under them the weekly editor, the country defaults and the blackout dates, each shown with its mode. */
function callingHours(saved: CallingWindow, defaults: CountryHours[] | null): HTMLElement {
  const savedMode = hoursMode(saved);
  const weekly: WeeklyWindow = savedMode === "weekly" ? (saved as WeeklyWindow) : {};
  const modeRadios: Record<HoursMode, HTMLInputElement> = {
    any: input("calling_hours", { type: "radio", value: "any", checked: savedMode === "any" }),
    weekly: input("calling_hours", { type: "radio", value: "weekly", checked: savedMode === "weekly" }),
    country: input("calling_hours", { type: "radio", value: "country", checked: savedMode === "country" }),
  };
  const dayInputs = WEEKDAYS.map(([key, name]) => {
    const ranges = savedMode === "weekly" ? (weekly[key] ?? []).join(", ") : ["sat", "sun"].includes(key) ? "" : "09:00-20:00";
    return field(name, input(`window_${key}`, { value: ranges, placeholder: "closed" }));
  });
  const blackout = (saved.blackout_dates ?? (saved as WeeklyWindow).holidays ?? []).join(", ");
  const weekEditor = h(
    "div",
    { class: "window-editor" },
    h("p", { class: "hint" }, "Local time of each contact. Ranges like 09:00-12:00, 14:00-20:00; leave a day empty to never call on it."),
    h("div", { class: "days" }, dayInputs),
  );
  const defaultsBox = h(
    "div",
    { class: "window-defaults" },
    h("p", { class: "hint" }, "Each contact is called only within the default hours of its number's country, in its local time."),
    defaults ? defaultsTable(defaults) : h("p", { class: "muted" }, "Herald did not list its default hours."),
  );
  const blackoutField = field("No calls on these dates", input("window_blackout", { value: blackout, placeholder: "2026-12-25, 2027-01-01" }), "Holidays, as YYYY-MM-DD separated by commas.");
  const showHours = () => {
    weekEditor.hidden = !modeRadios.weekly.checked;
    defaultsBox.hidden = !modeRadios.country.checked;
    blackoutField.hidden = modeRadios.any.checked;
  };
  Object.values(modeRadios).forEach((radio) => radio.addEventListener("change", showHours));
  showHours();
  return h(
    "fieldset",
    { class: "route", "data-testid": "calling-hours-mode" },
    h("legend", null, "Local calling hours"),
    h(
      "div",
      { class: "choices" },
      field("Any time", modeRadios.any),
      field("The same hours for every number", modeRadios.weekly),
      field("Each number's country default hours", modeRadios.country),
    ),
    h("p", { class: "field-error", "data-error-for": "calling_window", hidden: true }),
    weekEditor,
    defaultsBox,
    blackoutField,
  );
}

/** The calling hours the form's values describe; a range or date that cannot be read is its field's error. */
export function readCallingWindow(data: Record<string, string>): CallingWindow {
  const mode = (data.calling_hours ?? "any") as HoursMode;
  if (mode === "any") return {};
  const dates = (data.window_blackout ?? "").split(/[,\s]+/).filter(Boolean);
  for (const date of dates) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ApiError(400, "invalid", "Check the blackout dates.", { window_blackout: `“${date}” is not a date like 2026-12-25` });
  }
  if (mode === "country") return dates.length ? { country_defaults: true, [BLACKOUT_KEY]: dates } : { country_defaults: true };
  const result: WeeklyWindow = {};
  for (const [key, name] of WEEKDAYS) {
    const ranges = (data[`window_${key}`] ?? "").split(/[,\s]+/).filter(Boolean);
    for (const range of ranges) {
      if (!RANGE.test(range)) throw new ApiError(400, "invalid", `Check the hours of ${name}.`, { [`window_${key}`]: `“${range}” is not a range like 09:00-17:00` });
    }
    result[key] = ranges;
  }
  if (dates.length) result[BLACKOUT_KEY] = dates;
  return result;
}
