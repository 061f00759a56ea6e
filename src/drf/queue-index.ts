// In-memory index of a tenant's queued tasks: by priority class, then agent,
// then placement group (tasks with identical requirements), each group in
// submission order. A decision looks at group heads, not at every task, and
// a global order by age finds the oldest waiting tasks for starvation checks.
import type { Requirements } from "../scheduler/fit.js";

export interface QueuedTask {
  id: string;
  /** Submission order; FIFO within an agent and class. */
  seq: number;
  agent: string;
  priority: number;
  instance: string;
  req: Requirements;
  /** Runners where this task already failed. */
  avoid: readonly string[];
  /** When it (re)entered the queue: a requeued task keeps its seq but waits anew. */
  queuedAtMs: number;
}

/**
 * Tasks ordered by seq (or by `before`). Removal is O(1): at the head it
 * advances, elsewhere it marks the entry dead and iteration skips it; dead
 * entries are swept once they are half the list. Entries must not change
 * their ordering fields while in a list.
 */
export class SeqList {
  private items: QueuedTask[] = [];
  private head = 0;
  private readonly dead = new Set<QueuedTask>();

  constructor(private readonly before: (a: QueuedTask, b: QueuedTask) => boolean = (a, b) => a.seq < b.seq) {}

  get size(): number {
    return this.items.length - this.head - this.dead.size;
  }

  insert(t: QueuedTask): void {
    if (this.dead.delete(t)) return; // still in place
    const items = this.items;
    if (items.length === this.head || this.before(items[items.length - 1] as QueuedTask, t)) {
      items.push(t);
      return;
    }
    // A requeued task goes back to its place by age.
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(items[mid] as QueuedTask, t)) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, t);
  }

  remove(t: QueuedTask): void {
    const items = this.items;
    if (items[this.head] === t) {
      items[this.head++] = undefined as unknown as QueuedTask;
      while (this.head < items.length && this.dead.delete(items[this.head] as QueuedTask))
        items[this.head++] = undefined as unknown as QueuedTask;
    } else this.dead.add(t);
    if (this.head > 1024 && this.head * 2 > items.length) this.sweep();
    else if (this.dead.size > 64 && this.dead.size * 2 > this.size) this.sweep();
  }

  private sweep(): void {
    const live: QueuedTask[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const t = this.items[i] as QueuedTask;
      if (!this.dead.has(t)) live.push(t);
    }
    this.items = live;
    this.head = 0;
    this.dead.clear();
  }

  /** Up to `limit` live tasks from the oldest. */
  *oldest(limit: number): Generator<QueuedTask> {
    let n = 0;
    for (let i = this.head; i < this.items.length && n < limit; i++) {
      const t = this.items[i] as QueuedTask;
      if (this.dead.has(t)) continue;
      n++;
      yield t;
    }
  }
}

export interface PlacementGroup {
  key: string;
  agent: string;
  req: Requirements;
  tasks: SeqList;
  /** Static fit per runner id, remembered: a runner's shape never changes under its id. */
  fits: Map<string, boolean>;
}

export interface ClassIndex {
  priority: number;
  /** agent → placement key → group */
  agents: Map<string, Map<string, PlacementGroup>>;
}

export class QueueIndex {
  private readonly byId = new Map<string, { task: QueuedTask; group: PlacementGroup }>();
  private readonly classes = new Map<number, ClassIndex>();
  /** Priorities with queued work, highest first. */
  private prioritiesDesc: number[] = [];
  /** By time queued, then seq: the DO requeues a task with its old seq but a new queuedAtMs. */
  private readonly byAge = new SeqList(
    (a, b) => a.queuedAtMs < b.queuedAtMs || (a.queuedAtMs === b.queuedAtMs && a.seq < b.seq),
  );

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): QueuedTask | undefined {
    return this.byId.get(id)?.task;
  }

  add(t: QueuedTask): void {
    if (this.byId.has(t.id)) return;
    let cls = this.classes.get(t.priority);
    if (!cls) {
      cls = { priority: t.priority, agents: new Map() };
      this.classes.set(t.priority, cls);
      this.prioritiesDesc.push(t.priority);
      this.prioritiesDesc.sort((a, b) => b - a);
    }
    let groups = cls.agents.get(t.agent);
    if (!groups) cls.agents.set(t.agent, (groups = new Map()));
    const key = keyOf(t.req);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, agent: t.agent, req: t.req, tasks: new SeqList(), fits: new Map() }));
    group.tasks.insert(t);
    this.byAge.insert(t);
    this.byId.set(t.id, { task: t, group });
  }

  remove(id: string): QueuedTask | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    this.byId.delete(id);
    e.group.tasks.remove(e.task);
    this.byAge.remove(e.task);
    if (e.group.tasks.size === 0) {
      const cls = this.classes.get(e.task.priority) as ClassIndex;
      const groups = cls.agents.get(e.task.agent) as Map<string, PlacementGroup>;
      groups.delete(e.group.key);
      if (groups.size === 0) cls.agents.delete(e.task.agent);
      if (cls.agents.size === 0) {
        this.classes.delete(e.task.priority);
        this.prioritiesDesc = this.prioritiesDesc.filter((p) => p !== e.task.priority);
      }
    }
    return e.task;
  }

  /** Classes with queued work, highest priority first. */
  *classesDesc(): Generator<ClassIndex> {
    for (const p of this.prioritiesDesc) yield this.classes.get(p) as ClassIndex;
  }

  /** The longest-waiting queued tasks, whatever their class. */
  oldest(limit: number): Generator<QueuedTask> {
    return this.byAge.oldest(limit);
  }

  /** Queued count per agent (for the scheduler view). */
  queuedByAgent(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { task } of this.byId.values()) out.set(task.agent, (out.get(task.agent) ?? 0) + 1);
    return out;
  }
}

const keys = new WeakMap<Requirements, string>();
/** Requirements objects are shared between tasks (the TenantDO interns them), so the key is computed once each. */
function keyOf(r: Requirements): string {
  let k = keys.get(r);
  if (k === undefined) keys.set(r, (k = placementKey(r)));
  return k;
}

/** Tasks with equal keys have equal requirements; key order in objects does not matter. */
export function placementKey(r: Requirements): string {
  const sortObj = (o: Record<string, unknown>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  return JSON.stringify([
    sortObj(r.resources),
    [...r.capabilities].sort(),
    sortObj(r.nodeSelector),
    r.affinity ?? [],
    r.tolerations ?? [],
  ]);
}
