"""gunicorn settings for coordinator: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`).

Every default can be changed from the environment (names below) or on the command line, which
wins over this file. nginx goes in front (README, "Running in production").
"""

from __future__ import annotations

import atexit
import glob
import multiprocessing
import os
import shutil
import tempfile

from gunicorn.glogging import Logger


def _int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# Loopback only: nginx (or a local test) talks to it; the world never does directly.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual 2 x cores + 1, capped: a big host shares its database, and each worker holds a pool.
workers = _int_from_env("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
# Threads (gthread workers) keep a worker answering while one request waits on the database.
threads = _int_from_env("GUNICORN_THREADS", 4)
# Connections a worker holds at once (gunicorn's default: 1,000). A gthread worker accepts every
# connection it can, busy or not: nginx's kept-alive connections (or a load tester's), opened
# together, could all go to one worker while the others idled, at a third of the throughput
# (bench/scale.py). Past this many, a worker stops accepting and another takes the connection.
worker_connections = _int_from_env("GUNICORN_WORKER_CONNECTIONS", 2 * threads)
timeout = _int_from_env("GUNICORN_TIMEOUT", 30)  # a worker silent this long is restarted
graceful_timeout = 30  # on stop or reload, requests in flight get this long to finish
keepalive = 5  # seconds an idle connection from nginx stays open
# Trust X-Forwarded-Proto (and friends) only from the proxy on this host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-": standard output
errorlog = "-"  # standard error, with the application's own log lines
# No query string and no referrer (either may hold a secret); the path has its tokens redacted
# (see RedactingLogger); rid is the X-Request-ID the application answered with.
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'
)


class RedactingLogger(Logger):
    """gunicorn's logger, with secret tokens (private feed, invitation and reset addresses)
    removed from every part of a request the access log could show."""

    def atoms(self, resp, req, environ, request_time):
        from coordinator.logs import printable_path

        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = printable_path(atoms[key])
        return atoms


logger_class = RedactingLogger


# --- Prometheus metrics across workers ----------------------------------------------------------
# Each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR and a scrape adds them up.
# It must be set before a worker first imports prometheus_client, so here, in the master. Without
# one from the environment, a private folder is made for this server and removed when it stops.
_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
_master_pid = os.getpid()
if not os.environ.get(_MULTIPROC):
    _own_dir = tempfile.mkdtemp(prefix="coordinator-metrics-")
    os.environ[_MULTIPROC] = _own_dir

    def _remove_own_dir() -> None:
        if os.getpid() == _master_pid:  # workers inherit this hook: only the master cleans up
            shutil.rmtree(_own_dir, ignore_errors=True)

    atexit.register(_remove_own_dir)


def on_starting(server) -> None:
    # Counts left by a previous run in a folder given from the environment would be added to
    # this run's: start from none.
    metrics_dir = os.environ[_MULTIPROC]
    os.makedirs(metrics_dir, exist_ok=True)
    for stale in glob.glob(os.path.join(metrics_dir, "*.db")):
        os.remove(stale)


def child_exit(server, worker) -> None:
    # A dead worker's live gauges must stop counting; its counters stay in the sum.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
