// Starts the real control plane (wrangler dev, workerd) for the Python tests, as test/langgraph does, and prints
// one JSON line {url, admin_token}. It stops the Worker when its stdin closes (the pytest session ended or died).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "../../../scripts/lib/stack.mjs";

const adminToken = `py-operator-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "officeos-py-"));
// The conformance suite sends hundreds of requests a second with one key: per-key rate limits off.
const cp = await startControlPlane({ persistTo: join(dir, "state"), adminToken, vars: { OFFICEOS_RATE_RPS: "0" } });
process.stdout.write(`${JSON.stringify({ url: cp.url, admin_token: adminToken })}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.on("SIGTERM", stop);
process.stdin.resume();
