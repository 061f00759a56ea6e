// The golden transcript of the task lifecycle (issue 17, acceptance 1): every
// path a task can take, driven through the public HTTP API only, one line per
// step, compared whole with test/workers/lifecycle-transcript.golden.txt.
//
// It is the safety net of the TenantDO refactoring: the transcript is committed
// before the first refactoring commit and may change after it only where a
// divergence was decided (each such change is named in the commit that makes it).
//
// Regenerate (only for a decided change, and say so in the commit):
//   npx vitest run -c vitest.workers.config.ts test/workers/lifecycle-transcript.test.ts -u
//
// Each line: scenario | step | HTTP answer [what it said] | label: state att=attempts/max ep<epoch: =first, +change, - none>
// then only the fields the task view has: err=<error code> esc=<escalation reason> gate=<pending gate> not_before
// deadline_at appr=<decisions> res=<result> ckpt=<checkpoint seq> runner=<label>; upd=<updated_at moved, same, new>
// | ev=[task events appended since the task's previous line: type@actor-kind>state(details)].
// Ids and times never appear.
//
// Time: the tenant's clock is set (with helpers.advance, which may move it back) at the start
// of each step to the scenario's own clock, which moves 1 s per step plus what the step says,
// so the wall time a loaded machine takes between steps never reaches a deadline: every
// deadline here is a minute or more, far above the real time one step takes. Because the
// clock moves before each step, "upd=moved" means the step wrote updated_at, "upd=same" not.
import { describe, expect, it } from "vitest";
import { fixture, putAgent } from "./helpers.js";
import { definitions, Scenario } from "./lifecycle-scenario.js";
// The scenarios, in transcript order.
import "./lifecycle-paths-1.js";
import "./lifecycle-paths-2.js";

describe("the task lifecycle, step by step", () => {
  const transcripts = new Map<string, string[]>();
  for (const d of definitions)
    it(d.name, async () => {
      const f = await fixture();
      for (const [agent, spec] of Object.entries(d.agents)) await putAgent(f, agent, spec);
      const out: string[] = [];
      transcripts.set(d.name, out);
      await d.body(new Scenario(d.name, f, out));
    }, 240_000);

  it("matches the golden transcript (test/workers/lifecycle-transcript.golden.txt)", async () => {
    const text = definitions
      .map((d) => `${(transcripts.get(d.name) ?? [`${d.name} | DID NOT RUN`]).join("\n")}\n`)
      .join("\n");
    // On a mismatch: if the change is a decided one, rerun with -u and name the decision in the commit.
    await expect(text).toMatchFileSnapshot("./lifecycle-transcript.golden.txt");
  });
});
