// Issue #16, acceptance 5: in the bwrap sandbox a task holding a GPU sees only its own
// /dev/nvidiaN plus the control nodes; a task with none sees no NVIDIA node at all. The
// device nodes are fake (mknod c 195 N in a directory the runner is told is its dev_dir), so
// this runs on a machine without GPUs; what is checked is what the agent's /dev holds, and
// that a node bound in is a character device with the major and minor it was made with.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missing } from "../../scripts/lib/prereqs.mjs";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const s = useStack("gpu-nodes");

const REPORT = `
const { readdirSync, statSync } = require("node:fs");
const nodes = readdirSync("/dev").filter((n) => n.startsWith("nvidia")).sort();
const rdev = Object.fromEntries(nodes.map((n) => { const st = statSync("/dev/" + n); return [n, [st.isCharacterDevice(), Math.floor(st.rdev / 256), st.rdev % 256]]; }));
fetch(process.env.OFFICEOS_RUNTIME_API + "/result", { method: "POST", headers: { authorization: "Bearer " + require("node:fs").readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim(), "content-type": "application/json" }, body: JSON.stringify({ result: { nodes, rdev, cuda: process.env.CUDA_VISIBLE_DEVICES ?? null } }) }).then(() => process.exit(0));
`;

describe.skipIf(!root)("GPU device nodes in the sandbox", () => {
  it("a GPU task sees its own /dev/nvidiaN and the control nodes; a task without one sees none", async () => {
    const dev = join(s.dir, "fake-dev");
    mkdirSync(dev);
    for (const [n, minor] of [
      ["nvidia0", 0],
      ["nvidia1", 1],
      ["nvidiactl", 255],
    ] as const)
      execFileSync("mknod", ["-m", "0666", join(dev, n), "c", "195", String(minor)]);
    execFileSync("mknod", ["-m", "0666", join(dev, "nvidia-uvm"), "c", "511", "0"]);
    for (const [name, resources] of [
      ["gpu-one", { gpu: 1 }],
      ["gpu-none", {}],
    ] as const)
      await s.admin("PUT", `/v1/agents/${name}`, { resources: { cpu: 100, memory_mb: 128, ...resources } });
    const command = [process.execPath, "-e", REPORT];
    const runner = startRunner({
      dir: s.dir,
      name: "gpu-box",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { "gpu-one": { command }, "gpu-none": { command } },
      extra: {
        gpus: {
          dev_dir: dev,
          devices: [
            { index: 0, uuid: "GPU-00000000-0000-0000-0000-000000000000", memory_mb: 8192 },
            { index: 1, uuid: "GPU-11111111-1111-1111-1111-111111111111", memory_mb: 8192 },
          ],
        },
      },
    });
    s.runners.push(runner);
    const iso = (await runner.waitForLog((e: { msg?: string }) => e.msg === "agent isolation")) as { level: string };
    if (missing("bwrap", iso.level === "bwrap" ? null : `the runner reports isolation level ${iso.level}`)) return;
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const run = async (agent: string) =>
      (
        await finished(
          s.submit,
          (
            await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent, input: null })
          ).task.id,
        )
      ).result;
    const one = await run("gpu-one");
    const own = `nvidia${one.cuda}`;
    expect(one.nodes).toEqual(["nvidia-uvm", own, "nvidiactl"].sort());
    expect(one.rdev[own]).toEqual([true, 195, Number(one.cuda)]);
    expect(one.rdev.nvidiactl).toEqual([true, 195, 255]);
    expect(await run("gpu-none")).toEqual({ nodes: [], rdev: {}, cuda: "" });
  });
});
