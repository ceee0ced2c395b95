#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: node modules (npm ci), Debian's
# redis-server, kubectl (Debian's kubernetes-client: `kubectl kustomize` renders deploy/k8s in a test) and openssl. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# a node_modules that is a link (a git worktree sharing another checkout's) is that checkout's business
if [ -L node_modules ]; then
  :
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: npm ci" >&2
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "ensure-deps: npm ci refused package-lock.json. After 'npm install', run 'npm run lockfile:fix'" >&2
    echo "ensure-deps: (the registry here lacks other platforms' optional builds, which npm then leaves out)" >&2
    exit 1
  fi
fi

# apt_install <command> <Debian package> <why>: installs the package when the command is missing
apt_install() {
  if command -v "$1" >/dev/null 2>&1; then return; fi
  echo "ensure-deps: installing $1 (Debian package $2: $3)" >&2
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$2" >/dev/null
}

# the package starts a system service on 6379 where systemd runs; the tests start their own
apt_install redis-server redis-server "the bot's queues and stores; the tests start their own"
apt_install kubectl kubernetes-client "kubectl kustomize renders deploy/k8s in a test"
apt_install openssl openssl "the TLS test makes its own certificate for a rediss:// redis-server"
