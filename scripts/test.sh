#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole suite against a real
# Elasticsearch that the suite starts itself (or KILN_TEST_ES_URL when set).
# Extra arguments go to vitest, e.g. `scripts/test.sh test/collector`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
if [ "${KILN_SKIP_SYSTEM_DEPS:-}" != 1 ]; then bash scripts/install-system-deps.sh; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
npm run -s build
started=$(date +%s)
npx vitest run "$@"
echo "test suite took $(( $(date +%s) - started )) s"
