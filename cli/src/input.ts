// Values given on the command line: JSON inline, @file, or @- for stdin.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { CliError, EXIT } from "./errors.js";

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>)
    chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8");
}

export function readFileText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
      EXIT.usage,
    );
  }
}

/** `--input '{"a":1}'`, `--input @task.json`, `--input @task.yaml`, `--input @-`. */
export async function jsonArg(flag: string, raw: string, stdin: NodeJS.ReadableStream): Promise<unknown> {
  if (raw.startsWith("@")) {
    const path = raw.slice(1);
    const text = path === "-" ? await readAll(stdin) : readFileText(path);
    const where = path === "-" ? "stdin" : path;
    try {
      return /\.ya?ml$/i.test(path) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
    } catch (e) {
      throw new CliError(
        `--${flag} ${where} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${(e as Error).message}`,
        EXIT.usage,
      );
    }
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new CliError(
      `--${flag} is not valid JSON: ${(e as Error).message}`,
      EXIT.usage,
      `quote it for the shell, e.g. --${flag} '{"ticket": 42}', or use --${flag} @file.json`,
    );
  }
}

export function intArg(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${flag} must be an integer from ${min} to ${max}, got "${raw}"`, EXIT.usage);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `--timeout 30s|5m|1h|250ms` (a bare number is seconds) in milliseconds; undefined when not given. */
export function durationArg(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 1000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 7 * 24 * 3_600_000)
    throw new CliError(`--${flag} must be a duration such as 30s, 5m or 1h (at most 7 days), not "${raw}"`, EXIT.usage);
  return Math.round(ms);
}
