// Everything the dispatcher knows about each lane besides its adapter: the persisted record and
// rate-limit snapshot (write-through to the store, so a restart remembers them), the last status
// and model catalog read from the adapter, the concurrency slots, and this month's spend.

import type { RateLimitSnapshot } from "../lanes/types";
import type { Config, LaneConfig } from "../config/types";
import type { Logger } from "../log";
import { applyRateLimits, effectiveRecord, initialRecord, markSignedIn } from "../lanes/state";
import type { LanePolicy, LaneRecord, LaneSpec } from "../lanes/types";
import type { Store } from "../store";
import type { LaneAdapter, LaneStatus } from "../chat/lane-adapter";
import { LaneSlots } from "./slots";
import { laneView, loginFix, nextMonthStart, type LaneView } from "./views";

const STATUS_TIMEOUT_MS = 10_000;
const CATALOG_TTL_MS = 10 * 60_000;
const SPEND_TTL_MS = 30_000;

export interface LaneEntry {
  readonly config: LaneConfig;
  readonly adapter: LaneAdapter;
  readonly slots: LaneSlots;
  record: LaneRecord | null;
  rateLimits: RateLimitSnapshot | null;
  status: LaneStatus | null;
  /**
   * The adapter's catalog; null until read. Before the first try to read it the lane serves no
   * model (the dispatcher waits, bounded, for that first read); after a try that got nothing, any
   * model (the lane then says itself what it does not serve).
   */
  catalog: string[] | null;
  catalogAt: number;
  catalogTried: boolean;
  spend: { usd: number; month: number; at: number } | null;
}

export class LaneBook {
  readonly entries: LaneEntry[];
  private readonly byName = new Map<string, LaneEntry>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    config: Config,
    private readonly store: Store,
    adapters: ReadonlyMap<string, LaneAdapter>,
    private readonly policy: LanePolicy,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.entries = config.lanes.map((lane) => {
      const adapter = adapters.get(lane.name);
      if (!adapter) throw new Error(`no adapter for lane "${lane.name}"`);
      const saved = store.lanes.get(lane.name);
      const entry: LaneEntry = {
        config: lane,
        adapter,
        slots: new LaneSlots(lane.name, lane.concurrency, config.queue.maxWaiting, config.queue.maxWaitMs),
        record: saved.record,
        rateLimits: saved.rateLimits,
        status: null,
        catalog: null,
        catalogAt: 0,
        catalogTried: false,
        spend: null,
      };
      this.byName.set(lane.name, entry);
      return entry;
    });
    for (const e of this.entries) {
      const off = e.adapter.onRateLimits?.((s) => this.onRateLimits(e.config.name, s));
      if (off) this.unsubscribe.push(off);
    }
  }

  get(name: string): LaneEntry {
    const e = this.byName.get(name);
    if (!e) throw new Error(`unknown lane "${name}"`);
    return e;
  }

  record(name: string): LaneRecord | undefined {
    return this.byName.get(name)?.record ?? undefined;
  }

  setRecord(rec: LaneRecord): void {
    const e = this.byName.get(rec.name);
    if (!e) return;
    const before = e.record;
    e.record = rec;
    // A success on a healthy lane only moves updatedAt: not worth a disk write per request.
    if (before && sameState(before, rec)) return;
    this.store.lanes.saveRecord(rec);
    const from = before?.state ?? "ready";
    if (from !== rec.state) this.log.info("lane state changed", { lane: rec.name, from, to: rec.state, reason: rec.reason, code: rec.code });
  }

  onRateLimits(name: string, snapshot: RateLimitSnapshot): void {
    const e = this.byName.get(name);
    if (!e) return;
    e.rateLimits = snapshot;
    this.store.lanes.saveRateLimits(name, snapshot);
    const now = this.now();
    const max = e.config.type === "codex" ? e.config.maxUsedPercent : null;
    const before = e.record ?? initialRecord(name, now);
    const after = applyRateLimits(before, snapshot, max, now, this.policy);
    if (after !== before) this.setRecord(after);
  }

  /** The lanes as the failover loop sees them for one request. */
  specs(now: number): LaneSpec[] {
    return this.entries.map((e) => {
      const spec: LaneSpec = { name: e.config.name, models: this.modelsOf(e) };
      if (e.config.type === "codex" && e.config.maxUsedPercent !== null) spec.maxUsedPercent = e.config.maxUsedPercent;
      if (e.config.type === "openai" && (!e.config.apiKey || this.spendCapReached(e, now))) spec.disabled = true;
      return spec;
    });
  }

  private modelsOf(e: LaneEntry): readonly string[] | "*" {
    if (e.config.type === "openai") return e.config.models;
    return e.config.models ?? e.catalog ?? (e.catalogTried ? "*" : []);
  }

  /** A codex lane has not yet tried to read its catalog (right after start), so serves no model yet. */
  catalogPending(): boolean {
    return this.entries.some((e) => e.config.type === "codex" && e.config.models === null && !e.catalogTried);
  }

  /** Model ids to list on /v1/models: configured lists and the codex catalogs read so far. */
  listedModels(): string[] {
    const out = new Set<string>();
    for (const e of this.entries) {
      const m = this.modelsOf(e);
      if (m !== "*") for (const id of m) out.add(id);
    }
    return [...out];
  }

  // ---- spend cap (openai lanes) -----------------------------------------------------------------

  private spendOf(e: LaneEntry, now: number): number {
    const month = nextMonthStart(now);
    if (!e.spend || e.spend.month !== month || now - e.spend.at > SPEND_TTL_MS) {
      e.spend = { usd: this.store.requests.monthSpend(e.config.name, now), month, at: now };
    }
    return e.spend.usd;
  }

  private spendCapReached(e: LaneEntry, now: number): boolean {
    if (e.config.type !== "openai" || e.config.monthlySpendCapUsd === null) return false;
    return this.spendOf(e, now) >= e.config.monthlySpendCapUsd;
  }

  /** Keeps the cached month spend current between reads of the store. */
  addSpend(name: string, usd: number, now: number): void {
    const e = this.byName.get(name);
    if (e?.spend && e.spend.month === nextMonthStart(now)) e.spend.usd += usd;
  }

  // ---- adapter status and catalogs --------------------------------------------------------------

  /** Reads every lane's status (and stale catalogs); a lane that cannot answer keeps what it had. */
  async refresh(opts: { catalogs?: boolean } = {}): Promise<void> {
    await Promise.all(this.entries.map((e) => this.refreshLane(e, opts.catalogs === true)));
  }

  private async refreshLane(e: LaneEntry, forceCatalog: boolean): Promise<void> {
    const now = this.now();
    const status = await withTimeout(e.adapter.status(), STATUS_TIMEOUT_MS).catch((err: unknown) => {
      this.log.warn("lane status unavailable", { lane: e.config.name, error: (err as Error).message });
      return null;
    });
    if (status) this.applyStatus(e, status);
    const wantCatalog = e.config.type === "codex" && e.config.models === null && (forceCatalog || now - e.catalogAt > CATALOG_TTL_MS || !e.catalog);
    if (wantCatalog && status?.signedIn !== false) {
      try {
        const models = await withTimeout(e.adapter.models(), STATUS_TIMEOUT_MS);
        if (models.length > 0) e.catalog = models;
        e.catalogAt = this.now();
      } catch (err) {
        this.log.warn("lane model catalog unavailable", { lane: e.config.name, error: (err as Error).message });
      }
    }
    e.catalogTried = true;
  }

  private applyStatus(e: LaneEntry, status: LaneStatus): void {
    e.status = status;
    const now = this.now();
    const name = e.config.name;
    if (status.rateLimits) this.onRateLimits(name, status.rateLimits);
    if (e.config.type !== "codex") return;
    const rec = effectiveRecord(e.record ?? initialRecord(name, now), now);
    if (!status.signedIn && status.error === null && rec.state !== "needs-login" && rec.state !== "disabled") {
      this.setRecord({ ...rec, state: "needs-login", until: null, reason: `not signed in; run \`${loginFix(e.config)}\``, code: "not_signed_in", probe: false, updatedAt: now });
      return;
    }
    // Signed in again since the lane lost its sign-in (e.g. `codex-lanes login` from another process).
    const renewed = status.authUpdatedAt !== null && status.authUpdatedAt > rec.updatedAt;
    if (status.signedIn && rec.state === "needs-login" && (rec.code === "not_signed_in" || renewed)) {
      this.setRecord(markSignedIn(rec, now));
    }
  }

  views(now: number): LaneView[] {
    return this.entries.map((e) => {
      const c = e.config;
      const capped = c.type === "openai" && c.monthlySpendCapUsd !== null && this.spendCapReached(e, now);
      return laneView(
        {
          lane: c,
          record: e.record,
          rateLimits: e.rateLimits,
          status: e.status,
          counters: { inFlight: e.slots.inFlight, queued: e.slots.queued },
          spendCapReached: capped && c.type === "openai" ? { spentUsd: this.spendOf(e, now), capUsd: c.monthlySpendCapUsd!, until: nextMonthStart(now) } : null,
        },
        now,
      );
    });
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}

function sameState(a: LaneRecord, b: LaneRecord): boolean {
  return a.state === b.state && a.until === b.until && a.reason === b.reason && a.code === b.code && a.failures === b.failures && a.probe === b.probe;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
