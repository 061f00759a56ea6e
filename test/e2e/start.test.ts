// `npm start` (scripts/start.mjs, after the build `npm test` already ran):
// serves /healthz, registers a ready local runner, runs a task, stops cleanly.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { api, freePort, ROOT, stopProcess } from "../../scripts/lib/stack.mjs";

const home = mkdtempSync(join(tmpdir(), "officeos-start-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("npm start serves /healthz and shows the local runner ready", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], {
    cwd: ROOT,
    env: { ...process.env, OFFICEOS_PORT: String(port), OFFICEOS_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d.toString()));
  child.stderr.on("data", (d) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`npm start printed no banner:\n${out}`)), 90_000);
      child.stdout.on("data", () => out.includes("Ctrl-C") && (clearTimeout(t), resolve()));
      child.once("exit", (code) => reject(new Error(`start exited with ${code}:\n${out}`)));
    });
    expect(out).toMatch(/local runner\s+run_[0-9a-f]+ ready/);
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const creds = JSON.parse(readFileSync(join(home, "dev.json"), "utf8"));
    expect(out).toContain(creds.submitKey);
    const { runners } = await api(`http://127.0.0.1:${port}`, creds.adminKey)<{ runners: { name: string; state: string }[] }>("GET", "/v1/runners");
    expect(runners.filter((r) => r.state === "ready").map((r) => r.name)).toEqual(["local-runner"]);

    const submit = api(`http://127.0.0.1:${port}`, creds.submitKey);
    const { task } = await submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "echo", input: { hello: "world" } });
    let state = "";
    for (let i = 0; i < 300 && state !== "succeeded"; i++) {
      const t = (await submit<{ task: { state: string; result?: unknown } }>("GET", `/v1/tasks/${task.id}`)).task;
      state = t.state;
      if (state === "succeeded") expect(t.result).toEqual({ echo: { hello: "world" } });
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe("succeeded");
  } finally {
    await stopProcess(child);
  }
  expect(child.exitCode).toBe(0);
});
