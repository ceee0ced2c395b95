#!/usr/bin/env bash
# The bot's main job on a machine with no AWS account: installs what is missing, then scans a
# seeded fleet in the local AWS emulator with a real Redis. Options pass through, e.g.
#   npm run scan:local -- --instances 20000 --format json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npx tsx sandbox/local-scan.ts "$@"
