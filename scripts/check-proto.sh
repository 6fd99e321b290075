#!/usr/bin/env bash
# The API stays linted, and the committed generated TS is exactly what buf generates from the .proto.
set -euo pipefail
cd "$(dirname "$0")/.."
npx buf lint
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx buf generate -o "$out"
for gen in gen gen-es; do
  if ! diff -r "$out/proto/$gen" "proto/$gen" >/dev/null; then
    echo "proto/$gen is out of date with proto/: run 'npm run proto' and commit the result" >&2
    diff -r "$out/proto/$gen" "proto/$gen" | head -20 >&2
    exit 1
  fi
done
echo "proto: lint ok, generated code up to date"
