// The runtime API's route table, as an allowlist, and the pure check of a raw
// request target against it. The agent is the attacker: it may send any bytes
// as the target, so the check runs on `req.url` exactly as received, before any
// decoding or routing, and refuses every spelling of a dot segment, an encoded
// slash or backslash, `//`, `;` parameters, an absolute-form target and any
// method or path not in the table. What comes out is a typed route whose
// parameters matched strict patterns; upstream paths are built from those
// parts (threadsUpstream), never from the agent's string.

export type ThreadQuery = Readonly<Record<string, string>>;

export type RuntimeRoute =
  | { kind: "task" }
  | { kind: "checkpoint" }
  | { kind: "progress" }
  | { kind: "result" }
  | { kind: "error" }
  | { kind: "approval" }
  | { kind: "llm_chat" }
  | { kind: "llm_responses" }
  | { kind: "llm_embeddings" }
  | { kind: "llm_models" }
  | { kind: "tool"; name: string }
  | { kind: "thread_list"; threadId: string; query: ThreadQuery }
  | { kind: "thread_get"; threadId: string; checkpointId: string; query: ThreadQuery }
  | { kind: "thread_put"; threadId: string; checkpointId: string }
  | { kind: "thread_writes"; threadId: string; checkpointId: string }
  | { kind: "thread_delete"; threadId: string };

export type ThreadRoute = Extract<RuntimeRoute, { kind: `thread_${string}` }>;

/** Why a target is refused; the code goes into the 4xx body and the runtime.denied audit event. */
export type DenyCode =
  | "bad_method"
  | "absolute_target"
  | "target_too_long"
  | "bad_character"
  | "bad_escape"
  | "encoded_separator"
  | "non_ascii"
  | "backslash"
  | "empty_segment"
  | "dot_segment"
  | "path_parameter"
  | "fragment"
  | "bad_parameter"
  | "bad_query"
  | "not_found"
  | "method_not_allowed";

export type Refused = { kind: "refused"; status: 400 | 404 | 405; code: DenyCode; message: string; allow?: string };
export type TargetCheck = { kind: "ok"; route: RuntimeRoute } | Refused;

export const MAX_TARGET = 4096;

/** Thread and checkpoint ids: LangGraph uses uuids; `agent:instance` is common. Never a dot segment (no leading dot). */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:@~+=,-]{0,255}$/;
/** The tool gateway's names (the control plane's Name). */
export const TOOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Page sizes the control plane accepts on thread lists. */
const LIMIT_PATTERN = /^[1-9][0-9]{0,6}$/;
const NS_MAX = 1024;
const FILTER_MAX = 16_384;

/** Characters allowed raw in a path: RFC 3986 unreserved, `%` for escapes, and the sub-delims an encoder may leave (not `;`). */
const PATH_CHAR = /^[A-Za-z0-9\-._~%!$&'()*+,=:@/]$/;
/** Characters allowed raw in a query (RFC 3986 query chars, no `#`). */
const QUERY_CHAR = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]$/;

const METHODS = new Set(["GET", "PUT", "POST", "DELETE"]);

interface TableRow {
  /** Literal segments, or `{name}` for a parameter. */
  shape: readonly string[];
  methods: Readonly<
    Record<string, (p: Record<string, string>, q: URLSearchParams | null) => RuntimeRoute | QueryRefusal>
  >;
}

type QueryRefusal = { kind: "bad_query"; message: string };

const noQuery =
  (route: RuntimeRoute) =>
  (_p: Record<string, string>, q: URLSearchParams | null): RuntimeRoute | QueryRefusal =>
    q === null ? route : { kind: "bad_query", message: "this route takes no query string" };

/** The whole runtime API. Anything else is refused. */
export const ROUTE_TABLE: readonly TableRow[] = [
  { shape: ["task"], methods: { GET: noQuery({ kind: "task" }) } },
  { shape: ["checkpoint"], methods: { PUT: noQuery({ kind: "checkpoint" }) } },
  { shape: ["progress"], methods: { POST: noQuery({ kind: "progress" }) } },
  { shape: ["result"], methods: { POST: noQuery({ kind: "result" }) } },
  { shape: ["error"], methods: { POST: noQuery({ kind: "error" }) } },
  { shape: ["approval"], methods: { POST: noQuery({ kind: "approval" }) } },
  { shape: ["llm", "v1", "chat", "completions"], methods: { POST: noQuery({ kind: "llm_chat" }) } },
  { shape: ["llm", "v1", "responses"], methods: { POST: noQuery({ kind: "llm_responses" }) } },
  { shape: ["llm", "v1", "embeddings"], methods: { POST: noQuery({ kind: "llm_embeddings" }) } },
  { shape: ["llm", "v1", "models"], methods: { GET: noQuery({ kind: "llm_models" }) } },
  { shape: ["tools", "{tool}"], methods: { POST: (p, q) => noQuery({ kind: "tool", name: p.tool as string })(p, q) } },
  {
    shape: ["threads", "{thread}"],
    methods: { DELETE: (p, q) => noQuery({ kind: "thread_delete", threadId: p.thread as string })(p, q) },
  },
  {
    shape: ["threads", "{thread}", "checkpoints"],
    methods: {
      GET: (p, q) => {
        const query = threadQuery(q, ["checkpoint_ns", "before", "limit", "filter"]);
        return query.kind === "bad_query"
          ? query
          : { kind: "thread_list", threadId: p.thread as string, query: query.query };
      },
    },
  },
  {
    shape: ["threads", "{thread}", "checkpoints", "{checkpoint}"],
    methods: {
      GET: (p, q) => {
        const query = threadQuery(q, ["checkpoint_ns"]);
        return query.kind === "bad_query"
          ? query
          : {
              kind: "thread_get",
              threadId: p.thread as string,
              checkpointId: p.checkpoint as string,
              query: query.query,
            };
      },
      PUT: (p, q) =>
        noQuery({ kind: "thread_put", threadId: p.thread as string, checkpointId: p.checkpoint as string })(p, q),
    },
  },
  {
    shape: ["threads", "{thread}", "checkpoints", "{checkpoint}", "writes"],
    methods: {
      PUT: (p, q) =>
        noQuery({ kind: "thread_writes", threadId: p.thread as string, checkpointId: p.checkpoint as string })(p, q),
    },
  },
];

const PARAM_PATTERNS: Readonly<Record<string, RegExp>> = {
  thread: ID_PATTERN,
  checkpoint: ID_PATTERN,
  tool: TOOL_PATTERN,
};

const refuse = (status: 400 | 404 | 405, code: DenyCode, message: string): Refused => ({
  kind: "refused",
  status,
  code,
  message,
});

/**
 * Checks one request line (method and raw target, as received) against the
 * table. Pure: no I/O, no decoding before the raw checks.
 */
export function checkTarget(method: string, rawTarget: string): TargetCheck {
  if (!METHODS.has(method))
    return {
      ...refuse(405, "bad_method", `method ${printable(method)} is not served here`),
      allow: "GET, PUT, POST, DELETE",
    };
  if (rawTarget.length > MAX_TARGET)
    return refuse(400, "target_too_long", `the request target is longer than ${MAX_TARGET} characters`);
  if (!rawTarget.startsWith("/"))
    return refuse(
      400,
      "absolute_target",
      "the request target must be a path (origin-form), not an absolute URL or authority",
    );
  for (const ch of rawTarget) {
    const c = ch.codePointAt(0) as number;
    if (c > 0x7e) return refuse(400, "non_ascii", "the request target has a non-ASCII character");
    if (c <= 0x20 || c === 0x7f)
      return refuse(400, "bad_character", "the request target has a control character or space");
  }
  if (rawTarget.includes("#")) return refuse(400, "fragment", "the request target has a fragment");
  const qi = rawTarget.indexOf("?");
  const rawPath = qi < 0 ? rawTarget : rawTarget.slice(0, qi);
  const rawQuery = qi < 0 ? null : rawTarget.slice(qi + 1);

  const bad = pathProblem(rawPath);
  if (bad) return bad;
  if (rawQuery !== null)
    for (const ch of rawQuery)
      if (!QUERY_CHAR.test(ch))
        return refuse(400, "bad_character", `the query has a character it may not hold (${printable(ch)})`);

  // Segments: the raw checks above leave only escapes of plain ASCII other than . / \ %, so decoding cannot make a separator or a dot segment.
  const raw = rawPath.slice(1).split("/");
  let query: URLSearchParams | null = null;
  if (rawQuery !== null) {
    const q = parseQuery(rawQuery);
    if (typeof q === "string") return refuse(400, "bad_query", q);
    query = q;
  }
  for (const row of ROUTE_TABLE) {
    if (row.shape.length !== raw.length) continue;
    const params: Record<string, string> = {};
    let match = true;
    let badParam: string | null = null;
    for (let i = 0; i < raw.length; i++) {
      const want = row.shape[i] as string;
      const got = raw[i] as string;
      if (want.startsWith("{")) {
        const name = want.slice(1, -1);
        const value = decodeSegment(got);
        if (value === null || !(PARAM_PATTERNS[name] as RegExp).test(value)) badParam ??= name;
        else params[name] = value;
      } else if (want !== got) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    const handler = row.methods[method];
    if (!handler)
      return {
        ...refuse(405, "method_not_allowed", `${method} is not allowed on this route`),
        allow: Object.keys(row.methods).join(", "),
      };
    if (badParam)
      return refuse(
        400,
        "bad_parameter",
        `the ${badParam} in the path does not match ${(PARAM_PATTERNS[badParam] as RegExp).source}`,
      );
    const route = handler(params, query);
    if (route.kind === "bad_query") return refuse(400, "bad_query", route.message);
    return { kind: "ok", route };
  }
  return refuse(404, "not_found", "no such route on the runtime API");
}

function pathProblem(rawPath: string): Refused | null {
  if (rawPath.includes("\\")) return refuse(400, "backslash", "the path has a backslash");
  if (rawPath.includes(";")) return refuse(400, "path_parameter", "the path has a ; parameter");
  if (rawPath.includes("//")) return refuse(400, "empty_segment", "the path has an empty segment (//)");
  for (const ch of rawPath)
    if (!PATH_CHAR.test(ch))
      return refuse(400, "bad_character", `the path has a character it may not hold (${printable(ch)})`);
  for (let i = rawPath.indexOf("%"); i >= 0; i = rawPath.indexOf("%", i + 1)) {
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex))
      return refuse(400, "bad_escape", "the path has a % not followed by two hex digits");
    const b = Number.parseInt(hex, 16);
    // %2e (a dot), %2f and %5c (separators), %25 (a second round of decoding: %252e), controls, and
    // anything past ASCII (fullwidth dots U+FF0E = %EF%BC%8E and their kin normalise to ".").
    if (b === 0x2e) return refuse(400, "dot_segment", "the path has an encoded dot");
    if (b === 0x2f || b === 0x5c) return refuse(400, "encoded_separator", "the path has an encoded slash or backslash");
    if (b === 0x25) return refuse(400, "bad_escape", "the path has an encoded % (double encoding)");
    if (b < 0x21 || b === 0x7f) return refuse(400, "bad_escape", "the path has an encoded control character or space");
    if (b > 0x7e) return refuse(400, "non_ascii", "the path has an encoded non-ASCII byte");
  }
  for (const seg of rawPath.slice(1).split("/")) {
    if (/^\.+$/.test(seg)) return refuse(400, "dot_segment", "the path has a dot segment");
  }
  return null;
}

function decodeSegment(seg: string): string | null {
  try {
    return decodeURIComponent(seg);
  } catch {
    return null;
  }
}

/** Pairs in order; a malformed escape or a repeated key is refused (a string says why). */
function parseQuery(raw: string): URLSearchParams | string {
  const out = new URLSearchParams();
  if (raw === "") return out;
  for (const pair of raw.split("&")) {
    const eq = pair.indexOf("=");
    const k = eq < 0 ? pair : pair.slice(0, eq);
    const v = eq < 0 ? "" : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(k.replace(/\+/g, " "));
      value = decodeURIComponent(v.replace(/\+/g, " "));
    } catch {
      return "the query has a malformed % escape";
    }
    if (out.has(key)) return `the query names ${printable(key)} twice`;
    out.append(key, value);
  }
  return out;
}

/** Only the keys a route knows, each with a value of the right form; re-serialised by the caller. */
function threadQuery(
  q: URLSearchParams | null,
  keys: readonly string[],
): { kind: "query"; query: ThreadQuery } | QueryRefusal {
  const out: Record<string, string> = {};
  if (q === null) return { kind: "query", query: out };
  for (const [k, v] of q) {
    if (!keys.includes(k))
      return { kind: "bad_query", message: `unknown query key ${printable(k)} (this route takes ${keys.join(", ")})` };
    if (k === "checkpoint_ns" && v.length > NS_MAX)
      return { kind: "bad_query", message: `checkpoint_ns is longer than ${NS_MAX}` };
    if (k === "before" && !ID_PATTERN.test(v))
      return { kind: "bad_query", message: `before does not match ${ID_PATTERN.source}` };
    if (k === "limit" && !LIMIT_PATTERN.test(v))
      return { kind: "bad_query", message: "limit is not a positive integer" };
    if (k === "filter" && !isJsonObject(v))
      return { kind: "bad_query", message: `filter must be a JSON object of at most ${FILTER_MAX} characters` };
    out[k] = v;
  }
  return { kind: "query", query: out };
}

function isJsonObject(text: string): boolean {
  if (text.length > FILTER_MAX) return false;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** The control plane's path for a thread route, from its validated parts (each re-encoded). */
export function threadsUpstream(r: ThreadRoute): { method: string; path: string } {
  const t = encodeURIComponent(r.threadId);
  const qs = (q: ThreadQuery, keys: readonly string[]) => {
    const p = new URLSearchParams();
    for (const k of keys) if (q[k] !== undefined) p.append(k, q[k] as string);
    const s = p.toString();
    return s ? `?${s}` : "";
  };
  switch (r.kind) {
    case "thread_list":
      return {
        method: "GET",
        path: `/v1/threads/${t}/checkpoints${qs(r.query, ["checkpoint_ns", "before", "limit", "filter"])}`,
      };
    case "thread_get":
      return {
        method: "GET",
        path: `/v1/threads/${t}/checkpoints/${encodeURIComponent(r.checkpointId)}${qs(r.query, ["checkpoint_ns"])}`,
      };
    case "thread_put":
      return { method: "PUT", path: `/v1/threads/${t}/checkpoints/${encodeURIComponent(r.checkpointId)}` };
    case "thread_writes":
      return { method: "PUT", path: `/v1/threads/${t}/checkpoints/${encodeURIComponent(r.checkpointId)}/writes` };
    case "thread_delete":
      return { method: "DELETE", path: `/v1/threads/${t}` };
  }
}

export function isThreadRoute(r: RuntimeRoute): r is ThreadRoute {
  return r.kind.startsWith("thread_");
}

/** For messages: the agent's bytes, never echoed raw into logs or JSON as they came. */
export function printable(s: string, max = 64): string {
  const t = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return t;
}
