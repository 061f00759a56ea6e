// An agent that loops LLM calls through the runner's gateway. Each call is
// charged to the agent's token quota; when the quota is spent the gateway
// answers 429 with Retry-After, and this agent either waits as told or (for
// tests) just counts the refusal and goes on.
//
// Input: { calls, prompt?, max_tokens?, stream?: true | false | "alternate", wait_on_429? }
// Result: granted and throttled counts, tokens used, and whether anything in
// this process's environment looks like an upstream credential.
import { LlmRateLimitedError, runAgent, type ChatRequest, type JsonValue } from "@officeos/sdk";

interface Input {
  calls: number;
  prompt?: string;
  max_tokens?: number;
  stream?: boolean | "alternate";
  wait_on_429?: boolean;
  /** A secret to look for in the environment (the test passes the upstream key). */
  look_for?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void runAgent<Input>(async (ctx): Promise<JsonValue> => {
  const { calls, prompt = "hello", max_tokens = 40, stream = false, wait_on_429 = true } = ctx.input;
  let granted = 0;
  let throttled = 0;
  let tokens = 0;
  let text = "";
  let minRetryAfterMs: number | null = null;
  for (let i = 0; i < calls; i++) {
    const req: ChatRequest = { messages: [{ role: "user", content: prompt }], max_tokens };
    const streamed = stream === "alternate" ? i % 2 === 1 : stream;
    try {
      if (streamed) {
        for await (const chunk of ctx.llm.chatStream({ ...req, stream_options: { include_usage: true } })) {
          text += chunk.choices[0]?.delta.content ?? "";
          if (chunk.usage) tokens += chunk.usage.total_tokens;
        }
      } else {
        const r = await ctx.llm.chat(req);
        text += r.choices[0]?.message.content ?? "";
        tokens += r.usage?.total_tokens ?? 0;
      }
      granted++;
    } catch (e) {
      if (!(e instanceof LlmRateLimitedError)) throw e;
      throttled++;
      minRetryAfterMs = Math.min(minRetryAfterMs ?? Infinity, e.retryAfterMs);
      if (wait_on_429) await sleep(e.retryAfterMs);
    }
    await ctx.progress(`call ${i}`);
  }
  const secret = ctx.input.look_for;
  const envHasSecret = secret ? Object.values(process.env).some((v) => v?.includes(secret)) : false;
  return {
    granted,
    throttled,
    tokens,
    chars: text.length,
    min_retry_after_ms: minRetryAfterMs,
    env_has_secret: envHasSecret,
    env_keys: Object.keys(process.env).sort(),
  };
});
