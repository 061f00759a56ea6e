// The runner's outcome batcher: outcomes within its window leave in one
// POST /v1/runners/{id}/report; each caller gets the answer its single call
// would have had; when the control plane refuses the batch call (no route,
// a body it will not take) the outcomes go one by one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ControlPlane } from "../../agent-runner/src/control.js";
import { OutcomeBatcher } from "../../agent-runner/src/report-batch.js";

interface Seen {
  method: string;
  url: string;
  body: { reports?: { task_id: string; epoch: number; outcome: string }[]; epoch?: number };
}

/** A control plane stand-in speaking the report protocol: epoch 1 is current, anything else is stale. */
const seen: Seen[] = [];
let mode: "batch" | "no-route" | "refuse-body" = "batch";
let server: Server;
let url = "";

const task = (id: string, state: string) => ({
  id,
  agent: "echo",
  state,
  priority: 0,
  attempts: 1,
  instance: id,
  created_at: "",
  updated_at: "",
});
const stale = { code: "stale_epoch", message: "lease epoch is no longer current" };

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", body: raw ? JSON.parse(raw) : {} };
      seen.push(s);
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const report = /^\/v1\/runners\/([^/]+)\/report$/.exec(s.url);
      if (report) {
        if (mode === "no-route") return send(404, { error: { code: "not_found", message: "no such route" } });
        if (mode === "refuse-body")
          return send(413, { error: { code: "payload_too_large", message: "request body exceeds 1048576 bytes" } });
        const items = (s.body.reports ?? []).map((r) =>
          r.epoch === 1
            ? {
                task_id: r.task_id,
                status: 200,
                task: task(r.task_id, r.outcome === "release" ? "queued" : "succeeded"),
              }
            : { task_id: r.task_id, status: 409, error: stale },
        );
        return send(200, { items });
      }
      const single = /^\/v1\/tasks\/([^/]+)\/(complete|fail|release)$/.exec(s.url);
      if (single)
        return s.body.epoch === 1
          ? send(200, { task: task(single[1] as string, "succeeded") })
          : send(409, { error: stale });
      send(404, { error: { code: "not_found", message: "no such route" } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  seen.length = 0;
  mode = "batch";
});

const paths = () => seen.map((s) => s.url);

describe("OutcomeBatcher", () => {
  it("sends outcomes arriving together in one report call, and answers each on its own", async () => {
    const b = new OutcomeBatcher(new ControlPlane(url, "oos.t.k.s"), () => "runner_1", { windowMs: 5 });
    const answers = await Promise.all([
      b.complete("task_a", 1, { ok: true }, { cpu_seconds: 1 }),
      b.fail("task_b", 1, { code: "boom", message: "x" }, false),
      b.release("task_c", 1),
      b.complete("task_d", 2, null),
    ]);
    expect(paths()).toEqual(["/v1/runners/runner_1/report"]);
    expect(seen[0]?.body.reports).toEqual([
      { task_id: "task_a", epoch: 1, outcome: "complete", result: { ok: true }, usage: { cpu_seconds: 1 } },
      { task_id: "task_b", epoch: 1, outcome: "fail", error: { code: "boom", message: "x" }, retryable: false },
      { task_id: "task_c", epoch: 1, outcome: "release" },
      { task_id: "task_d", epoch: 2, outcome: "complete", result: null },
    ]);
    expect(answers.map((a) => a.kind)).toEqual(["ok", "ok", "ok", "http"]);
    expect(answers[2]).toMatchObject({ kind: "ok", value: { task: { id: "task_c", state: "queued" } } });
    // The stale one comes back as the single call's 409, so the task run stops the attempt as before.
    expect(answers[3]).toEqual({ kind: "http", status: 409, code: "stale_epoch", message: stale.message });
    expect(b.stats).toMatchObject({ calls: 1, items: 4, fallbacks: 0 });
  });

  it("sends a lone outcome as the single call, and splits at maxItems", async () => {
    const b = new OutcomeBatcher(new ControlPlane(url, "oos.t.k.s"), () => "runner_1", { windowMs: 5, maxItems: 2 });
    expect((await b.complete("task_a", 1, 1)).kind).toBe("ok");
    expect(paths()).toEqual(["/v1/tasks/task_a/complete"]);
    seen.length = 0;
    await Promise.all([b.complete("t1", 1, 1), b.complete("t2", 1, 2), b.complete("t3", 1, 3)]);
    expect(paths()).toEqual(["/v1/runners/runner_1/report", "/v1/tasks/t3/complete"]);
  });

  it("falls back to single calls when the control plane has no report route, and stays there", async () => {
    mode = "no-route";
    const b = new OutcomeBatcher(new ControlPlane(url, "oos.t.k.s"), () => "runner_1", { windowMs: 5 });
    const answers = await Promise.all([b.complete("t1", 1, 1), b.fail("t2", 3, { code: "c", message: "m" }, true)]);
    expect(answers.map((a) => (a.kind === "http" ? a.status : a.kind))).toEqual(["ok", 409]);
    expect(paths().sort()).toEqual(["/v1/runners/runner_1/report", "/v1/tasks/t1/complete", "/v1/tasks/t2/fail"]);
    seen.length = 0;
    await Promise.all([b.complete("t3", 1, 1), b.complete("t4", 1, 1)]);
    expect(paths().sort()).toEqual(["/v1/tasks/t3/complete", "/v1/tasks/t4/complete"]);
  });

  it("sends each outcome alone when the batch body is refused", async () => {
    mode = "refuse-body";
    const b = new OutcomeBatcher(new ControlPlane(url, "oos.t.k.s"), () => "runner_1", { windowMs: 5 });
    const answers = await Promise.all([b.complete("t1", 1, "x"), b.release("t2", 1)]);
    expect(answers.map((a) => a.kind)).toEqual(["ok", "ok"]);
    expect(paths().sort()).toEqual(["/v1/runners/runner_1/report", "/v1/tasks/t1/complete", "/v1/tasks/t2/release"]);
    expect(b.stats.fallbacks).toBe(1);
  });

  it("answers every caller with the network failure when the control plane is unreachable", async () => {
    const b = new OutcomeBatcher(new ControlPlane("http://127.0.0.1:1", "oos.t.k.s"), () => "runner_1", {
      windowMs: 5,
    });
    const answers = await Promise.all([b.complete("t1", 1, 1), b.complete("t2", 1, 2)]);
    expect(answers.map((a) => a.kind)).toEqual(["network", "network"]);
  });
});
