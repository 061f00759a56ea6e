// The TypeScript SDK is a real package (issue #19, acceptance 3): `npm pack` of the @officeos/sdk
// workspace, installed by name from its tarball into a scratch project outside the repository, a small
// TypeScript agent that imports it by name compiled there with tsc (its own declarations checked, no
// bundling), and that agent run to completion under a real runner against the real control plane.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const s = useStack("sdkpkg");
let scratch = "";
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
// Asynchronous: a blocked event loop would miss the control plane closing an idle keep-alive socket,
// and the next request would be sent on it.
const run = async (cmd: string, args: string[], cwd: string) =>
  (await promisify(execFile)(cmd, args, { cwd, encoding: "utf8", timeout: 180_000 })).stdout;

const AGENT = `import { runAgent, type JsonValue } from "@officeos/sdk";

interface Input { name: string; steps: number }

void runAgent<Input>(async (ctx): Promise<JsonValue> => {
  let step = ctx.restored?.cursor?.step ?? 0;
  for (; step < ctx.input.steps; step++) await ctx.checkpoint({ cursor: { step: step + 1 } });
  return { hello: ctx.input.name, steps: step, llm: ctx.llm.baseURL.endsWith("/llm/v1") };
});
`;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "officeos-sdk-scratch-"));
  // A root runner's agents run as nobody: the compiled agent and its node_modules must be readable by it.
  chmodSync(scratch, 0o755);
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("@officeos/sdk as a package", () => {
  let tarball = "";

  it("npm pack builds it and packs its declarations, ESM build and package.json", async () => {
    const out = await run("npm", ["pack", "-w", "@officeos/sdk", "--pack-destination", scratch, "--json"], ROOT);
    const meta = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    const files = meta[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "dist/index.js", "dist/index.d.ts"]));
    expect(files.some((f) => f.startsWith("test") || f.includes("tsconfig"))).toBe(false);
    tarball = join(scratch, meta[0]!.filename);
    expect(readdirSync(scratch)).toContain(meta[0]!.filename);
  });

  it("installs by name in a scratch project, where a TypeScript agent importing it compiles", async () => {
    const proj = join(scratch, "my-agent");
    await run("mkdir", ["-p", proj], scratch);
    chmodSync(proj, 0o755);
    writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "my-agent", private: true, type: "module" }));
    await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], proj);
    const pkg = JSON.parse(readFileSync(join(proj, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(["@officeos/sdk"]);
    writeFileSync(join(proj, "agent.ts"), AGENT);
    writeFileSync(
      join(proj, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023", "DOM"],
          types: [],
          strict: true,
          skipLibCheck: false,
          outDir: "out",
        },
        include: ["agent.ts"],
      }),
    );
    await run(process.execPath, [TSC, "-p", "."], proj);
    expect(readFileSync(join(proj, "out/agent.js"), "utf8")).toContain('from "@officeos/sdk"');
    // A type error against the package's declarations is caught: the types are really there.
    writeFileSync(join(proj, "agent.ts"), AGENT.replace("ctx.input.name", "ctx.input.nom"));
    let typeError = "";
    try {
      await run(process.execPath, [TSC, "-p", "."], proj);
    } catch (e) {
      typeError = String((e as { stdout?: string }).stdout);
    }
    expect(typeError).toMatch(/Property 'nom' does not exist/);
    writeFileSync(join(proj, "agent.ts"), AGENT);
    await run(process.execPath, [TSC, "-p", "."], proj);
  });

  it("runs that agent to completion under a real runner", async () => {
    const agent = join(scratch, "my-agent/out/agent.js");
    await s.admin("PUT", "/v1/agents/my-agent", { resources: { cpu: 100, memory_mb: 64 } });
    const runner = startRunner({
      dir: s.dir,
      name: "sdkpkg-runner",
      url: s.cp.url,
      key: s.runnerKey,
      // The sandbox shows the agent its program's directory (out/) and its cwd: the project, whose
      // node_modules holds the SDK.
      agents: { "my-agent": { command: [process.execPath, agent], cwd: join(scratch, "my-agent") } },
    });
    s.runners.push(runner);
    await runner.waitForLog((e) => e.msg === "runner ready", 60_000);
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "my-agent",
      input: { name: "scratch", steps: 2 },
    });
    const done = await finished(s.submit, task.id, 120_000);
    expect(done.state, JSON.stringify({ task: done, log: runner.lines.slice(-15) })).toBe("succeeded");
    expect(done.result).toEqual({ hello: "scratch", steps: 2, llm: true });
  });
});
