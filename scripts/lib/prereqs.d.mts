// Types for prereqs.mjs: the machine's prerequisites for the test suites and the CI policy for a missing one.
export interface Prereq {
  name: string;
  for: string;
  install: string;
  /** null when it is there, else why it is not. */
  check(): string | null;
}
export const PREREQS: readonly Prereq[];
export const AGENT_PYTHON: string;
export function onPath(cmd: string, path?: string): string | null;
export function findPromtool(cwd?: string): string | null;
export function chromiumPath(): string;
export function inCi(env?: NodeJS.ProcessEnv): boolean;
/** Under CI throws naming it; elsewhere warns loudly and answers true (skip). False when reason is null. */
export function missing(name: string, reason: string | null, env?: NodeJS.ProcessEnv): boolean;
export function skipWithout(name: string, env?: NodeJS.ProcessEnv): boolean;
export function survey(): { name: string; reason: string | null; for: string; install: string }[];
