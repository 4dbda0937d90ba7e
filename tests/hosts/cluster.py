"""Several coordinator hosts on one machine, as production runs them: gunicorn (gunicorn.conf.py,
`wsgi:app`) and `flask --app wsgi worker`, each host with an instance folder of its own (they
share no disk), all sharing one database, one Redis and one S3 bucket.

Used by the two-host test (tests/hosts) and by bench/hosts.py. Every process is started in a
session of its own, so a host (master and workers) can be killed with one signal.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90  # a host on a busy 2-core machine imports the app in a few seconds
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def record_process(process: subprocess.Popen, group: bool) -> None:
    """Note the process in COORDINATOR_HOSTS_PIDFILE when set, so the script that started this
    run (.ci/run) can kill what is left should the run itself be killed ("group PID": its whole
    process group; "pid PID": the process alone)."""
    pidfile = os.environ.get("COORDINATOR_HOSTS_PIDFILE")
    if pidfile:
        with open(pidfile, "a") as handle:
            handle.write(f"{'group' if group else 'pid'} {process.pid}\n")


def base_environment() -> dict[str, str]:
    """This process's environment without any coordinator, gunicorn or metrics setting."""
    prefixes = ("COORDINATOR_", "PROMETHEUS_", "GUNICORN_", "WEB_CONCURRENCY", "FLASK_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


@dataclass
class Host:
    """One app host: its own instance folder and port; a gunicorn and optionally a worker."""

    name: str
    folder: Path
    settings: dict[str, str]
    port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **base_environment(),
            **self.settings,
            "COORDINATOR_INSTANCE_PATH": str(self.folder / "instance"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }

    def flask(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi <args>` as this host would (its environment, its folder)."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start_web(self, workers: int = 2, threads: int = 4) -> None:
        """gunicorn with gunicorn.conf.py (which makes its own metrics folder)."""
        log = open(self.folder / "web.log", "ab")  # noqa: SIM115 - kept open by the process
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env={**self.env, "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        record_process(self.web, group=True)
        log.close()

    def start_worker(self, threads: int = 2) -> None:
        log = open(self.folder / "worker.log", "ab")  # noqa: SIM115 - kept open by the process
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", str(threads)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        record_process(self.worker, group=True)
        log.close()

    def wait_ready(self) -> None:
        """Until gunicorn answers /readyz with 200 (every dependency reached)."""
        deadline = time.monotonic() + START_SECONDS
        last = None
        while time.monotonic() < deadline:
            if self.web is not None and self.web.poll() is not None:
                raise RuntimeError(f"host {self.name} exited at start:\n{self.log_tail('web')}")
            try:
                last = get(self.url + "/readyz", timeout=5)
                if last.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"host {self.name} not ready ({last}):\n{self.log_tail('web')}")

    def log_tail(self, which: str, characters: int = 3000) -> str:
        path = self.folder / f"{which}.log"
        return path.read_text(errors="replace")[-characters:] if path.exists() else ""

    def kill_web(self, sig: int = signal.SIGKILL) -> None:
        """Signal gunicorn's master and every worker at once (`kill -9` of the host)."""
        if self.web is not None and self.web.poll() is None:
            os.killpg(self.web.pid, sig)
            self.web.wait(timeout=60)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:200]!r}>"


def request(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Response:
    """One HTTP request on a fresh connection (no redirects followed)."""
    rest = url.removeprefix("http://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    try:
        connection.request(method, "/" + path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return Response(answer.status, dict(answer.getheaders()), answer.read())
    finally:
        connection.close()


def get(url: str, **kwargs) -> Response:
    return request(url, **kwargs)


class Browser:
    """A cookie jar that can be used against any host: the session cookie is signed with the
    SECRET_KEY every host shares, so a sign-in on A is a sign-in on B."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, response: Response) -> Response:
        for name, value in response.headers.items():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, content = pair.partition("=")
                self.cookies[key.strip()] = content.strip()
        return response

    def get(self, url: str, **kwargs) -> Response:
        return self._keep(request(url, headers=self._headers(), **kwargs))

    def post(self, url: str, fields: dict[str, str], **kwargs) -> Response:
        body = urlencode(fields).encode()
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        return self._keep(request(url, "POST", body=body, headers=headers, **kwargs))

    def post_multipart(
        self, url: str, fields: dict[str, str], file_field: str, filename: str, content: bytes
    ) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = self._headers({"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._keep(request(url, "POST", body=b"".join(parts), headers=headers))

    def csrf_token(self, url: str) -> str:
        """The CSRF token of the form on the page at `url` (tied to this browser's session)."""
        page = self.get(url)
        found = CSRF_FIELD.search(page.text)
        if page.status != 200 or not found:
            raise AssertionError(f"no form with a CSRF token at {url}: {page}")
        return found.group(1)

    def sign_in(self, host_url: str, email: str, password: str) -> Response:
        token = self.csrf_token(host_url + "/login")
        return self.post(
            host_url + "/login", {"csrf_token": token, "email": email, "password": password}
        )
