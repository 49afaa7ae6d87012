// The campaign form's "How to dial": attempts, ring timeout and the
// campaign's own CPS and concurrency caps.
import type { Campaign } from "../../api";
import { h } from "../../dom";
import { field, input } from "../../forms";

export function howToDial(campaign: Campaign | null): HTMLElement {
  return h(
    "fieldset",
    null,
    h("legend", null, "How to dial"),
    h(
      "div",
      { class: "row" },
      field("Max attempts per contact", input("max_attempts", { type: "number", min: 1, max: 20, value: campaign?.max_attempts ?? 1 })),
      field("Ring timeout (seconds)", input("ring_timeout_secs", { type: "number", min: 5, max: 300, value: campaign?.ring_timeout_secs ?? 30 })),
      field("Calls per second cap", input("cps_cap", { type: "number", min: 0, step: "any", value: campaign?.cps_cap ?? "", placeholder: "trunk's limit" })),
      field("Concurrent calls cap", input("concurrency_cap", { type: "number", min: 1, value: campaign?.concurrency_cap ?? "", placeholder: "trunk's lines" })),
    ),
  );
}
