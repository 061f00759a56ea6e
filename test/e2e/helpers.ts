// Shared by the end-to-end suites: waiting on real processes, reading side-effect files.
import { existsSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Api } from "../../scripts/lib/stack.mjs";

export function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Waits for a condition driven by real processes, checking often, failing loudly at the deadline. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const FINAL = ["succeeded", "failed", "escalated", "cancelled"];

export function finished(client: Api, id: string, timeoutMs = 60_000): Promise<any> {
  return until(
    `task ${id} to finish`,
    async () => {
      const t = (await client<{ task: any }>("GET", `/v1/tasks/${id}`)).task;
      return FINAL.includes(t.state) ? t : undefined;
    },
    timeoutMs,
  );
}

/** Each step's line appears exactly once, in order. */
export function expectEachStepOnce(file: string, steps: number): string[] {
  const lines = linesOf(file);
  expect(lines.map((l) => l.split(" ")[0])).toEqual(Array.from({ length: steps }, (_, i) => `step=${i}`));
  return lines;
}
