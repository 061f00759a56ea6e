// Size limits of the HTTP API. No imports: the runner and the Worker both read them.
export const LIMITS = {
  bodyBytes: 1024 * 1024,
  /** Encoded checkpoint record; stored in 1 MiB chunks (or spilled), and under the 32 MiB Workers RPC message limit. */
  checkpointBytes: 24 * 1024 * 1024,
  name: 128,
  labelValue: 256,
  listSize: 64,
  waitMs: 25_000,
  maxTasksPerLease: 64,
  heartbeatLeases: 1024,
  /** Tasks in one POST /v1/tasks/batch; outcomes in one POST /v1/runners/{id}/report. */
  batchItems: 500,
  /** Nesting of any JSON body (objects and arrays), whatever its route. */
  jsonDepth: 64,
  /** Values in any JSON body (a 1 MiB body cannot exceed it; checkpoint bodies can). */
  jsonNodes: 1_000_000,
} as const;

/**
 * The largest value of one resource kind: 2^53, so that a value is an exact
 * integer and the sum over every runner of a tenant (at most OFFICEOS_MAX_RUNNERS)
 * stays finite; two runners at 1.7e308 once summed to Infinity and zeroed DRF shares.
 */
export const RESOURCE_MAX = 2 ** 53;
/** Kinds counted in whole units (millicores, MB, GPUs): integers only. */
export const isIntegerResource = (kind: string): boolean => kind === "cpu" || kind === "gpu" || kind.endsWith("_mb");
