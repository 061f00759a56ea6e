// DELETE /v1/agents/{name} (issue #19): admin only; 404 for an agent that is not there; 409 while any
// of its tasks is unfinished, naming how many and their states; once its tasks have ended the spec
// goes (new tasks 404, GET 404), its finished tasks stay readable, and the audit log has the deletion.
import { describe, expect, it } from "vitest";
import { call, expectError, fixture, getTask, ok, putAgent, submit } from "./helpers.js";

describe("DELETE /v1/agents/{name}", () => {
  it("needs an admin key and an agent that exists", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { resources: { cpu: 100 } });
    expectError(await call("DELETE", "/v1/agents/echo", f.submit), 403, "forbidden");
    expectError(await call("DELETE", "/v1/agents/echo", f.read), 403, "forbidden");
    const missing = await call("DELETE", "/v1/agents/nope", f.admin);
    expectError(missing, 404, "not_found");
    expect(missing.body.error.message).toContain('"nope"');
    expectError(await call("DELETE", "/v1/agents/bad%20name", f.admin), 400, "bad_request");
  });

  it("is refused with 409 while tasks are unfinished, naming how many and their states", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { resources: { cpu: 100 } });
    const a = await submit(f, { agent: "echo", input: { n: 1 } });
    await submit(f, { agent: "echo", input: { n: 2 } });
    const r = await call("DELETE", "/v1/agents/echo", f.admin);
    expectError(r, 409, "conflict");
    expect(r.body.error.message).toBe(
      'agent "echo" has 2 unfinished tasks (2 queued): cancel them or let them end first',
    );
    expect(r.body.error.details).toEqual({ unfinished_tasks: 2, states: { queued: 2 } });
    // Still there, still taking tasks.
    await ok(call("GET", "/v1/agents/echo", f.read));
    await ok(call("POST", `/v1/tasks/${a.id}/cancel`, f.submit));
    const one = await call("DELETE", "/v1/agents/echo", f.admin);
    expectError(one, 409, "conflict");
    expect(one.body.error.details).toEqual({ unfinished_tasks: 1, states: { queued: 1 } });
  });

  it("removes the spec once every task has ended; finished tasks stay; the audit log says who", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { resources: { cpu: 100 } });
    await putAgent(f, "other", { resources: { cpu: 100 } });
    const t = await submit(f, { agent: "echo", input: {} });
    const keep = await submit(f, { agent: "other", input: {} });
    await ok(call("POST", `/v1/tasks/${t.id}/cancel`, f.submit));
    const gone = await ok(call("DELETE", "/v1/agents/echo", f.admin));
    expect(gone).toEqual({ name: "echo", deleted: true, finished_tasks: 1 });
    expectError(await call("GET", "/v1/agents/echo", f.read), 404, "not_found");
    expect((await ok(call("GET", "/v1/agents", f.read))).agents.map((x: any) => x.name)).toEqual(["other"]);
    expectError(await call("POST", "/v1/tasks", f.submit, { agent: "echo", input: {} }), 404, "not_found");
    expect((await getTask(f, t.id)).state).toBe("cancelled");
    expect((await getTask(f, keep.id)).state).toBe("queued");
    const { events } = await ok(call("GET", "/v1/audit?type=agent.deleted", f.admin));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "agent.deleted", subject: "echo", details: { finished_tasks: 1 } });
    // Deleting twice is a 404; registering the name again works and starts afresh.
    expectError(await call("DELETE", "/v1/agents/echo", f.admin), 404, "not_found");
    await putAgent(f, "echo", { resources: { cpu: 200 } });
    expect((await ok(call("GET", "/v1/agents/echo", f.read))).resources.cpu).toBe(200);
  });
});
