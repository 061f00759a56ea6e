#!/usr/bin/env bash
# Regenerates the static protobuf module from proto/*.proto. Static code is
# required: protobufjs reflection needs eval, which workerd forbids.
#   scripts/gen-proto.sh          write proto/gen/
#   scripts/gen-proto.sh --check  fail when proto/gen/ differs from a fresh generation
set -euo pipefail
cd "$(dirname "$0")/.."
gen() {
  mkdir -p "$1"
  npx pbjs -t static-module -w es6 --no-create --no-verify --no-delimited --force-number \
    -o "$1/officeos.js" proto/officeos.proto
  npx pbts -o "$1/officeos.d.ts" "$1/officeos.js"
}
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  gen "$tmp"
  if ! diff -q "$tmp/officeos.js" proto/gen/officeos.js >/dev/null || ! diff -q "$tmp/officeos.d.ts" proto/gen/officeos.d.ts >/dev/null; then
    echo "proto/gen is stale: run npm run gen:proto and commit the result" >&2
    exit 1
  fi
  echo "proto/gen is current"
else
  gen proto/gen
fi
