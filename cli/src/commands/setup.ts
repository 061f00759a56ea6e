// login, tenants, keys, agents and apply: setting a tenant up.
import { OfficeOSError, type Scope } from "../../../client/src/index.js";
import { checkUnique, diffAgent, parseAgentsFile, type AgentDoc, type Change } from "../apply.js";
import { readProfiles, requireKey, requireUrl, tenantOfKey, writeProfiles } from "../config.js";
import type { Handler } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { readAll, readFileText } from "../input.js";

const SCOPES: readonly Scope[] = ["admin", "submit", "runner", "read"];

export const login: Handler = async (ctx) => {
  const url = requireUrl(ctx.target);
  const key = requireKey(ctx.target);
  // Any valid key of any scope may list agents: this checks the URL and the key at once.
  const { agents } = await ctx.client.agents.list();
  const file = readProfiles(ctx.configFile);
  const name = ctx.target.profile;
  file.profiles[name] = { url, key };
  file.current = name;
  writeProfiles(ctx.configFile, file);
  if (ctx.json) ctx.out.data({ profile: name, url, tenant: tenantOfKey(key) ?? null, config: ctx.configFile });
  else
    ctx.out.line(
      `logged in to ${url} as tenant ${tenantOfKey(key) ?? "?"} (${agents.length} agents); profile "${name}" saved in ${ctx.configFile}`,
    );
  return EXIT.ok;
};

export const tenantsCreate: Handler = async (ctx) => {
  const token = ctx.str("admin-token") ?? (ctx.io.env.OFFICEOS_ADMIN_TOKEN || undefined) ?? ctx.target.key;
  if (!token)
    throw new CliError(
      "no operator token",
      EXIT.config,
      "pass --admin-token or set OFFICEOS_ADMIN_TOKEN (the deployment's OFFICEOS_ADMIN_TOKEN secret)",
    );
  const r = await ctx.clientWith(token).tenants.create(ctx.arg("name"));
  if (ctx.json) ctx.out.data(r);
  else {
    ctx.out.line(`tenant ${r.tenant.name} created: id ${r.tenant.id}`);
    ctx.out.line(`admin key: ${r.api_key}`);
    ctx.out.note(
      `keep the key secret; it is shown once. Next: officeos login --url ${requireUrl(ctx.target)} --key <admin key>`,
    );
  }
  return EXIT.ok;
};

export const keysCreate: Handler = async (ctx) => {
  const raw = ctx.str("scopes");
  if (!raw)
    throw new CliError("--scopes is required", EXIT.usage, `one or more of ${SCOPES.join(", ")}, comma-separated`);
  const scopes = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (bad.length || scopes.length === 0)
    throw new CliError(
      `unknown scope ${bad.map((s) => `"${s}"`).join(", ")}`,
      EXIT.usage,
      `scopes: ${SCOPES.join(", ")}`,
    );
  const name = ctx.str("name");
  const r = await ctx.client.keys.create(scopes as Scope[], name ? { name } : {});
  if (ctx.json) ctx.out.data(r);
  else {
    ctx.out.line(`key ${r.id} (${r.scopes.join(", ")}): ${r.key}`);
    ctx.out.note("keep the key secret; it is shown once.");
  }
  return EXIT.ok;
};

export const apply: Handler = async (ctx) => {
  const files = ctx.list("file");
  if (files.length === 0)
    throw new CliError("apply needs -f FILE", EXIT.usage, "officeos apply -f agents.yaml (YAML or JSON; - for stdin)");
  const docs: AgentDoc[] = [];
  for (const f of files)
    docs.push(...parseAgentsFile(f === "-" ? await readAll(ctx.io.stdin) : readFileText(f), f === "-" ? "stdin" : f));
  if (docs.length === 0) throw new CliError(`no agents in ${files.join(", ")}`, EXIT.usage);
  checkUnique(docs);
  const dry = ctx.flag("dry-run");
  const results: (Change & { error?: { code: string; message: string } })[] = [];
  let failed = 0;
  for (const d of docs) {
    ctx.progress.set(`applying agent/${d.name}`);
    let current: Record<string, unknown> | undefined;
    try {
      current = (await ctx.client.agents.get(d.name)) as unknown as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof OfficeOSError && e.status === 404 && e.message !== "no such route")) throw e;
    }
    const change = diffAgent(d.name, d.spec, current);
    if (change.action !== "unchanged" && !dry) {
      try {
        await ctx.client.agents.put(d.name, d.spec);
      } catch (e) {
        // One bad agent does not stop the rest; 401/403/unreachable stop everything.
        if (!(e instanceof OfficeOSError) || e.status === 401 || e.status === 403) throw e;
        failed++;
        results.push({ ...change, error: { code: e.code, message: e.message } });
        ctx.progress.clear();
        if (!ctx.json) ctx.out.line(`agent/${d.name} failed: ${e.message} (HTTP ${e.status} ${e.code})`);
        continue;
      }
    }
    results.push(change);
    ctx.progress.clear();
    if (!ctx.json)
      ctx.out.line(
        `agent/${d.name} ${change.action}${change.action === "updated" ? ` (${change.fields.join(", ")})` : ""}${dry ? " (dry run)" : ""}`,
      );
  }
  ctx.progress.stop();
  if (ctx.json) ctx.out.data({ dry_run: dry, results });
  return failed ? EXIT.api : EXIT.ok;
};
