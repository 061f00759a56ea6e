import type { ChildProcess } from "node:child_process";

export const ROOT: string;
export const RUNNER_BIN: string;
export const EXAMPLES: string;
export function freePort(): Promise<number>;
export interface ControlPlaneProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}
export function startControlPlane(opts?: {
  port?: number;
  persistTo?: string;
  adminToken?: string;
  config?: string;
  vars?: Record<string, string>;
  log?: (s: string) => void;
}): Promise<ControlPlaneProcess>;
export interface LogEntry {
  msg?: string;
  [k: string]: unknown;
}
export interface RunnerProcess {
  child: ChildProcess;
  name: string;
  config: Record<string, unknown>;
  path: string;
  lines: LogEntry[];
  waitForLog(pred: (e: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  stop(): Promise<void>;
}
export function startRunner(opts: {
  dir: string;
  name: string;
  url: string;
  key: string;
  capacity?: Record<string, number>;
  agents?: Record<string, { command: string[]; env?: Record<string, string>; cwd?: string }>;
  extra?: Record<string, unknown>;
  /** Extra environment for the runner process (not its agents). */
  env?: Record<string, string>;
  log?: (s: string) => void;
}): RunnerProcess;
export function stopProcess(child: ChildProcess, graceMs?: number): Promise<void>;
export type Api = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<T>;
export function api(url: string, key?: string): Api;
export function bootstrapTenant(
  url: string,
  adminToken: string,
  name?: string,
): Promise<{ tenant: { id: string; name: string }; adminKey: string; runnerKey: string; submitKey: string }>;
