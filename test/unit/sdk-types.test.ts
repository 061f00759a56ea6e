// The SDK package (@officeos/sdk) spells the checkpoint state out by hand, so that it carries no
// dependency on the Worker's zod schemas; these checks fail to compile (npx tsc -p .) and fail here
// when the two drift apart.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AgentState, JsonValue, TaskInfo } from "@officeos/sdk";
import { AgentError, LlmClient } from "@officeos/sdk";
import type { AgentStateJson } from "../../src/api/schemas.js";

describe("@officeos/sdk types", () => {
  it("AgentState is the control plane's AgentState both ways", () => {
    expectTypeOf<AgentState>().toExtend<AgentStateJson>();
    expectTypeOf<AgentStateJson>().toExtend<AgentState>();
    const s: AgentState = { messages: [{ role: "user", content: "hi" }], cursor: { step: 1 } };
    const j: AgentStateJson = s;
    expect(j.cursor?.step).toBe(1);
  });

  it("exports the task shape, the errors and the LLM gateway client", () => {
    expectTypeOf<TaskInfo<{ n: number }>["input"]>().toEqualTypeOf<{ n: number }>();
    expectTypeOf<JsonValue>().toExtend<unknown>();
    const e = new AgentError("bad_input", "no", false);
    expect([e.code, e.retryable, e.name]).toEqual(["bad_input", false, "AgentError"]);
    expect(new LlmClient("http://127.0.0.1:9", "t").baseURL).toBe("http://127.0.0.1:9/llm/v1");
  });
});
