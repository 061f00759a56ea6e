// zod schemas of the thread-checkpoint API (LangGraph checkpoint savers). The
// values are the saver's own serialisation, a type tag and base64 bytes; the
// control plane stores them without reading them.
import { z } from "@hono/zod-openapi";

const Json = z.json().openapi({ type: ["object", "array", "string", "number", "boolean", "null"] });

export const THREAD_LIMITS = {
  /** A thread id or checkpoint id: LangGraph uses uuids, callers may pick any string. */
  id: 256,
  ns: 1024,
  channel: 512,
  items: 10_000,
} as const;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64 (standard alphabet, padded)");

export const TypedValue = z
  .strictObject({
    type: z.string().min(1).max(64).openapi({ description: "the serializer's type tag (for example json, bytes)" }),
    data: Base64.openapi({ description: "the serialized value, base64" }),
  })
  .openapi("TypedValue");
export type TypedValue = z.infer<typeof TypedValue>;

export const ThreadIdParam = z.object({ thread_id: z.string().min(1).max(THREAD_LIMITS.id) });
export const CheckpointIdParams = ThreadIdParam.extend({ checkpoint_id: z.string().min(1).max(THREAD_LIMITS.id) });

const Ns = z.string().max(THREAD_LIMITS.ns);
const Version = z.union([z.string().min(1).max(128), z.number().finite()]);

export const PutThreadCheckpoint = z
  .strictObject({
    checkpoint_ns: Ns.default(""),
    parent_checkpoint_id: z.string().min(1).max(THREAD_LIMITS.id).nullable().default(null),
    checkpoint: TypedValue.openapi({ description: "the checkpoint without its channel_values" }),
    metadata: TypedValue,
    metadata_json: z
      .record(z.string(), Json)
      .default({})
      .openapi({ description: "the metadata as plain JSON, matched by list filters" }),
    channel_versions: z.record(z.string().max(THREAD_LIMITS.channel), Version),
    blobs: z
      .array(
        z.strictObject({ channel: z.string().min(1).max(THREAD_LIMITS.channel), version: Version, value: TypedValue }),
      )
      .max(THREAD_LIMITS.items)
      .default([])
      .openapi({
        description: "values of the channels whose version is new in this checkpoint; the others are already stored",
      }),
  })
  .openapi("PutThreadCheckpoint");

export const ThreadCheckpointSaved = z
  .object({ thread_id: z.string(), checkpoint_ns: z.string(), checkpoint_id: z.string() })
  .openapi("ThreadCheckpointSaved");

export const PutThreadWrites = z
  .strictObject({
    checkpoint_ns: Ns.default(""),
    task_id: z.string().min(1).max(THREAD_LIMITS.id),
    task_path: z.string().max(THREAD_LIMITS.ns).default(""),
    writes: z
      .array(
        z.strictObject({
          channel: z.string().min(1).max(THREAD_LIMITS.channel),
          idx: z.number().int().min(-1_000_000).max(1_000_000).openapi({
            description:
              "the write's index in the task; a second write at an index is ignored, except a negative one (LangGraph's special channels), which replaces",
          }),
          value: TypedValue,
        }),
      )
      .max(THREAD_LIMITS.items),
  })
  .openapi("PutThreadWrites");

export const ThreadTupleView = z
  .object({
    thread_id: z.string(),
    checkpoint_ns: z.string(),
    checkpoint_id: z.string(),
    parent_checkpoint_id: z.string().nullable(),
    checkpoint: TypedValue,
    metadata: TypedValue,
    channel_values: z.array(z.object({ channel: z.string(), value: TypedValue })),
    pending_writes: z.array(z.object({ task_id: z.string(), channel: z.string(), value: TypedValue })),
  })
  .openapi("ThreadCheckpoint");
export type ThreadTupleView = z.infer<typeof ThreadTupleView>;

export const ThreadCheckpointPage = z
  .object({
    checkpoints: z.array(ThreadTupleView),
    next_before: z.string().nullable().openapi({ description: "more match: ask again with before=next_before" }),
  })
  .openapi("ThreadCheckpointPage");

export const ListQuery = z.object({
  checkpoint_ns: Ns.optional().openapi({ description: "only this namespace (empty string: the root); absent: all" }),
  before: z
    .string()
    .min(1)
    .max(THREAD_LIMITS.id)
    .optional()
    .openapi({ description: "only checkpoints with a smaller id (older)" }),
  limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
  filter: z
    .string()
    .max(16_384)
    .optional()
    .openapi({ description: "a JSON object: metadata keys and the values they must equal" }),
});

export const GetQuery = z.object({ checkpoint_ns: Ns.optional() });
