// Checkpoint edge cases: long and non-ASCII strings survive the round trip (a
// regression: protobufjs's Buffer writer threw in workerd for strings of 40+
// chars), a state UTF-8 cannot carry is a 400, not a poison checkpoint, and an
// encoded state over the limit is a 413.
import { describe, expect, it } from "vitest";
import { officeos } from "../../proto/gen/officeos.js";
import { call, callBytes, expectError, fixture, getTask, lease, leasedTask, ok, type Fixture } from "./helpers.js";

const leased = (f: Fixture, instance?: string) => leasedTask(f, "echo", instance);

describe("checkpoint edge cases", () => {
  it("round-trips strings of every length class, ASCII and not", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    const state = {
      messages: [39, 40, 127, 128, 5_000].map((n, i) => ({
        role: "user",
        content: (i % 2 ? "é✓" : "ab").repeat(n).slice(0, n),
      })),
      reasoning: "r€".repeat(50_000),
      app_state: { blob: "x".repeat(100_000), list: Array.from({ length: 500 }, (_, i) => ({ i, s: `item ${i} ✓` })) },
    };
    expect((await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state }))).seq).toBe(1);
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read))).state).toEqual(state);
    const r = await callBytes("GET", `/v1/tasks/${id}/checkpoint`, f.read, { accept: "application/x-protobuf" });
    const cp = officeos.v1.AgentCheckpoint.decode(r.bytes);
    expect(cp.state?.reasoning).toBe(state.reasoning);
    expect(JSON.parse(cp.state?.appStateJson ?? "null")).toEqual(state.app_state);
  });

  it("refuses an encoded state over 24 MiB with 413 naming the limit, and keeps the previous one", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: { reasoning: "small" } }));
    const r = await call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, {
      epoch,
      state: { reasoning: "x".repeat(25 * 1024 * 1024) },
    });
    expectError(r, 413, "payload_too_large");
    expect(r.body.error.details.limit).toBe(24 * 1024 * 1024);
    expect(r.body.error.message).toContain(String(24 * 1024 * 1024));
    const cp = await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));
    expect(cp).toMatchObject({ seq: 1, state: { reasoning: "small" } });
  });

  it("refuses a JSON state with a lone surrogate (400) and the task stays resumable", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await leased(f);
    await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: { reasoning: "fine" } }));
    // JSON.stringify writes the lone surrogate as the escape \ud800, which is valid JSON.
    expectError(
      await call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, {
        epoch,
        state: { messages: [{ role: "user", content: "a\ud800b" }] },
      }),
      400,
      "bad_request",
    );
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read))).state).toEqual({ reasoning: "fine" });
    expect((await getTask(f, id)).checkpoint_seq).toBe(1);
    await ok(call("POST", `/v1/tasks/${id}/release`, f.runner, { epoch }));
    const [again] = await lease(f, runnerId);
    expect(again.checkpoint).toMatchObject({ seq: 1, state: { reasoning: "fine" } });
  });
});
