// The Worker's readiness, by the Kubernetes convention: /livez (and /healthz)
// only say the Worker answers; /readyz asks Durable Object storage and, when
// it is configured, Redis (the checkpoint spill store). /readyz needs no key,
// so a failure names the failed checks (`[-]storage failed`) and withholds the
// reason; the reason goes to the Worker's log for the operator.
import { z } from "@hono/zod-openapi";
import { tenantStub } from "./context.js";
import type { Env } from "../env.js";

/** How long a dependency may take to answer a probe. */
const PROBE_TIMEOUT_MS = 3000;

const Checks = z.record(z.string(), z.enum(["ok", "failed"]));
export const ReadyBody = z.object({ status: z.literal("ready"), checks: Checks });
export const NotReadyBody = z.object({
  status: z.literal("not_ready"),
  checks: Checks,
  message: z.string().openapi({ example: "[-]storage failed" }),
});

export interface Readiness {
  ready: boolean;
  checks: Record<string, "ok" | "failed">;
  message: string;
}

async function pingRedis(url: string, token: string): Promise<void> {
  // Upstash's REST protocol: a command as a JSON array, the reply as {result}.
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(["PING"]),
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  const reply = (await res.json().catch(() => null)) as { result?: unknown } | null;
  if (!res.ok || reply?.result !== "PONG") throw new Error(`redis answered ${res.status}`);
}

export async function readiness(env: Env): Promise<Readiness> {
  const probes: [string, () => Promise<unknown>][] = [["storage", () => tenantStub(env, "_readyz").ping()]];
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
    probes.push(["redis", () => pingRedis(url, token)]);
  }
  const results = await Promise.all(
    probes.map(async ([name, probe]) => {
      try {
        await probe();
        return [name, "ok"] as const;
      } catch (e) {
        console.error(JSON.stringify({ msg: "readiness check failed", check: name, error: (e as Error).message }));
        return [name, "failed"] as const;
      }
    }),
  );
  const checks = Object.fromEntries(results);
  const failed = results.filter(([, v]) => v === "failed").map(([name]) => `[-]${name} failed`);
  return { ready: failed.length === 0, checks, message: failed.join("\n") };
}
