#!/usr/bin/env node
// The first step of `npm test`: is everything the suites need on this machine? Under CI=true a
// missing prerequisite fails here, naming it and how to install it; elsewhere it is listed loudly and
// the tests that need it skip. See scripts/lib/prereqs.mjs and docs/testing.md.
import { inCi, survey } from "./lib/prereqs.mjs";

const rows = survey();
const absent = rows.filter((r) => r.reason !== null);
for (const r of rows)
  console.log(`${r.reason === null ? "ok     " : "MISSING"} ${r.name}${r.reason === null ? "" : `: ${r.reason}`}`);
if (absent.length === 0) process.exit(0);
const detail = absent
  .map((r) => `  ${r.name}: ${r.reason}\n    needed by ${r.for}\n    install: ${r.install}`)
  .join("\n");
if (inCi()) {
  console.error(`\nmissing prerequisites (CI=true: each is a failure, not a skip):\n${detail}`);
  process.exit(1);
}
console.error(
  `\n${"!".repeat(78)}\nmissing prerequisites: the tests that need them will SKIP (under CI=true they fail):\n${detail}\n${"!".repeat(78)}`,
);
