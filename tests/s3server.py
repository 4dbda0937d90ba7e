"""A loopback S3 server (moto's standalone server) for the S3 storage tests.

Started once per test session on a free 127.0.0.1 port, on first use. Where it cannot start
(moto not installed, no free port) the tests that need it are skipped with the reason, except
under CI=true, where that is a failure: CI must run them.

COORDINATOR_TEST_STORAGE=s3 runs every app of the session on a fresh bucket of this server
instead of a local folder (tests/conftest.py's app_config), so existing suites cover S3 too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import IO

import pytest

REGION = "us-east-1"
STARTUP_SECONDS = 60
# Fake credentials for moto, from the environment so boto3's default chain finds them first and
# never looks further (no profile file, no instance metadata: no network beyond loopback).
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "coordinator-test",
    "AWS_SECRET_ACCESS_KEY": "coordinator-test-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def free_port() -> int:
    """A port nothing listens on (closed again at once: also the "S3 is down" endpoint)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the loopback S3 server is required under CI: {reason}")
    pytest.skip(f"loopback S3 server unavailable: {reason}")


def _start_moto(log: IO[bytes]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # The log goes to a file: moto writes a line per request, and a pipe nobody reads would
    # fill up and stop the server mid-session.
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            error = log.read().decode(errors="replace")[-500:]
            raise RuntimeError(f"moto.server exited with {server.returncode}: {error}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                return server, endpoint
        except OSError:
            time.sleep(0.2)
    server.kill()
    server.wait()
    raise RuntimeError(f"moto.server did not answer on {endpoint} within {STARTUP_SECONDS}s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The loopback S3 server's URL; AWS_* credentials for it are set for the session."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as error:
        _unavailable(f"{error} (pip install -e '.[dev]')")
    log = tempfile.TemporaryFile()
    try:
        server, endpoint = _start_moto(log)
    except (OSError, RuntimeError) as error:
        log.close()
        _unavailable(str(error))
    with log, pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            patch.delenv(name, raising=False)
        try:
            yield endpoint
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def s3_settings(endpoint: str, bucket: str, prefix: str = "documents") -> dict:
    return {
        "STORAGE_URL": f"s3://{bucket}/{prefix}",
        "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": REGION,
        "STORAGE_S3_ADDRESSING_STYLE": "path",
        # One try: a test pointing at a closed port fails at once, without backoff.
        "STORAGE_S3_MAX_ATTEMPTS": 1,
    }


def create_bucket(endpoint: str) -> str:
    import boto3

    bucket = f"coordinator-test-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new, empty bucket for this test."""
    return create_bucket(s3_endpoint)


@pytest.fixture
def s3_storage_config(s3_endpoint, s3_bucket) -> dict:
    """Settings that put this test's documents in its own bucket, under the prefix documents/."""
    return s3_settings(s3_endpoint, s3_bucket)
