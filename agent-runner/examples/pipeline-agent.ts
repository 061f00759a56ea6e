// A multi-step pipeline agent. Each step adds to a running sum and appends a
// line to the file named by the input, a side effect a test can count.
//
// Exactly-once effects across crashes: before the effect of step i the agent
// checkpoints an intent (cursor {step: i, sub_step: 1}); the effect itself is
// idempotent (the line names its step, and is written only if absent); then it
// checkpoints completion (cursor {step: i + 1}). A resume at sub_step 1
// finishes that step's effect; a resume at sub_step 0 starts the next step.
// No finished step runs again.
import { appendFile, readFile } from "node:fs/promises";
import { runAgent, AgentError, type JsonValue } from "@officeos/sdk";

interface Input {
  steps: number;
  file: string;
  step_ms?: number;
  /** Fail (retryably) when reaching this step on attempt 1; for retry demos. */
  fail_at_step?: number;
  /** Grow a conversation: each step adds a user and an assistant message of this many characters. */
  chat_chars?: number;
  /** Stop at an approval gate named `step-<n>` before step n; a rejection fails the task. */
  gate_before_step?: number;
  /** Fail every attempt with this error code (retryable): for escalation demos. */
  always_fail?: string;
  /** On attempt 1, go silent at this step (no checkpoint, no progress): for stall detection. */
  hang_at_step?: number;
}

/**
 * Appends a line. Each attempt runs as a uid of its own, so the file must be writable by the next one:
 * it is created 0666 in the same open() (umask 0 for this process), never chmod-ed afterwards, which an
 * attempt killed between the two would leave undone, locking every later attempt out.
 */
process.umask(0);
async function appendShared(file: string, line: string): Promise<void> {
  await appendFile(file, line, { mode: 0o666 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hasLine(file: string, step: number): Promise<boolean> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").some((l) => l.startsWith(`step=${step} `));
}

void runAgent<Input>(async (ctx): Promise<JsonValue> => {
  const { steps, file, step_ms = 0 } = ctx.input;
  if (!Number.isInteger(steps) || steps < 0 || typeof file !== "string")
    throw new AgentError("bad_input", "input needs {steps: integer >= 0, file: string}", false);
  const appState = (ctx.restored?.app_state ?? {}) as { sum?: number };
  let sum = appState.sum ?? 0;
  // The conversation so far: the runner sends only what each step adds (a delta).
  const messages = [...(ctx.restored?.messages ?? [])];
  const chat = ctx.input.chat_chars ?? 0;
  const say = (i: number) => {
    if (!chat) return;
    messages.length = 2 * i; // a step cut short after its intent may have said its part already
    messages.push(
      { role: "user", content: `question ${i} `.padEnd(chat, "q") },
      { role: "assistant", content: `answer ${i} `.padEnd(chat, "a") },
    );
  };
  let step = ctx.restored?.cursor?.step ?? 0;
  const tag = `runner=${process.env.OFFICEOS_RUNNER_NAME ?? "?"} attempt=${ctx.task.attempt} pid=${process.pid}`;

  const effect = async (i: number) => {
    if (!(await hasLine(file, i))) await appendShared(file, `step=${i} ${tag}\n`);
  };

  if (ctx.restored?.cursor?.sub_step === 1) {
    // Crashed between intent and completion: the sum already includes step `step`.
    await effect(step);
    step += 1;
    await ctx.checkpoint({ cursor: { step, sub_step: 0 }, app_state: { sum }, messages });
  }
  if (ctx.input.always_fail) throw new AgentError(ctx.input.always_fail, `attempt ${ctx.task.attempt} fails as asked`);
  for (; step < steps; step++) {
    if (ctx.input.fail_at_step === step && ctx.task.attempt === 1)
      throw new AgentError("planned_failure", `failing at step ${step} as asked`);
    if (ctx.input.hang_at_step === step && ctx.task.attempt === 1)
      await new Promise(() => setInterval(() => undefined, 60_000));
    if (ctx.input.gate_before_step === step) {
      // Everything before the gate is checkpointed (cursor at this step): a resume comes straight back here.
      const d = await ctx.approval(`step-${step}`, {
        message: `Run step ${step} of ${steps}?`,
        details: { step, sum },
      });
      if (d.decision === "reject")
        throw new AgentError("rejected", `step ${step} rejected by ${d.by}${d.comment ? `: ${d.comment}` : ""}`, false);
    }
    if (step_ms) await sleep(step_ms);
    sum += step + 1;
    say(step);
    await ctx.checkpoint({ cursor: { step, sub_step: 1 }, app_state: { sum }, messages });
    await effect(step);
    await ctx.checkpoint({ cursor: { step: step + 1, sub_step: 0 }, app_state: { sum }, messages });
    console.log(`step ${step + 1} of ${steps} done (attempt ${ctx.task.attempt})`); // officeos logs TASK shows it
  }
  // The conversation must hold every step's exchange exactly once, in order.
  const intact =
    messages.length === 2 * steps &&
    messages.every((m, i) => m.content?.startsWith(`${i % 2 ? "answer" : "question"} ${i >> 1} `));
  if (!chat) return { steps, sum };
  return { steps, sum, messages: messages.length, conversation_intact: intact };
});
