// A budget ledger: what was used in the current period (a UTC day by
// default), per kind: LLM tokens, CPU seconds, money. Unlike a bucket it does
// not refill gradually; it starts again at zero when the period turns. Pure:
// time is passed in, the state is a value the caller stores.

export const DAY_MS = 86_400_000;

export type LedgerKind = "llm_tokens" | "cpu_seconds" | "cost";
export const LEDGER_KINDS: readonly LedgerKind[] = ["cost", "cpu_seconds", "llm_tokens"];

export interface LedgerState {
  /** Start of the period the `used` figures belong to (ms since the epoch). */
  periodStart: number;
  used: Partial<Record<LedgerKind, number>>;
}

export type Limits = Partial<Record<LedgerKind, number>>;

export const periodStartOf = (now: number, periodMs = DAY_MS): number => Math.floor(now / periodMs) * periodMs;

export function newLedger(now: number, periodMs = DAY_MS): LedgerState {
  return { periodStart: periodStartOf(now, periodMs), used: {} };
}

/** The ledger as of `now`: a new period starts from zero. */
export function current(l: LedgerState, now: number, periodMs = DAY_MS): LedgerState {
  const start = periodStartOf(now, periodMs);
  return start === l.periodStart ? l : { periodStart: start, used: {} };
}

export function record(l: LedgerState, now: number, kind: LedgerKind, amount: number, periodMs = DAY_MS): LedgerState {
  const c = current(l, now, periodMs);
  if (amount === 0) return c;
  return { periodStart: c.periodStart, used: { ...c.used, [kind]: Math.max(0, (c.used[kind] ?? 0) + amount) } };
}

export type Check = { ok: true } | { ok: false; kind: LedgerKind; used: number; limit: number; retryAfterMs: number };

/** Would using `amount` more of `kind` stay within its limit this period? Unlimited kinds always pass. */
export function check(
  l: LedgerState,
  now: number,
  kind: LedgerKind,
  amount: number,
  limits: Limits,
  periodMs = DAY_MS,
): Check {
  const limit = limits[kind];
  if (limit === undefined) return { ok: true };
  const c = current(l, now, periodMs);
  const used = c.used[kind] ?? 0;
  if (used + amount <= limit) return { ok: true };
  return { ok: false, kind, used, limit, retryAfterMs: c.periodStart + periodMs - now };
}

/**
 * When `kind` is spent this period (used at or past its limit): the period's end, when it is
 * available again. null when there is no limit or some is left. For budgets known only after the
 * fact (CPU seconds): new work waits until then.
 */
export function spentUntil(
  l: LedgerState,
  now: number,
  kind: LedgerKind,
  limits: Limits,
  periodMs = DAY_MS,
): number | null {
  const limit = limits[kind];
  if (limit === undefined) return null;
  const c = current(l, now, periodMs);
  return (c.used[kind] ?? 0) >= limit ? c.periodStart + periodMs : null;
}

/** Prices per million tokens, by model; "*" is the fallback. */
export type Prices = Record<string, { input_per_million: number; output_per_million: number }>;

/** The cost of one call, or 0 when no price is configured for its model. */
export function costOf(
  prices: Prices | undefined,
  model: string | undefined,
  promptTokens: number,
  completionTokens: number,
): number {
  const p = (model !== undefined ? prices?.[model] : undefined) ?? prices?.["*"];
  if (!p) return 0;
  return (promptTokens * p.input_per_million + completionTokens * p.output_per_million) / 1_000_000;
}
