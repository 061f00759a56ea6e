// An agent's captured output (docs/logs.md): the batches a runner ships with its heartbeat, and
// what GET /v1/tasks/{id}/logs answers. No imports from schemas-tasks.ts (it imports this file).
import { z } from "@hono/zod-openapi";

export const LogStream = z.enum(["stdout", "stderr"]);
/** A line's text in a batch; the runner cuts longer lines (its `logs.max_line_bytes`, 8 KiB by default) with a marker. */
export const LOG_TEXT_MAX = 16_384;
export const LOG_BATCH_LINES = 2_000;
export const LOGS_LIMIT_MAX = 1_000;
export const LOGS_LIMIT_DEFAULT = 500;
/** The longest long-poll of GET /v1/tasks/{id}/logs. */
export const LOGS_WAIT_MAX_MS = 30_000;

export const LogBatch = z
  .strictObject({
    task_id: z.string().max(128),
    epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** Proves the lease (task, epoch), as in `leases`; a batch without a valid one is dropped. */
    lease_token: z.string().max(1024).optional(),
    /** The task's instance (its lease says which); the agent object refuses lines of a task that did not claim it. */
    instance: z.string().min(1).max(256),
    /** The attempt the lines belong to (the lease's `task.attempts`). */
    attempt: z.number().int().min(1).max(1_000_000),
    lines: z
      .array(
        z.strictObject({
          /** The line's number within its attempt, from 0: a resent line is stored once. */
          n: z.number().int().min(0).max(10_000_000),
          at: z.iso.datetime({ offset: true }),
          stream: LogStream,
          text: z.string().max(LOG_TEXT_MAX),
        }),
      )
      .min(1)
      .max(LOG_BATCH_LINES),
  })
  .openapi("LogBatch");
export type LogBatch = z.infer<typeof LogBatch>;

export const LogLine = z
  .object({ seq: z.number().int(), at: z.string(), attempt: z.number().int(), stream: LogStream, text: z.string() })
  .openapi("LogLine");
export type LogLine = z.infer<typeof LogLine>;

export const TaskLogs = z
  .object({
    lines: z.array(LogLine),
    /**
     * The cursor to pass as `after` next. null when the task is finished (succeeded, failed, cancelled,
     * escalated) and this page holds its last stored line: there is nothing more to follow.
     */
    next: z.number().int().nullable(),
  })
  .openapi("TaskLogs");
export type TaskLogs = z.infer<typeof TaskLogs>;
