#!/usr/bin/env bash
# Validates the container files without a Docker engine:
#   - docker-compose.yml with Debian's docker-compose (`config -q`: schema, anchors, profiles);
#   - deploy/prometheus/prometheus.yml and alerts.yml with promtool (Debian's prometheus package).
# Each tool is installed with apt-get when missing (this needs root, as on CI); a tool that still
# cannot be had is reported as SKIPPED (exit 0), or fails the run with --strict (CI).
# test/compose.test.ts boots the services themselves.
#
#   scripts/compose-validate.sh [--strict]
set -euo pipefail
cd "$(dirname "$0")/.."
strict=0
[ "${1:-}" = "--strict" ] && strict=1

apt_updated=0
ensure() { # ensure <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$apt_updated" -eq 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 || true
  fi
  command -v "$1" >/dev/null 2>&1
}

status=0
if ensure docker-compose docker-compose; then
  # Every profile, so the services outside the default one are checked too.
  docker-compose -f docker-compose.yml --profile combined --profile observability config -q
  echo "compose-validate: docker-compose.yml is valid ($(docker-compose version --short))"
else
  echo "compose-validate: SKIPPED docker-compose.yml (docker-compose is not installed and could not be)" >&2
  status=1
fi

if ensure promtool prometheus; then
  # check config follows rule_files, so alerts.yml is checked with it.
  promtool check config deploy/prometheus/prometheus.yml
  promtool check rules deploy/prometheus/alerts.yml
else
  echo "compose-validate: SKIPPED Prometheus files (promtool is not installed and could not be)" >&2
  status=1
fi
[ "$status" -ne 0 ] && [ "$strict" -eq 1 ] && exit 1
exit 0
