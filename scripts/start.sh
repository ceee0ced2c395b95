#!/usr/bin/env bash
# The main job on a machine with no Slack workspace and no AWS account: local mode (see
# sandbox/local/main.ts). Installs what is missing, then runs until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec npx tsx sandbox/local/main.ts "$@"
