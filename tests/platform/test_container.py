"""The refresh service's container: slim, non-root, only the server and Google extras, and a
health check on /health. The image is built and run where a Docker daemon answers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_the_dockerfile_is_slim_non_root_and_checks_health():
    assert re.search(r"^FROM python:3\.\d+-slim\b", DOCKERFILE, re.M)
    assert re.search(r"^USER funnel$", DOCKERFILE, re.M)
    assert '[server,google]"' in DOCKERFILE and "[excel" not in DOCKERFILE
    health = DOCKERFILE[DOCKERFILE.index("HEALTHCHECK"):]
    assert "/health" in health.split("\n\n")[0]
    assert "--host 0.0.0.0" in DOCKERFILE and "--port \\\"${PORT}\\\"" in DOCKERFILE


def _docker() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("Docker is not installed: the image was not built")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        pytest.skip(f"no Docker daemon answers, the image was not built: {reason}")
    return docker


@pytest.mark.docker
def test_the_image_builds_and_answers_its_health_check():
    docker = _docker()
    tag = f"sheets-funnel-test:{uuid.uuid4().hex[:8]}"
    build = subprocess.run([docker, "build", "-t", tag, str(ROOT)], capture_output=True,
                           text=True, check=False)
    if build.returncode != 0 and re.search(r"pull|resolve|registry|dial tcp|TLS", build.stderr):
        pytest.skip(f"the base image could not be fetched: {build.stderr.strip()[-300:]}")
    assert build.returncode == 0, build.stderr[-3000:]
    name = f"sheets-funnel-test-{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run([docker, "run", "-d", "--name", name, "-p", "127.0.0.1::8080",
                        "-e", "SHEETS_FUNNEL_SECRET=a-secret-of-sixteen-chars",
                        "-e", "SHEETS_FUNNEL_ALLOW=1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
                        "--health-interval", "1s", tag], check=True, capture_output=True)
        user = subprocess.run([docker, "exec", name, "id", "-u"], capture_output=True,
                              text=True, check=True).stdout.strip()
        assert user != "0"
        status = ""
        for _ in range(120):  # the health check's own retries decide; this only bounds the wait
            status = subprocess.run(
                [docker, "inspect", "--format", "{{.State.Health.Status}}", name],
                capture_output=True, text=True, check=True).stdout.strip()
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(1)
        assert status == "healthy"
        port = subprocess.run([docker, "port", name, "8080"], capture_output=True, text=True,
                              check=True).stdout.split(":")[-1].strip()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as answer:
            assert json.load(answer) == {"status": "ok"}
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True, check=False)
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True, check=False)
