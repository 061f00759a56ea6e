// Bundles the runner CLI and the example agents into agent-runner/dist, the
// officeos CLI into cli/dist, and the
// scheduler and checkpoint benchmarks into bench/out, with esbuild.
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  // pino and its workers resolve files at run time; keep node_modules packages external.
  packages: "external",
};

// The runner bundles its dependencies too (pino without transports, yaml, zod, protobufjs, prom-client):
// one file to copy to a runner host, and an idle runner loads one module instead of a few hundred
// (52.8 MB RSS against 60 MB with node_modules external; issue #9). Whitespace and syntax are
// minified, names are kept, so stack traces stay readable.
await build({
  ...common,
  packages: "bundle",
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  entryPoints: ["agent-runner/src/cli.ts"],
  outfile: "agent-runner/dist/officeos-runner.mjs",
});
// The example agents bundle their dependencies too (undici for the proxy, LangGraph): the sandbox shows an
// agent its own directory, and a clone under /home, /root or /tmp would hide the repo's node_modules.
// Split, so what an agent imports only when needed (undici, when a proxy is set) is a chunk of its own
// beside the entry, not parsed at every start.
await build({
  ...common,
  packages: "bundle",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  entryPoints: {
    "pipeline-agent": "agent-runner/examples/pipeline-agent.ts",
    "echo-agent": "agent-runner/examples/echo-agent.ts",
    "langgraph-agent": "agent-runner/examples/langgraph-agent.ts",
    "llm-agent": "agent-runner/examples/llm-agent.ts",
  },
  outdir: "agent-runner/dist/examples",
  outExtension: { ".js": ".mjs" },
});
await build({ ...common, entryPoints: ["bench/scheduler.ts"], outfile: "bench/out/scheduler.mjs" });
await build({ ...common, entryPoints: ["bench/checkpoints.ts"], outfile: "bench/out/checkpoints.mjs" });
await build({ ...common, entryPoints: ["bench/agent-spawn.ts"], outfile: "bench/out/agent-spawn.mjs" });
await build({ ...common, entryPoints: ["bench/sandbox-spawn.ts"], outfile: "bench/out/sandbox-spawn.mjs" });
// The CLI bundles its dependencies: one file that runs anywhere Node 20+ does.
await build({
  ...common,
  packages: "bundle",
  banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  entryPoints: ["cli/src/bin.ts"],
  outfile: "cli/dist/officeos.mjs",
  define: { OFFICEOS_VERSION: JSON.stringify(process.env.npm_package_version ?? "dev") },
});
console.log("built agent-runner/dist, cli/dist and bench/out");
