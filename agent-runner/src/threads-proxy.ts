// The runtime API's thread routes: an agent's LangGraph saver (OfficeOSSaver in
// runner mode) calls `/threads/...` here, and the runner forwards to the
// control plane's `/v1/threads/...` with its own key and the task's lease
// (OfficeOS-Task-Id, OfficeOS-Epoch), so the agent process never holds a tenant
// key and a write from a replaced lease is refused.
//
// Only the routes of runtime-routes.ts go through, and the upstream path is
// built from their validated, re-encoded parts: the agent's string is checked
// again here and never used as a path. No header of the agent's is passed on
// (Host, X-Forwarded-*, anything else). The tenant-wide `GET /checkpoints`
// (`/v1/checkpoints`) is not reachable through the runtime API.
import type { IncomingMessage } from "node:http";
import type { CallResult, ControlPlane } from "./control.js";
import { checkTarget, isThreadRoute, threadsUpstream, type ThreadRoute } from "./runtime-routes.js";

/** Thread checkpoints may be large; the control plane takes up to 40 MiB on these routes. */
export const THREADS_MAX_BODY = 32 * 1024 * 1024;

export type RawRead = { kind: "ok"; body: Uint8Array | undefined } | { kind: "error"; status: number; message: string };

export async function readRaw(req: IncomingMessage, max = THREADS_MAX_BODY): Promise<RawRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return { kind: "error", status: 413, message: `body exceeds ${max} bytes` };
    chunks.push(chunk);
  }
  return { kind: "ok", body: size === 0 ? undefined : new Uint8Array(Buffer.concat(chunks)) };
}

/** The runtime-API path (with its query) of a checked thread route, rebuilt from its parts. */
export function threadsLocalPath(r: ThreadRoute): string {
  return threadsUpstream(r).path.slice("/v1".length);
}

/**
 * Forwards one thread request (a runtime-API path with its query, as
 * threadsLocalPath builds it) for the task's lease. A method and path that are
 * not a thread route of the table never reach the control plane.
 */
export function forwardThreads(
  cp: ControlPlane,
  taskId: string,
  epoch: number,
  method: string,
  pathAndQuery: string,
  body: Uint8Array | undefined,
): Promise<CallResult<unknown>> {
  const c = checkTarget(method, pathAndQuery);
  if (c.kind !== "ok" || !isThreadRoute(c.route)) {
    return Promise.resolve({
      kind: "http",
      status: c.kind === "ok" ? 404 : c.status,
      code: "bad_request",
      message: c.kind === "ok" ? "not a thread route" : c.message,
    });
  }
  const up = threadsUpstream(c.route);
  const headers: Record<string, string> = { "officeos-task-id": taskId, "officeos-epoch": String(epoch) };
  if (body && (up.method === "PUT" || up.method === "POST")) headers["content-type"] = "application/json";
  return cp.forward(up.method, up.path, up.method === "PUT" ? body : undefined, headers);
}
