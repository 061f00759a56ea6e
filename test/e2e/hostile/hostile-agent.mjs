// A hostile agent: it holds a real task token and sends the whole path-trick
// corpus (corpus.mjs) against every runtime-API route, byte-exact over raw
// sockets, then checks that the legitimate routes still work, and posts what it
// got as its result. Plain Node, no imports from the repo besides its corpus
// (both are copied next to each other for the unprivileged agent user).
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { corpus, rawRequest, WIRE } from "./corpus.mjs";

const api = new URL(process.env.OFFICEOS_RUNTIME_API);
const token = process.env.OFFICEOS_TASK_TOKEN ?? readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();

/** One request on a fresh connection; the status of the answer (0: none) and its body. */
function send(bytes) {
  return new Promise((resolve) => {
    const s = connect(Number(api.port), api.hostname);
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => s.destroy(), 15_000);
    s.on("data", (d) => (buf = Buffer.concat([buf, d])));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(t);
      const text = buf.toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const i = text.indexOf("\r\n\r\n");
      resolve({ status, body: i >= 0 ? text.slice(i + 4) : "" });
    });
    s.write(bytes);
  });
}

const call = async (method, target, body, headers = {}) => {
  const payload = body === undefined ? "" : JSON.stringify(body);
  const lines = [
    `${method} ${target} HTTP/1.1`,
    `Host: ${api.host}`,
    `Authorization: Bearer ${token}`,
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (payload) lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(payload)}`);
  const r = await send(Buffer.from(`${lines.join("\r\n")}\r\n\r\n${payload}`, "utf8"));
  let json = null;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = null;
  }
  return { status: r.status, json };
};

const task = (await call("GET", "/task")).json;
const thread = encodeURIComponent(task.input.thread);
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64");
const legit = {};
// The legitimate routes, with the agent's own Host and X-Forwarded-* (which must not travel).
const spoof = { "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "10.6.6.6", "X-Forwarded-Proto": "https" };
legit.put = (
  await call(
    "PUT",
    `/threads/${thread}/checkpoints/c1`,
    {
      checkpoint_ns: "",
      checkpoint: { type: "json", data: b64({ v: 4, id: "c1" }) },
      metadata: { type: "json", data: b64({ step: 1 }) },
      metadata_json: { step: 1 },
      channel_versions: { a: 1 },
      blobs: [{ channel: "a", version: 1, value: { type: "json", data: b64("x") } }],
    },
    spoof,
  )
).status;
legit.writes = (
  await call("PUT", `/threads/${thread}/checkpoints/c1/writes`, {
    checkpoint_ns: "",
    task_id: "t1",
    writes: [{ channel: "a", idx: 0, value: { type: "json", data: b64("y") } }],
  })
).status;
legit.get = (await call("GET", `/threads/${thread}/checkpoints/c1?checkpoint_ns=`, undefined, spoof)).status;
const list = await call("GET", `/threads/${thread}/checkpoints?checkpoint_ns=&limit=5`);
legit.list = list.status;
legit.listed = list.json?.checkpoints?.map((c) => c.checkpoint_id) ?? null;
legit.checkpoint = (await call("PUT", "/checkpoint", { cursor: { step: 1 } })).status;
legit.progress = (await call("POST", "/progress", { note: "probing" })).status;
const chat = (extra) =>
  call("POST", "/llm/v1/chat/completions", {
    messages: [{ role: "user", content: "hello" }],
    max_tokens: 40,
    ...extra,
  });
legit.llm = (await chat({})).status;
const many = await chat({ n: 4 });
legit.llm_n4 = { status: many.status, code: many.json?.error?.code ?? null };
const huge = await chat({ n: 64 });
legit.llm_n64 = { status: huge.status, param: huge.json?.error?.param ?? null };
const unknown = await chat({ best_of: 64 });
legit.llm_unknown = { status: unknown.status, message: unknown.json?.error?.message ?? null };

// The corpus, every trick on every route, then the broken request lines.
const answers = [];
for (const t of corpus())
  answers.push({ name: t.name, status: (await send(rawRequest(t.method, t.target, token))).status });
for (const [name, line] of WIRE)
  answers.push({
    name,
    status: (
      await send(
        Buffer.from(`${line}\r\nHost: ${api.host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`),
      )
    ).status,
  });

// Still served afterwards.
legit.task_after = (await call("GET", "/task")).status;
legit.list_after = (await call("GET", `/threads/${thread}/checkpoints?checkpoint_ns=`)).status;
legit.delete = (await call("DELETE", `/threads/${thread}`)).status;

const histogram = {};
for (const a of answers) histogram[a.status] = (histogram[a.status] ?? 0) + 1;
await call("POST", "/result", {
  result: {
    total: answers.length,
    histogram,
    not_4xx: answers.filter((a) => a.status < 400 || a.status > 499).slice(0, 50),
    legit,
  },
});
