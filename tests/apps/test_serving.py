"""`observatory serve` really serves: gunicorn on a free port, a fresh data folder, DEBUG
off, security headers on every response, our own error pages (no debug page echoing the
request), GOV.UK assets through whitenoise. And the deployment check is clean behind TLS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
pytestmark = pytest.mark.slow


def _env(data: Path, **extra: str) -> dict[str, str]:
    # Nothing from the test run leaks in (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE,
    # which the deployment check rightly refuses).
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                        "DJANGO_ALLOW_ASYNC_UNSAFE", "OBSERVATORY_TESTING",
                        "OBSERVATORY_EXPECT_POSTGRES")}
    env.update({"OBSERVATORY_DATA": str(data), "DJANGO_SETTINGS_MODULE": "observatory.settings",
                **extra})
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve-data")
    env = _env(data)
    subprocess.run([OBSERVATORY, "manage", "migrate", "-v0"], env=env, check=True,
                   timeout=300)
    port = _free_port()
    process = subprocess.Popen([OBSERVATORY, "serve", "--port", str(port), "--workers", "1"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/openapi.json", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stdout.read().decode())
                time.sleep(0.5)
        yield base, data
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_home_page_served_with_security_headers(server):
    base, data = server
    status, headers, body = _get(base + "/")
    assert status == 200 and "govuk-template" in body
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    key = data / "secret_key"  # a key of this installation's own, readable by it alone
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_missing_page_is_ours_not_a_debug_page(server):
    base, _ = server
    status, _, body = _get(base + "/no/such/page/?secret=hunter2")
    assert status == 404
    assert "There is nothing at this address." in body
    assert "URLconf" not in body and "hunter2" not in body


def test_govuk_assets_are_served(server):
    base, _ = server
    status, headers, _ = _get(base + "/static/govuk-frontend/govuk/govuk-frontend.min.css")
    assert status == 200 and "css" in headers["Content-Type"]


def test_deployment_check_is_clean_behind_tls(tmp_path):
    env = _env(tmp_path, OBSERVATORY_HTTPS="1",
               DJANGO_SECRET_KEY="k" * 20 + "-not-a-real-secret-but-long-and-varied-0123456789")
    result = subprocess.run([OBSERVATORY, "manage", "check", "--deploy", "--fail-level",
                             "WARNING"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
