// Campaigns: the list (with a getting-started checklist) and the create form.
import { get, post, type Campaign, type Items, type Prompt, type Trunk, type TrunkGroup } from "../api";
import { formatTime, h, replace } from "../dom";
import { busy, flash, showErrors } from "../forms";
import { navigate } from "../router";
import { canWrite } from "../session";
import { campaignForm } from "./campaignForm";
import { gettingStarted } from "./steps";

export async function campaignsView(main: HTMLElement) {
  const [campaigns, trunks, prompts, groups] = await Promise.all([
    get<Items<Campaign>>("/campaigns"),
    get<Items<Trunk>>("/trunks"),
    get<Items<Prompt>>("/prompts"),
    get<Items<TrunkGroup>>("/trunk-groups"),
  ]);
  const trunkNames = new Map(trunks.items.map((trunk) => [trunk.id, trunk.name]));
  const groupNames = new Map(groups.items.map((group) => [group.id, group.name]));
  /** The trunk, or the trunk group the campaign routes through instead. */
  const route = (campaign: Campaign) =>
    campaign.trunk_group_id != null
      ? ["group ", h("a", { href: `#/trunk-groups/${campaign.trunk_group_id}` }, groupNames.get(campaign.trunk_group_id) ?? `#${campaign.trunk_group_id}`)]
      : campaign.trunk_id
        ? trunkNames.get(campaign.trunk_id) ?? `#${campaign.trunk_id}`
        : "–";
  const showArchived = h("input", { type: "checkbox", id: "show-archived" });
  const tableWrap = h("div", { class: "table-wrap" });

  function renderTable(): void {
    const rows = campaigns.items.filter((campaign) => showArchived.checked || campaign.status !== "archived").sort((a, b) => b.id - a.id);
    if (!rows.length) {
      replace(tableWrap, h("p", { class: "muted" }, campaigns.items.length ? "Only archived campaigns." : "No campaigns yet."));
      return;
    }
    replace(
      tableWrap,
      h(
        "table",
        { "data-testid": "campaigns" },
        h("thead", null, h("tr", null, ["Name", "Status", "Trunk or group", "Created", "Started", "Completed"].map((text) => h("th", { scope: "col" }, text)))),
        h(
          "tbody",
          null,
          rows.map((campaign) =>
            h(
              "tr",
              null,
              h("th", { scope: "row" }, h("a", { href: `#/campaigns/${campaign.id}` }, campaign.name)),
              h("td", null, h("span", { class: `badge status-${campaign.status}` }, campaign.status)),
              h("td", null, route(campaign)),
              h("td", null, formatTime(campaign.created_at)),
              h("td", null, formatTime(campaign.started_at)),
              h("td", null, formatTime(campaign.completed_at)),
            ),
          ),
        ),
      ),
    );
  }
  showArchived.addEventListener("change", renderTable);
  renderTable();

  replace(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", { tabindex: "-1" }, "Campaigns"),
      canWrite() ? h("a", { class: "button primary", href: "#/campaigns/new" }, "New campaign") : null,
    ),
    canWrite() ? gettingStarted(trunks.items.length, prompts.items.length, campaigns.items) : null,
    h("section", { class: "card" }, h("div", { class: "field check" }, showArchived, h("label", { for: "show-archived" }, "Show archived campaigns")), tableWrap),
  );
}

export async function newCampaignView(main: HTMLElement) {
  const { form, submit, body } = await campaignForm(null, "Create campaign");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await busy(submit, () => post<Campaign>("/campaigns", body()));
      flash(`Campaign “${created.name}” created. Next: upload its contacts.`);
      navigate(`/campaigns/${created.id}`);
    } catch (error) {
      showErrors(form, error);
    }
  });
  replace(main, h("p", { class: "crumbs" }, h("a", { href: "#/campaigns" }, "Campaigns"), " / new"), h("h1", { tabindex: "-1" }, "New campaign"), form);
}

