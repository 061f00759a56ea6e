// `officeos delete agent NAME` against a small local HTTP server standing in for the control plane
// (the route itself: test/workers/agent-delete.test.ts): what it prints, its exit codes, the hint on
// a 409 and "did you mean" on a 404, and the nouns it takes.
import { createServer, type Server } from "node:http";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completionScript } from "../../cli/src/completion.js";
import { EXIT } from "../../cli/src/errors.js";
import { run } from "../../cli/src/main.js";
import type { Io } from "../../cli/src/output.js";

let server: Server;
let url = "";
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/v1/agents") return send(200, { agents: [{ name: "triage" }] });
    if (req.method !== "DELETE") return send(404, { error: { code: "not_found", message: "no such route" } });
    if (req.url === "/v1/agents/done") return send(200, { name: "done", deleted: true, finished_tasks: 3 });
    if (req.url === "/v1/agents/busy")
      return send(409, {
        error: {
          code: "conflict",
          message: 'agent "busy" has 2 unfinished tasks (1 queued, 1 running): cancel them or let them end first',
          details: { unfinished_tasks: 2, states: { queued: 1, running: 1 } },
        },
      });
    return send(404, {
      error: { code: "not_found", message: `agent "${req.url?.split("/").pop()}" is not registered` },
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const io: Io = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { OFFICEOS_CONFIG: "/nonexistent/officeos-config.json", OFFICEOS_URL: url, OFFICEOS_KEY: "oos.t.k.s" },
    signal: new AbortController().signal,
  };
  const code = await run(argv, io);
  return { code, out, err };
}

describe("officeos delete agent", () => {
  it("deletes, says what stayed, exit 0; -o json prints the answer", async () => {
    const r = await cli(["delete", "agent", "done"]);
    expect(r).toMatchObject({ code: EXIT.ok, out: "agent done deleted (its 3 finished tasks kept)\n" });
    expect(seen).toContain("DELETE /v1/agents/done");
    const j = await cli(["delete", "agents", "done", "-o", "json"]);
    expect(JSON.parse(j.out)).toEqual({ name: "done", deleted: true, finished_tasks: 3 });
  });

  it("409: names how many tasks are unfinished and how to see them, exit 6", async () => {
    const r = await cli(["delete", "agent", "busy"]);
    expect(r.code).toBe(EXIT.api);
    expect(r.err).toContain('agent "busy" has 2 unfinished tasks (1 queued, 1 running)');
    expect(r.err).toContain("hint: `officeos get tasks --agent busy` lists them");
    const j = await cli(["delete", "agent", "busy", "--json"]);
    expect(JSON.parse(j.out).error.details).toEqual({ unfinished_tasks: 2, states: { queued: 1, running: 1 } });
  });

  it("404: did you mean one of the tenant's agents, exit 5", async () => {
    const r = await cli(["delete", "agent", "triag"]);
    expect(r.code).toBe(EXIT.notFound);
    expect(r.err).toMatch(/Did you mean "triage"\?/i);
  });

  it("takes only the agent noun, and completes it", async () => {
    const r = await cli(["delete", "task", "x"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('"task" cannot be used here');
    expect((await cli(["delete", "agnet", "x"])).err).toContain('Did you mean "agent"?');
    expect(completionScript("bash")).toMatch(/delete\) words="agent"/);
  });
});
