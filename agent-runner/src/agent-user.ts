// Which uid and gid agent processes run as, and the checks around it: a runner
// that runs as root starts agents as an unprivileged user (default "nobody"),
// so that an agent cannot read the runner's config file, its
// /proc/<pid>/environ (only the owner and root may) or another task's files.
import { readFileSync, statSync } from "node:fs";
import type { RunnerConfig } from "./config.js";

export interface AgentUser {
  uid: number;
  gid: number;
  name: string;
}

export type UserResult = { kind: "ok"; user: AgentUser | null; warnings: string[] } | { kind: "error"; message: string };

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

export function resolveAgentUser(spec: RunnerConfig["agent_user"], runnerUid: number): UserResult {
  const warnings: string[] = [];
  if (runnerUid !== 0) {
    if (spec !== undefined) warnings.push(`agent_user is set but the runner is not root (uid ${runnerUid}): agents run as the runner's own user`);
    warnings.push("agents run as the runner's own user: they could read its config file and /proc/<runner pid>/environ. Run the runner as root with agent_user, or keep secrets out of this user's reach.");
    return { kind: "ok", user: null, warnings };
  }
  const want = spec ?? "nobody";
  const user = typeof want === "string" ? lookupUser(want) : { ...want, name: String(want.uid) };
  if (!user) return { kind: "error", message: `agent_user "${String(want)}" is not in /etc/passwd; set agent_user to {uid, gid}` };
  if (user.uid === 0) return { kind: "error", message: "agent_user must not be root" };
  return { kind: "ok", user, warnings };
}

/** A config file others can read (it may hold the runner key and tool credentials). */
export function configFileWarning(path: string | undefined): string | null {
  if (!path) return null;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) return `config file ${path} has mode ${mode.toString(8)}: it may hold the runner key and tool credentials; chmod 600 it`;
  } catch {
    /* loadConfig reported it */
  }
  return null;
}

/** Secrets the runner may have been given in its environment: gone from process.env once read. */
export const SECRET_ENV = ["OFFICEOS_RUNNER_KEY", "OFFICEOS_LLM_API_KEY"];
