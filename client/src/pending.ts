// Routes whose contract is agreed (issue #6: task events, escalations,
// approvals) but which may not be in the served spec yet, written in the shape
// openapi-typescript generates. `paths` in index.ts takes the generated
// definition of a path whenever one exists (Omit<Pending, keyof Generated>), so
// once `npm run gen:client` sees a route in /openapi.json these entries are
// dead and can be deleted; until then they keep the client and CLI typed.
import type { components } from "./openapi.js";

type Task = components["schemas"]["Task"];
type ErrorBody = components["schemas"]["Error"];
type Json = Record<string, unknown> | unknown[] | string | number | boolean | null;
type Err = { headers: { [name: string]: unknown }; content: { "application/json": ErrorBody } };
type Ok<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type Unused = { put?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

export interface TaskEvent {
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** submitted, leased, running, released, preempted, lease_expired, attempt_failed, retry_scheduled, escalated, approval_requested, approved, rejected, succeeded, failed, cancelled, resolved, ... */
  type: string;
  actor: string;
  /** The task's state after the event, when it changed. */
  state?: string;
  details?: Json;
}
export interface TaskEvents {
  events: TaskEvent[];
  /** Pass as `after` to get the events that follow. */
  next: number;
}
export interface Escalation {
  task: Task;
  reason: { code: string; message: string };
  /** ISO 8601. */
  escalated_at: string;
  deadline_at?: string;
}
export interface EscalationAction {
  action: "retry" | "resolve" | "cancel";
  input?: Json;
  /** retry: a full state to resume from. */
  state?: Record<string, unknown>;
  result?: Json;
  comment?: string;
}
export interface Approval {
  task: Task;
  gate: string;
  message?: string;
  details?: Json;
  /** ISO 8601. */
  requested_at: string;
  deadline_at?: string;
}
export interface ApprovalDecision {
  decision: "approve" | "reject";
  comment?: string;
  /** Decide a gate the task has not reached yet. */
  gate?: string;
}

export interface PendingPaths {
  "/v1/tasks/{id}/events": Unused & {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: {
        query?: { after?: number; wait_ms?: number; limit?: number };
        header?: never;
        path: { id: string };
        cookie?: never;
      };
      requestBody?: never;
      responses: { 200: Ok<TaskEvents>; 400: Err; 401: Err; 403: Err; 404: Err };
    };
    post?: never;
  };
  "/v1/escalations": Unused & {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: Ok<{ escalations: Escalation[] }>; 401: Err; 403: Err };
    };
    post?: never;
  };
  "/v1/escalations/{task_id}": Unused & {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    post: {
      parameters: { query?: never; header?: never; path: { task_id: string }; cookie?: never };
      requestBody: { content: { "application/json": EscalationAction } };
      responses: { 200: Ok<{ task: Task }>; 400: Err; 401: Err; 403: Err; 404: Err; 409: Err };
    };
  };
  "/v1/approvals": Unused & {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: Ok<{ approvals: Approval[] }>; 401: Err; 403: Err };
    };
    post?: never;
  };
  "/v1/approvals/{task_id}": Unused & {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    post: {
      parameters: { query?: never; header?: never; path: { task_id: string }; cookie?: never };
      requestBody: { content: { "application/json": ApprovalDecision } };
      responses: { 200: Ok<{ task: Task }>; 400: Err; 401: Err; 403: Err; 404: Err; 409: Err };
    };
  };
}
