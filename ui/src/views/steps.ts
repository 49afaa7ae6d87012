// "From nothing to a running campaign": the checklist a new manager sees
// on the dashboard and the campaigns page until a campaign has run.
import type { Campaign } from "../api";
import { h } from "../dom";

/** What the checklist needs to know of each campaign. */
type CampaignState = Pick<Campaign, "status"> & { started_at?: string | null };

export function gettingStarted(trunks: number, prompts: number, campaigns: CampaignState[]): HTMLElement | null {
  const running = campaigns.some((campaign) => campaign.started_at || ["running", "completed", "stopped", "paused"].includes(campaign.status));
  if (running) return null;
  const step = (done: boolean, content: (string | Node)[]) =>
    h("li", { class: done ? "done" : "" }, h("span", { class: "tick", "aria-hidden": "true" }, done ? "✓" : "○"), h("span", { class: "visually-hidden" }, done ? "Done: " : "To do: "), ...content);
  return h(
    "section",
    { class: "card steps", "aria-labelledby": "steps-title" },
    h("h2", { id: "steps-title" }, "From nothing to a running campaign"),
    h(
      "ol",
      null,
      step(trunks > 0, [h("a", { href: "#/trunks" }, "Add a trunk"), " — the carrier's SIP address your calls go through."]),
      step(prompts > 0, [h("a", { href: "#/prompts" }, "Upload a prompt"), " — the recording people hear (WAV, MP3, OGG or FLAC)."]),
      step(campaigns.length > 0, [h("a", { href: "#/campaigns/new" }, "Create a campaign"), " with that trunk and prompt."]),
      step(false, ["Open the campaign, upload your contacts (a CSV file with a phone column) and press ", h("strong", null, "Start"), "."]),
    ),
  );
}
