"""Two application nodes, one city (issue 14, part): `make cluster-test`.

    .venv/bin/python tools/cluster_test.py [--database-url postgres://postgres@127.0.0.1:5432/cchc_cluster]

It makes a fresh PostgreSQL database (cchc_cluster, dropped and made again), starts SeaweedFS on loopback (its S3
API, one private bucket; tools/seaweedfs.py) and two gunicorn nodes with production settings on ports 8611 and
8612, each with its own local temporary folders (PRIVATE_MEDIA_ROOT differs: a file found through the other node
can only have come from the bucket). Then it proves, printing figures, and exits non-zero at the first failure:

1. evidence uploaded through node A downloads through node B byte for byte (and through A), and is an object of
   the bucket, not a file of either node's folder;
2. a period published once serves identical public pages (their main part) and identical downloads (CSV, XLSX,
   JSON, PDF) through both nodes, the files built by whichever node was asked first and stored in the bucket.

It stops everything it started (both nodes, SeaweedFS) by their process ids and drops the database.
Not yet here (the rest of the issue): Redis, the Celery worker, the reminders and the 200 simulated users.
"""

import argparse
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.seaweedfs import SeaweedFS  # noqa: E402

PORTS = {"A": 8611, "B": 8612}
BUCKET = "cchc-cluster"
PASSWORD = "cluster-" + secrets.token_hex(8)

PREPARE = """
import json
from accounts.models import User
from assessment.models import Assessment, PublishedUnit, Score

for username in ("canbo", "noivu"):
    person = User.objects.get(username=username)
    person.set_password({password!r})
    person.save(update_fields=["password"])
# The demo: 2026 open for self-assessment, 2025 published (Home Affairs published it when the demo was loaded).
assessment = Assessment.objects.get(period__year=2026, unit__memberships__user__username="canbo")
score = Score.objects.filter(assessment=assessment, criterion__method="appraisal").order_by("criterion__code").first()
units = list(PublishedUnit.objects.filter(publication__period__year=2025).values_list("unit_code", flat=True)[:3])
print(json.dumps({{"assessment": assessment.pk, "score": score.pk, "units": units}}))
"""


def fresh_database(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name {name!r}")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def node_env(args, scratch: Path, node: str, seaweedfs: SeaweedFS) -> dict:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL")}
    env.update(
        DEBUG="0",
        SECRET_KEY=args.secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=",".join(f"http://127.0.0.1:{port}" for port in PORTS.values()),
        DATABASE_URL=args.database_url,
        HTTPS="0",
        STATIC_ROOT=str(scratch / "static"),
        PRIVATE_MEDIA_ROOT=str(scratch / node / "private"),
        TMPDIR=str(scratch / node / "tmp"),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        **seaweedfs.environment(BUCKET),
    )
    (scratch / node / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def run(command: list[str], env: dict) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_node(env: dict, port: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cchc.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        "--log-level=warning",
        "--timeout=120",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_for(base: str, process: subprocess.Popen) -> None:
    for _ in range(240):
        if process.poll() is not None:
            raise SystemExit(f"the node on {base} stopped (exit {process.returncode})")
        try:
            if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} did not answer within two minutes")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # gunicorn's master and its workers: the group it leads
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def sign_in(client: httpx.Client, username: str) -> None:
    token = csrf_token(client.get("/accounts/login/").text)
    response = client.post(
        "/accounts/login/", data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    )
    if response.status_code != 302 or "/accounts/login/" in response.headers.get("location", ""):
        raise SystemExit(f"{username} could not sign in on {client.base_url}")


def main_part(page: str) -> str:
    """The page's own part: the header around it carries a CSRF token drawn for each response."""
    found = re.search(r"<main\b.*?</main>", page, re.S)
    if found is None:
        raise SystemExit("no <main> on the page")
    return found.group(0)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok   {message}")


def prove_evidence(prepared: dict, bases: dict, seaweedfs: SeaweedFS, scratch: Path) -> None:
    payload = b"%PDF-1.4\n" + secrets.token_bytes(256 * 1024) + b"\n%%EOF\n"
    digest = hashlib.sha256(payload).hexdigest()
    with httpx.Client(base_url=bases["A"], timeout=60) as node_a:
        sign_in(node_a, "canbo")
        page = node_a.get(f"/assessments/{prepared['assessment']}/").text
        started = time.perf_counter()
        response = node_a.post(
            f"/assessments/{prepared['assessment']}/scores/{prepared['score']}/evidence/",
            files={"files": ("Kế hoạch cụm hai nút.pdf", payload, "application/pdf")},
            data={"number": "1/KH-CUM"},
            headers={"Accept": "application/json", "X-CSRFToken": csrf_token(page)},
        )
        upload_seconds = time.perf_counter() - started
        check(response.status_code == 200 and response.json()["ok"], "evidence uploaded through node A")
        links = re.findall(r'href="(/documents/\d+/download/)"', html.unescape(response.json()["html"]))
        check(len(links) >= 1, "node A links the uploaded document")
        session = node_a.cookies.get("sessionid")
        through_a = node_a.get(links[-1]).content
    with httpx.Client(base_url=bases["B"], timeout=60, cookies={"sessionid": session}) as node_b:
        started = time.perf_counter()
        through_b = node_b.get(links[-1])
        download_seconds = time.perf_counter() - started
        anonymous = httpx.get(f"{bases['B']}{links[-1]}", timeout=30)
    check(through_b.status_code == 200, "node B serves the download (same session, shared database)")
    check(hashlib.sha256(through_b.content).hexdigest() == digest, "node B's bytes are the uploaded bytes")
    check(through_a == through_b.content, "nodes A and B serve the same bytes")
    check(anonymous.status_code == 302, "node B refuses it to someone not signed in (sent to sign in)")
    keys = [
        item["Key"]
        for item in seaweedfs.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])
        if item["Key"].endswith(f"{digest}.pdf")
    ]
    check(len(keys) == 1, f"the file is one object of the bucket ({keys[0] if keys else 'none'})")
    local = [path for path in scratch.rglob("*.pdf") if "static" not in path.parts]
    check(local == [], "no node kept it in its own folder")
    print(
        f"     {len(payload):,} bytes: upload through A {upload_seconds * 1000:.0f} ms, "
        f"download through B {download_seconds * 1000:.0f} ms"
    )


def prove_publication(prepared: dict, bases: dict, seaweedfs: SeaweedFS) -> None:
    pages = ["/results/", "/results/2025/"] + [f"/results/2025/{code}/" for code in prepared["units"]]
    downloads = [f"/results/2025/download.{fmt}" for fmt in ("csv", "xlsx", "json", "pdf")]
    compared, served = 0, []
    for path in pages:
        seen = {node: httpx.get(f"{base}{path}", timeout=60) for node, base in bases.items()}
        check(all(r.status_code == 200 for r in seen.values()), f"{path} answers on both nodes")
        check(main_part(seen["A"].text) == main_part(seen["B"].text), f"{path} is the same page on both nodes")
        compared += 1
    for number, path in enumerate(downloads):
        order = ("A", "B") if number % 2 == 0 else ("B", "A")  # the file is built by whichever node is asked first
        seen = {node: httpx.get(f"{bases[node]}{path}", timeout=120) for node in order}
        check(all(r.status_code == 200 for r in seen.values()), f"{path} answers on both nodes ({order[0]} first)")
        check(seen["A"].content == seen["B"].content, f"{path}: the same {len(seen['A'].content):,} bytes")
        served.append((hashlib.sha256(seen["A"].content).hexdigest(), path.rsplit(".", 1)[1]))
        compared += 1
    # Files are named by their SHA-256: each download served is an object of the bucket (the demo's earlier
    # publications have their own objects beside them).
    objects = seaweedfs.client().list_objects_v2(Bucket=BUCKET, Prefix="publications/").get("Contents", [])
    keys = [item["Key"] for item in objects]
    stored = all(any(key.endswith(f"{digest}.{fmt}") for key in keys) for digest, fmt in served)
    check(stored, f"the {len(downloads)} publication files are objects of the bucket")
    print(f"     {compared} pages and files compared")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cchc_cluster")
    args = parser.parse_args()
    args.secret_key = secrets.token_urlsafe(50)
    if shutil.which("pg_isready") and subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    scratch = Path(tempfile.mkdtemp(prefix="cchc-cluster-"))
    seaweedfs = SeaweedFS.on_free_ports()
    nodes: dict[str, subprocess.Popen] = {}
    started = time.perf_counter()
    try:
        seaweedfs.start()
        seaweedfs.bucket(BUCKET)
        print(f"SeaweedFS S3 on {seaweedfs.endpoint}, bucket {BUCKET}")
        fresh_database(args.database_url)
        env = {node: node_env(args, scratch, node, seaweedfs) for node in PORTS}
        manage = [sys.executable, "manage.py"]
        run([*manage, "migrate", "-v", "0"], env["A"])
        run([*manage, "load_demo", "--force"], env["A"])
        run([*manage, "collectstatic", "--no-input", "-v", "0"], env["A"])
        out = run([*manage, "shell", "-v", "0", "--no-imports", "-c", PREPARE.format(password=PASSWORD)], env["A"])
        prepared = json.loads(out.strip().splitlines()[-1])
        for node, port in PORTS.items():
            nodes[node] = start_node(env[node], port)
        bases = {node: f"http://127.0.0.1:{port}" for node, port in PORTS.items()}
        for node in PORTS:
            wait_for(bases[node], nodes[node])
        print(f"nodes A {bases['A']} and B {bases['B']} ready after {time.perf_counter() - started:.1f} s")
        prove_evidence(prepared, bases, seaweedfs, scratch)
        prove_publication(prepared, bases, seaweedfs)
        print(f"cluster test passed in {time.perf_counter() - started:.1f} s")
    finally:
        for process in nodes.values():
            stop(process)
        seaweedfs.stop()
        fresh_database(args.database_url, drop_only=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
