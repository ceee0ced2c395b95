#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, type-checks, lints, tests.
# The tests start their own redis-server on a free port (test/support/global-setup.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.json --noEmit
npx biome check .
npx vitest run "$@"
