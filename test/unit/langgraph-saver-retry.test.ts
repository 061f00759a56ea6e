// OfficeOSSaver waits out 429s (the per-key rate limit) as the answer says, and gives up after a
// bounded number; it never retries a refusal that is not transient.
import { describe, expect, it } from "vitest";
import { OfficeOSSaver, OfficeOSSaverError } from "../../integrations/langgraph/index.js";
import { retryAfterMs } from "../../integrations/langgraph/src/saver.js";

const limited = (ms: number) =>
  new Response(
    JSON.stringify({ error: { code: "rate_limited", message: "slow down", details: { retry_after_ms: ms } } }),
    { status: 429, headers: { "content-type": "application/json", "retry-after": "1" } },
  );
const empty = () =>
  new Response(JSON.stringify({ checkpoints: [] }), { status: 200, headers: { "content-type": "application/json" } });

function saverWith(answers: (() => Response)[]): { saver: OfficeOSSaver; calls: number[] } {
  const calls: number[] = [];
  const fetchFn = (async () => {
    calls.push(Date.now());
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    return next();
  }) as typeof fetch;
  return { saver: new OfficeOSSaver({ url: "http://officeos.test", apiKey: "k", fetch: fetchFn }), calls };
}

describe("OfficeOSSaver and 429", () => {
  it("retries after the wait the answer gives, then succeeds", async () => {
    const { saver, calls } = saverWith([() => limited(40), () => limited(40), empty]);
    expect(await saver.getTuple({ configurable: { thread_id: "t" } })).toBeUndefined();
    expect(calls).toHaveLength(3);
    expect((calls[1] as number) - (calls[0] as number)).toBeGreaterThanOrEqual(35);
  });

  it("gives up after 8 answers of 429 with the refusal's status and code", async () => {
    const { saver, calls } = saverWith(Array.from({ length: 8 }, () => () => limited(1)));
    const e = await saver.getTuple({ configurable: { thread_id: "t" } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OfficeOSSaverError);
    expect(e).toMatchObject({ status: 429, code: "rate_limited" });
    expect(calls).toHaveLength(8);
  });

  it("does not retry other refusals", async () => {
    const forbidden = () =>
      new Response(JSON.stringify({ error: { code: "forbidden", message: "no" } }), { status: 403 });
    const { saver, calls } = saverWith([forbidden, empty]);
    await expect(saver.getTuple({ configurable: { thread_id: "t" } })).rejects.toMatchObject({
      status: 403,
      code: "forbidden",
    });
    expect(calls).toHaveLength(1);
  });

  it("reads the wait from details.retry_after_ms, else Retry-After seconds, else 1 s, at most 10 s", () => {
    expect(retryAfterMs("3", JSON.stringify({ error: { details: { retry_after_ms: 250 } } }))).toBe(250);
    expect(retryAfterMs("3", "not json")).toBe(3000);
    expect(retryAfterMs(null, "")).toBe(1000);
    expect(retryAfterMs("soon", "{}")).toBe(1000);
    expect(retryAfterMs("3600", "{}")).toBe(10_000);
    expect(retryAfterMs(null, JSON.stringify({ error: { details: { retry_after_ms: -5 } } }))).toBe(0);
  });
});
