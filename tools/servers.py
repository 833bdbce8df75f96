"""What the load test (tools/loadtest.py) and the cluster test (tools/cluster_test.py) share to run servers: a
fresh PostgreSQL database on loopback, a process (gunicorn, celery) waited for until it answers, then stopped
with its whole process group."""

import os
import signal
import subprocess
import time
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost")


def database_name(url: str) -> str:
    """The database's name, refused unless the server is on loopback and the name is plain (it is dropped)."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise SystemExit(f"the test tools only use a database on loopback, not {parts.hostname!r}")
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"unexpected database name {name!r}")
    return name


def recreate_database(url: str, drop_only: bool = False) -> None:
    """Drop the database (even with sessions still open) and, unless ``drop_only``, make it again, empty."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def wait_until_answers(process: subprocess.Popen, url: str, *, seconds: float, what: str, every: float = 0.5) -> None:
    """Poll ``url`` until it answers 200; SystemExit if the process stops first or after ``seconds``."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped at start (exit code {process.returncode})")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            raise SystemExit(f"{what} did not answer within {seconds:.0f} s")
        time.sleep(every)


def stop_process(process: subprocess.Popen | None) -> None:
    """A server started in its own session (Ctrl+C does not reach it): stop its whole process group, by its id."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
