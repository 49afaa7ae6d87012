// Hand-drawn SVG charts: outcome bars and outcomes over time (stacked columns).
import type { Outcomes } from "./api";
import { h, label, svg } from "./dom";

const COLORS: Record<string, string> = {
  answered: "#2e7d32",
  busy: "#ef6c00",
  no_answer: "#607d8b",
  rejected: "#c62828",
  failed: "#6a1b9a",
  cancelled: "#8d6e63",
  machine: "#0277bd",
  lost_with_node: "#37474f",
};
const FALLBACK = ["#00838f", "#ad1457", "#9e9d24", "#4527a0", "#5d4037"];

export function outcomeColor(outcome: string): string {
  if (COLORS[outcome]) return COLORS[outcome];
  let hash = 0;
  for (const char of outcome) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length];
}

/** Outcomes in a stable order: the known ones first, then by name. */
export function outcomeOrder(outcomes: Iterable<string>): string[] {
  const known = Object.keys(COLORS);
  return [...new Set(outcomes)].sort((a, b) => {
    const ia = known.indexOf(a), ib = known.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a.localeCompare(b);
  });
}

function describe(outcomes: Outcomes): string {
  const parts = outcomeOrder(Object.keys(outcomes)).map((name) => `${label(name)} ${outcomes[name]}`);
  return parts.length ? parts.join(", ") : "no calls yet";
}

/** One horizontal bar per outcome, with its count and share. */
export function outcomeBars(outcomes: Outcomes, title = "Outcomes"): HTMLElement {
  const names = outcomeOrder(Object.keys(outcomes));
  const total = names.reduce((sum, name) => sum + (outcomes[name] ?? 0), 0);
  if (!names.length) return h("p", { class: "muted" }, "No calls yet.");
  const rowHeight = 26, labelWidth = 110, width = 480;
  const max = Math.max(1, ...names.map((name) => outcomes[name] ?? 0));
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${names.length * rowHeight + 4}`, class: "chart bars", role: "img", "aria-label": `${title}: ${describe(outcomes)}` },
    names.map((name, index) => {
      const count = outcomes[name] ?? 0;
      const barWidth = Math.max(count ? 2 : 0, ((width - labelWidth - 90) * count) / max);
      const y = index * rowHeight + 2;
      return svg(
        "g",
        { "data-outcome": name },
        svg("text", { x: labelWidth - 8, y: y + 16, "text-anchor": "end", class: "axis" }, label(name)),
        svg("rect", { x: labelWidth, y: y + 3, width: barWidth, height: rowHeight - 8, rx: 3, fill: outcomeColor(name) }),
        svg("text", { x: labelWidth + barWidth + 6, y: y + 16, class: "value" }, `${count} (${total ? Math.round((100 * count) / total) : 0} %)`),
      );
    }),
  );
  return h("figure", { class: "chart-figure" }, chart);
}

export interface Bucket {
  /** Shown under the column (e.g. "12:03"). */
  label: string;
  outcomes: Outcomes;
}

/** Outcomes over time: one stacked column per bucket, and a legend. */
export function outcomeColumns(buckets: Bucket[], title = "Outcomes over time"): HTMLElement {
  const width = 600, height = 180, left = 34, bottom = 22, top = 8;
  const names = outcomeOrder(buckets.flatMap((bucket) => Object.keys(bucket.outcomes)));
  const totals = buckets.map((bucket) => Object.values(bucket.outcomes).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const plotWidth = width - left - 4;
  // At most 40 px a column: a single minute is a bar, not a wall.
  const columnWidth = Math.min(40, buckets.length ? plotWidth / buckets.length : plotWidth);
  const scale = (value: number) => ((height - bottom - top) * value) / max;
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart columns",
      role: "img",
      "aria-label": `${title}: ${buckets.length} intervals, ${totals.reduce((a, b) => a + b, 0)} calls, peak ${max === 1 && !totals.some(Boolean) ? 0 : max} in one interval`,
    },
    svg("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "gridline" }),
    svg("line", { x1: left, y1: top, x2: width, y2: top, class: "gridline faint" }),
    svg("text", { x: left - 4, y: top + 4, "text-anchor": "end", class: "axis" }, String(max)),
    svg("text", { x: left - 4, y: height - bottom, "text-anchor": "end", class: "axis" }, "0"),
    buckets.map((bucket, index) => {
      let y = height - bottom;
      const x = left + index * columnWidth;
      const parts = names.map((name) => {
        const value = bucket.outcomes[name] ?? 0;
        if (!value) return null;
        const barHeight = scale(value);
        y -= barHeight;
        return svg("rect", { x: x + 1, y, width: Math.max(1, columnWidth - 2), height: barHeight, fill: outcomeColor(name) }, svg("title", null, `${bucket.label} ${label(name)}: ${value}`));
      });
      return svg(
        "g",
        null,
        parts,
        index % every === 0 ? svg("text", { x: x + columnWidth / 2, y: height - 6, "text-anchor": "middle", class: "axis" }, bucket.label) : null,
      );
    }),
  );
  const legend = h(
    "ul",
    { class: "legend" },
    names.map((name) => h("li", null, h("span", { class: "swatch", style: `background:${outcomeColor(name)}` }), label(name))),
  );
  return h("figure", { class: "chart-figure" }, chart, names.length ? legend : h("p", { class: "muted" }, "No calls in this period yet."));
}
