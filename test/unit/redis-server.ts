// A throwaway redis-server for one test file: its own port, no persistence, never the
// shared Redis on 6379.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../scripts/lib/stack.mjs";

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL: the server vanishes the way a crashed one does. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: "127.0.0.1" });
    const done = (ok: boolean) => {
      s.destroy();
      res(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once("error", () => done(false));
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => child.once("exit", () => res()));
}

export async function startRedisServer(opts: { port?: number } = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "officeos-redis-"));
  let child: ChildProcess | undefined;
  let output = "";

  async function launch(): Promise<void> {
    output = "";
    const c = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = c;
    c.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    c.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const spawnError = new Promise<never>((_, rej) => c.once("error", rej));
    spawnError.catch(() => {}); // raced below; a late error must not go unhandled
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}:\n${output}`);
      const ok = await Promise.race([ping(port), spawnError]);
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const c = child;
    if (!c) return;
    c.kill(sig);
    await exited(c);
    child = undefined;
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => signal("SIGKILL"),
    restart: launch,
    async stop() {
      await signal("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
