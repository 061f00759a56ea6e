// Which uid and gid agent processes run as, and the checks around it: a runner
// that runs as root starts each agent as an unprivileged uid of its own (a
// range, see identity.ts), so that an agent cannot read the runner's config
// file, its /proc/<pid>/environ (only the owner and root may), or another
// task's token, files or processes.
import { readFileSync, statSync } from "node:fs";
import { DEFAULT_UID_RANGE, type RunnerConfig } from "./config.js";
import type { IdentityPlan } from "./identity.js";
import { DEFAULT_CLAIMS_DIR } from "./uid-claims.js";

export interface AgentUser {
  uid: number;
  gid: number;
  name: string;
}

export type UserResult = { kind: "ok"; plan: IdentityPlan; warnings: string[] } | { kind: "error"; message: string };

/** Looks a user name up in /etc/passwd (no NSS here: plain files are what containers have). */
export function lookupUser(name: string, passwd = "/etc/passwd"): AgentUser | null {
  let text: string;
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** Users of /etc/passwd whose uid lies in [first, last], as "name(uid)". */
export function usersIn(first: number, last: number, passwd = "/etc/passwd"): string[] {
  let text: string;
  try {
    text = readFileSync(passwd, "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [user, , uid] = line.split(":");
    const n = Number(uid);
    if (user && uid && Number.isInteger(n) && n >= first && n <= last) out.push(`${user}(${n})`);
  }
  return out;
}

/**
 * The identity plan (identity.ts) for this runner: as root, a uid of its own per
 * task from a range (the default), or one fixed user (then siblings share it:
 * warned loudly); not root, the runner's own user.
 */
export function resolveAgentUser(spec: RunnerConfig["agent_user"], runnerUid: number): UserResult {
  const warnings: string[] = [];
  if (runnerUid !== 0) {
    if (spec !== undefined)
      warnings.push(
        `agent_user is set but the runner is not root (uid ${runnerUid}): agents run as the runner's own user`,
      );
    warnings.push(
      "agents run as the runner's own user: they could read its config file and /proc/<runner pid>/environ, and sibling tasks share one uid. Run the runner as root (each task then gets a uid of its own), or keep secrets out of this user's reach.",
    );
    return { kind: "ok", plan: { kind: "self" }, warnings };
  }
  const want = spec ?? { uid_range: DEFAULT_UID_RANGE };
  if (typeof want === "object" && "uid_range" in want) {
    const [first, last] = want.uid_range;
    // The pool kills every process of a uid it hands out: it must not hold anybody's real account.
    const taken = usersIn(first, last);
    if (taken.length > 0)
      return {
        kind: "error",
        message: `agent_user.uid_range ${first}-${last} holds existing users (${taken.slice(0, 5).join(", ")}): pick a range no account uses`,
      };
    return {
      kind: "ok",
      plan: { kind: "pool", range: { first, last }, claimsDir: want.claims_dir ?? DEFAULT_CLAIMS_DIR },
      warnings,
    };
  }
  const user = typeof want === "string" ? lookupUser(want) : { ...want, name: String(want.uid) };
  if (!user)
    return {
      kind: "error",
      message: `agent_user "${String(want)}" is not in /etc/passwd; set agent_user to {uid, gid} or {uid_range: [first, last]}`,
    };
  if (user.uid === 0) return { kind: "error", message: "agent_user must not be root" };
  warnings.push(
    `SIBLING TASKS SHARE ONE UID: agent_user is a fixed user (${user.name}, uid ${user.uid}), so concurrent agents can read each other's files and token file, signal and ptrace each other. Use agent_user: {uid_range: [first, last]} (the default) to give each task its own.`,
  );
  return { kind: "ok", plan: { kind: "fixed", uid: user.uid, gid: user.gid, name: user.name }, warnings };
}

/**
 * A config file group or others can read (it holds the runner key and tool
 * credentials). When agents run as other users this is an error: the runner
 * refuses to start; otherwise (agents as the runner's own user, who can read it
 * anyway) a warning.
 */
export function configFileCheck(
  path: string | undefined,
  agentsAsOtherUsers: boolean,
): { kind: "ok" } | { kind: "warn" | "error"; message: string } {
  if (!path) return { kind: "ok" };
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return { kind: "ok" }; // loadConfig reported it
  }
  if ((mode & 0o077) === 0) return { kind: "ok" };
  const message = `config file ${path} has mode ${mode.toString(8).padStart(3, "0")}: it holds the runner key and tool credentials; chmod 600 it`;
  return agentsAsOtherUsers
    ? { kind: "error", message: `${message} (agents run as other users on this host, who could read it)` }
    : { kind: "warn", message };
}

/** A config file others can read, as a warning (kept for callers that only log). */
export function configFileWarning(path: string | undefined): string | null {
  const c = configFileCheck(path, false);
  return c.kind === "ok" ? null : c.message;
}

/** Secrets the runner may have been given in its environment: gone from process.env once read. */
export const SECRET_ENV = ["OFFICEOS_RUNNER_KEY", "OFFICEOS_LLM_API_KEY"];
