// Who each task's agent runs as. Three plans, chosen once at start:
//   pool  — (runner as root, the default) a uid/gid of its own per running task, from
//           `agent_user.uid_range`, claimed host-wide (uid-claims.ts); back to the pool
//           only when no process of it is left and no file of it outside its task dir;
//   fixed — (agent_user is a name or {uid, gid}) one user for every task: siblings share
//           a uid and can reach each other (warned loudly at start);
//   self  — (runner not root) the runner's own user.
import type { Logger } from "pino";
import { advance, candidates, releaseVerdict, type LocalUid, type UidRange } from "./uid-pool.js";
import { HostClaims, killUid, removeAs, strayFiles } from "./uid-claims.js";

export interface Identity {
  uid: number;
  gid: number;
  /** True when no other task runs as this uid (pool): kill-by-uid and env tokens are safe. */
  own: boolean;
}

export type IdentityPlan =
  | { kind: "pool"; range: UidRange; claimsDir: string }
  | { kind: "fixed"; uid: number; gid: number; name: string }
  | { kind: "self" };

export class AgentIdentities {
  private readonly local = new Map<number, LocalUid>();
  private cursor: number;
  private readonly claims: HostClaims | null;

  constructor(
    readonly plan: IdentityPlan,
    private readonly log: Logger,
  ) {
    this.cursor = plan.kind === "pool" ? plan.range.first : 0;
    this.claims = plan.kind === "pool" ? new HostClaims(plan.claimsDir) : null;
  }

  async init(): Promise<void> {
    await this.claims?.init();
  }

  describe(): string {
    const p = this.plan;
    if (p.kind === "pool")
      return `a uid of its own per task from ${p.range.first}-${p.range.last} (claims in ${p.claimsDir})`;
    if (p.kind === "fixed") return `one shared user for all tasks: ${p.name} (${p.uid}:${p.gid})`;
    return "the runner's own user";
  }

  /** A uid for `task`; null when the pool has none free (every uid held here, by other runners, or quarantined). */
  async acquire(task: string): Promise<Identity | null> {
    const p = this.plan;
    if (p.kind === "fixed") return { uid: p.uid, gid: p.gid, own: false };
    if (p.kind === "self") return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, own: false };
    await this.retryQuarantined();
    const claims = this.claims as HostClaims;
    for (const uid of candidates(p.range, this.local, this.cursor)) {
      if (!(await claims.claim(uid))) continue;
      this.cursor = advance(p.range, uid);
      // Whatever a dead holder left (processes, files) goes before the uid is used again.
      const dirty = await this.cleanup(uid, uid);
      if (dirty) {
        this.local.set(uid, { kind: "quarantined", since: Date.now(), why: dirty });
        this.log.warn({ uid, why: dirty }, "uid quarantined: what a previous holder left could not be removed");
        continue;
      }
      this.local.set(uid, { kind: "held", task });
      return { uid, gid: uid, own: true };
    }
    return null;
  }

  /**
   * Called once the task's cgroup is empty (or its pid namespace gone): kills
   * any process of the uid that is left, removes its files in the shared
   * temporary directories, and gives the uid back only if both are clean.
   */
  async release(id: Identity): Promise<void> {
    if (this.plan.kind !== "pool" || !id.own) return;
    const dirty = await this.cleanup(id.uid, id.gid);
    if (dirty) {
      this.local.set(id.uid, { kind: "quarantined", since: Date.now(), why: dirty });
      this.log.warn({ uid: id.uid, why: dirty }, "uid quarantined: its task left processes or files behind");
      return;
    }
    this.local.delete(id.uid);
    await this.claims?.release(id.uid);
  }

  /** null when clean, else why not. */
  private async cleanup(uid: number, gid: number): Promise<string | null> {
    const processesLeft = await killUid(uid);
    let files = await strayFiles(uid);
    if (files.length > 0) {
      this.log.info(
        { uid, files: files.slice(0, 20), count: files.length },
        "removing files the agent left outside its task dir",
      );
      await removeAs(uid, gid, files);
      files = await strayFiles(uid);
    }
    const v = releaseVerdict({ processesLeft, filesLeft: files });
    return v.kind === "release" ? null : v.why;
  }

  private async retryQuarantined(): Promise<void> {
    for (const [uid, s] of this.local) {
      if (s.kind !== "quarantined" || Date.now() - s.since < 5_000) continue;
      const dirty = await this.cleanup(uid, uid);
      if (dirty) this.local.set(uid, { ...s, since: Date.now(), why: dirty });
      else {
        this.local.delete(uid);
        await this.claims?.release(uid);
        this.log.info({ uid }, "quarantined uid is clean again");
      }
    }
  }

  /** Every uid this runner holds or quarantines goes back (runner stopping; processes are gone by then). */
  async releaseAll(): Promise<void> {
    for (const uid of [...this.local.keys()]) await this.release({ uid, gid: uid, own: true });
  }
}
