// One real control plane (wrangler dev, workerd) for the LangGraph suites.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane } from "../../scripts/lib/stack.mjs";

const ADMIN_TOKEN = "langgraph-operator-token";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "officeos-langgraph-"));
  // The conformance suite sends hundreds of requests a second with one key: per-key rate limits (issue #7) off.
  const cp = await startControlPlane({
    persistTo: join(dir, "state"),
    adminToken: ADMIN_TOKEN,
    vars: { OFFICEOS_RATE_RPS: "0" },
  });
  project.provide("officeosUrl", cp.url);
  project.provide("officeosAdminToken", ADMIN_TOKEN);
  return async () => {
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    officeosUrl: string;
    officeosAdminToken: string;
  }
}
