// The runtime API's allowlist as a pure function: every trick of the corpus
// (test/e2e/hostile/corpus.mjs) is refused with a 4xx before routing; the
// legitimate targets map to typed routes, and upstream paths are rebuilt from
// their validated parts.
import { describe, expect, it } from "vitest";
import {
  checkTarget,
  threadsUpstream,
  type RuntimeRoute,
  type ThreadRoute,
} from "../../agent-runner/src/runtime-routes.js";
import { corpus, ROUTES } from "../e2e/hostile/corpus.mjs";

const tricks = corpus();

describe("checkTarget refuses the path-trick corpus", () => {
  it("has a corpus worth the name", () => {
    expect(tricks.length).toBeGreaterThan(ROUTES.length * 60);
    expect(new Set(tricks.map((t) => t.name)).size).toBe(tricks.length);
  });

  it.each(tricks.map((t) => [t.name, t] as const))("%s", (_name, t) => {
    const r = checkTarget(t.method, t.target);
    expect(r.kind, `${t.method} ${JSON.stringify(t.target)}`).toBe("refused");
    if (r.kind === "refused") expect([400, 404, 405]).toContain(r.status);
  });
});

describe("checkTarget names why", () => {
  it.each([
    ["GET", "/threads/../runners", 400, "dot_segment"],
    ["GET", "/threads/%2e%2e/runners", 400, "dot_segment"],
    ["GET", "/threads/%2E./runners", 400, "dot_segment"],
    ["GET", "/threads/%252e%252e/runners", 400, "bad_escape"],
    ["GET", "/threads/%EF%BC%8E%EF%BC%8E/runners", 400, "non_ascii"],
    ["GET", "/threads/\uFF0E\uFF0E/runners", 400, "non_ascii"],
    ["GET", "/threads/a%2fb/checkpoints", 400, "encoded_separator"],
    ["GET", "/threads/a%5Cb/checkpoints", 400, "encoded_separator"],
    ["GET", "/threads\\..\\runners", 400, "backslash"],
    ["GET", "/threads//runners", 400, "empty_segment"],
    ["GET", "/task;jsessionid=1", 400, "path_parameter"],
    ["GET", "http://127.0.0.1/task", 400, "absolute_target"],
    ["CONNECT", "127.0.0.1:80", 405, "bad_method"],
    ["HEAD", "/task", 405, "bad_method"],
    ["GET", "/checkpoints", 404, "not_found"],
    ["GET", "/runners", 404, "not_found"],
    ["POST", "/task", 405, "method_not_allowed"],
    ["GET", "/threads/.x/checkpoints", 400, "bad_parameter"],
    ["GET", "/threads/t/checkpoints?x=1", 400, "bad_query"],
    ["GET", "/task?x=1", 400, "bad_query"],
  ])("%s %s → %i %s", (method, target, status, code) => {
    expect(checkTarget(method, target)).toMatchObject({ kind: "refused", status, code });
  });

  it("405 says which methods the route takes", () => {
    expect(checkTarget("DELETE", "/threads/t/checkpoints/c")).toMatchObject({ status: 405, allow: "GET, PUT" });
  });
});

describe("checkTarget accepts the table", () => {
  it.each<[string, string, RuntimeRoute]>([
    ["GET", "/task", { kind: "task" }],
    ["PUT", "/checkpoint", { kind: "checkpoint" }],
    ["POST", "/progress", { kind: "progress" }],
    ["POST", "/result", { kind: "result" }],
    ["POST", "/error", { kind: "error" }],
    ["POST", "/approval", { kind: "approval" }],
    ["POST", "/llm/v1/chat/completions", { kind: "llm_chat" }],
    ["POST", "/llm/v1/responses", { kind: "llm_responses" }],
    ["POST", "/llm/v1/embeddings", { kind: "llm_embeddings" }],
    ["GET", "/llm/v1/models", { kind: "llm_models" }],
    ["POST", "/tools/search.v2", { kind: "tool", name: "search.v2" }],
    [
      "GET",
      "/threads/lg%3Aabc/checkpoints?checkpoint_ns=&limit=1",
      { kind: "thread_list", threadId: "lg:abc", query: { checkpoint_ns: "", limit: "1" } },
    ],
    [
      "GET",
      "/threads/t/checkpoints?filter=%7B%22source%22%3A%22loop%22%7D&before=1ef-2",
      { kind: "thread_list", threadId: "t", query: { filter: '{"source":"loop"}', before: "1ef-2" } },
    ],
    [
      "GET",
      "/threads/t/checkpoints?checkpoint_ns=a%2F..%2Fb",
      { kind: "thread_list", threadId: "t", query: { checkpoint_ns: "a/../b" } },
    ],
    [
      "GET",
      "/threads/t/checkpoints/1ef4f797-8335-6428-8001-8a1503f9b875?checkpoint_ns=",
      {
        kind: "thread_get",
        threadId: "t",
        checkpointId: "1ef4f797-8335-6428-8001-8a1503f9b875",
        query: { checkpoint_ns: "" },
      },
    ],
    ["PUT", "/threads/t/checkpoints/c", { kind: "thread_put", threadId: "t", checkpointId: "c" }],
    ["PUT", "/threads/t/checkpoints/c/writes", { kind: "thread_writes", threadId: "t", checkpointId: "c" }],
    ["DELETE", "/threads/a..b", { kind: "thread_delete", threadId: "a..b" }],
  ])("%s %s", (method, target, route) => {
    expect(checkTarget(method, target)).toEqual({ kind: "ok", route });
  });

  it("the saver's own targets (encodeURIComponent of its ids, URLSearchParams of its query) pass", () => {
    const thread = "langgraph-agent:ticket-123";
    const u = new URL(`http://x/threads/${encodeURIComponent(thread)}/checkpoints`);
    u.searchParams.set("checkpoint_ns", "");
    u.searchParams.set("limit", "1");
    u.searchParams.set("filter", JSON.stringify({ step: 2, source: "loop" }));
    const r = checkTarget("GET", `${u.pathname}${u.search}`);
    expect(r).toMatchObject({ kind: "ok", route: { kind: "thread_list", threadId: thread } });
  });
});

describe("threadsUpstream", () => {
  it("re-encodes each part and re-serialises only the known query keys, in a fixed order", () => {
    const r = checkTarget("GET", "/threads/lg%3At/checkpoints?limit=1&checkpoint_ns=a%2F..%2Fb");
    expect(r.kind).toBe("ok");
    expect(threadsUpstream((r as { route: ThreadRoute }).route)).toEqual({
      method: "GET",
      path: "/v1/threads/lg%3At/checkpoints?checkpoint_ns=a%2F..%2Fb&limit=1",
    });
    expect(threadsUpstream({ kind: "thread_writes", threadId: "a:b", checkpointId: "c@1" })).toEqual({
      method: "PUT",
      path: "/v1/threads/a%3Ab/checkpoints/c%401/writes",
    });
    expect(threadsUpstream({ kind: "thread_delete", threadId: "t" })).toEqual({
      method: "DELETE",
      path: "/v1/threads/t",
    });
  });
});
