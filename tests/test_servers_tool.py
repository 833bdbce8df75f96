"""tools/servers.py: what the load test and the cluster test share to start, wait for and stop their servers."""

import socket
import subprocess
import sys

import pytest

from tools import cluster_test, loadtest
from tools.servers import database_name, stop_process, wait_until_answers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_both_tools_use_the_shared_helpers():
    assert loadtest.stop_server is stop_process and loadtest.database_name is database_name
    assert cluster_test.recreate_database is loadtest.recreate_database
    assert cluster_test.stop_process is stop_process and cluster_test.wait_until_answers is wait_until_answers


def test_a_server_that_stops_at_start_is_reported_with_its_exit_code():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], start_new_session=True)
    process.wait(timeout=30)
    with pytest.raises(SystemExit, match=r"^node A stopped at start \(exit code 3\)$"):
        wait_until_answers(process, f"http://127.0.0.1:{free_port()}/readyz", seconds=30, what="node A")


def test_a_server_that_never_answers_is_given_up_after_its_time():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        with pytest.raises(SystemExit, match=r"^gunicorn did not answer within 1 s$"):
            wait_until_answers(process, f"http://127.0.0.1:{free_port()}/", seconds=1, what="gunicorn", every=0.1)
    finally:
        stop_process(process)
    assert process.returncode is not None


def test_a_server_that_answers_is_waited_for_then_stopped():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answers(process, f"http://127.0.0.1:{port}/", seconds=60, what="the server")
        assert process.poll() is None
    finally:
        stop_process(process)
    assert process.returncode is not None
    stop_process(process)  # stopping a stopped server does nothing
