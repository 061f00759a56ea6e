// The Markdown of a bench run, from its results alone: bench/run.mjs writes it to bench/results.md
// and into docs/benchmarks.md between the bench markers, and test/unit/bench-results.test.ts checks that the
// committed table is exactly what the committed bench/results.json renders to.

/** Tasks a simulated runner takes a poll: BullMQ's workers run at concurrency 50. */
export const LEASE_BATCH = 50;

/** docs/benchmarks.md's generated block: the table sits between these markers. */
export const README_BLOCK = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;

/** The page's text with the block replaced by `md`; null when the markers are missing. */
export function withResults(readme, md) {
  return README_BLOCK.test(readme) ? readme.replace(README_BLOCK, `$1${md}$2`) : null;
}

export function renderResults(results) {
  const kib = (b) => (b >= 1024 * 1024 ? `${b / 1024 / 1024} MiB` : `${b / 1024} KiB`);
  const spillMd = `| checkpoint record | write p50 inline | write p50 spilled to Redis | read p50 inline | read p50 spilled |
|---|---|---|---|---|
${results.spill.rows.map((r) => `| ${kib(r.bytes)} | ${r.inline.write_p50_ms.toFixed(1)} ms | ${r.spilled.write_p50_ms.toFixed(1)} ms | ${r.inline.read_p50_ms.toFixed(1)} ms | ${r.spilled.read_p50_ms.toFixed(1)} ms |`).join("\n")}

${results.spill.n} writes and reads a size, JSON PUT and protobuf GET (identity) through \`wrangler dev\`; spilled: a local \`redis-server\` behind the Upstash REST bridge (\`scripts/redis-bridge.mjs\`). Spilling costs time at every size, so the default threshold (\`OFFICEOS_SPILL_BYTES\`, 1 MiB) keeps records inline until they are large enough to matter for Durable Object storage.
`;

  const f = (x) => x.toFixed(2);
  const us = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(x < 10 ? 1 : 0)} µs`);
  const num = (x) => x.toLocaleString("en-US");
  const scheduler = results.scheduler;
  const sizeRows = scheduler.sizes
    .map(
      (s) =>
        `| ${s.name}: ${num(s.tasks)} tasks × ${num(s.agents)} agents × ${num(s.runners)} runners | ${num(Math.round(1e6 / s.pick_apply_us.mean))} | ${s.index_heap_mb.toFixed(1)} MB | ${us(s.pick_us.p50)} | ${us(s.pick_us.p99)} | ${us(s.pick_us.mean)} | ` +
        `${s.pick_us_by_outcome.task ? us(s.pick_us_by_outcome.task.mean) : "–"} / ${s.pick_us_by_outcome.none ? us(s.pick_us_by_outcome.none.mean) : "–"} | ${us(s.pick_apply_us.mean)} | ${us(s.naive_us.mean)} | ${s.ratio_naive_over_pick.toFixed(1)}× |`,
    )
    .join("\n");
  const g = scheduler.growth;
  const growth = [
    g.pick_mean_B_over_A !== null ? `B / A ${g.pick_mean_B_over_A.toFixed(2)}×` : null,
    g.pick_mean_tasks_x10_over_A !== null ? `tasks ×10 alone ${g.pick_mean_tasks_x10_over_A.toFixed(2)}×` : null,
  ].filter(Boolean);
  const schedulerMd = `| scheduler lease decision (in-process) | decisions/s (pick + apply) | index heap | pick p50 | pick p99 | pick mean | mean: task found / nothing fits | pick + apply mean | naive scan mean | naive / pick |
|---|---|---|---|---|---|---|---|---|---|
${sizeRows}

pick() for a runner drawn at random, over a fixed queue; p50/p99 over batches of 100 decisions; pick + apply also removes the picked task from the index and adds a fresh arrival. Naive scan: the first fitting task in (priority desc, seq) order over a flat list of every queued task, DRF ignored.${growth.length ? ` Growth of the pick mean: ${growth.join(", ")}.` : ""} Aims: under 100 µs a decision at A; 100 000 queued tasks indexed in under 32 MB.
`;
  const bytes = (n) =>
    n >= 1e6
      ? `${(n / 1e6).toFixed(n >= 1e8 ? 0 : n >= 1e7 ? 1 : 2)} MB`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} KB`
        : `${n} B`;
  const ms = (x) => `${f(x)} ms`;
  const pp = (st) => `${f(st.p50)} / ${f(st.p99)} ms`;
  const cph = results.checkpoints.http;
  const cpp = results.checkpoints.peer;
  const d = cph.delta;
  const sizeRowsCp = cph.sizes
    .map(
      (r) =>
        `| ${r.name} (${num(r.state_bytes)} B, ${num(r.messages)} messages) | ${pp(r.write_ms)} | ${pp(r.floor_write_ms)} | ${f(r.ratio_write_p50)}× | ${pp(r.read_ms)} | ${pp(r.floor_read_ms)} | ${f(r.ratio_read_p50)}× | ${ms(r.read_identity_ms.p50)} / ${ms(r.floor_read_identity_ms.p50)} (${f(r.ratio_read_identity_p50)}×) |`,
    )
    .join("\n");
  const checkpointsMd = `| checkpoint through \`wrangler dev\` (protobuf) | write p50 / p99 | floor write p50 / p99 | write ours / floor p50 | restore p50 / p99 | floor read p50 / p99 | restore ours / floor p50 | restore without gzip p50: ours / floor |
|---|---|---|---|---|---|---|---|
${sizeRowsCp}
| one-step delta on a ${num(d.history_tokens)}-token history (${bytes(d.base_full_bytes)} full, ${num(Math.round(d.delta_bytes_mean))} B a delta), all ${num(d.n)} deltas | ${pp(d.delta_ms)} | ${pp(d.floor_write_ms)} | ${f(d.ratio_p50)}× | | | | |
| … of which the ${num(d.delta_ms_without_compaction.n)} stored as deltas | ${pp(d.delta_ms_without_compaction)} | | | | | | |
| … and the ${num(d.compactions)} compacted into a full record (every 64th) | ${d.delta_ms_compacting ? pp(d.delta_ms_compacting) : "–"} | | | | | | |
| local proxy alone: \`GET /healthz\` on the floor worker, no Durable Object | ${pp(cph.proxy_ms)} | | | | | | |

Full states are conversations of 200-character messages; ${cph.sizes.map((r) => `${num(r.write_ms.n)}`).join(" / ")} samples of each operation by size, ours and the floor interleaved in ${cph.method.rounds} round${cph.method.rounds === 1 ? "" : "s"}. The floor (\`bench/floor/worker.js\`) stores the same bytes in a bare Durable Object's SQLite in 1 MiB chunks and reads them back. Deltas: one message each, \`base_seq\` the seq of the previous PUT; the AgentDO compacts every 64th delta into a full record, and the all-deltas p50/p99 include those. Restores are gzipped by \`wrangler dev\` for a client that accepts it (Node's fetch does), as Cloudflare compresses \`application/x-protobuf\`; the floor answers with the same type, and the last column asks both for identity. Aims: a full checkpoint within 1.5× of the floor at p50; a one-step delta p99 under 5 ms whatever the history length.

${(() => {
  const c = cpp.curve;
  const v = cpp.versions;
  const row = (label, key, put) => `| ${label} | ${c.map((p) => bytes(p[key])).join(" | ")} | ${put} |`;
  return `| conversation saved every turn (in-process, no HTTP) | ${c.map((p) => `turn ${p.turn}`).join(" | ")} | time a checkpoint p50 / p99 |
|---|${c.map(() => "---|").join("")}---|
${row(`LangGraph.js \`MemorySaver\` (@langchain/langgraph-checkpoint ${v["@langchain/langgraph-checkpoint"]})`, "memory_saver_bytes", pp(cpp.put_ms.memory_saver))}
${row(`LangGraph.js \`SqliteSaver\` (@langchain/langgraph-checkpoint-sqlite ${v["@langchain/langgraph-checkpoint-sqlite"]}), SUM(length(checkpoint))`, "sqlite_saver_bytes", pp(cpp.put_ms.sqlite_saver))}
${row("… its database file and WAL on disk", "sqlite_file_bytes", "")}
${row("ours: the records the AgentDO keeps (two full, the deltas after them)", "ours_bytes", `${pp(cpp.put_ms.ours)} (diff + encode)`)}
| theirs / ours | ${c.map((p) => `${p.ratio_sqlite_over_ours.toFixed(0)}×`).join(" | ")} | |

${num(cpp.turns)} turns of one user and one assistant message of ${cpp.message_chars} characters, one checkpoint a turn on both sides. LangGraph: \`put()\` of a checkpoint whose \`channel_values\` hold the whole message list (\`HumanMessage\`/\`AIMessage\` with ids), as its loop saves it; a compiled graph writes two or three checkpoints a turn, so this understates its bytes. A message costs ${cpp.bytes_per_message_at_last_turn.langgraph_serialized.toFixed(0)} B in LangChain's JSON, ${cpp.bytes_per_message_at_last_turn.ours_full_record?.toFixed(0) ?? "–"} B in our protobuf. Ours: the first state encoded whole, then one delta a turn, compacted as the AgentDO does it (${cpp.ours_compaction_ms ? `${cpp.ours_compaction_ms.n} compaction${cpp.ours_compaction_ms.n === 1 ? "" : "s"}, fold + encode ${ms(cpp.ours_compaction_ms.mean)} mean, AgentDO side, not in the time column` : "no compaction"}); the time is the runner's diff + encode. Both sides' times grow with the history; p50 over the last tenth of the turns: MemorySaver ${ms(cpp.put_ms_last_tenth.memory_saver.p50)}, SqliteSaver ${ms(cpp.put_ms_last_tenth.sqlite_saver.p50)}, ours ${ms(cpp.put_ms_last_tenth.ours.p50)}. Aim at 500 turns: ours grows linearly and stays under 1/100 of theirs. Also in this process: better-sqlite3 ${v["better-sqlite3"]}, @langchain/core ${v["@langchain/core"]}.
`;
})()}`;
  return `| figure | p50 | p90 | p99 | note |
|---|---|---|---|---|
| dispatch: submit → parked runner long-poll holds the task | ${f(results.dispatch_ms.p50)} ms | ${f(results.dispatch_ms.p90)} ms | ${f(results.dispatch_ms.p99)} ms | ${results.dispatch_ms.n} tasks |
| platform floor: bare Durable Object long-poll wake | ${f(results.floor_ms.p50)} ms | ${f(results.floor_ms.p90)} ms | ${f(results.floor_ms.p99)} ms | ${results.floor_ms.n} wakes, same run |
| floor + one durable SQLite write before the wake | ${f(results.floor_with_write_ms.p50)} ms | ${f(results.floor_with_write_ms.p90)} ms | ${f(results.floor_with_write_ms.p99)} ms | what any durable dispatch pays |
| ratio dispatch / floor | ${f(results.ratio_p50)}× | | ${f(results.ratio_p99)}× | aim ≤ 1.5× at p50 |

| dispatch beside BullMQ | p50 | p99 | note |
|---|---|---|---|
| ours: submit → parked runner long-poll holds the task | ${f(results.dispatch_ms.p50)} ms | ${f(results.dispatch_ms.p99)} ms | through local workerd (\`wrangler dev\`) |
| BullMQ ${results.bullmq.versions.bullmq}: \`queue.add()\` → idle Worker's processor starts | ${f(results.bullmq.pickup_ms.p50)} ms | ${f(results.bullmq.pickup_ms.p99)} ms | redis-server ${results.bullmq.versions.redis_server}, ${results.bullmq.pickup_ms.n} jobs |
| ratio ours / BullMQ | ${f(results.peer_ratios.dispatch_p50_ours_over_bullmq)}× | ${f(results.peer_ratios.dispatch_p99_ours_over_bullmq)}× | a Redis pop cannot be beaten through local workerd: the aim is the floor above |

| sustained throughput: submit → lease → complete | ours, batched (tasks/s) | BullMQ, concurrency 50 (jobs/s) | ours / BullMQ | BullMQ, concurrency 1 (jobs/s) | ours / BullMQ c1 | our HTTP calls a task |
|---|---|---|---|---|---|---|
${results.throughput_batched
  .map((o) => {
    const peer = (c) => results.bullmq.throughput.find((b) => b.workers === o.runners && b.concurrency === c);
    return `| ${o.runners} runner${o.runners === 1 ? "" : "s"} / ${o.runners} BullMQ worker process${o.runners === 1 ? "" : "es"} | ${o.tasks_per_s.toFixed(0)} | ${peer(50).tasks_per_s.toFixed(0)} | ${f(o.tasks_per_s / peer(50).tasks_per_s)}× | ${peer(1).tasks_per_s.toFixed(0)} | ${f(o.tasks_per_s / peer(1).tasks_per_s)}× | ${o.calls_per_task.toFixed(3)} |`;
  })
  .join("\n")}
| ours unbatched: ${results.throughput.runners} runners, one call per submit and per complete | ${results.throughput.tasks_per_s.toFixed(0)} | | | | | ${results.throughput.tasks} tasks, 16 concurrent submitters |

${num(results.throughput_batched[0].tasks)} tasks a row on each side. Ours: \`POST /v1/tasks/batch\` 500 tasks a call; the runners are loops in the bench process speaking the runner protocol (lease up to ${LEASE_BATCH} a poll, one \`POST /v1/runners/{id}/report\` completing all of them), no agent processes. BullMQ: \`addBulk\` 500 jobs a call; each worker a separate Node process with a no-op processor; the clock stops when Redis counts all jobs completed. Both keep finished tasks/jobs.

| runner overhead | measured | aim |
|---|---|---|
| one real runner process idle in long-poll (${results.runner_idle.idle_seconds.toFixed(0)} s): RSS | ${results.runner_idle.rss_mb.toFixed(1)} MB (peak ${results.runner_idle.peak_rss_mb.toFixed(1)} MB) | < 60 MB |
| … CPU | ${results.runner_idle.cpu_percent_of_core.toFixed(2)} % of a core (${results.runner_idle.cpu_seconds.toFixed(2)} s CPU) | < 1 % |
| start one agent in its cgroup (${results.agent_spawn.mode}) → its first runtime-API call, p50 / p99 | ${pp(results.agent_spawn.in_cgroup_ms)} | |
| plain \`node -e\` spawn → the same call (baseline), p50 / p99 | ${pp(results.agent_spawn.plain_spawn_ms)} | |
| cost of the cgroup: difference of the p50s, ratio | ${ms(results.agent_spawn.overhead_p50_ms)}, ${f(results.agent_spawn.ratio_p50)}× | < 50 ms |


${schedulerMd}
${checkpointsMd}
${spillMd}
Measured ${results.date.slice(0, 10)} on ${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}, load average ${results.machine.loadavg_at_start[0].toFixed(1)} at the start and ${results.machine.loadavg_at_end[0].toFixed(1)} at the end${results.machine.loadavg_at_start[0] > results.machine.cores ? " (**a busy machine: other work competed for the cores**)" : ""}${results.quick ? ", **quick run**" : ""}; local workerd through \`wrangler dev\`; the scheduler rows and the conversation rows in one Node process each on the pure cores (\`bench/scheduler.ts\`, \`bench/checkpoints.ts\`), before wrangler starts.
`;
}
