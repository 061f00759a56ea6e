#!/usr/bin/env node
// The Python suite (sdk/python): a virtualenv from Debian's /usr/bin/python3 under .venv-sdk/ (git-ignored;
// reused while sdk/python/pyproject.toml and the interpreter are unchanged), `pip install -e sdk/python[...]`,
// then the generated types' check, mypy --strict and pytest (agent side against a fake runtime API; the client,
// the drift check and the LangGraph conformance suite against the real Worker, started by the tests).
// The venv is readable by every user (chmod -R a+rX): the end-to-end tests run Python agents as unprivileged
// users. Under CI=true a missing prerequisite fails (scripts/lib/prereqs.mjs).
//   node scripts/test-python.mjs [pytest args...]
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_PYTHON, skipWithout } from "./lib/prereqs.mjs";
import { ROOT } from "./lib/stack.mjs";

const SDK = join(ROOT, "sdk/python");
const EXTRAS = "dev,langgraph,conformance";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`test-python: ${cmd} ${args.join(" ")} exited ${code}`);
    process.exit(code);
  }
}

/** One virtualenv per framework: their dependency trees pin ranges that can clash (CrewAI's most of all). */
export const FRAMEWORKS = {
  sdk: { dir: ".venv-sdk", packages: ["-e", `${SDK}[${EXTRAS}]`] },
  "openai-agents": { dir: ".venv-openai-agents", packages: ["-e", `${SDK}[openai]`, "openai-agents==0.24.0"] },
  crewai: { dir: ".venv-crewai", packages: ["-e", SDK, "crewai==1.15.30"] },
};

/** What a venv was made from: when it changes, the venv is made again. */
function stamp(packages) {
  const py = spawnSync(AGENT_PYTHON, ["-c", "import sys; print(sys.version)"], { encoding: "utf8" }).stdout;
  return createHash("sha256")
    .update(readFileSync(join(SDK, "pyproject.toml")))
    .update(py)
    .update(packages.join(" "))
    .digest("hex");
}

/**
 * Makes (or reuses) the virtualenv of `name` (a key of FRAMEWORKS) from Debian's python3, readable by every
 * user (agents run as unprivileged users), and answers its python.
 */
export function ensureVenv(name = "sdk") {
  const { dir, packages } = FRAMEWORKS[name];
  const venv = join(ROOT, dir);
  const py = join(venv, "bin/python");
  const mark = join(venv, ".officeos-stamp");
  const want = stamp(packages);
  if (existsSync(py) && existsSync(mark) && readFileSync(mark, "utf8") === want) return py;
  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  must(AGENT_PYTHON, ["-m", "venv", venv]);
  must(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...packages]);
  must("chmod", ["-R", "a+rX", venv]);
  writeFileSync(mark, want);
  console.log(
    `test-python: made ${dir} (${packages.filter((p) => p !== "-e").join(" ")}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return py;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (skipWithout("python3") || skipWithout("python3-venv")) process.exit(0);
  const py = ensureVenv();
  must(py, [join(SDK, "tools/gen_types.py"), "--check"]);
  must(py, ["-m", "mypy", "--config-file", join(SDK, "pyproject.toml")], { cwd: SDK });
  const code = run(py, ["-m", "pytest", "-p", "no:cacheprovider", "-ra", ...process.argv.slice(2)], {
    cwd: SDK,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  // pytest's 5 is "no tests ran": never a pass.
  process.exit(code);
}
