// What the panels of one campaign's page share: the campaign as last seen,
// the names its ids link to, and whether the page has been left.
import {
  get,
  getList,
  type CallerIdPool,
  type Campaign,
  type Items,
  type Prompt,
  type Script,
  type Summary,
  type Trunk,
  type TrunkGroup,
} from "../../api";

export interface CampaignPage {
  readonly id: number;
  /** Replaced when an action answers, or the summary shows another status. */
  campaign: Campaign;
  /** The latest progress figures (GET /campaigns/{id}/summary). */
  summary: Summary;
  readonly trunks: Trunk[];
  readonly prompts: Prompt[];
  readonly pools: CallerIdPool[];
  readonly groups: TrunkGroup[];
  readonly scripts: Script[];
  /** Set once the page is left: answers arriving later are dropped. */
  stopped: boolean;
}

export async function loadCampaignPage(id: number): Promise<CampaignPage> {
  const [campaign, summary, trunks, prompts, pools, groups, scripts] = await Promise.all([
    get<Campaign>(`/campaigns/${id}`),
    get<Summary>(`/campaigns/${id}/summary`),
    get<Items<Trunk>>("/trunks"),
    get<Items<Prompt>>("/prompts"),
    get<Items<CallerIdPool>>("/caller-id-pools"),
    get<Items<TrunkGroup>>("/trunk-groups"),
    // Only for the script's name: the page works without it.
    getList<Script>("/scripts").catch((): Script[] => []),
  ]);
  return {
    id,
    campaign,
    summary,
    trunks: trunks.items,
    prompts: prompts.items,
    pools: pools.items,
    groups: groups.items,
    scripts,
    stopped: false,
  };
}
