"""The floor for the HTTP benchmarks: a bare Flask app whose one route answers any path
and method with a small text, and does nothing else. Served by gunicorn exactly as the
service is (`bench/submit.py`, `bench.bare_app:app`)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def anything(path: str) -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
