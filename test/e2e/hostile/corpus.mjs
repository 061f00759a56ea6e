// The path-trick corpus: request lines a hostile agent sends to its runner's
// runtime API, each of which must be refused with a 4xx before anything is
// routed or forwarded. Shared by the unit tests (against the pure validator and
// the real server) and by the hostile agent of test/e2e/hostile-agent.test.ts,
// which sends them byte-exact over raw sockets. Plain JS, no imports: the agent
// runs it as an unprivileged user from a copy.

/** Every route of the runtime API, with its method, as an agent legitimately calls it. */
export const ROUTES = [
  { method: "GET", path: "/task" },
  { method: "PUT", path: "/checkpoint" },
  { method: "POST", path: "/progress" },
  { method: "POST", path: "/result" },
  { method: "POST", path: "/error" },
  { method: "POST", path: "/approval" },
  { method: "POST", path: "/llm/v1/chat/completions" },
  { method: "POST", path: "/llm/v1/responses" },
  { method: "POST", path: "/llm/v1/embeddings" },
  { method: "GET", path: "/llm/v1/models" },
  { method: "POST", path: "/tools/search" },
  { method: "GET", path: "/threads/hostile-t/checkpoints" },
  { method: "GET", path: "/threads/hostile-t/checkpoints/hostile-c" },
  { method: "PUT", path: "/threads/hostile-t/checkpoints/hostile-c" },
  { method: "PUT", path: "/threads/hostile-t/checkpoints/hostile-c/writes" },
  { method: "DELETE", path: "/threads/hostile-t" },
];

/** Where a confused deputy would be steered: the control plane's routes an agent must never reach. */
export const ESCAPES = ["runners", "keys", "audit", "checkpoints", "v1/runners", "tasks"];

const FW = "\uFF0E"; // FULLWIDTH FULL STOP, NFKC-normalises to "."

/**
 * Tricks on one route: [name, method, target]. `target` is sent as is; a few carry
 * raw bytes beyond ASCII (sent as UTF-8) or break the request line on purpose.
 */
function tricksOn(method, path, evil) {
  return [
    ["dotdot", method, `${path}/../${evil}`],
    ["dotdot-twice", method, `${path}/../../${evil}`],
    ["dotdot-thrice", method, `${path}/../../../v1/${evil}`],
    ["dotdot-trailing", method, `${path}/..`],
    ["dot", method, `${path}/./`],
    ["dot-trailing", method, `${path}/.`],
    ["dot-inner", method, `${path.replace(/\/([^/]*)$/, "/./$1")}`],
    ["dotdot-inner", method, `${path.replace(/\/([^/]*)$/, "/x/../$1")}`],
    ["triple-dot", method, `${path}/.../${evil}`],
    ["pct-dotdot", method, `${path}/%2e%2e/${evil}`],
    ["pct-DOTDOT", method, `${path}/%2E%2E/${evil}`],
    ["pct-mixed-1", method, `${path}/%2E./${evil}`],
    ["pct-mixed-2", method, `${path}/.%2e/${evil}`],
    ["pct-mixed-3", method, `${path}/%2e%2E/${evil}`],
    ["pct-dot", method, `${path}/%2e/${evil}`],
    ["double-pct", method, `${path}/%252e%252e/${evil}`],
    ["double-pct-upper", method, `${path}/%252E%252E/${evil}`],
    ["double-pct-slash", method, `${path}%252f..%252f${evil}`],
    ["fullwidth-pct", method, `${path}/%EF%BC%8E%EF%BC%8E/${evil}`],
    ["fullwidth-pct-lower", method, `${path}/%ef%bc%8e%ef%bc%8e/${evil}`],
    ["fullwidth-raw", method, `${path}/${FW}${FW}/${evil}`],
    ["one-dot-leader", method, `${path}/%E2%80%A4%E2%80%A4/${evil}`],
    ["overlong-dot", method, `${path}/%C0%AE%C0%AE/${evil}`],
    ["overlong-slash", method, `${path}/..%c0%af${evil}`],
    ["iis-unicode", method, `${path}/%u002e%u002e/${evil}`],
    ["pct-slash", method, `${path}%2f..%2f${evil}`],
    ["pct-SLASH", method, `${path}%2F..%2F${evil}`],
    ["pct-slash-dotdot", method, `${path}/..%2f${evil}`],
    ["pct-backslash", method, `${path}%5c..%5c${evil}`],
    ["pct-BACKSLASH", method, `${path}%5C..%5C${evil}`],
    ["backslash", method, `${path}\\..\\${evil}`],
    ["backslash-only", method, `${path.replace(/\//g, "\\")}`],
    ["double-slash", method, `${path}//${evil}`],
    ["double-slash-lead", method, `/${path}`],
    ["double-slash-inner", method, `${path.replace(/\/([^/]*)$/, "//$1")}`],
    ["semicolon", method, `${path};x=1`],
    ["semicolon-dotdot", method, `${path}/..;/${evil}`],
    ["semicolon-seg", method, `${path};/../${evil}`],
    ["pct-semicolon", method, `${path}%3b/../${evil}`],
    ["nul", method, `${path}%00`],
    ["nul-dotdot", method, `${path}%00/../${evil}`],
    ["crlf", method, `${path}%0d%0aHost:%20evil`],
    ["tab", method, `${path}%09`],
    ["bad-escape", method, `${path}%zz`],
    ["bad-escape-short", method, `${path}%2`],
    ["fragment", method, `${path}#../${evil}`],
    ["absolute-http", method, `http://127.0.0.1${path}`],
    ["absolute-evil", method, `http://evil.example${path}/../${evil}`],
    ["absolute-https", method, `https://control-plane.example/v1/${evil}`],
    ["authority", method, `127.0.0.1:80`],
    ["asterisk", method, "*"],
    ["no-slash", method, path.slice(1)],
    ["trailing-slash", method, `${path}/`],
    ["suffix", method, `${path}/${evil}/hostile/x`],
    ["case", method, path.toUpperCase()],
    ["pct-letter", method, path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)],
    ["query-unknown", method, `${path}?redirect=/v1/${evil}`],
    ["query-dup", method, `${path}?limit=1&limit=2`],
    ["method-trace", "TRACE", path],
    ["method-options", "OPTIONS", path],
    ["method-head", "HEAD", path],
    ["method-patch", "PATCH", path],
    ["method-propfind", "PROPFIND", path],
    ["method-connect", "CONNECT", `${path}/../${evil}`],
    ["method-wrong", method === "POST" ? "GET" : "POST", path],
  ];
}

/** Tricks that are not about one route. */
const ALONE = [
  ["tenant-checkpoints", "GET", "/checkpoints"],
  ["tenant-checkpoints-query", "GET", "/checkpoints?limit=1"],
  ["v1-runners", "GET", "/v1/runners"],
  ["v1-keys", "POST", "/v1/keys"],
  ["runners", "POST", "/runners"],
  ["keys", "POST", "/keys"],
  ["audit", "GET", "/audit"],
  ["audit-events", "POST", "/audit/events"],
  ["threads-bare", "GET", "/threads"],
  ["threads-slash", "GET", "/threads/"],
  ["threads-dotdot-runners", "GET", "/threads/../runners"],
  ["threads-dotdot-runners-post", "POST", "/threads/../runners"],
  ["threads-pct-runners", "GET", "/threads/%2e%2e/runners"],
  ["threads-id-dot", "GET", "/threads/./checkpoints"],
  ["threads-id-dotdot", "GET", "/threads/../checkpoints"],
  ["threads-id-hidden", "GET", "/threads/.hostile/checkpoints"],
  ["threads-id-pct-slash", "GET", "/threads/a%2f..%2f..%2frunners/checkpoints"],
  ["threads-id-too-long", "GET", `/threads/${"h".repeat(300)}/checkpoints`],
  ["threads-id-space", "GET", "/threads/a%20b/checkpoints"],
  ["threads-id-unicode", "GET", "/threads/%C3%A9/checkpoints"],
  ["threads-before-dotdot", "GET", "/threads/hostile-t/checkpoints?before=../../runners"],
  ["threads-limit-neg", "GET", "/threads/hostile-t/checkpoints?limit=-1"],
  ["threads-filter-array", "GET", "/threads/hostile-t/checkpoints?filter=%5B%5D"],
  ["threads-get-unknown-query", "GET", "/threads/hostile-t/checkpoints/hostile-c?limit=1"],
  ["threads-writes-get", "GET", "/threads/hostile-t/checkpoints/hostile-c/writes"],
  ["threads-delete-checkpoint", "DELETE", "/threads/hostile-t/checkpoints/hostile-c"],
  ["tools-dotdot", "POST", "/tools/.."],
  ["tools-pct-dotdot", "POST", "/tools/%2e%2e"],
  ["tools-name-slash", "POST", "/tools/a%2fb"],
  ["tools-empty", "POST", "/tools/"],
  ["llm-models-post", "POST", "/llm/v1/models"],
  ["llm-models-one", "GET", "/llm/v1/models/gpt-4o"],
  ["llm-responses-get", "GET", "/llm/v1/responses"],
  ["llm-responses-stored", "GET", "/llm/v1/responses/resp_123"],
  ["llm-responses-query", "POST", "/llm/v1/responses?stream=true"],
  ["llm-embeddings-get", "GET", "/llm/v1/embeddings"],
  ["llm-dotdot", "POST", "/llm/v1/../../runners"],
  ["llm-pct", "POST", "/llm/v1/chat/%2e%2e/%2e%2e/%2e%2e/runners"],
  ["root", "GET", "/"],
  ["empty", "GET", ""],
  ["connect-authority", "CONNECT", "127.0.0.1:8787"],
  ["connect-host", "CONNECT", "control-plane.example:443"],
];

/** The whole corpus: every trick on every route, then the lone ones. Names are unique. */
export function corpus() {
  const out = [];
  for (const r of ROUTES) {
    const evil = ESCAPES[out.length % ESCAPES.length];
    for (const [name, method, target] of tricksOn(r.method, r.path, evil))
      out.push({ name: `${r.method} ${r.path} ${name}`, method, target });
  }
  for (const [name, method, target] of ALONE) out.push({ name, method, target });
  return out;
}

/** Request lines the HTTP parser itself must reject (a space or a control byte in the target, a bad version). */
export const WIRE = [
  ["space-in-target", "GET /task /../runners HTTP/1.1"],
  ["tab-in-target", "GET /task\t/../runners HTTP/1.1"],
  ["bad-version", "GET /task HTTP/9.9"],
  ["no-version", "GET /../runners"],
];

/** One request, byte-exact: the request line, Host and Authorization, a small JSON body where a method carries one. */
export function rawRequest(method, target, token, extraHeaders = {}) {
  const body =
    method === "GET" ||
    method === "HEAD" ||
    method === "DELETE" ||
    method === "CONNECT" ||
    method === "OPTIONS" ||
    method === "TRACE"
      ? ""
      : "{}";
  const lines = [
    `${method} ${target} HTTP/1.1`,
    "Host: 127.0.0.1",
    `Authorization: Bearer ${token}`,
    "Connection: close",
  ];
  for (const [k, v] of Object.entries(extraHeaders)) lines.push(`${k}: ${v}`);
  if (body) lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "utf8");
}
