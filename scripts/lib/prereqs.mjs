// What the test suites need from the machine beyond `npm ci`, found in one place, and the one policy
// for a missing piece: under CI=true it is a failure that names it (CI must install it, see .ci/run);
// elsewhere the tests that need it skip, loudly. `npm test` checks them all first
// (scripts/check-prereqs.mjs), and each suite asks again for what it uses.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The executable named `cmd` on PATH, or null. */
export function onPath(cmd, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** promtool: $PROMTOOL, the copy .ci/run unpacks into .ci/bin, or PATH. */
export function findPromtool(cwd = process.cwd()) {
  for (const p of [process.env.PROMTOOL, join(cwd, ".ci/bin/promtool")]) if (p && existsSync(p)) return p;
  return onPath("promtool");
}

export const chromiumPath = () => process.env.OFFICEOS_CHROMIUM ?? "/usr/bin/chromium";

/** An interpreter agents can run: they run as unprivileged users, so root's own builds (pyenv under /root) do not count. */
export const AGENT_PYTHON = "/usr/bin/python3";

function executableByOthers(p) {
  try {
    const st = statSync(p);
    return st.isFile() && (st.mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

/** Whether this process can make cgroups: root, and a writable v2 hierarchy or v1 cpu, memory and pids controllers. */
function cgroupsWritable(root = "/sys/fs/cgroup") {
  if (process.getuid?.() !== 0) return "not root";
  const w = (p) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync(join(root, "cgroup.controllers")) && w(root)) return null;
  const missing = ["cpu", "memory", "pids"].filter((c) => !w(join(root, c)));
  return missing.length === 0
    ? null
    : `no writable cgroup v2 at ${root} nor v1 controllers (${missing.join(", ")} missing)`;
}

/**
 * Each prerequisite: what needs it, how CI installs it, and a check that answers null when it is
 * there or why it is not.
 */
export const PREREQS = [
  {
    name: "redis-server",
    for: "the Redis bridge, spill and workers-redis suites, and the bench",
    install: "apt-get install -y redis-server",
    check: () => (onPath("redis-server") ? null : "redis-server is not on PATH"),
  },
  {
    name: "chromium",
    for: "the dashboard's end-to-end test (playwright-core drives it)",
    install: "apt-get install -y --no-install-recommends chromium (or set OFFICEOS_CHROMIUM)",
    check: () => (existsSync(chromiumPath()) ? null : `${chromiumPath()} does not exist`),
  },
  {
    name: "promtool",
    for: "the /metrics format checks",
    install:
      "apt-get download prometheus && dpkg -x prometheus_*.deb DIR, then DIR/usr/bin/promtool to .ci/bin/ (.ci/run does this)",
    check: () => (findPromtool() ? null : "promtool is in neither $PROMTOOL, .ci/bin nor PATH"),
  },
  {
    name: "python3",
    for: "the end-to-end tests' Python agents, which run as unprivileged users",
    install: "apt-get install -y python3 (Debian's, at /usr/bin/python3)",
    check: () =>
      executableByOthers(AGENT_PYTHON) ? null : `${AGENT_PYTHON} is missing or not executable by other users`,
  },
  {
    name: "python3-venv",
    for: "the Python SDK's suite (npm run test:python), which makes a virtualenv from /usr/bin/python3",
    install: "apt-get install -y python3-venv",
    check: () => {
      const r = spawnSync(AGENT_PYTHON, ["-c", "import ensurepip, venv"], { stdio: "ignore" });
      return r.status === 0 ? null : `${AGENT_PYTHON} -m venv cannot work here (no ensurepip: Debian's python3-venv)`;
    },
  },
  {
    name: "bwrap",
    for: "agent sandboxing (bubblewrap)",
    install: "apt-get install -y bubblewrap",
    check: () => (onPath("bwrap") ? null : "bwrap is not on PATH"),
  },
  {
    name: "socat",
    for: "the bwrap sandbox: the runtime API's forwarder inside the agent's network namespace",
    install: "apt-get install -y socat",
    check: () => (onPath("socat") ? null : "socat is not on PATH"),
  },
  {
    name: "cgroups",
    for: "the compute-limit tests, which put real processes in real cgroups",
    install: "run the tests as root on a host with cgroup v2, or v1 cpu, memory and pids controllers, writable",
    check: () => cgroupsWritable(),
  },
];

export const inCi = (env = process.env) => env.CI === "true" || env.CI === "1";

const loud = (text) => `\n${"!".repeat(78)}\n${text}\n${"!".repeat(78)}\n`;

/**
 * The policy for one missing prerequisite, `reason` being why it is missing (null: it is there).
 * Under CI it throws, naming it; elsewhere it warns and answers true: skip the tests that need it.
 */
export function missing(name, reason, env = process.env) {
  if (reason === null) return false;
  const p = PREREQS.find((x) => x.name === name);
  const text = `missing prerequisite ${name}: ${reason}${p ? `\n  needed by ${p.for}\n  install: ${p.install}` : ""}`;
  if (inCi(env)) throw new Error(`${text}\n  (CI=true: a missing prerequisite fails the run)`);
  process.stderr.write(loud(`SKIPPING tests: ${text}`));
  return true;
}

/** Checks one prerequisite by name under the policy above: true when its tests must skip. */
export function skipWithout(name, env = process.env) {
  const p = PREREQS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown prerequisite ${name}`);
  return missing(name, p.check(), env);
}

/** Every prerequisite's state, for the check script. */
export function survey() {
  return PREREQS.map((p) => ({ name: p.name, reason: p.check(), for: p.for, install: p.install }));
}
