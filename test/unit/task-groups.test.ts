// The state groups of src/task/states.ts against the definitions they replace:
// the API's TaskState enum, rows.ts's ACTIVE/PARKED/FINAL_STATES, the SQL lists
// in tenant-do.ts, the event log's types. Where they differ it is on purpose,
// and the test says so (docs/lifecycle.md, "Decided changes").
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TaskState as ApiTaskState } from "../../src/api/schemas.js";
import type { EventType } from "../../src/durable/tenant/events.js";
import {
  ACTIVE_STATES,
  FINAL_STATES as OLD_FINAL,
  PARKED_STATES as OLD_PARKED,
  type TaskRow,
} from "../../src/durable/tenant/rows.js";
import type { LogType } from "../../src/task/events.js";
import { LOG_TYPES } from "../../src/task/events.js";
import type { TaskLife } from "../../src/task/row.js";
import {
  FINAL_STATES,
  HOLDS_RUNNER_STATES,
  PARKED_STATES,
  TASK_STATES,
  TIMED_STATES,
  WAITS_ON_PERSON_STATES,
} from "../../src/task/states.js";

// Compile-time agreement (npm run typecheck): a stored row is a lifecycle row, and the log types are the same set.
const rowIsLife = (r: TaskRow): TaskLife => r;
const logIsEvent = (t: LogType): EventType => t;
const eventIsLog = (t: EventType): LogType => t;
void [rowIsLife, logIsEvent, eventIsLog];

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe("state groups", () => {
  it("the states are the API's TaskState enum", () => {
    expect([...TASK_STATES].sort()).toEqual([...ApiTaskState.options].sort());
  });
  it("holds-a-runner is rows.ts's ACTIVE_STATES, parked is its PARKED_STATES", () => {
    expect(sorted(HOLDS_RUNNER_STATES)).toEqual(sorted(ACTIVE_STATES));
    expect(sorted(PARKED_STATES)).toEqual(sorted(OLD_PARKED));
  });
  it("final is rows.ts's FINAL_STATES without escalated: an escalated task is parked, not final", () => {
    expect(sorted(FINAL_STATES)).toEqual(sorted(OLD_FINAL.filter((s) => s !== "escalated")));
    expect(FINAL_STATES).not.toContain("escalated");
    expect(PARKED_STATES).toContain("escalated");
  });
  it("every state is in exactly one of queued, holds-a-runner, parked, final", () => {
    for (const s of TASK_STATES) {
      const n = [["queued"], HOLDS_RUNNER_STATES, PARKED_STATES, FINAL_STATES].filter((g) =>
        (g as readonly string[]).includes(s),
      ).length;
      expect(n, s).toBe(1);
    }
  });
  it("timed is every state that is neither final nor waiting on a person", () => {
    const expected = TASK_STATES.filter(
      (s) =>
        !(FINAL_STATES as readonly string[]).includes(s) && !(WAITS_ON_PERSON_STATES as readonly string[]).includes(s),
    );
    expect(sorted(TIMED_STATES)).toEqual(sorted(expected));
  });
  it("the event log's types are listed once here, with no duplicates", () => {
    expect(new Set(LOG_TYPES).size).toBe(LOG_TYPES.length);
  });
  it("no state list is spelled out in the TenantDO's SQL: every one comes from these groups (sqlList)", () => {
    const dir = new URL("../../src/durable/", import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && f !== "tenant/schema.ts",
    ); // migrations are history: they never change
    expect(files.length).toBeGreaterThan(10);
    const states = TASK_STATES.join("|");
    const literal = new RegExp(`\\(\\s*'(${states})'\\s*,\\s*'(${states})'`);
    const spelled = files.filter((f) => literal.test(readFileSync(new URL(f, dir), "utf8")));
    expect(spelled).toEqual([]);
  });
});
