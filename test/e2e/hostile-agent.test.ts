// Issue 15, acceptance 1 (runtime-API half) and 4 end to end: a real control
// plane (wrangler dev), a real runner as root, and a real hostile agent process
// (test/e2e/hostile/hostile-agent.mjs, running as an unprivileged user) that
// sends the whole path-trick corpus against every runtime-API route over raw
// sockets. The runner reaches the control plane only through a logging reverse
// proxy written here, so what the control plane received is observed, not
// inferred: nothing outside the runner's own upstream shapes, nothing of the
// agent's tricks, nothing under /v1/keys or /v1/checkpoints, no runner listed or
// registered for the agent. Every trick got a 4xx, the refusals are in the
// audit log as runtime.denied, and the legitimate routes still work, the LLM
// gateway included: n multiplies the reservation, n: 64 is refused.
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inCi } from "../../scripts/lib/prereqs.mjs";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { startFakeOpenAi, type FakeOpenAi } from "./fake-openai.js";
import { corpus, WIRE } from "./hostile/corpus.mjs";
import { finished, until, useStack } from "./helpers.js";

const s = useStack("hostile");
const HERE = dirname(fileURLToPath(import.meta.url));
const LLM_KEY = "sk-hostile-upstream-0123456789";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A reverse proxy that forwards every request byte for byte (the raw target included) and records it. */
async function loggingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const up = new URL(target);
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const out = request(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: up.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "proxy", message: e.message } }));
    });
    req.pipe(out);
  });
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Every path the runner itself sends upstream; anything else reaching the control plane is a hole. */
const ID = "[A-Za-z0-9_][A-Za-z0-9._~%-]*";
const RUNNER_SHAPES: [string, RegExp][] = [
  ["POST", /^\/v1\/runners$/],
  ["POST", new RegExp(`^/v1/runners/${ID}/(lease|heartbeat|report)$`)],
  ["DELETE", new RegExp(`^/v1/runners/${ID}$`)],
  ["GET", new RegExp(`^/v1/agents/${ID}$`)],
  ["POST", /^\/v1\/audit\/events$/],
  ["PUT", new RegExp(`^/v1/tasks/${ID}/checkpoint$`)],
  ["POST", new RegExp(`^/v1/tasks/${ID}/(complete|fail|approval|release)$`)],
  ["POST", /^\/v1\/quotas\/reservations$/],
  ["POST", new RegExp(`^/v1/quotas/reservations/${ID}/(settle|cancel)$`)],
  ["GET", new RegExp(`^/v1/threads/${ID}/checkpoints(/${ID})?(\\?[A-Za-z0-9._~*%&=+-]*)?$`)],
  ["PUT", new RegExp(`^/v1/threads/${ID}/checkpoints/${ID}(/writes)?$`)],
  ["DELETE", new RegExp(`^/v1/threads/${ID}$`)],
];

let upstream: FakeOpenAi;
let agentDir = "";

beforeAll(async () => {
  upstream = await startFakeOpenAi(LLM_KEY);
  // The agent runs as an unprivileged user: its script and corpus sit in a directory it may read.
  agentDir = mkdtempSync(join(tmpdir(), "officeos-hostile-agent-"));
  chmodSync(agentDir, 0o755);
  for (const f of ["hostile-agent.mjs", "corpus.mjs"]) {
    copyFileSync(join(HERE, "hostile", f), join(agentDir, f));
    chmodSync(join(agentDir, f), 0o644);
  }
});
afterAll(async () => {
  await upstream?.close();
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
});

describe("a hostile agent under a real runner", () => {
  it("gets a 4xx for every path trick on every route; none reaches the control plane; refusals are audited; its own routes still work", async () => {
    // Burst 100: one call of 16 + 40 tokens fits; n: 4 reserves 16 + 4 × 40 = 176, more than the bucket can ever hold.
    await s.admin("PUT", "/v1/agents/hostile", {
      resources: { cpu: 100, memory_mb: 256 },
      quota: { llm_tpm: 6, llm_tokens_burst: 100 },
    });
    const proxy = await loggingProxy(s.cp.url);
    const runner = startRunner({
      dir: s.dir,
      name: "hostile-runner",
      url: proxy.url,
      key: s.runnerKey,
      agents: { hostile: { command: [process.execPath, join(agentDir, "hostile-agent.mjs")] } },
      extra: { llm: { base_url: upstream.url, default_model: "fake-model" } },
      env: { OFFICEOS_LLM_API_KEY: LLM_KEY },
    });
    s.runners.push(runner);
    try {
      await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
      // Issue #16, acceptance 1: under CI=true this suite runs inside the bwrap sandbox or fails.
      const iso = (await runner.waitForLog((e: { msg?: string }) => e.msg === "agent isolation")) as { level?: string };
      if (inCi()) expect(iso.level).toBe("bwrap");
      const thread = `hostile:${Date.now()}`;
      const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
        agent: "hostile",
        input: { thread },
      });
      const done = await finished(s.submit, task.id, 120_000);
      // The error (with its stderr tail) is in the failure message when it did not succeed.
      expect({ state: done.state, error: done.error }).toEqual({ state: "succeeded", error: undefined });
      const r = done.result;

      // Every trick, and every broken request line, got a 4xx.
      expect(r.total).toBe(corpus().length + WIRE.length);
      expect(r.not_4xx).toEqual([]);

      // The legitimate routes worked, before and after the tricks.
      expect(r.legit).toMatchObject({
        put: 200,
        writes: 200,
        get: 200,
        list: 200,
        listed: ["c1"],
        checkpoint: 200,
        progress: 200,
        task_after: 200,
        list_after: 200,
        delete: 200,
      });
      // The gateway: one call granted; n: 4 reserves four completions, which the bucket refuses; n: 64 and unknown fields are 400s naming them.
      expect(r.legit.llm).toBe(200);
      // (176 tokens exceed the bucket's burst of 100: the control plane refuses it as bad_request, 400.)
      expect(r.legit.llm_n4).toEqual({ status: 400, code: "bad_request" });
      expect(r.legit.llm_n64).toEqual({ status: 400, param: "n" });
      expect(r.legit.llm_unknown.status).toBe(400);
      expect(r.legit.llm_unknown.message).toContain("best_of");
      expect(upstream.calls).toHaveLength(1);

      // What the control plane received: only the runner's own shapes, none of the agent's tricks.
      const seen = proxy.seen.map((x) => ({
        method: x.method,
        url: x.url,
        task: x.headers["officeos-task-id"],
        host: x.headers.host,
        fwd: Object.keys(x.headers).filter((h) => h.startsWith("x-forwarded")),
      }));
      const outside = seen.filter((x) => !RUNNER_SHAPES.some(([m, re]) => m === x.method && re.test(x.url)));
      expect(outside).toEqual([]);
      for (const x of seen) {
        expect(x.url).not.toMatch(/\.\.|%2e|%2f|%5c|%25|\/\/|;|\\|hostile-t|hostile-c/i);
        expect(x.url).not.toMatch(/^\/v1\/(keys|checkpoints)|^\/v1\/audit(\?|$)/);
        expect(x.fwd).toEqual([]);
      }
      // The runner registered once, itself; it never listed runners.
      expect(seen.filter((x) => x.url === "/v1/runners")).toEqual([
        expect.objectContaining({ method: "POST", task: undefined }),
      ]);
      // What the agent caused upstream: its own thread's routes only, for its own task.
      const forwarded = seen.filter((x) => x.task !== undefined || x.url.startsWith("/v1/threads/"));
      // put, writes, get, list, list again after the tricks, delete.
      expect(forwarded.length).toBe(6);
      for (const x of forwarded) {
        expect(x.url.startsWith(`/v1/threads/${encodeURIComponent(thread)}`)).toBe(true);
        expect(x.task).toBe(task.id);
      }

      // runtime.denied: in the audit log, for this task, in a few batched calls.
      const denied = await until(
        "runtime.denied audit events for the task",
        async () => {
          const page = await s.admin<{
            events: {
              type: string;
              subject?: string;
              details?: { count: number; codes: Record<string, number>; samples: unknown[] };
            }[];
          }>("GET", "/v1/audit?type=runtime.denied&limit=500");
          const mine = page.events.filter((e) => e.subject === task.id);
          const count = mine.reduce((n, e) => n + (e.details?.count ?? 0), 0);
          // Requests the HTTP parser cannot read are refused before their token is known: counted under no task.
          return count >= corpus().length * 0.8 && mine;
        },
        20_000,
      );
      expect(denied[0]?.details?.codes).toMatchObject({
        dot_segment: expect.any(Number),
        not_found: expect.any(Number),
      });
      const auditCalls = seen.filter((x) => x.url === "/v1/audit/events").length;
      expect(auditCalls).toBeGreaterThan(0);
      expect(auditCalls).toBeLessThan(40);
    } finally {
      await runner.stop();
      s.runners.splice(s.runners.indexOf(runner), 1);
      await proxy.close();
    }
  }, 180_000);
});
