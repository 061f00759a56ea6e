// The chat-completions body the LLM gateway accepts, strictly: OpenAI's
// standard request fields that we can count into a reservation, each bounded;
// anything else is refused with a 400 that names it. The reservation is an
// upper bound on what the upstream may bill for the call: the prompt (messages,
// tools, functions, tool_choice, response_format and images all sent as
// input) once, plus max_tokens for each of the `n` choices. See docs/runtime-api.md.
import { z } from "zod";

/** Choices per call; above this the call is refused (a reservation of 64 completions is not worth allowing). */
export const MAX_N = 16;
/** max_tokens / max_completion_tokens above this are refused. */
export const MAX_COMPLETION_TOKENS = 1_048_576;
/** An image part costs by its size, not its URL's length: this is OpenAI's high-detail ceiling, rounded up. */
export const IMAGE_TOKENS = 1_600;
const MAX_MESSAGES = 10_000;
const MAX_TOOLS = 128;

const Text = z.string().max(4 * 1024 * 1024);
const Obj = z.record(z.string(), z.json());

const ContentPart = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: Text }),
  z.strictObject({
    type: z.literal("image_url"),
    image_url: z.strictObject({ url: Text, detail: z.enum(["auto", "low", "high"]).optional() }),
  }),
  z.strictObject({
    type: z.literal("input_audio"),
    input_audio: z.strictObject({ data: Text, format: z.enum(["wav", "mp3"]) }),
  }),
  // Inline files only: a file_id would name a file in the runner's upstream account.
  z.strictObject({
    type: z.literal("file"),
    file: z.strictObject({ file_data: Text, filename: z.string().max(256).optional() }),
  }),
  z.strictObject({ type: z.literal("refusal"), refusal: Text }),
]);

const ToolCall = z.strictObject({
  id: z.string().max(256),
  type: z.literal("function"),
  function: z.strictObject({ name: z.string().max(256), arguments: Text }),
});

const Message = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([Text, z.array(ContentPart).max(1024), z.null()]).optional(),
  name: z.string().max(256).optional(),
  tool_calls: z.array(ToolCall).max(MAX_TOOLS).optional(),
  tool_call_id: z.string().max(256).optional(),
  function_call: z
    .strictObject({ name: z.string().max(256), arguments: Text })
    .nullable()
    .optional(),
  refusal: Text.nullable().optional(),
  // An assistant message echoed back as the upstream gave it.
  annotations: z.array(Obj).max(1024).optional(),
  audio: z
    .strictObject({ id: z.string().max(256) })
    .nullable()
    .optional(),
});

const FunctionDef = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().max(16_384).optional(),
  parameters: Obj.optional(),
  strict: z.boolean().nullable().optional(),
});

const MaxTokens = z.number().int().min(1).max(MAX_COMPLETION_TOKENS);

export const ChatRequest = z.strictObject({
  model: z.string().min(1).max(256).optional(),
  messages: z.array(Message).min(1).max(MAX_MESSAGES),
  max_tokens: MaxTokens.optional(),
  max_completion_tokens: MaxTokens.optional(),
  n: z
    .number()
    .int()
    .min(1)
    .max(MAX_N, `n: at most ${MAX_N} choices a call (each is reserved as a completion of max_tokens)`)
    .optional(),
  stream: z.boolean().optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  stop: z
    .union([z.string().max(1024), z.array(z.string().max(1024)).max(4)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  logit_bias: z
    .record(z.string().regex(/^[0-9]{1,10}$/), z.number().min(-100).max(100))
    .refine((b) => Object.keys(b).length <= 1024, "at most 1024 entries")
    .nullable()
    .optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  response_format: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("text") }),
      z.strictObject({ type: z.literal("json_object") }),
      z.strictObject({
        type: z.literal("json_schema"),
        json_schema: z.strictObject({
          name: z.string().min(1).max(64),
          description: z.string().max(16_384).optional(),
          schema: Obj.optional(),
          strict: z.boolean().nullable().optional(),
        }),
      }),
    ])
    .optional(),
  tools: z
    .array(z.strictObject({ type: z.literal("function"), function: FunctionDef }))
    .max(MAX_TOOLS)
    .optional(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string().max(64) }) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  functions: z.array(FunctionDef).max(MAX_TOOLS).optional(),
  function_call: z.union([z.enum(["none", "auto"]), z.strictObject({ name: z.string().max(64) })]).optional(),
  reasoning_effort: z.enum(["minimal", "low", "medium", "high"]).nullable().optional(),
  verbosity: z.enum(["low", "medium", "high"]).nullable().optional(),
  modalities: z.array(z.literal("text")).max(1).nullable().optional(),
  user: z.string().max(256).optional(),
  safety_identifier: z.string().max(256).optional(),
  prompt_cache_key: z.string().max(256).optional(),
  // Stored completions would live in the runner's upstream account: only "do not store" is accepted.
  store: z.literal(false).nullable().optional(),
  service_tier: z.enum(["auto", "default"]).nullable().optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** Refused on purpose (named in the 400): costs we cannot bound before the call, or state in the runner's upstream account. */
export const REFUSED_FIELDS = ["audio", "prediction", "web_search_options", "metadata"] as const;

/**
 * A deliberately rough, cheap estimate (about 4 characters a token, plus the
 * per-message framing OpenAI documents); settlement corrects it with the real
 * count, and the completion side is bounded by max_tokens.
 */
export function estimatePromptTokens(messages: unknown[]): number {
  let chars = 0;
  for (const m of messages) chars += JSON.stringify(m).length;
  return Math.ceil(chars / 4) + 4 * messages.length + 3;
}

/** Everything the upstream reads as input: messages, image parts at their ceiling, and tool, function and format definitions. */
export function estimateRequestPromptTokens(r: ChatRequest): number {
  let tokens = estimatePromptTokens(r.messages);
  for (const m of r.messages)
    if (Array.isArray(m.content)) for (const p of m.content) if (p.type === "image_url") tokens += IMAGE_TOKENS;
  const extra = [r.tools, r.functions, r.tool_choice, r.function_call, r.response_format].filter(
    (x) => x !== undefined,
  );
  for (const x of extra) tokens += Math.ceil(JSON.stringify(x).length / 4);
  return tokens;
}

/** The tokens one call may cost at most: the prompt once, max_tokens for each of the n choices. */
export function reservationTokens(r: ChatRequest, maxTokens: number): number {
  return estimateRequestPromptTokens(r) + maxTokens * (r.n ?? 1);
}

export type ParsedChat =
  | { kind: "ok"; request: ChatRequest }
  | { kind: "refused"; message: string; param: string | null };

/** The body, strictly; a refusal names the first field at fault (OpenAI's `param`). */
export function parseChatRequest(raw: unknown): ParsedChat {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const refused = REFUSED_FIELDS.filter((f) => Object.hasOwn(raw, f));
    if (refused.length)
      return {
        kind: "refused",
        message: `field${refused.length > 1 ? "s" : ""} not accepted by this gateway: ${refused.join(", ")}`,
        param: refused[0] as string,
      };
  }
  const p = ChatRequest.safeParse(raw);
  if (p.success) return { kind: "ok", request: p.data };
  const first = p.error.issues[0];
  const unknown = p.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys" ? i.keys.map((k) => [...i.path, k].join(".")) : [],
  );
  if (unknown.length)
    return {
      kind: "refused",
      message: `unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (the accepted fields are listed in docs/runtime-api.md)`,
      param: unknown[0] as string,
    };
  const param = first?.path.length ? first.path.join(".") : null;
  return { kind: "refused", message: `invalid chat completion request: ${z.prettifyError(p.error)}`, param };
}
