// The smallest agent: returns its input as the result. Given `{fail: "<code>"}`
// it fails instead (retryably, with that error code): for retry and escalation demos.
import { AgentError, runAgent } from "@officeos/sdk";

void runAgent(async (ctx) => {
  const input = ctx.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input) && typeof input.fail === "string")
    throw new AgentError(input.fail, `failing with ${input.fail} as asked`);
  return { echo: input };
});
