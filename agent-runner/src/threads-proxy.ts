// The runtime API's thread routes: an agent's LangGraph saver (OfficeOSSaver in
// runner mode) calls `/threads/...` and `/checkpoints` here, and the runner
// forwards to the control plane's `/v1/...` with its own key and the task's
// lease (OfficeOS-Task-Id, OfficeOS-Epoch), so the agent process never holds a
// tenant key and a write from a replaced lease is refused.
import type { IncomingMessage } from "node:http";
import type { CallResult, ControlPlane } from "./control.js";

/** Thread checkpoints may be large; the control plane takes up to 40 MiB on these routes. */
export const THREADS_MAX_BODY = 32 * 1024 * 1024;

export function isThreadsPath(path: string): boolean {
  return path === "/checkpoints" || path.startsWith("/threads/");
}

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

/** Forwards one thread request (path with its query) for the task's lease. */
export function forwardThreads(cp: ControlPlane, taskId: string, epoch: number, method: string, pathAndQuery: string, body: Uint8Array | undefined): Promise<CallResult<unknown>> {
  const headers: Record<string, string> = { "officeos-task-id": taskId, "officeos-epoch": String(epoch) };
  if (body) headers["content-type"] = "application/json";
  return cp.forward(method, `/v1${pathAndQuery}`, body, headers);
}
