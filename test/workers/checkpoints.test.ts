// Checkpoints: JSON and protobuf in and out, sequence numbers, and the state
// a re-leased task resumes from.
import { describe, expect, it } from "vitest";
import { officeos } from "../../proto/gen/officeos.js";
import { call, callBytes, fixture, getTask, lease, leasedTask, ok, submit, type Fixture } from "./helpers.js";

const PROTOBUF = "application/x-protobuf";

/** Every field of the JSON view set, so the round trip can be compared whole. */
const STATE = {
  messages: [
    { role: "system", content: "You are terse." },
    { role: "assistant", content: "", name: "planner", tool_call_id: "call_1" },
    { role: "tool", content: '{"rows":3}', tool_call_id: "call_1" },
  ],
  tool_calls: [
    {
      id: "call_1",
      name: "sql",
      arguments: '{"q":"select 1"}',
      result: '{"rows":3}',
      status: "ok" as const,
      started_at_ms: 1_700_000_000_000,
      ended_at_ms: 1_700_000_000_250,
    },
    { id: "call_2", name: "crm", status: "pending" as const, started_at_ms: 1_700_000_000_300 }, // no end yet
  ],
  reasoning: "step 2: summarise — ünïcödé ✓",
  cursor: { step: 7, sub_step: 2 },
  app_state: { plan: ["a", "b"], done: false, n: 1.5, nested: { x: null } },
  metadata: { framework: "langgraph" },
};

const leased = (f: Fixture, instance?: string) => leasedTask(f, "echo", instance);

describe("checkpoints", () => {
  it("returns a JSON checkpoint as it was written, and the task shows its seq", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    expect((await getTask(f, id)).state).toBe("leased");
    expect(await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: STATE }))).toEqual({
      seq: 1,
      kind: "full",
    });
    const cp = await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));
    expect(cp.seq).toBe(1);
    expect(cp.task_id).toBe(id);
    expect(cp.state).toEqual(STATE);
    // The first checkpoint marks the task running.
    expect(await getTask(f, id)).toMatchObject({ state: "running", checkpoint_seq: 1 });
  });

  it("numbers checkpoints 1, 2, 3 and serves the newest", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    for (const step of [1, 2, 3]) {
      const { seq } = await ok(
        call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: { cursor: { step, sub_step: 0 } } }),
      );
      expect(seq).toBe(step);
      expect((await getTask(f, id)).checkpoint_seq).toBe(step);
    }
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.runner))).state).toEqual({
      cursor: { step: 3, sub_step: 0 },
    });
  });

  it("serves protobuf when asked, decodable as officeos.v1.AgentCheckpoint", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: STATE }));
    const r = await callBytes("GET", `/v1/tasks/${id}/checkpoint`, f.read, { accept: PROTOBUF });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe(PROTOBUF);
    const cp = officeos.v1.AgentCheckpoint.decode(r.bytes);
    expect(Number(cp.seq)).toBe(1);
    expect(cp.taskId).toBe(id);
    expect(Number(cp.epoch)).toBe(epoch);
    expect(Number(cp.createdAtMs)).toBeGreaterThan(0);
    const s = cp.state;
    expect(s?.messages?.map((m) => m.role)).toEqual(["system", "assistant", "tool"]);
    expect(s?.toolCalls?.[0]?.name).toBe("sql");
    expect(Number(s?.toolCalls?.[0]?.endedAtMs)).toBe(1_700_000_000_250);
    expect(s?.reasoning).toBe(STATE.reasoning);
    expect(s?.cursor).toMatchObject({ step: 7, subStep: 2 });
    expect(JSON.parse(s?.appStateJson ?? "null")).toEqual(STATE.app_state);
    expect(s?.metadata).toEqual({ framework: "langgraph" });
  });

  it("takes a protobuf AgentState and serves it back as JSON", async () => {
    const f = await fixture();
    const { id, epoch } = await leased(f);
    const bytes = officeos.v1.AgentState.encode({
      messages: [{ role: "user", content: "hello" }],
      reasoning: "thinking",
      cursor: { step: 4, subStep: 1 },
      appStateBytes: new Uint8Array([0, 1, 2, 254, 255]),
    }).finish();
    const put = await call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, bytes, {
      "content-type": PROTOBUF,
      "officeos-epoch": String(epoch),
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ seq: 1, kind: "full" });
    const cp = await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));
    expect(cp.state).toEqual({
      messages: [{ role: "user", content: "hello" }],
      reasoning: "thinking",
      cursor: { step: 4, sub_step: 1 },
      app_state_base64: "AAEC/v8=",
    });
    expect((await getTask(f, id)).checkpoint_seq).toBe(1);
  });

  it("hands a re-leased task the latest checkpoint in its lease", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await leased(f);
    await ok(
      call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: { cursor: { step: 1, sub_step: 0 } } }),
    );
    await ok(
      call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, {
        epoch,
        state: { cursor: { step: 2, sub_step: 0 }, app_state: { k: "v" } },
      }),
    );
    await ok(call("POST", `/v1/tasks/${id}/release`, f.runner, { epoch }));
    const [again] = await lease(f, runnerId);
    expect(again.task.id).toBe(id);
    expect(again.checkpoint).toMatchObject({
      seq: 2,
      task_id: id,
      state: { cursor: { step: 2, sub_step: 0 }, app_state: { k: "v" } },
    });
    // The new lease continues the chain.
    expect(
      (
        await ok(
          call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, {
            epoch: again.epoch,
            state: { cursor: { step: 3, sub_step: 0 } },
          }),
        )
      ).seq,
    ).toBe(3);
  });

  it("gives a fresh task no checkpoint, and a named instance's next task the previous state", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await leased(f, "ticket-9");
    await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch, state: { reasoning: "remember me" } }));
    await ok(call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch }));
    const fresh = await submit(f, { agent: "echo" });
    const next = await submit(f, { agent: "echo", instance: "ticket-9" });
    const leases = await lease(f, runnerId, { max_tasks: 2 });
    const byId = new Map(leases.map((l) => [l.task.id as string, l]));
    expect(byId.get(fresh.id)?.checkpoint).toBeUndefined();
    expect(byId.get(next.id)?.checkpoint).toMatchObject({ seq: 1, task_id: id, state: { reasoning: "remember me" } });
  });

  it("answers 404 for a task without checkpoints", async () => {
    const f = await fixture();
    const { id } = await leased(f);
    const r = await call("GET", `/v1/tasks/${id}/checkpoint`, f.read);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
  });
});
