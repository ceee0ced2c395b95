#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, type-checks, lints, tests.
# The tests start their own redis-server on a free port (test/support/global-setup.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-browser.sh
npm run typecheck
# biome, then the layering and cycle rules of .dependency-cruiser.cjs
npm run lint
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# one plain closing line, whatever the reporter printed above
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$report" || true
rm -f "$report"
exit "$status"
