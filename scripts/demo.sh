#!/usr/bin/env bash
# The demo command: installs what is missing, builds, and runs `kiln demo` (local Elasticsearch,
# collector, an agent shipping this machine's real logs, fleet state with drift and age flags).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
npm run -s build
exec node dist/kiln.js demo "$@"
