"""A real OpenID Connect provider for the tests: `oidc-provider` from npm, run with Node.

``tests/oidc/provider.mjs`` is the provider; ``bash scripts/test-system-deps.sh`` (run by
``make test``) installs Node and the npm package. Clients and test accounts are passed as
JSON in the environment; the provider picks a free port and prints its issuer.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OIDC_DIR = REPO_ROOT / "tests" / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"
STARTUP_TIMEOUT = 30.0
ISSUER_PREFIX = "OIDC_ISSUER "


# How to get what provider_missing() names, for tests.conftest.missing(what, install).
INSTALL_HINT = ("bash scripts/test-system-deps.sh: apt-get install nodejs npm, "
                "then npm ci --prefix tests/oidc")


def provider_missing() -> str | None:
    """What is missing to run the provider, worded for "<what> is not installed"; None when
    the provider can run."""
    if shutil.which("node") is None:
        return "Node.js (node), for the test OpenID Connect provider,"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return "the npm package oidc-provider (tests/oidc/node_modules)"
    return None


def _read_issuer(process: subprocess.Popen[bytes], deadline: float) -> str | None:
    """The issuer from the provider's first stdout line; None if it died or took too long."""
    assert process.stdout is not None
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                return None
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                return None
            buffer += chunk
    line = buffer.split(b"\n", 1)[0].decode()
    return line.removeprefix(ISSUER_PREFIX) if line.startswith(ISSUER_PREFIX) else None


@dataclass
class OidcProvider:
    issuer: str
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    @classmethod
    def start(cls, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]],
              bad_jwks: bool = False) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            raise FileNotFoundError("node not found")
        env = {
            **os.environ,
            "OIDC_PORT": "0",
            "OIDC_CLIENTS": json.dumps(clients),
            "OIDC_ACCOUNTS": json.dumps(accounts),
            "OIDC_BAD_JWKS": "1" if bad_jwks else "0",
            # The provider exits when this process goes away, even if stop() never runs.
            "OIDC_STOP_ON_STDIN_CLOSE": "1",
        }
        # stderr to a file, never an unread pipe: oidc-provider's warnings would fill a
        # pipe and block the provider.
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - stop() closes it
        process = subprocess.Popen([node, str(PROVIDER_SCRIPT)], cwd=REPO_ROOT, env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=stderr)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        issuer = _read_issuer(process, deadline)
        provider = cls(issuer or "", process, stderr)
        if issuer is None:
            timed_out = time.monotonic() >= deadline
            provider._end_process()
            code = None if timed_out else process.returncode
            output = provider.log()
            stderr.close()
            what = (f"did not print its issuer within {STARTUP_TIMEOUT:.0f} s" if code is None
                    else f"exited with code {code} before printing its issuer")
            raise RuntimeError(f"the test OpenID Connect provider {what}:\n{output}")
        return provider

    def log(self) -> str:
        """What the provider wrote to stderr so far (its warnings and errors)."""
        # pread leaves the file offset alone: the provider shares it and still writes there.
        fd = self.stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def _end_process(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def stop(self) -> None:
        self._end_process()
        if not self.stderr.closed:
            self.stderr.close()
