#!/usr/bin/env bash
# Installs Debian's chromium (and an emoji font, so screenshots show what Slack shows) for the
# sandbox's browser test. playwright-core drives it; nothing downloads a browser build.
# Safe to run again: it skips what is already there.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
if [ "${#need[@]}" -gt 0 ]; then
  echo "ensure-browser: installing ${need[*]} (Debian packages)" >&2
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
