// The tenant's quotas as calls: limits (tenant-wide; an agent's are in its
// spec), the quota view, and LLM reservations, which only the holder of a
// task's live lease may take (bucket logic in quotas.ts).
import { ok, type Result } from "../../api/errors.js";
import type { LlmReservation, LlmSettled, QuotasView, ReserveLlm, SettleLlm, TenantQuota } from "../../api/schemas.js";
import type { Tenant } from "./context.js";

export class QuotaCalls {
  constructor(private readonly t: Tenant) {}

  putTenantQuota(q: TenantQuota): Result<TenantQuota> {
    const t = this.t;
    t.quotas().setTenantQuota(q);
    t.quotas().dropUnconfigured(t.agents.quotas());
    t.sched().tenantCap = q.concurrent_runs ?? null;
    t.refreshBudgets(t.now());
    t.fx.wakePolls();
    return ok(q);
  }

  getQuotas(): Result<QuotasView> {
    const t = this.t;
    const now = t.now();
    t.deadlines.tick(now);
    const agents = t.agents.quotas().map((a) => ({ ...a, running: t.sched().accounts.get(a.name)?.running ?? 0 }));
    return ok(t.quotas().view(agents, t.sched().active.size, now));
  }

  reserveLlm(req: ReserveLlm): Result<LlmReservation> {
    const t = this.t;
    const now = t.now();
    const lease = t.activeLease(req.task_id, req.epoch, now);
    if (lease.kind === "error") return lease;
    const quota = t.agents.get(lease.value.agent)?.stored.quota ?? {};
    const q = {
      taskId: req.task_id,
      runnerId: lease.value.runner_id,
      agent: lease.value.agent,
      instance: lease.value.instance,
      tokens: req.tokens,
      requests: req.requests ?? 1,
      maxWaitMs: req.max_wait_ms ?? 0,
    };
    return t.quotas().reserve(q, quota, now);
  }

  settleLlm(reservationId: string, body: SettleLlm): Result<LlmSettled> {
    return this.t.quotas().settle(reservationId, body, this.t.now());
  }

  cancelLlm(reservationId: string): Result<LlmSettled> {
    return this.t.quotas().cancel(reservationId, this.t.now());
  }
}
