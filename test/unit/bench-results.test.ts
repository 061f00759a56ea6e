// Issue #9: the benchmark table in docs/benchmarks.md is generated from bench/results.json, and every peer
// ratio the bench measures is printed in it. Checks the committed files against each other.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { README_BLOCK, renderResults } from "../../bench/render.mjs";

const root = new URL("../../", import.meta.url);
const results = JSON.parse(readFileSync(new URL("bench/results.json", root), "utf8"));
const md = renderResults(results);
const f = (x: number) => `${x.toFixed(2)}×`;

describe("committed benchmark results", () => {
  it("docs/benchmarks.md's table and bench/results.md are exactly what bench/results.json renders to", () => {
    const block = README_BLOCK.exec(readFileSync(new URL("docs/benchmarks.md", root), "utf8"));
    expect(block).not.toBeNull();
    const inReadme = (block?.[0] ?? "").replace(/^<!-- bench:start -->\n/, "").replace(/<!-- bench:end -->$/, "");
    expect(inReadme).toBe(md);
    expect(readFileSync(new URL("bench/results.md", root), "utf8")).toBe(md);
    expect(results.quick).toBe(false);
  });

  it("prints every peer ratio: floor, BullMQ dispatch and throughput (c50 and c1), checkpoints, agent spawn", () => {
    const ratios: number[] = [
      results.ratio_p50,
      results.ratio_p99,
      results.peer_ratios.dispatch_p50_ours_over_bullmq,
      results.peer_ratios.dispatch_p99_ours_over_bullmq,
      ...results.peer_ratios.throughput.flatMap((t: { ours_over_bullmq_c50: number; ours_over_bullmq_c1: number }) => [
        t.ours_over_bullmq_c50,
        t.ours_over_bullmq_c1,
      ]),
      ...results.checkpoints.http.sizes.flatMap(
        (s: { ratio_write_p50: number; ratio_read_p50: number; ratio_read_identity_p50: number }) => [
          s.ratio_write_p50,
          s.ratio_read_p50,
          s.ratio_read_identity_p50,
        ],
      ),
      results.checkpoints.http.delta.ratio_p50,
      results.agent_spawn.ratio_p50,
    ];
    expect(results.peer_ratios.throughput).toHaveLength(3);
    for (const r of ratios) {
      expect(typeof r).toBe("number");
      expect(md).toContain(f(r));
    }
    for (const p of results.checkpoints.peer.curve) expect(md).toContain(`${p.ratio_sqlite_over_ours.toFixed(0)}×`);
  });
});
