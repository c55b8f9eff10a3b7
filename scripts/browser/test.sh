#!/usr/bin/env bash
# npm run test:browser: the dashboard in real headless Chromium (Debian's chromium, driven by
# playwright-core). Installs Chromium when it is missing; screenshots go to test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/browser/install-chromium.sh
mkdir -p test-artifacts
# Node 20's --test takes no globs: the shell expands the list.
exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 test/browser/*.browser.ts
