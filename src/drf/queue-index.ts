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

/** Tasks ordered by seq (or by `before`), with cheap removal at the head. */
export class SeqList {
  private items: QueuedTask[] = [];
  private head = 0;

  constructor(private readonly before: (a: QueuedTask, b: QueuedTask) => boolean = (a, b) => a.seq < b.seq) {}

  get size(): number {
    return this.items.length - this.head;
  }

  insert(t: QueuedTask): void {
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

  remove(t: QueuedTask): boolean {
    const items = this.items;
    if (items[this.head] === t) {
      items[this.head] = undefined as unknown as QueuedTask;
      this.head++;
      if (this.head > 1024 && this.head * 2 > items.length) {
        this.items = items.slice(this.head);
        this.head = 0;
      }
      return true;
    }
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(items[mid] as QueuedTask, t)) lo = mid + 1;
      else hi = mid;
    }
    if (items[lo] !== t) return false;
    items.splice(lo, 1);
    return true;
  }

  /** Up to `limit` tasks from the oldest. */
  *oldest(limit: number): Generator<QueuedTask> {
    const end = Math.min(this.items.length, this.head + limit);
    for (let i = this.head; i < end; i++) yield this.items[i] as QueuedTask;
  }
}

export interface PlacementGroup {
  key: string;
  agent: string;
  req: Requirements;
  tasks: SeqList;
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
  private readonly byAge = new SeqList((a, b) => a.queuedAtMs < b.queuedAtMs || (a.queuedAtMs === b.queuedAtMs && a.seq < b.seq));

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
    const key = placementKey(t.req);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, agent: t.agent, req: t.req, tasks: new SeqList() }));
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

/** Tasks with equal keys have equal requirements; key order in objects does not matter. */
export function placementKey(r: Requirements): string {
  const sortObj = (o: Record<string, unknown>) => Object.keys(o).sort().map((k) => [k, o[k]]);
  return JSON.stringify([sortObj(r.resources), [...r.capabilities].sort(), sortObj(r.nodeSelector), r.affinity ?? [], r.tolerations ?? []]);
}
