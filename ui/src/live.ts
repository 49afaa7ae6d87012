// The live event stream (GET /api/v1/events, Server-Sent Events): every
// Talker node sends a `tick` each interval with its active calls, the
// INVITEs it sent per trunk and the attempts it finished. LiveFeed sums the
// nodes (each by its latest tick; a node silent for more than 3 s is
// dropped), derives CPS per trunk, keeps the latest attempts and measures
// how long each attempt took from its commit to this page.
import { API, type LiveAttempt, type Outcomes, type Tick } from "./api";

declare global {
  interface Window {
    /** ms from each attempt's commit (written_at) to its arrival here; read by the browser test. */
    __heraldLatencies: number[];
    __heraldLatencyMax: number;
  }
}
window.__heraldLatencies ??= [];
window.__heraldLatencyMax ??= 0;

const NODE_SILENCE_MS = 3000;
const CPS_WINDOW_MS = 3000;
const RATE_WINDOW_MS = 60_000;
const KEEP_ATTEMPTS = 100;
export const BUCKET_MS = 10_000;
const KEEP_BUCKETS = 30;

interface NodeState {
  tick: Tick;
  receivedAt: number;
  firstSeenAt: number;
  /** Recent ticks' INVITE counts, for CPS. */
  history: { receivedAt: number; intervalMs: number; dialed: Record<string, number> }[];
}

export interface ReceivedAttempt extends LiveAttempt {
  receivedAt: number;
  latencyMs: number;
}

export type FeedState = "connecting" | "live" | "reconnecting";

export class LiveFeed {
  private source: EventSource | null = null;
  private nodes = new Map<string, NodeState>();
  private seen = new Set<number>();
  private seenOrder: number[] = [];
  private listeners = new Set<() => void>();
  private notifyScheduled = false;
  private readonly startedAt = Date.now();
  /** Server clock minus ours, from the latest tick (its `at`). */
  private clockOffsetMs = 0;
  /** Newest first. */
  readonly attempts: ReceivedAttempt[] = [];
  /** Finished attempts per 10 s of commit time: bucket start (ms) → outcomes. */
  readonly buckets = new Map<number, Outcomes>();
  /** Arrival times of attempts per campaign, for the recent finish rate. */
  private arrivals = new Map<number, number[]>();
  /** Attempts received in the last 30 s, to add to a snapshot taken meanwhile. */
  private recent: { campaignId: number; outcome: string; writtenAt: number; receivedAt: number }[] = [];
  state: FeedState = "connecting";
  lastLatencyMs: number | null = null;
  received = 0;

  constructor(readonly campaignId: number | null = null) {}

  start(): void {
    const url = `${API}/events${this.campaignId ? `?campaign=${this.campaignId}` : ""}`;
    this.source = new EventSource(url, { withCredentials: true });
    this.source.addEventListener("open", () => {
      this.state = "live";
      this.notify();
    });
    this.source.addEventListener("error", () => {
      // EventSource reconnects on its own, resuming with Last-Event-ID.
      this.state = "reconnecting";
      this.notify();
    });
    this.source.addEventListener("tick", (event) => this.onTick((event as MessageEvent).data));
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Our estimate of the server's clock now (ms since the epoch). */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private onTick(data: string): void {
    let tick: Tick;
    try {
      tick = JSON.parse(data);
    } catch {
      return;
    }
    const now = Date.now();
    this.state = "live";
    if (typeof tick.at === "number") this.clockOffsetMs = tick.at - now;
    const node = this.nodes.get(tick.node) ?? { tick, receivedAt: now, firstSeenAt: now, history: [] };
    node.tick = tick;
    node.receivedAt = now;
    node.history.push({ receivedAt: now, intervalMs: tick.interval_ms || 1000, dialed: tick.dialed_by_trunk ?? {} });
    node.history = node.history.filter((entry) => now - entry.receivedAt <= CPS_WINDOW_MS);
    this.nodes.set(tick.node, node);
    for (const attempt of tick.attempts ?? []) this.onAttempt(attempt, now);
    this.notify();
  }

  private onAttempt(attempt: LiveAttempt, now: number): void {
    if (this.seen.has(attempt.id)) return;
    this.seen.add(attempt.id);
    this.seenOrder.push(attempt.id);
    if (this.seenOrder.length > 20_000) this.seen.delete(this.seenOrder.shift()!);
    const latencyMs = now - attempt.written_at;
    window.__heraldLatencies.push(latencyMs);
    window.__heraldLatencyMax = Math.max(window.__heraldLatencyMax, latencyMs);
    this.lastLatencyMs = latencyMs;
    this.received += 1;
    this.attempts.unshift({ ...attempt, receivedAt: now, latencyMs });
    if (this.attempts.length > KEEP_ATTEMPTS) this.attempts.length = KEEP_ATTEMPTS;
    const bucket = Math.floor(attempt.written_at / BUCKET_MS) * BUCKET_MS;
    const outcomes = this.buckets.get(bucket) ?? {};
    outcomes[attempt.outcome] = (outcomes[attempt.outcome] ?? 0) + 1;
    this.buckets.set(bucket, outcomes);
    for (const key of [...this.buckets.keys()]) {
      if (key < bucket - KEEP_BUCKETS * BUCKET_MS) this.buckets.delete(key);
    }
    const arrivals = this.arrivals.get(attempt.campaign_id) ?? [];
    arrivals.push(now);
    while (arrivals.length && now - arrivals[0] > RATE_WINDOW_MS) arrivals.shift();
    this.arrivals.set(attempt.campaign_id, arrivals);
    this.recent.push({ campaignId: attempt.campaign_id, outcome: attempt.outcome, writtenAt: attempt.written_at, receivedAt: now });
    while (this.recent.length && now - this.recent[0].receivedAt > 30_000) this.recent.shift();
  }

  private notify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    requestAnimationFrame(() => {
      this.notifyScheduled = false;
      for (const listener of this.listeners) listener();
    });
  }

  private liveNodes(): NodeState[] {
    const now = Date.now();
    return [...this.nodes.values()].filter((node) => now - node.receivedAt <= NODE_SILENCE_MS);
  }

  nodeCount(): number {
    return this.liveNodes().length;
  }

  /** Calls up now, summed over the nodes that are still ticking. */
  activeCalls(): { total: number; byTrunk: Record<string, number>; byCampaign: Record<string, number> } {
    const result = { total: 0, byTrunk: {} as Record<string, number>, byCampaign: {} as Record<string, number> };
    for (const node of this.liveNodes()) {
      const active = node.tick.active_calls;
      if (!active) continue;
      result.total += active.total ?? 0;
      for (const [trunk, calls] of Object.entries(active.by_trunk ?? {})) result.byTrunk[trunk] = (result.byTrunk[trunk] ?? 0) + calls;
      for (const [campaign, calls] of Object.entries(active.by_campaign ?? {})) result.byCampaign[campaign] = (result.byCampaign[campaign] ?? 0) + calls;
    }
    return result;
  }

  /** INVITEs per second per trunk over the last seconds, summed over nodes. */
  cpsByTrunk(): Record<string, number> {
    const result: Record<string, number> = {};
    const now = Date.now();
    for (const node of this.liveNodes()) {
      const recent = node.history.filter((entry) => now - entry.receivedAt <= CPS_WINDOW_MS);
      // An idle node skips empty ticks: the window is wall-clock time, or
      // what the ticks received cover if that is more.
      const covered = recent.reduce((sum, entry) => sum + entry.intervalMs, 0);
      const seconds = Math.max(covered, Math.min(CPS_WINDOW_MS, now - node.firstSeenAt)) / 1000;
      if (!seconds) continue;
      const dialed: Record<string, number> = {};
      for (const entry of recent) {
        for (const [trunk, count] of Object.entries(entry.dialed)) dialed[trunk] = (dialed[trunk] ?? 0) + count;
      }
      for (const [trunk, count] of Object.entries(dialed)) result[trunk] = (result[trunk] ?? 0) + count / seconds;
    }
    return result;
  }

  /** Attempts per second that finished recently, for one campaign or all. */
  finishRate(campaignId: number | null = null): number | null {
    const now = Date.now();
    const span = Math.min(RATE_WINDOW_MS, now - this.startedAt) / 1000;
    if (span < 5) return null;
    let count = 0;
    for (const [campaign, arrivals] of this.arrivals) {
      if (campaignId !== null && campaign !== campaignId) continue;
      count += arrivals.filter((time) => now - time <= RATE_WINDOW_MS).length;
    }
    return count / span;
  }

  /** Attempts received for `campaignId` committed after `sinceServerMs`, by outcome. */
  outcomesSince(campaignId: number, sinceServerMs: number): Outcomes {
    const outcomes: Outcomes = {};
    for (const attempt of this.recent) {
      if (attempt.campaignId === campaignId && attempt.writtenAt > sinceServerMs) {
        outcomes[attempt.outcome] = (outcomes[attempt.outcome] ?? 0) + 1;
      }
    }
    return outcomes;
  }
}
