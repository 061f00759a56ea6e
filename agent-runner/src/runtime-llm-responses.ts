// The bodies the LLM gateway accepts on POST /llm/v1/responses (OpenAI's
// Responses API, what the OpenAI Agents SDK sends by default) and
// POST /llm/v1/embeddings, strictly, as runtime-llm-request.ts does for chat:
// the fields whose cost a reservation can bound, each bounded; anything else is
// refused with a 400 that names it. Responses: only function tools (hosted tools
// bill per call and run in the runner's upstream account), nothing stored
// upstream (store, previous_response_id, conversation, background, prompt
// templates and file ids all name state in the runner's upstream account).
import { z } from "zod";
import { IMAGE_TOKENS, MAX_COMPLETION_TOKENS } from "./runtime-llm-request.js";

const Text = z.string().max(4 * 1024 * 1024);
const Obj = z.record(z.string(), z.json());
const MAX_ITEMS = 10_000;
const MAX_TOOLS = 128;
const Id = z.string().max(256);

const InputPart = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("input_text"), text: Text }),
  // Inline or URL images only: a file_id names a file in the runner's upstream account.
  z.strictObject({
    type: z.literal("input_image"),
    image_url: Text.nullable().optional(),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
  z.strictObject({
    type: z.literal("input_file"),
    file_data: Text,
    filename: z.string().max(256).optional(),
  }),
  // An assistant message echoed back as the upstream gave it (the Agents SDK does this every turn).
  z.strictObject({
    type: z.literal("output_text"),
    text: Text,
    annotations: z.array(Obj).max(1024).optional(),
    logprobs: z.array(Obj).max(100_000).optional(),
  }),
  z.strictObject({ type: z.literal("refusal"), refusal: Text }),
]);

const Message = z.strictObject({
  type: z.literal("message").optional(),
  id: Id.optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([Text, z.array(InputPart).max(1024)]),
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

const FunctionCall = z.strictObject({
  type: z.literal("function_call"),
  id: Id.optional(),
  call_id: Id,
  name: z.string().max(256),
  arguments: Text,
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

const FunctionCallOutput = z.strictObject({
  type: z.literal("function_call_output"),
  id: Id.nullable().optional(),
  call_id: Id,
  output: z.union([Text, z.array(InputPart).max(1024)]),
  status: z.enum(["in_progress", "completed", "incomplete"]).nullable().optional(),
});

const Reasoning = z.strictObject({
  type: z.literal("reasoning"),
  id: Id,
  summary: z.array(z.strictObject({ type: z.literal("summary_text"), text: Text })).max(1024),
  content: z
    .array(z.strictObject({ type: z.literal("reasoning_text"), text: Text }))
    .max(1024)
    .optional(),
  encrypted_content: Text.nullable().optional(),
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

const InputItem = z.union([Message, FunctionCall, FunctionCallOutput, Reasoning]);

const FunctionTool = z.strictObject({
  type: z.literal("function"),
  name: z.string().min(1).max(64),
  description: z.string().max(16_384).nullable().optional(),
  parameters: Obj.nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

export const ResponsesRequest = z.strictObject({
  model: z.string().min(1).max(256).optional(),
  input: z.union([Text, z.array(InputItem).min(1).max(MAX_ITEMS)]),
  instructions: Text.nullable().optional(),
  max_output_tokens: z.number().int().min(16).max(MAX_COMPLETION_TOKENS).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_obfuscation: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  tools: z.array(FunctionTool).max(MAX_TOOLS).optional(),
  tool_choice: z
    .union([
      z.enum(["none", "auto", "required"]),
      z.strictObject({ type: z.literal("function"), name: z.string().max(64) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z
    .strictObject({
      format: z
        .discriminatedUnion("type", [
          z.strictObject({ type: z.literal("text") }),
          z.strictObject({ type: z.literal("json_object") }),
          z.strictObject({
            type: z.literal("json_schema"),
            name: z.string().min(1).max(64),
            description: z.string().max(16_384).optional(),
            schema: Obj,
            strict: z.boolean().nullable().optional(),
          }),
        ])
        .optional(),
      verbosity: z.enum(["low", "medium", "high"]).nullable().optional(),
    })
    .optional(),
  reasoning: z
    .strictObject({
      effort: z.enum(["minimal", "low", "medium", "high"]).nullable().optional(),
      summary: z.enum(["auto", "concise", "detailed"]).nullable().optional(),
    })
    .nullable()
    .optional(),
  include: z
    .array(z.enum(["reasoning.encrypted_content", "message.output_text.logprobs"]))
    .max(8)
    .nullable()
    .optional(),
  truncation: z.enum(["auto", "disabled"]).nullable().optional(),
  user: z.string().max(256).optional(),
  safety_identifier: z.string().max(256).optional(),
  prompt_cache_key: z.string().max(256).optional(),
  // A stored response would live in the runner's upstream account: only "do not store" is accepted.
  store: z.literal(false).nullable().optional(),
  service_tier: z.enum(["auto", "default"]).nullable().optional(),
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;

export const EmbeddingsRequest = z.strictObject({
  model: z.string().min(1).max(256).optional(),
  input: z.union([
    z.string().max(4 * 1024 * 1024),
    z
      .array(z.string().max(1024 * 1024))
      .min(1)
      .max(2048),
    z.array(z.number().int().min(0)).min(1).max(1_000_000),
    z
      .array(z.array(z.number().int().min(0)).max(1_000_000))
      .min(1)
      .max(2048),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).max(65_536).optional(),
  user: z.string().max(256).optional(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

/** Refused on purpose, by name: state in the runner's upstream account, or costs a reservation cannot bound. */
export const REFUSED_RESPONSES_FIELDS = [
  "previous_response_id",
  "conversation",
  "background",
  "prompt",
  "metadata",
  "max_tool_calls",
] as const;

export type Parsed<T> = { kind: "ok"; request: T } | { kind: "refused"; message: string; param: string | null };

function parseStrict<T>(schema: z.ZodType<T>, raw: unknown, what: string, refusedFields: readonly string[]): Parsed<T> {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const refused = refusedFields.filter((f) => Object.hasOwn(raw, f));
    if (refused.length)
      return {
        kind: "refused",
        message: `field${refused.length > 1 ? "s" : ""} not accepted by this gateway: ${refused.join(", ")}`,
        param: refused[0] as string,
      };
  }
  const p = schema.safeParse(raw);
  if (p.success) return { kind: "ok", request: p.data };
  const unknown = p.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys" ? i.keys.map((k) => [...i.path, k].join(".")) : [],
  );
  if (unknown.length)
    return {
      kind: "refused",
      message: `unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (the accepted fields are listed in docs/runtime-api.md)`,
      param: unknown[0] as string,
    };
  const first = p.error.issues[0];
  return {
    kind: "refused",
    message: `invalid ${what}: ${z.prettifyError(p.error)}`,
    param: first?.path.length ? first.path.join(".") : null,
  };
}

export const parseResponsesRequest = (raw: unknown): Parsed<ResponsesRequest> =>
  parseStrict(ResponsesRequest, raw, "responses request", REFUSED_RESPONSES_FIELDS);

export const parseEmbeddingsRequest = (raw: unknown): Parsed<EmbeddingsRequest> =>
  parseStrict(EmbeddingsRequest, raw, "embeddings request", []);

/** Everything the upstream reads as input: instructions, items (images at their ceiling), tools and the format. */
export function estimateResponsesPromptTokens(r: ResponsesRequest): number {
  const items = typeof r.input === "string" ? [r.input] : r.input;
  let tokens = 3;
  for (const it of items) tokens += Math.ceil(JSON.stringify(it).length / 4) + 4;
  if (typeof r.input !== "string")
    for (const it of r.input)
      if ("content" in it && Array.isArray(it.content))
        for (const p of it.content) if (p.type === "input_image") tokens += IMAGE_TOKENS;
  for (const x of [r.instructions, r.tools, r.tool_choice, r.text].filter((x) => x !== undefined && x !== null))
    tokens += Math.ceil(JSON.stringify(x).length / 4);
  return tokens;
}

/** An embedding call costs its input only: about 4 characters a token, a token id as one. */
export function estimateEmbeddingTokens(r: EmbeddingsRequest): number {
  const input = r.input;
  if (typeof input === "string") return Math.ceil(input.length / 4) + 1;
  let tokens = 0;
  for (const x of input as unknown[])
    tokens += typeof x === "string" ? Math.ceil(x.length / 4) + 1 : Array.isArray(x) ? x.length : 1;
  return Math.max(1, tokens);
}
