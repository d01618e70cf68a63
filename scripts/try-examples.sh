#!/usr/bin/env bash
# Dry-runs every bundled example rulebook on its sample events (the README's run command):
# shows which rules fire and the actions they would run. Nothing is executed.
set -euo pipefail
cd "$(dirname "$0")/.."
cli="node dist/src/cli/main.js"
[ -f dist/src/cli/main.js ] || npm run --silent build

run() {
  local rulebook=$1; shift
  echo "================================================================================"
  echo "autoheal test $rulebook $*"
  echo "================================================================================"
  $cli test "$rulebook" "$@"
  echo
}

$cli validate rulebooks/*.yml
echo
run rulebooks/alertmanager-disk-full.yml --event examples/events/alertmanager-disk-full.json --event examples/events/alertmanager-disk-resolved.json
for rb in rulebooks/gitlab-rsyslog.yml rulebooks/icinga-service-critical.yml; do
  [ -f "$rb" ] || continue
  name=$(basename "$rb" .yml)
  run "$rb" --events "examples/events/$name.jsonl" --vars examples/vars/autoheal.yml
done
