// TenantDO's SQLite schema, applied by ../migrate.ts.
export const TENANT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE api_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL, scopes TEXT NOT NULL,
     created_at INTEGER NOT NULL, revoked_at INTEGER);
   CREATE TABLE agents (name TEXT PRIMARY KEY, spec TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE runners (id TEXT PRIMARY KEY, name TEXT NOT NULL, capacity TEXT NOT NULL,
     labels TEXT NOT NULL, capabilities TEXT NOT NULL, agents TEXT, lease_ttl_ms INTEGER NOT NULL,
     draining INTEGER NOT NULL DEFAULT 0, registered_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
   CREATE TABLE tasks (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, agent TEXT NOT NULL,
     input TEXT NOT NULL, priority INTEGER NOT NULL, instance TEXT NOT NULL, state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, requirements TEXT NOT NULL,
     idempotency_key TEXT UNIQUE, request TEXT, result TEXT, error TEXT, checkpoint_seq INTEGER,
     avoid_runners TEXT NOT NULL DEFAULT '[]', runner_id TEXT, lease_id TEXT, epoch INTEGER,
     lease_expires_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX tasks_queue ON tasks (priority DESC, seq) WHERE state = 'queued';
   CREATE INDEX tasks_active ON tasks (runner_id) WHERE state IN ('leased', 'running');
   CREATE INDEX tasks_expiry ON tasks (lease_expires_at) WHERE state IN ('leased', 'running');
   CREATE INDEX tasks_list ON tasks (seq);`,
  // Scheduler: DRF weights live in agents.spec; starvation age, preemption, taints, holds.
  `ALTER TABLE tasks ADD COLUMN queued_at INTEGER;
   ALTER TABLE tasks ADD COLUMN preemptible INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE tasks ADD COLUMN preempt_requested INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tasks ADD COLUMN checkpoint_at INTEGER;
   ALTER TABLE runners ADD COLUMN taints TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE runners ADD COLUMN held_for TEXT;`,
  // Recovery and operations: retry waits, timeouts, approval gates, escalations,
  // the task event log, persisted metric counters, runner health.
  `ALTER TABLE tasks ADD COLUMN policy TEXT;
   ALTER TABLE tasks ADD COLUMN wake_at INTEGER;
   ALTER TABLE tasks ADD COLUMN deadline_at INTEGER;
   ALTER TABLE tasks ADD COLUMN attempt_deadline_at INTEGER;
   ALTER TABLE tasks ADD COLUMN gate TEXT;
   ALTER TABLE tasks ADD COLUMN approvals TEXT;
   ALTER TABLE tasks ADD COLUMN escalation TEXT;
   ALTER TABLE tasks ADD COLUMN started_at INTEGER;
   ALTER TABLE tasks ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX tasks_wake ON tasks (wake_at) WHERE wake_at IS NOT NULL;
   CREATE INDEX tasks_deadline ON tasks (deadline_at) WHERE deadline_at IS NOT NULL;
   CREATE INDEX tasks_state ON tasks (state, agent);
   CREATE TABLE task_events (task_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL,
     actor TEXT NOT NULL, state TEXT, details TEXT, PRIMARY KEY (task_id, seq)) WITHOUT ROWID;
   CREATE TABLE counters (name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels)) WITHOUT ROWID;
   ALTER TABLE runners ADD COLUMN health TEXT;`,
  // Quotas (src/durable/tenant/quotas.ts): token buckets, open LLM reservations,
  // daily ledgers; the tenant's own quota lives in meta.tenant_quota.
  `CREATE TABLE quota_buckets (id TEXT PRIMARY KEY, scope TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL,
     rate REAL NOT NULL, burst REAL NOT NULL, tokens REAL NOT NULL, last REAL NOT NULL, last_event REAL NOT NULL,
     throttled INTEGER NOT NULL DEFAULT 0, granted REAL NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
   CREATE TABLE quota_reservations (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, agent TEXT NOT NULL,
     tokens INTEGER NOT NULL, requests INTEGER NOT NULL, parts TEXT NOT NULL, state TEXT NOT NULL,
     used INTEGER, cost REAL, created_at INTEGER NOT NULL, settled_at INTEGER);
   CREATE INDEX quota_reservations_open ON quota_reservations (created_at) WHERE state = 'open';
   CREATE TABLE quota_ledgers (id TEXT PRIMARY KEY, period_start INTEGER NOT NULL, used TEXT NOT NULL);
   ALTER TABLE tasks ADD COLUMN usage TEXT;`,
  // Identity and access (src/durable/tenant/keyring.ts, audit.ts): key expiry, runner-bound
  // credentials, who registered a runner, and the tenant's audit log.
  `ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
   ALTER TABLE api_keys ADD COLUMN runner_id TEXT;
   ALTER TABLE api_keys ADD COLUMN created_by TEXT;
   ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
   ALTER TABLE runners ADD COLUMN registered_by TEXT;
   CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,
     subject TEXT, details TEXT);
   CREATE INDEX audit_type ON audit (type, seq);`,
  // The runner that took an LLM reservation: only it settles or cancels it (NULL on older rows).
  `ALTER TABLE quota_reservations ADD COLUMN runner_id TEXT;`,
  // Dashboard sessions (src/durable/tenant/sessions.ts): id = SHA-256 of the cookie's secret.
  `CREATE TABLE dashboard_sessions (id TEXT PRIMARY KEY, key_id TEXT NOT NULL, sealed BLOB NOT NULL, iv BLOB NOT NULL,
     created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);`,
  // DRF's third tie-break, least recently leased (src/drf/share.ts compareRanked): each agent's
  // latest lease in one tenant-wide sequence, so the rotation survives the object's eviction.
  `CREATE TABLE agent_leases (agent TEXT PRIMARY KEY, last_lease INTEGER NOT NULL) WITHOUT ROWID;`,
  // CreateKey.name, a note for people reading GET /v1/keys (NULL on older keys).
  `ALTER TABLE api_keys ADD COLUMN name TEXT;`,
  // RegisterRunner.host (a restart with the same name on the same host takes the row over) and when the
  // runner said it stopped cleanly (POST /v1/runners/{id}/stopped); NULL on older rows.
  `ALTER TABLE runners ADD COLUMN host TEXT;
   ALTER TABLE runners ADD COLUMN stopped_at INTEGER;`,
];
