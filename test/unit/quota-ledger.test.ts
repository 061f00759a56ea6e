import { describe, expect, it } from "vitest";
import { check, costOf, DAY_MS, newLedger, record } from "../../src/quota/ledger.js";

const day = (d: number, h = 0) => d * DAY_MS + h * 3_600_000;

describe("budget ledger", () => {
  it("sums use within a day and starts again at zero the next day", () => {
    let l = newLedger(day(10, 1));
    l = record(l, day(10, 2), "llm_tokens", 700);
    l = record(l, day(10, 23), "llm_tokens", 300);
    expect(l.used.llm_tokens).toBe(1000);
    // 1000 used of 1000: one more token is over, and it says when the day ends (1 h after 23:00).
    expect(check(l, day(10, 23), "llm_tokens", 1, { llm_tokens: 1000 })).toEqual({
      ok: false,
      kind: "llm_tokens",
      used: 1000,
      limit: 1000,
      retryAfterMs: 3_600_000,
    });
    expect(check(l, day(11, 0), "llm_tokens", 1000, { llm_tokens: 1000 })).toEqual({ ok: true });
    expect(record(l, day(11, 5), "cpu_seconds", 2.5).used).toEqual({ cpu_seconds: 2.5 });
  });

  it("kinds without a limit always pass", () => {
    const l = record(newLedger(0), 0, "cpu_seconds", 1e9);
    expect(check(l, 0, "cpu_seconds", 1, { llm_tokens: 5 })).toEqual({ ok: true });
  });

  it("prices: by model, with * as fallback, per million tokens", () => {
    const prices = {
      "gpt-x": { input_per_million: 2, output_per_million: 8 },
      "*": { input_per_million: 1, output_per_million: 1 },
    };
    // 1000 × 2 / 1e6 + 500 × 8 / 1e6 = 0.002 + 0.004
    expect(costOf(prices, "gpt-x", 1000, 500)).toBeCloseTo(0.006, 12);
    expect(costOf(prices, "other", 1_000_000, 0)).toBe(1);
    expect(costOf(undefined, "gpt-x", 1000, 500)).toBe(0);
  });
});

describe("spentUntil", () => {
  it("is the period's end once usage reaches the limit, null before, and null again next period", async () => {
    const { spentUntil } = await import("../../src/quota/ledger.js");
    const t0 = 5 * DAY_MS + 1000;
    let l = newLedger(t0);
    expect(spentUntil(l, t0, "cpu_seconds", { cpu_seconds: 10 })).toBeNull();
    l = record(l, t0, "cpu_seconds", 9.5);
    expect(spentUntil(l, t0, "cpu_seconds", { cpu_seconds: 10 })).toBeNull();
    l = record(l, t0 + 1, "cpu_seconds", 0.5);
    expect(spentUntil(l, t0 + 2, "cpu_seconds", { cpu_seconds: 10 })).toBe(6 * DAY_MS);
    expect(spentUntil(l, 6 * DAY_MS, "cpu_seconds", { cpu_seconds: 10 })).toBeNull();
    expect(spentUntil(l, t0, "cpu_seconds", {})).toBeNull();
    expect(spentUntil(l, t0, "cpu_seconds", { cpu_seconds: 0 })).toBe(6 * DAY_MS);
  });
});
