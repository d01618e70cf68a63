#!/usr/bin/env bash
# Installs what the test suite needs (Debian packages, npm dependencies) and runs the whole
# suite: type-check, then vitest. The README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the integration tests start for real. Installed only when missing.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible)
command -v icinga2 >/dev/null 2>&1 || [ -x /usr/sbin/icinga2 ] || need+=(icinga2)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# `npm install`, not `npm ci`: it installs the locked versions too, but tolerates optional
# platform packages the registry mirror lacks (msgpackr-extract's macOS/Windows builds, pulled
# in by bullmq), which make `npm ci` refuse the lock file.
npm install --no-audit --no-fund
npm test
