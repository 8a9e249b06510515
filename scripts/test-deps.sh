#!/usr/bin/env bash
# Installs what the tests need and the machine lacks: Chromium for the
# browser tests and redis-server for the Redis store's (Debian's
# packages). Run by `make test`; does nothing when everything is present.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n" # never wait for a password in CI
  else
    echo "The tests need: ${missing[*]}. Install them (apt-get install ${missing[*]}) or run make test as root." >&2
    exit 1
  fi
fi
echo "Installing test dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
