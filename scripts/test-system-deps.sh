#!/usr/bin/env bash
# Makes sure the browser, PostgreSQL and export read-back tests can run: Debian's
# chromium, the PostgreSQL server binaries and LibreOffice Calc without its GUI (the
# exports are read back with `soffice --headless`), and Node with the npm package
# oidc-provider for the sign-in tests' OpenID Connect provider. As root it installs what
# is missing; otherwise it says exactly what to install. In CI (CI=true) a missing part
# is a failure, never a skip.
set -euo pipefail

missing=()
# Fonts too: a bare chromium renders no text, and axe's contrast checks need text.
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
# The letters and receipts as PDF (WeasyPrint): Pango, and DejaVu Sans, whose glyphs cover
# Norwegian and the Sámi letters (á č đ ŋ š ŧ ž); pdfinfo/pdffonts/pdftoppm check the PDFs.
# `make run` needs the first two as well.
dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
# The sign-in tests run a real OpenID Connect provider: the npm package oidc-provider
# (pinned in tests/oidc/package-lock.json) on Node.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)

oidc_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/oidc"
# After the Debian packages (npm may just have arrived), so it runs before every exit 0.
install_oidc_provider() {
  [ -d "$oidc_dir/node_modules/oidc-provider" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "The sign-in tests need npm to install tests/oidc (npm ci --prefix tests/oidc)." >&2
    return 0
  fi
  echo "Installing the test OpenID Connect provider (npm ci --prefix tests/oidc)..."
  npm ci --prefix "$oidc_dir" --no-audit --no-fund --loglevel=error
}

if [ ${#missing[@]} -eq 0 ]; then
  install_oidc_provider
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  install_oidc_provider
  exit 0
fi

install_oidc_provider  # needs no root: npm installs into tests/oidc
echo "The browser, PostgreSQL, export read-back and sign-in tests need: ${missing[*]}." >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
echo "Without them those tests are skipped (in CI they fail)." >&2
