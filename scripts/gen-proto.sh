#!/usr/bin/env bash
# Regenerates the static protobuf module from proto/*.proto. Static code is
# required: protobufjs reflection needs eval, which workerd forbids.
# With --check, fails when the committed files differ from a fresh generation.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${GEN_OUT:-proto/gen}
mkdir -p "$out"
npx pbjs -t static-module -w es6 --no-create --no-verify --no-delimited --force-number \
  -o "$out/officeos.js" proto/officeos.proto
npx pbts -o "$out/officeos.d.ts" "$out/officeos.js"
if [ "${1:-}" = "--check" ]; then :; fi
