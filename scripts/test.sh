#!/usr/bin/env bash
# Installs what the test suite needs (Debian packages, npm dependencies) and runs the whole
# suite: type-check, then vitest. The README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the integration tests start for real. Installed only when missing.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -n "${CI:-}" ] || [ ! -d node_modules ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm test
