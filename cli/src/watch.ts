// Following a task until it ends: long-polls GET /v1/tasks/{id}/events (each
// poll waits up to 20 s for the next event), or, against a control plane
// without that route, polls the task's state once a second.
import {
  FINAL_STATES,
  OfficeOSError,
  OfficeOSUnreachable,
  type OfficeOSClient,
  type Task,
  type TaskEvent,
} from "../../client/src/index.js";

/** Event types after which the task has ended (escalated: until a person acts). */
const ENDING_TYPES = new Set(["succeeded", "failed", "cancelled", "resolved", "escalated"]);

export function endsTask(e: Pick<TaskEvent, "type" | "state">): boolean {
  return ENDING_TYPES.has(e.type) || (e.state !== undefined && FINAL_STATES.includes(e.state));
}

export const isFinal = (state: string): boolean => FINAL_STATES.includes(state);

export interface FollowHooks {
  onEvent(e: TaskEvent): void;
  /** The task's state as last seen, for the spinner. */
  onState(state: string): void;
  /** Something worth telling a person (falling back to polling, reconnecting). */
  onNote(note: string): void;
  /** Why the task waits (docs/waiting.md), each time that changes; null once it no longer waits. */
  onWaiting?(w: TaskWaiting | null): void;
}

type TaskWaiting = NonNullable<Task["waiting"]>;

const POLL_WAIT_MS = 20_000;
const RETRIES = 5;

/** Resolves with the task once it is in a final state; rejects on abort or a lasting error. */
export async function followTask(
  client: OfficeOSClient,
  id: string,
  after: number,
  signal: AbortSignal,
  hooks: FollowHooks,
): Promise<Task> {
  let task = (await client.tasks.get(id)).task;
  hooks.onState(task.state);
  let failures = 0;
  let waitingKey = "";
  const retrying = async (e: unknown): Promise<void> => {
    const transient =
      e instanceof OfficeOSUnreachable || (e instanceof OfficeOSError && (e.status === 429 || e.status >= 500));
    if (!transient || ++failures > RETRIES) throw e;
    const ms = e instanceof OfficeOSError && e.retryAfter ? e.retryAfter * 1000 : 500 * 2 ** failures;
    hooks.onNote(`${(e as Error).message}; retrying in ${Math.round(ms / 100) / 10} s`);
    await sleep(ms, signal);
  };

  for (;;) {
    signal.throwIfAborted();
    let page;
    try {
      page = await client.tasks.events(id, { after, waitMs: isFinal(task.state) ? 0 : POLL_WAIT_MS, signal });
      failures = 0;
    } catch (e) {
      if (e instanceof OfficeOSError && e.status === 404 && e.message === "no such route") {
        hooks.onNote("this control plane has no task events route; following the task's state instead");
        return pollState(client, id, task, signal, hooks);
      }
      await retrying(e);
      continue;
    }
    const key = page.waiting ? `${page.waiting.reason}\n${page.waiting.message}` : "";
    if (key !== waitingKey) (waitingKey = key), hooks.onWaiting?.(page.waiting ?? null);
    let ended = false;
    for (const e of page.events) {
      hooks.onEvent(e);
      if (e.state) hooks.onState(e.state);
      if (endsTask(e)) ended = true;
    }
    after = Math.max(after, page.next ?? after, ...page.events.map((e) => e.seq));
    // An empty page after a final state means every event has been printed.
    if (page.events.length === 0 && isFinal(task.state)) return task;
    if (ended || page.events.length === 0) {
      try {
        task = (await client.tasks.get(id)).task;
      } catch (e) {
        await retrying(e);
        continue;
      }
      hooks.onState(task.state);
    }
  }
}

async function pollState(
  client: OfficeOSClient,
  id: string,
  task: Task,
  signal: AbortSignal,
  hooks: FollowHooks,
): Promise<Task> {
  let last = "";
  for (;;) {
    if (task.state !== last) {
      last = task.state;
      hooks.onEvent({
        seq: 0,
        at: Date.parse(task.updated_at) || Date.now(),
        type: "state",
        actor: "poll",
        state: task.state,
      });
      hooks.onState(task.state);
    }
    if (isFinal(task.state)) return task;
    await sleep(1000, signal);
    task = (await client.tasks.get(id)).task;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(t), reject(signal.reason as Error));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
