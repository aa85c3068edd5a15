#!/usr/bin/env bash
# Makes sure the browser and PostgreSQL tests can run: Debian's chromium and the
# PostgreSQL server binaries. As root it installs what is missing; otherwise it says
# exactly what to install. In CI (CI=true) a missing part is a failure, never a skip.
set -euo pipefail

missing=()
# Fonts too: a bare chromium renders no text, and axe's contrast checks need text.
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

echo "The browser and PostgreSQL tests need: ${missing[*]}." >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
echo "Without them those tests are skipped (in CI they fail)." >&2
