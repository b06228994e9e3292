#!/usr/bin/env bash
# Lists the test files that touch Elasticsearch: those that use the run's cluster (test/support/es.ts,
# the end-to-end harness) or start one of their own (startLocalEs). .ci/run runs them again on 9.x.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -rlE "support/es\.ts'|e2e/harness\.ts'|startLocalEs\(" test --include='*.test.ts' | sort
