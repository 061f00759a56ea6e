// OfficeOS agent SDK: the runtime API of the runner, wrapped for TypeScript.
//
//   import { runAgent } from "officeos/sdk";
//   runAgent(async (ctx) => {
//     let step = ctx.restored?.cursor?.step ?? 0;          // resume where the last checkpoint left off
//     for (; step < 3; step++) {
//       await doWork(step);
//       await ctx.checkpoint({ cursor: { step: step + 1 } });
//     }
//     return { done: true };                               // becomes the task's result
//   });
//
// The runner passes OFFICEOS_RUNTIME_API and the task token: a 0600 file named by
// OFFICEOS_TASK_TOKEN_FILE (preferred), and OFFICEOS_TASK_TOKEN where the
// environment cannot leak to another task; nothing else is needed. Any language can speak the same plain HTTP (see README).
import { readFileSync } from "node:fs";
import type { AgentStateJson } from "../../src/api/schemas.js";

export type AgentState = AgentStateJson;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface TaskInfo<I = JsonValue> {
  task_id: string;
  agent: string;
  input: I;
  instance: string;
  attempt: number;
  epoch: number;
  checkpoint: { seq: number; state: AgentState } | null;
}

/** A person's answer at an approval gate. */
export interface GateDecision {
  gate: string;
  decision: "approve" | "reject";
  comment?: string;
  by: string;
  at: string;
}

/** Thrown by an agent to fail its task with a code; `retryable` lets the retry policy retry it. */
export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** The runner no longer holds this task's lease: stop at once, another attempt owns the task. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The task token: from the file OFFICEOS_TASK_TOKEN_FILE names (0600, this agent's
 * own), else OFFICEOS_TASK_TOKEN; undefined when neither is there.
 */
export function readTaskToken(env: Record<string, string | undefined> = process.env): string | undefined {
  const file = env.OFFICEOS_TASK_TOKEN_FILE;
  if (file) {
    try {
      const t = readFileSync(file, "utf8").trim();
      if (t) return t;
    } catch {
      /* fall back to the environment */
    }
  }
  return env.OFFICEOS_TASK_TOKEN || undefined;
}

export class RuntimeClient {
  constructor(
    private readonly baseUrl: string,
    readonly token: string,
  ) {}

  static fromEnv(env: Record<string, string | undefined> = process.env): RuntimeClient {
    const url = env.OFFICEOS_RUNTIME_API;
    const token = readTaskToken(env);
    if (!url || !token)
      throw new Error(
        "OFFICEOS_RUNTIME_API and OFFICEOS_TASK_TOKEN_FILE (or OFFICEOS_TASK_TOKEN) must be set (run this agent under officeos-runner)",
      );
    return new RuntimeClient(url, token);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    if (res.ok) return parsed as T;
    const err = parsed?.error ?? { code: "unknown", message: `HTTP ${res.status}` };
    if (err.code === "lease_lost") throw new LeaseLostError(err.message);
    throw new RuntimeError(res.status, err.code, err.message);
  }

  task<I = JsonValue>(): Promise<TaskInfo<I>> {
    return this.call("GET", "/task");
  }
  async checkpoint(state: AgentState): Promise<number> {
    return (await this.call<{ seq: number }>("PUT", "/checkpoint", state)).seq;
  }
  async progress(note?: string): Promise<void> {
    await this.call("POST", "/progress", note === undefined ? {} : { note });
  }
  async result(result: JsonValue): Promise<void> {
    await this.call("POST", "/result", { result });
  }
  async error(code: string, message: string, retryable: boolean): Promise<void> {
    await this.call("POST", "/error", { error: { code, message }, retryable });
  }
  /** The decision for `gate`, or `suspended`: the task now waits for a person and this process must exit. */
  async approval(
    gate: string,
    opts: { message?: string; details?: JsonValue } = {},
  ): Promise<GateDecision | { gate: string; status: "suspended" }> {
    return this.call("POST", "/approval", { gate, ...opts });
  }
}

/** The runner refused an LLM call: the agent's token or request quota is spent for now. */
export class LlmRateLimitedError extends Error {
  override readonly name = "LlmRateLimitedError";
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** Just enough of OpenAI's chat completion types for the gateway helpers. */
export interface ChatRequest {
  model?: string;
  messages: { role: string; content?: string | null; [k: string]: unknown }[];
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [k: string]: unknown;
}
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
export interface ChatCompletion {
  id: string;
  model: string;
  choices: { index: number; message: { role: string; content: string | null }; finish_reason: string | null }[];
  usage?: ChatUsage;
}
export interface ChatChunk {
  id: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string | null }; finish_reason: string | null }[];
  usage?: ChatUsage | null;
}

/**
 * The runner's OpenAI-compatible LLM gateway. `baseURL` and `apiKey` also work
 * with the official openai client: `new OpenAI({ baseURL, apiKey })`; the key
 * is this task's runtime token, not the upstream's.
 */
export class LlmClient {
  readonly baseURL: string;
  constructor(
    runtimeUrl: string,
    readonly apiKey: string,
  ) {
    this.baseURL = `${runtimeUrl}/llm/v1`;
  }

  private async post(body: ChatRequest): Promise<Response> {
    const res = await fetch(`${this.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.ok) return res;
    const parsed = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    const msg = parsed?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 429) throw new LlmRateLimitedError(Number(res.headers.get("retry-after") ?? "1") * 1000, msg);
    if (parsed?.error?.code === "lease_lost") throw new LeaseLostError(msg);
    throw new RuntimeError(res.status, parsed?.error?.code ?? "unknown", msg);
  }

  async chat(body: ChatRequest): Promise<ChatCompletion> {
    return (await (await this.post({ ...body, stream: false })).json()) as ChatCompletion;
  }

  /** Server-sent chunks as they arrive; ends at `data: [DONE]`. */
  async *chatStream(body: ChatRequest): AsyncGenerator<ChatChunk> {
    const res = await this.post({ ...body, stream: true });
    const decoder = new TextDecoder();
    let buf = "";
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(part, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of ev.split("\n")) {
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") return;
          yield JSON.parse(data) as ChatChunk;
        }
      }
    }
  }
}

export interface AgentContext<I = JsonValue> {
  task: TaskInfo<I>;
  input: I;
  /** State of the last checkpoint of this instance, or null on a fresh start. */
  restored: AgentState | null;
  /** Saves the whole state; resolves with its sequence number once durable. */
  checkpoint(state: AgentState): Promise<number>;
  /** Tells the runner the agent is alive. */
  progress(note?: string): Promise<void>;
  /** Aborted when the runner asks the agent to stop (drain); checkpoint and return soon. */
  stopping: AbortSignal;
  /**
   * Stops at an approval gate until a person decides. Checkpoint first: if
   * nobody has decided yet, the process exits here and the task resumes later,
   * on any runner, from the last checkpoint — so it reaches this gate again and
   * this call then returns the decision at once. Everything before the gate
   * therefore runs once, provided it was checkpointed.
   */
  approval(gate: string, opts?: { message?: string; details?: JsonValue }): Promise<GateDecision>;
  /** The runner's LLM gateway (OpenAI-compatible; charges the agent's token quota). */
  llm: LlmClient;
}

/**
 * Makes Node's `fetch` honour HTTP_PROXY/HTTPS_PROXY/NO_PROXY, which it ignores by itself: inside the
 * runner's sandbox the egress proxy those name is the only way out (the runtime API, at 127.0.0.1,
 * is in NO_PROXY and stays direct). runAgent calls it; an agent that does not use runAgent may too.
 * Answers whether a proxy was installed.
 */
export async function useProxyFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!(env.HTTPS_PROXY || env.HTTP_PROXY || env.https_proxy || env.http_proxy)) return false;
  // undici is CommonJS: bundled (the example agents are), its exports arrive as the namespace's default.
  const ns = await import("undici");
  const { EnvHttpProxyAgent, setGlobalDispatcher } =
    "EnvHttpProxyAgent" in ns ? ns : (ns as { default: typeof ns }).default;
  setGlobalDispatcher(new EnvHttpProxyAgent());
  return true;
}

/**
 * Runs an agent body under the runner: fetches the task, hands over the
 * restored state, reports the returned value as the result or a thrown error
 * as a failure, and exits the process.
 */
export async function runAgent<I = JsonValue>(body: (ctx: AgentContext<I>) => Promise<JsonValue>): Promise<never> {
  await useProxyFromEnv();
  const client = RuntimeClient.fromEnv();
  const stop = new AbortController();
  let inflight: Promise<unknown> = Promise.resolve();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight = p.catch(() => undefined);
    return p;
  };
  // Drain: let a checkpoint in flight land, then leave; the runner releases the task.
  process.once("SIGTERM", () => {
    stop.abort();
    void inflight.then(() => process.exit(143));
  });
  // The runner died (its end of our stdin closed): stop at once, another runner takes over.
  if (process.env.OFFICEOS_WATCH_STDIN === "1") {
    process.stdin.on("end", () => process.exit(137));
    process.stdin.on("error", () => process.exit(137));
    process.stdin.resume();
  }
  const task = await client.task<I>();
  const ctx: AgentContext<I> = {
    task,
    input: task.input,
    restored: task.checkpoint?.state ?? null,
    checkpoint: (state) => track(client.checkpoint(state)),
    progress: (note) => track(client.progress(note)),
    stopping: stop.signal,
    approval: async (gate, opts) => {
      await inflight;
      const r = await client.approval(gate, opts);
      if ("decision" in r) return r;
      // Suspended: the lease is over. Leave quietly; the runner reports nothing.
      process.exit(0);
    },
    llm: new LlmClient(process.env.OFFICEOS_RUNTIME_API as string, client.token),
  };
  try {
    const result = await body(ctx);
    await track(client.result(result));
    process.exit(0);
  } catch (e) {
    if (e instanceof LeaseLostError) process.exit(75);
    const err = e instanceof AgentError ? e : new AgentError("agent_error", (e as Error)?.message ?? String(e), true);
    try {
      await client.error(err.code, err.message, err.retryable);
    } catch {
      /* the runner reports the exit instead */
    }
    process.exit(1);
  }
}
