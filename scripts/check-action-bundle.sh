#!/usr/bin/env bash
# Fails when the committed action bundle differs from a fresh build (GitHub runs the committed one).
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(git hash-object action/dist/index.js)
npm run -s build:action
after=$(git hash-object action/dist/index.js)
if [ "$before" != "$after" ]; then
  echo "action/dist is stale: run 'npm run build:action' and commit action/dist." >&2
  git --no-pager diff --stat -- action/dist >&2 || true
  exit 1
fi
echo "action/dist is fresh."
