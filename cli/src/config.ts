// Where the CLI finds its control plane and key: flags, then environment, then
// the profile file (~/.officeos/config.json, or OFFICEOS_CONFIG), which
// `officeos login` writes with mode 0600.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { CliError, EXIT } from "./errors.js";

const Profile = z.strictObject({ url: z.url(), key: z.string().min(1).optional() });
export const ProfileFile = z.strictObject({
  current: z.string().min(1).default("default"),
  profiles: z.record(z.string().min(1), Profile).default({}),
});
export type ProfileFile = z.infer<typeof ProfileFile>;

export type Env = Record<string, string | undefined>;

export const configPath = (env: Env): string =>
  env.OFFICEOS_CONFIG || join(env.HOME || homedir(), ".officeos", "config.json");

export function readProfiles(path: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { current: "default", profiles: {} };
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, EXIT.config);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(
      `${path} is not JSON: ${(e as Error).message}`,
      EXIT.config,
      "fix it, or delete it and run `officeos login` again",
    );
  }
  const r = ProfileFile.safeParse(raw);
  if (!r.success) throw new CliError(`${path} is invalid:\n${z.prettifyError(r.error)}`, EXIT.config);
  return r.data;
}

/** Writes atomically, readable only by its owner: it holds keys. */
export function writeProfiles(path: string, file: ProfileFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export interface Target {
  url: string | undefined;
  key: string | undefined;
  /** Where each came from, for messages. */
  profile: string;
}

/** Flags win over the environment, the environment over the profile; `login` may name a new profile. */
export function resolveTarget(
  flags: { url?: string | undefined; key?: string | undefined; profile?: string | undefined },
  env: Env,
  file: ProfileFile,
  creating = false,
): Target {
  const name = flags.profile ?? env.OFFICEOS_PROFILE ?? file.current;
  if (!creating && (flags.profile ?? env.OFFICEOS_PROFILE) && !file.profiles[name])
    throw new CliError(
      `no profile "${name}"`,
      EXIT.config,
      `known: ${Object.keys(file.profiles).join(", ") || "none"}; \`officeos login --profile ${name}\` creates it`,
    );
  const p = file.profiles[name];
  return {
    url: flags.url ?? (env.OFFICEOS_URL || undefined) ?? p?.url,
    key: flags.key ?? (env.OFFICEOS_KEY || undefined) ?? p?.key,
    profile: name,
  };
}

export function requireUrl(t: Target): string {
  if (!t.url)
    throw new CliError(
      "no control plane URL",
      EXIT.config,
      "pass --url, set OFFICEOS_URL, or run `officeos login --url URL --key KEY`",
    );
  try {
    const u = new URL(t.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new CliError(`invalid control plane URL "${t.url}"`, EXIT.config, "use http(s)://host[:port]");
  }
  return t.url;
}

export function requireKey(t: Target): string {
  if (!t.key)
    throw new CliError(
      "no API key",
      EXIT.config,
      "pass --key, set OFFICEOS_KEY, or run `officeos login --url URL --key KEY`",
    );
  return t.key;
}

/** The tenant id inside a key `oos.<tenant>.<key id>.<secret>`, for messages. */
export const tenantOfKey = (key: string): string | undefined => /^oos\.([^.]+)\.[^.]+\.[^.]+$/.exec(key)?.[1];
