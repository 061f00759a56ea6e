// The watch loop against an in-memory control plane that speaks the agreed
// events contract (GET /v1/tasks/{id}/events?after&wait_ms → {events, next},
// long-polling while there is nothing after `after`), driven by gates: events
// are appended only when the test says so.
import { describe, expect, it } from "vitest";
import { createClient, type TaskEvent } from "../../client/src/index.js";
import { followTask } from "../../cli/src/watch.js";

class FakePlane {
  events: TaskEvent[] = [];
  state = "queued";
  eventsRoute = true;
  /** What the events route says the task waits for, at the time of each answer. */
  waiting: { reason: string; message: string } | undefined;
  polls: { after: number; wait_ms: number }[] = [];
  private waiters: (() => void)[] = [];

  emit(type: string, state?: string): void {
    this.events.push({
      seq: this.events.length + 1,
      at: 1_700_000_000_000 + this.events.length,
      type,
      actor: "test",
      ...(state ? { state } : {}),
    });
    if (state) this.state = state;
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves when a long-poll is waiting with nothing to answer. */
  idle(): Promise<void> {
    return new Promise((r) => (this.onIdle = r));
  }
  private onIdle: (() => void) | undefined;

  fetch = async (req: Request): Promise<Response> => {
    const u = new URL(req.url);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    const task = {
      id: "t1",
      agent: "a",
      state: this.state,
      priority: 0,
      instance: "t1",
      input: null,
      attempts: 1,
      max_attempts: 3,
      created_at: "",
      updated_at: "",
    };
    if (u.pathname === "/v1/tasks/t1") return json(200, { task });
    if (u.pathname === "/v1/tasks/t1/events" && this.eventsRoute) {
      const after = Number(u.searchParams.get("after") ?? 0);
      const wait = Number(u.searchParams.get("wait_ms") ?? 0);
      this.polls.push({ after, wait_ms: wait });
      let page = this.events.filter((e) => e.seq > after);
      if (page.length === 0 && wait > 0) {
        await new Promise<void>((r) => {
          this.waiters.push(r);
          this.onIdle?.();
        });
        page = this.events.filter((e) => e.seq > after);
      }
      return json(200, {
        events: page,
        next: page.at(-1)?.seq ?? after,
        ...(this.waiting ? { waiting: this.waiting } : {}),
      });
    }
    return json(404, { error: { code: "not_found", message: "no such route" } });
  };
}

const hooks = (seen: string[], notes: string[] = []) => ({
  onEvent: (e: TaskEvent) => seen.push(`${e.seq}:${e.type}`),
  onState: () => {},
  onNote: (n: string) => notes.push(n),
});

describe("followTask", () => {
  it("prints events as they come, asks only for newer ones, and ends at the final event", async () => {
    const plane = new FakePlane();
    plane.emit("submitted", "queued");
    const seen: string[] = [];
    const client = createClient({ url: "http://fake", key: "k", fetch: plane.fetch });
    const done = followTask(client, "t1", 0, new AbortController().signal, hooks(seen));
    await plane.idle();
    expect(seen).toEqual(["1:submitted"]);
    plane.emit("leased", "leased");
    plane.emit("running", "running");
    await plane.idle();
    plane.emit("attempt_failed", "retry_wait");
    await plane.idle();
    plane.emit("leased", "leased");
    plane.emit("succeeded", "succeeded");
    const task = await done;
    expect(task.state).toBe("succeeded");
    expect(seen).toEqual(["1:submitted", "2:leased", "3:running", "4:attempt_failed", "5:leased", "6:succeeded"]);
    // Each poll starts after the last event seen; none is asked for twice.
    expect(plane.polls.map((p) => p.after)).toEqual([0, 1, 3, 4, 6]);
    expect(plane.polls.slice(0, -1).every((p) => p.wait_ms === 20_000)).toBe(true);
    // The task is final: the last poll only drains, without waiting.
    expect(plane.polls.at(-1)).toEqual({ after: 6, wait_ms: 0 });
  });

  it("on a finished task prints its whole history and returns without waiting", async () => {
    const plane = new FakePlane();
    plane.emit("submitted", "queued");
    plane.emit("failed", "failed");
    const seen: string[] = [];
    const task = await followTask(
      createClient({ url: "http://fake", fetch: plane.fetch }),
      "t1",
      0,
      new AbortController().signal,
      hooks(seen),
    );
    expect(task.state).toBe("failed");
    expect(seen).toEqual(["1:submitted", "2:failed"]);
    expect(plane.polls.every((p) => p.wait_ms === 0)).toBe(true);
  });

  it("keeps watching through awaiting_approval", async () => {
    const plane = new FakePlane();
    plane.emit("approval_requested", "awaiting_approval");
    const seen: string[] = [];
    const done = followTask(
      createClient({ url: "http://fake", fetch: plane.fetch }),
      "t1",
      0,
      new AbortController().signal,
      hooks(seen),
    );
    await plane.idle();
    plane.emit("approved", "queued");
    plane.emit("succeeded", "succeeded");
    expect((await done).state).toBe("succeeded");
    expect(seen).toEqual(["1:approval_requested", "2:approved", "3:succeeded"]);
  });

  it("falls back to following the state when the server has no events route", async () => {
    const plane = new FakePlane();
    plane.eventsRoute = false;
    plane.state = "succeeded";
    const seen: string[] = [];
    const notes: string[] = [];
    const task = await followTask(
      createClient({ url: "http://fake", fetch: plane.fetch }),
      "t1",
      0,
      new AbortController().signal,
      hooks(seen, notes),
    );
    expect(task.state).toBe("succeeded");
    expect(seen).toEqual(["0:state"]);
    expect(notes).toEqual(["this control plane has no task events route; following the task's state instead"]);
  });

  it("stops when aborted (Ctrl-C)", async () => {
    const plane = new FakePlane();
    plane.emit("submitted", "queued");
    const ac = new AbortController();
    const done = followTask(createClient({ url: "http://fake", fetch: plane.fetch }), "t1", 0, ac.signal, hooks([]));
    await plane.idle();
    ac.abort(new Error("interrupted"));
    plane.emit("leased", "leased");
    await expect(done).rejects.toThrow("interrupted");
  });

  it("tells why the task waits each time the reason changes, and once it no longer waits", async () => {
    const plane = new FakePlane();
    plane.emit("submitted", "queued");
    plane.waiting = { reason: "no_runner_offers_agent", message: "no ready runner offers agent a" };
    const said: (string | null)[] = [];
    const client = createClient({ url: "http://fake", key: "k", fetch: plane.fetch });
    const done = followTask(client, "t1", 0, new AbortController().signal, {
      ...hooks([]),
      onWaiting: (w) => said.push(w ? `${w.reason}: ${w.message}` : null),
    });
    await plane.idle();
    plane.emit("agent_updated");
    await plane.idle();
    expect(said).toEqual(["no_runner_offers_agent: no ready runner offers agent a"]);
    plane.waiting = { reason: "insufficient_capacity", message: "no runner has 4096 MB of memory free" };
    plane.emit("runner_registered");
    await plane.idle();
    plane.waiting = undefined;
    plane.emit("leased", "leased");
    await plane.idle();
    plane.emit("succeeded", "succeeded");
    await done;
    expect(said).toEqual([
      "no_runner_offers_agent: no ready runner offers agent a",
      "insufficient_capacity: no runner has 4096 MB of memory free",
      null,
    ]);
  });
});
