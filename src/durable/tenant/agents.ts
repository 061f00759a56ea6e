// Agents: their specs (stored normalised), the parsed-spec cache, the output
// schema check of a result, and each agent's quota for the budgets.
import { fail, ok, type Result } from "../../api/errors.js";
import type { Agent, AgentDeleted, AgentSpec } from "../../api/schemas.js";
import { OutputCheck, outputSchemaProblem } from "../../schema/output.js";
import { FINAL_STATES } from "../../task/states.js";
import type { Tenant } from "./context.js";
import { agentView, normalizeAgentSpec, storedAgent, type AgentRow, type StoredAgent } from "./rows.js";

export class Agents {
  /** Parsed agent specs by name (see get()); put() drops an entry when it writes the row. */
  private readonly cache = new Map<string, { row: AgentRow; stored: StoredAgent }>();
  private readonly validators = new Map<string, { spec: string; check: OutputCheck }>();

  constructor(private readonly t: Tenant) {}

  put(name: string, spec: AgentSpec): Result<Agent> {
    const stored = normalizeAgentSpec(spec);
    if (stored.output_schema !== undefined) {
      const bad = outputSchemaProblem(stored.output_schema);
      if (bad) return fail("bad_request", `output_schema is not a usable JSON Schema: ${bad}`);
    }
    if (stored.retry.backoff.max_ms < stored.retry.backoff.initial_ms)
      return fail("bad_request", "retry.backoff.max_ms must be at least retry.backoff.initial_ms");
    const now = this.t.now();
    this.t.sql.exec(
      "INSERT INTO agents (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
      name,
      JSON.stringify(stored),
      now,
    );
    this.cache.delete(name);
    this.t.quotas().dropUnconfigured(this.quotas());
    this.t.sched().setWeight(name, stored.weight);
    this.t.sched().setCap(name, stored.quota.concurrent_runs);
    this.t.refreshBudgets(now);
    this.t.fx.wakePolls();
    return ok(agentView({ name, spec: JSON.stringify(stored), updated_at: now }));
  }

  /**
   * Removes an agent's spec. Refused (409) while any of its tasks is unfinished (queued, leased,
   * running, waiting to retry, for approval or for a person): the count and their states say which.
   * Its finished tasks stay, readable by id and in GET /v1/tasks?agent=, with their events.
   */
  delete(name: string): Result<AgentDeleted> {
    if (!this.get(name)) return fail("not_found", `agent "${name}" is not registered`);
    const byState = this.t.sql
      .exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM tasks WHERE agent = ? GROUP BY state", name)
      .toArray();
    const final = FINAL_STATES as readonly string[];
    const open = byState.filter((r) => !final.includes(r.state));
    const unfinished = open.reduce((sum, r) => sum + r.n, 0);
    if (unfinished > 0)
      return fail(
        "conflict",
        `agent "${name}" has ${unfinished} unfinished task${unfinished === 1 ? "" : "s"} (${open
          .map((r) => `${r.n} ${r.state}`)
          .join(", ")}): cancel them or let them end first`,
        { unfinished_tasks: unfinished, states: Object.fromEntries(open.map((r) => [r.state, r.n])) },
      );
    this.t.sql.exec("DELETE FROM agents WHERE name = ?", name);
    this.cache.delete(name);
    this.validators.delete(name);
    this.t.sched().setWeight(name, 1);
    this.t.sched().setCap(name, undefined);
    this.t.refreshBudgets(this.t.now());
    return ok({ name, deleted: true, finished_tasks: byState.reduce((sum, r) => sum + r.n, 0) });
  }

  view(name: string): Result<Agent> {
    const row = this.get(name)?.row;
    return row ? ok(agentView(row)) : fail("not_found", `agent "${name}" is not registered`);
  }

  list(): Result<Agent[]> {
    return ok(this.t.sql.exec<AgentRow>("SELECT * FROM agents ORDER BY name").toArray().map(agentView));
  }

  /** An agent's row and its parsed spec, read once and kept until put() writes the row again. */
  get(name: string): { row: AgentRow; stored: StoredAgent } | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const row = this.t.sql.exec<AgentRow>("SELECT * FROM agents WHERE name = ?", name).toArray()[0];
    if (!row) return undefined;
    const entry = { row, stored: storedAgent(row) };
    this.cache.set(name, entry);
    return entry;
  }

  /** Every agent's quota, by name, through the parsed-spec cache. */
  quotas(): { name: string; quota: StoredAgent["quota"] }[] {
    return this.t.sql
      .exec<{ name: string }>("SELECT name FROM agents ORDER BY name")
      .toArray()
      .flatMap((r) => {
        const a = this.get(r.name);
        return a ? [{ name: r.name, quota: a.stored.quota }] : [];
      });
  }

  /** Why a result breaks its agent's output schema, or null when it conforms (or there is none). */
  outputProblem(agentName: string, result: unknown): string | null {
    const a = this.get(agentName);
    if (!a) return null;
    let v = this.validators.get(agentName);
    if (!v || v.spec !== a.row.spec) {
      const schema = a.stored.output_schema;
      if (schema === undefined) return null;
      v = { spec: a.row.spec, check: new OutputCheck(schema as object) };
      this.validators.set(agentName, v);
    }
    return v.check.problem(result);
  }
}
