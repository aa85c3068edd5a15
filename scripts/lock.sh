#!/usr/bin/env bash
# Makes requirements.lock (the service) and requirements-dev.lock (the service and its
# tests) from pyproject.toml: every package pinned with the hashes of its files, so that
# `make install` and `make test` install exactly these (pip --require-hashes).
# Run after changing a dependency in pyproject.toml; to move to newer versions, run with
# UPGRADE=1. pip-tools runs from a throwaway virtualenv, not the project's.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet pip-tools
upgrade=()
[[ "${UPGRADE:-}" == 1 ]] && upgrade=(--upgrade)
common=(--quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
        "${upgrade[@]}")
"$tools/bin/pip-compile" "${common[@]}" --output-file requirements.lock pyproject.toml
"$tools/bin/pip-compile" "${common[@]}" --extra dev --output-file requirements-dev.lock \
    pyproject.toml
