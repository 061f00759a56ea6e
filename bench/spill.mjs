// Where should a checkpoint record stop living in the AgentDO and go to Redis?
// Measures checkpoint write and restore p50 through the HTTP API with every
// record inline (no Redis) and with every record spilled (a real redis-server
// behind the Upstash REST bridge), at several sizes, in one run. Prints JSON.
//   node bench/spill.mjs [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, bootstrapTenant, freePort, startControlPlane, stopProcess } from "../scripts/lib/stack.mjs";
import { startRedisBridge } from "../scripts/redis-bridge.mjs";

const quick = process.argv.includes("--quick");
const SIZES = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const N = quick ? 5 : 40;
const ADMIN = "spill-bench";
const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function redisServer(dir) {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    try {
      const b = await startRedisBridge({ redisUrl: `redis://127.0.0.1:${port}`, token: "spill-bench" });
      const r = await fetch(b.url, {
        method: "POST",
        headers: { authorization: "Bearer spill-bench" },
        body: '["PING"]',
      });
      if (r.ok) return { child, bridge: b };
      await b.close();
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("redis-server did not start");
}

async function measure(url) {
  const keys = await bootstrapTenant(url, ADMIN, "spill");
  const admin = api(url, keys.adminKey);
  await admin("PUT", "/v1/agents/blob", {});
  const runner = (
    await api(url, keys.runnerKey)("POST", "/v1/runners", { name: "b", capacity: {}, lease_ttl_ms: 600_000 })
  ).runner.id;
  const out = {};
  for (const size of SIZES) {
    const writes = [];
    const reads = [];
    for (let i = 0; i < N; i++) {
      const { task } = await api(url, keys.submitKey)("POST", "/v1/tasks", { agent: "blob" });
      const { leases } = await api(url, keys.runnerKey)("POST", `/v1/runners/${runner}/lease`, { max_tasks: 1 });
      const body = JSON.stringify({ epoch: leases[0].epoch, state: { reasoning: "r".repeat(size) } });
      let t = performance.now();
      const w = await fetch(`${url}/v1/tasks/${task.id}/checkpoint`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${keys.runnerKey}`,
          "content-type": "application/json",
          "officeos-lease-token": leases[0].lease_token,
        },
        body,
      });
      await w.arrayBuffer();
      if (!w.ok) throw new Error(`write ${size}: ${w.status}`);
      writes.push(performance.now() - t);
      t = performance.now();
      const r = await fetch(`${url}/v1/tasks/${task.id}/checkpoint`, {
        headers: {
          authorization: `Bearer ${keys.adminKey}`,
          accept: "application/x-protobuf",
          "accept-encoding": "identity",
        },
      });
      await r.arrayBuffer();
      reads.push(performance.now() - t);
      await api(url, keys.runnerKey)(
        "POST",
        `/v1/tasks/${task.id}/complete`,
        { epoch: leases[0].epoch },
        { "officeos-lease-token": leases[0].lease_token },
      );
    }
    out[size] = { write_p50_ms: p50(writes), read_p50_ms: p50(reads) };
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "officeos-spill-"));
const { child: redis, bridge } = await redisServer(dir);
const NO_LIMIT = { OFFICEOS_RATE_RPS: "0", OFFICEOS_RUNNER_RATE_RPS: "0" };
const inline = await startControlPlane({ persistTo: join(dir, "inline"), adminToken: ADMIN, vars: NO_LIMIT });
const spilled = await startControlPlane({
  persistTo: join(dir, "spilled"),
  adminToken: ADMIN,
  vars: {
    ...NO_LIMIT,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    OFFICEOS_SPILL_BYTES: "1",
  },
});
try {
  const a = await measure(inline.url);
  const b = await measure(spilled.url);
  const rows = SIZES.map((size) => ({
    bytes: size,
    inline: a[size],
    spilled: b[size],
    write_ratio: b[size].write_p50_ms / a[size].write_p50_ms,
  }));
  process.stdout.write(
    JSON.stringify({
      spill: {
        n: N,
        rows,
        method:
          "JSON PUT of a state of the given size (a reasoning string) and a protobuf GET (identity encoding) per task, p50; inline: no Redis configured; spilled: OFFICEOS_SPILL_BYTES=1 against a local redis-server behind the Upstash REST bridge",
      },
    }),
  );
} finally {
  await inline.stop();
  await spilled.stop();
  await bridge.close();
  await stopProcess(redis, 2000);
  rmSync(dir, { recursive: true, force: true });
}
