#!/usr/bin/env node
// Entry of the `officeos` bundle (cli/dist/officeos.mjs).
import { run } from "./main.js";

const ac = new AbortController();
process.once("SIGINT", () => ac.abort(new Error("interrupted")));
run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: ac.signal,
}).then(
  (code) => {
    // A piped stdout is asynchronous in Node: flush it before leaving.
    process.stdout.write("", () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`officeos crashed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
