// Bodies that are not JSON at all, the wrong media type, oversized bodies,
// protobuf garbage, a bad epoch header and unknown routes: 4xx, never 500.
import { describe, expect, it } from "vitest";
import { officeos } from "../../proto/gen/officeos.js";
import { call, expectError, fixture, lease, putAgent, registerRunner, submit } from "./helpers.js";

const JSON_CT = { "content-type": "application/json" };
const PROTOBUF_CT = { "content-type": "application/x-protobuf" };

describe("bodies that are not what the route takes", () => {
  it("answers 400 bad_request to JSON text that does not parse", async () => {
    const f = await fixture();
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    for (const [method, path, key] of [
      ["POST", "/v1/tasks", f.submit],
      ["PUT", "/v1/agents/echo", f.admin],
      ["POST", "/v1/runners", f.runner],
      ["POST", `/v1/runners/${runnerId}/lease`, f.runner],
    ] as const) {
      expectError(await call(method, path, key, '{"agent": "echo",', JSON_CT), 400, "bad_request");
      expectError(await call(method, path, key, "", JSON_CT), 400, "bad_request");
    }
  });

  it("answers 415 to a body in another media type, or with none named", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    expectError(
      await call("POST", "/v1/tasks", f.submit, '{"agent":"echo"}', { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    expectError(await call("POST", "/v1/tasks", f.submit, '{"agent":"echo"}', {}), 415, "unsupported_media_type");
    expectError(
      await call("PUT", "/v1/agents/echo", f.admin, "resources=1", {
        "content-type": "application/x-www-form-urlencoded",
      }),
      415,
      "unsupported_media_type",
    );
    expectError(
      await call("PUT", "/v1/tasks/task_x/checkpoint", f.runner, "{}", { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toEqual([]);
  });

  it("answers 413 payload_too_large to a body over 1 MiB", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const big = JSON.stringify({ agent: "echo", input: "x".repeat(1024 * 1024) });
    const r = await call("POST", "/v1/tasks", f.submit, big, JSON_CT);
    expectError(r, 413, "payload_too_large");
    expect(r.body.error.details).toEqual({ limit: 1024 * 1024 });
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toEqual([]);
  });

  it("answers 404 JSON to an unknown route", async () => {
    expectError(await call("GET", "/v1/nothing-here", null), 404, "not_found");
    expectError(await call("DELETE", "/v1/tasks", null), 404, "not_found");
    const r = await call("GET", "/nope", null);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("protobuf checkpoints", () => {
  async function leased() {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, runnerId);
    return { f, path: `/v1/tasks/${task.id}/checkpoint`, epoch: String(l.epoch) };
  }

  it("answers 400 to bytes that are not an AgentState", async () => {
    const { f, path, epoch } = await leased();
    const garbage = [
      [0x0a, 0x10], // messages, length 16, but nothing follows
      [0x9f, 0x06, 0x00], // field 99 with wire type 7, which does not exist
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // a varint tag that never ends
    ];
    for (const g of garbage) {
      expectError(
        await call("PUT", path, f.runner, new Uint8Array(g), { ...PROTOBUF_CT, "officeos-epoch": epoch }),
        400,
        "bad_request",
      );
    }
    // Well-formed protobuf whose app_state_json is not JSON is refused too.
    const badJson = officeos.v1.AgentState.encode({ appStateJson: "{not json" }).finish();
    expectError(
      await call("PUT", path, f.runner, badJson, { ...PROTOBUF_CT, "officeos-epoch": epoch }),
      400,
      "bad_request",
    );
    expectError(await call("GET", path, f.read), 404, "not_found");
  });

  it("answers 400 when the OfficeOS-Epoch header is missing or not a positive integer", async () => {
    const { f, path, epoch } = await leased();
    const good = officeos.v1.AgentState.encode({ reasoning: "r" }).finish();
    expectError(await call("PUT", path, f.runner, good, PROTOBUF_CT), 400, "bad_request");
    for (const bad of ["", "abc", "0", "-1", "1.5", "1e400"]) {
      expectError(
        await call("PUT", path, f.runner, good, { ...PROTOBUF_CT, "officeos-epoch": bad }),
        400,
        "bad_request",
      );
    }
    // The same bytes with the right header are accepted: the refusals were about the header.
    const r = await call("PUT", path, f.runner, good, { ...PROTOBUF_CT, "officeos-epoch": epoch });
    expect(r.status).toBe(200);
    expect(r.body.seq).toBe(1);
  });
});
