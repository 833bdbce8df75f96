"""Two application nodes, one city (issue 14): `make cluster-test`.

    .venv/bin/python tools/cluster_test.py [--database-url postgres://postgres@127.0.0.1:5432/cchc_cluster]
        [--ports 8611,8612] [--redis-url redis://127.0.0.1:6379] [--redis-dbs 13,14] [--users 200] [--signed-in 200]
        [--sign-in-concurrency 4]

It makes a fresh PostgreSQL database (cchc_cluster, dropped and made again), starts SeaweedFS on loopback (its S3
API, one private bucket; tools/seaweedfs.py), empties its two Redis databases (the job queue and the shared cache;
only those two: the Redis server itself is already running and stays so), then starts, with production settings
and the same environment, two gunicorn nodes (ports 8611 and 8612) and ONE Celery worker. Each process has its own
local temporary folders and its own e-mail folder (the file e-mail backend): a file found through the other node
can only have come from the bucket, and an e-mail in the worker's folder was sent by the worker. Then it proves,
printing figures, and exits non-zero at the first failure:

1. both nodes are ready (/readyz: database, Redis, storage and the queue reachable);
2. evidence uploaded through node A downloads through node B byte for byte (and through A), and is an object of
   the bucket, not a file of either node's folder;
3. the published 2025 period serves identical public pages (their main part) and identical downloads (CSV, XLSX,
   JSON, PDF) through both nodes, the files stored in the bucket;
4. the cache is shared: the provisional ranking of 2026 that Home Affairs opens through A is one key of the
   Redis cache, and B serves the same page;
5. a period published through A (a corrected 2025, by Home Affairs in the admin, second factor included) has its
   four files built by the WORKER: its job is handed to the queue, the worker's log says the task succeeded, the
   files exist before anyone asks for them, and both nodes serve those very bytes;
6. an e-mail (a password reset asked through B) is recorded, sent by the worker (its record says sent, the message
   is in the worker's folder with the request's id) and by no node;
7. the daily reminders task, sent to the worker twice (as beat would), sends each reminder once: the first run
   records them and their e-mails in the outbox, each e-mail then sent by its own job on the worker (record
   sent, job handed over, message in the worker's folder); the second sends, records and queues nothing;
8. 200 simulated people, half on each node, every one a unit person with their own account, all signed in with
   the production password hasher (PBKDF2, 1,000,000 iterations: about half a second of CPU a sign-in, so 200
   sign-ins are a minute or more of a 2-core machine on their own). They sign in first, spread in time: at most
   --sign-in-concurrency at once (default 4, one per gunicorn worker), within --sign-in-seconds, 0 errors; the
   sign-ins per second, their 50th and 95th percentile per node are printed beside the anchor: one hash of the
   same hasher measured in this process at the same time (median of 3). Then, with their sessions, within 60
   seconds and with 0 errors, each opens their assessment and one of its fields and reads the public results
   (index, the period, a unit, the CSV download); throughput and 95th percentile printed per node, beside the
   95th percentile of /healthz (no database) asked by each person at the same moments: the anchor.
   (--signed-in N signs in only N of them; the others are then citizens reading the public results.)

It stops everything it started (both nodes, the worker, SeaweedFS) by their process ids, empties its two Redis
databases and drops its database. Ports, database and Redis databases are arguments, so that two runs on one
machine do not meet. The scheduler (celery beat) is not started: the reminders are sent as beat sends them, by
the task's name.
"""

import argparse
import concurrent.futures
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from email import message_from_bytes
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.seaweedfs import SeaweedFS  # noqa: E402
from tools.servers import recreate_database, stop_process, wait_until_answers  # noqa: E402

BUCKET = "cchc-cluster"
PASSWORD = "cluster-" + secrets.token_hex(8)
BUILD_FILES = "assessment.tasks.build_publication_files"
SEND_EMAIL = "assessment.tasks.send_email"
SEND_REMINDERS = "assessment.tasks.send_reminders"

PREPARE = """
import json
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Role, User
from assessment.models import Adjustment, Assessment, Criterion, Period, PublishedUnit, Score
from assessment.services.results import adjustment_save

for username in ("canbo", "noivu"):
    person = User.objects.get(username=username)
    person.set_password({password!r})
    person.save(update_fields=["password"])
# The demo: 2026 open for self-assessment, 2025 published (Home Affairs published it when the demo was loaded).
assessment = Assessment.objects.get(period__year=2026, unit__memberships__user__username="canbo")
score = Score.objects.filter(assessment=assessment, criterion__method="appraisal").order_by("criterion__code").first()
units = list(PublishedUnit.objects.filter(publication__period__year=2025).values_list("unit_code", flat=True)[:3])
# The 2026 self-assessment closes in 7 days: the reminders' schedule (14, 7, 3, 1 days before) has some due today.
Period.objects.filter(year=2026).update(self_assessment_closes=timezone.localdate() + timedelta(days=7))
# The simulated unit people: one account (no e-mail) in each of the first units assessed in 2026, one password hash.
# When there are more people than units, units get several people (round robin).
hashed = make_password({password!r})
people = []
rows = list(Assessment.objects.filter(period__year=2026).order_by("unit__code").values("id", "unit_id", "framework_id"))
for number in range({signed_in}):
    row = rows[number % len(rows)]
    user = User.objects.create(username=f"cum{{number:03d}}", password=hashed, full_name=f"Cán bộ cụm {{number}}")
    Membership.objects.create(user=user, role=Role.UNIT_STAFF, unit_id=row["unit_id"])
    fields = list(
        Criterion.objects.filter(framework_id=row["framework_id"], parent__isnull=True, method="")
        .order_by("order")
        .values_list("code", flat=True)[:2]
    ) or [""]
    people.append([user.username, row["id"], fields[-1]])
# A penalty entered for 2025 after its publication: the corrected version published in the test differs from it.
corrected = Assessment.objects.filter(period__year=2025, adjustments__isnull=True).order_by("unit__code").first()
adjustment_save(
    adjustment=Adjustment(
        assessment=corrected,
        criterion=Criterion.objects.filter(framework=corrected.framework, method="penalty").order_by("code").first(),
        points=Decimal("0.50"),
        reason="Chậm báo cáo (kiểm thử hai nút)",
        decision_reference="98/QĐ-UBND",
    ),
    actor=User.objects.get(username="noivu"),
)
key = TOTPDevice.objects.get(user__username="noivu", confirmed=True).bin_key.hex()
print(
    json.dumps(
        {{
            "assessment": assessment.pk,
            "score": score.pk,
            "units": units,
            "people": people,
            "otp_key": key,
            "periods": dict((str(year), pk) for pk, year in Period.objects.values_list("pk", "year")),
            "canbo_email": User.objects.get(username="canbo").email,
        }}
    )
)
"""


class Cluster:
    """What the run started, for the proofs and for the stop at the end."""

    def __init__(self, args, scratch: Path, seaweedfs: SeaweedFS):
        self.args, self.scratch, self.seaweedfs = args, scratch, seaweedfs
        self.ports = dict(zip("AB", args.ports, strict=True))
        self.bases = {node: f"http://127.0.0.1:{port}" for node, port in self.ports.items()}
        self.processes: dict[str, subprocess.Popen] = {}
        self.worker_log = scratch / "worker.log"
        self.database = None

    def redis_url(self, db: int) -> str:
        return f"{self.args.redis_url.rstrip('/')}/{db}"

    def env(self, name: str, *, jobs: bool = True) -> dict:
        """One process's environment: the same for all (production settings), but its own local folders."""
        env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL")}
        own = self.scratch / name
        for folder in ("tmp", "mail", "private"):
            (own / folder).mkdir(parents=True, exist_ok=True)
        env.update(
            DEBUG="0",
            SECRET_KEY=self.args.secret_key,
            ALLOWED_HOSTS="127.0.0.1",
            CSRF_TRUSTED_ORIGINS=",".join(self.bases.values()),
            SITE_URL=self.bases["A"],
            DATABASE_URL=self.args.database_url,
            HTTPS="0",
            STATIC_ROOT=str(self.scratch / "static"),
            PRIVATE_MEDIA_ROOT=str(own / "private"),
            TMPDIR=str(own / "tmp"),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(own / "mail"),
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="INFO" if name == "worker" else "WARNING",
            **self.seaweedfs.environment(BUCKET),
        )
        if jobs:  # the loading of the demo (jobs=False) runs its jobs in its own process, as `make run` does
            env.update(
                CELERY_BROKER_URL=self.redis_url(self.args.redis_dbs[0]),
                REDIS_CACHE_URL=self.redis_url(self.args.redis_dbs[1]),
                CACHE_KEY_PREFIX="cchc-cluster",
            )
        return env

    def mails(self, name: str) -> list:
        """The messages the file e-mail backend wrote in one process's folder (a file holds one or more)."""
        found = []
        for path in sorted((self.scratch / name / "mail").glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(message_from_bytes(chunk.strip()))
        return found

    def query(self, sql: str, *parameters) -> list[tuple]:
        import psycopg

        if self.database is None:
            self.database = psycopg.connect(self.args.database_url, autocommit=True)
        return self.database.execute(sql, parameters).fetchall()

    def flush_redis(self) -> None:
        import redis

        for db in self.args.redis_dbs:
            redis.Redis.from_url(self.redis_url(db)).flushdb()

    def redis_keys(self, pattern: str) -> list[str]:
        import redis

        connection = redis.Redis.from_url(self.redis_url(self.args.redis_dbs[1]))
        return sorted(key.decode() for key in connection.scan_iter(match=pattern))

    def start(self, name: str, command: list[str], log: Path | None = None) -> None:
        output = open(log, "ab") if log else None  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env("worker" if name == "worker" else name),
            start_new_session=True,  # its own process group: stopped as a whole, by its id
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )

    def start_node(self, node: str) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.start(
            node,
            [gunicorn, "cchc.wsgi:application", f"--bind=127.0.0.1:{self.ports[node]}", "--workers=2"]
            + ["--log-level=warning", "--timeout=120", f"--control-socket={self.scratch / node / 'gunicorn.ctl'}"],
        )

    def start_worker(self) -> None:
        celery = str(Path(sys.executable).parent / "celery")
        self.start(
            "worker",
            [celery, "-A", "cchc", "worker", "-Q", "cchc", "--concurrency=2", "--loglevel=INFO", "-n", "cluster@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            log=self.worker_log,
        )

    def worker_said(self, text: str) -> bool:
        return text in self.worker_log.read_text(errors="replace") if self.worker_log.exists() else False

    def wait_for_worker(self, text: str, what: str, timeout: float = 90) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            process = self.processes["worker"]
            if process.poll() is not None:
                raise SystemExit(f"FAILED: the worker stopped (exit {process.returncode}) before {what}")
            if self.worker_said(text):
                return time.perf_counter() - started
            time.sleep(0.2)
        raise SystemExit(f"FAILED: the worker did not log {what} within {timeout:.0f} s")

    def wait_for_node(self, node: str) -> None:
        wait_until_answers(self.processes[node], f"{self.bases[node]}/readyz", seconds=120, what=f"node {node}")

    def stop_all(self) -> None:
        for process in self.processes.values():
            stop_process(process)
        if self.database is not None:
            self.database.close()


def run(command: list[str], env: dict) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok   {message}", flush=True)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client.get("/accounts/login/").text)
    response = client.post(
        "/accounts/login/", data={"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    if response.status_code != 302 or "/accounts/login/" in response.headers.get("location", ""):
        raise SystemExit(f"{username} could not sign in on {client.base_url}")


def totp(key_hex: str, at: float | None = None) -> str:
    """The 6-digit code of a TOTP device (RFC 6238: HMAC-SHA1, 30-second steps), as an authenticator app shows."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def sign_in_home_affairs(client: httpx.Client, key_hex: str) -> str:
    """noivu signs in with the password, then the second factor (the code of the demo's authenticator, usable
    once: the session is then shared by the nodes); the session's cookie."""
    sign_in(client, "noivu")
    page = client.get("/accounts/otp/verify/")
    response = client.post(
        "/accounts/otp/verify/", data={"csrfmiddlewaretoken": csrf_token(page.text), "token": totp(key_hex)}
    )
    if response.status_code != 302:
        raise SystemExit(f"noivu's second factor was refused on {client.base_url} ({response.status_code})")
    return client.cookies.get("sessionid")


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def main_part(page: str) -> str:
    """The page's own part: the header around it carries a CSRF token drawn for each response."""
    found = re.search(r"<main\b.*?</main>", page, re.S)
    if found is None:
        raise SystemExit("no <main> on the page")
    return found.group(0)


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


def prove_ready(cluster: Cluster) -> None:
    for node, base in cluster.bases.items():
        alive, ready = httpx.get(f"{base}/healthz", timeout=10), httpx.get(f"{base}/readyz", timeout=10)
        check(
            (alive.status_code, ready.status_code) == (200, 200),
            f"node {node}: /healthz and /readyz answer 200 ({', '.join(ready.json()['checks'])} reachable)",
        )


def prove_shared_cache(cluster: Cluster, prepared: dict) -> None:
    path = f"/admin/assessment/period/{prepared['periods']['2026']}/results/"
    seen = {}
    for node, base in cluster.bases.items():  # one session (signed in on A): the database holds it for both
        with httpx.Client(base_url=base, timeout=60, cookies={"sessionid": prepared["home_affairs"]}) as client:
            started = time.perf_counter()
            seen[node] = client.get(path)
            seen[node + "-seconds"] = time.perf_counter() - started
            if node == "A":
                keys = cluster.redis_keys("cchc-cluster:*provisional-results:*")
    check((seen["A"].status_code, seen["B"].status_code) == (200, 200), "Home Affairs opens the 2026 ranking on both")
    check(len(keys) == 1 and f":{prepared['periods']['2026']}:" in keys[0], f"A kept it in Redis ({keys[:1]})")
    check(main_part(seen["A"].text) == main_part(seen["B"].text), "B serves the same provisional ranking")
    public = cluster.redis_keys("cchc-cluster:*")
    print(
        f"     provisional ranking: computed by A {seen['A-seconds'] * 1000:.0f} ms, read from the cache by B "
        f"{seen['B-seconds'] * 1000:.0f} ms; {len(public)} keys in the shared cache"
    )


def prove_worker_publication(cluster: Cluster, prepared: dict) -> None:
    period = prepared["periods"]["2025"]
    path = f"/admin/assessment/period/{period}/publish/"
    session = {"sessionid": prepared["home_affairs"]}
    with httpx.Client(base_url=cluster.bases["A"], timeout=120, cookies=session) as client:
        page = client.get(path)
        check(page.status_code == 200, "Home Affairs opens the publication of 2025 on A (a corrected version)")
        started = time.perf_counter()
        response = client.post(
            path,
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "decision_number": "99/QĐ-UBND",
                "decision_date": date.today().strftime("%d/%m/%Y"),
                "reason": "Bản đính chính: kiểm thử hai nút",
                "confirm": "1",
            },
        )
        publish_seconds = time.perf_counter() - started
    errors = re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.text, re.S)
    check(response.status_code == 302, f"A published it ({response.status_code} {errors}, {publish_seconds:.1f} s)")
    ((publication, version),) = cluster.query(
        "SELECT id, version FROM assessment_publication WHERE period_id = %s ORDER BY version DESC LIMIT 1", period
    )
    jobs = cluster.query(
        "SELECT task_id, state FROM assessment_job WHERE task = %s AND arguments = %s::jsonb",
        BUILD_FILES,
        json.dumps([publication]),
    )
    check(len(jobs) == 1 and jobs[0][1] == "sent", f"its job was handed to the queue (version {version}, {jobs})")
    built = cluster.wait_for_worker(f"[{jobs[0][0]}] succeeded", "the build of the publication files")
    files = dict(
        cluster.query(
            "SELECT format, sha256 FROM assessment_publicationfile WHERE publication_id = %s AND file <> ''",
            publication,
        )
    )
    check(sorted(files) == ["csv", "json", "pdf", "xlsx"], f"the worker built the 4 files in {built:.1f} s")
    for file_format, digest in sorted(files.items()):
        url = f"/results/2025/download.{file_format}"
        seen = {node: httpx.get(f"{base}{url}", timeout=120) for node, base in cluster.bases.items()}
        check(
            all(r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == digest for r in seen.values()),
            f"{url}: A and B serve the worker's {len(seen['A'].content):,} bytes",
        )
    check(not cluster.worker_said("Traceback"), "the worker logged no error")


def prove_email(cluster: Cluster, prepared: dict) -> None:
    with httpx.Client(base_url=cluster.bases["B"], timeout=60) as client:
        page = client.get("/accounts/password_reset/")
        response = client.post(
            "/accounts/password_reset/",
            data={"csrfmiddlewaretoken": csrf_token(page.text), "email": prepared["canbo_email"]},
        )
    check(response.status_code == 302, "a password reset is asked through B")
    rows = cluster.query("SELECT id, task_id, request_id FROM assessment_emailsend ORDER BY id DESC LIMIT 1")
    check(len(rows) == 1 and rows[0][2] != "", f"the e-mail is recorded (request {rows[0][2] if rows else '-'})")
    email_id, task_id, request_id = rows[0]
    sent = cluster.wait_for_worker(f"[{task_id}] succeeded", "the e-mail's task")
    ((state, attempts),) = cluster.query("SELECT state, attempts FROM assessment_emailsend WHERE id = %s", email_id)
    check((state, attempts) == ("sent", 1), f"the worker sent it in {sent:.1f} s (state {state}, {attempts} attempt)")
    by_worker = [m for m in cluster.mails("worker") if m["X-CCHC-Request-ID"] == request_id]
    check(
        len(by_worker) == 1 and by_worker[0]["To"] == prepared["canbo_email"],
        "the message is in the worker's mail folder, to the person, with the request's id",
    )
    check(cluster.mails("A") == [] and cluster.mails("B") == [], "no node sent an e-mail itself")


def send_reminders(cluster: Cluster) -> dict:
    """The beat entry's task, sent by name to the queue (what `celery beat` does each day at REMINDERS_HOUR)."""
    celery = str(Path(sys.executable).parent / "celery")
    out = run([celery, "-A", "cchc", "call", SEND_REMINDERS, "--queue", "cchc"], cluster.env("A"))
    task_id = out.strip().splitlines()[-1].strip()
    cluster.wait_for_worker(f"[{task_id}] succeeded", "the reminders task")
    line = next(line for line in cluster.worker_log.read_text().splitlines() if f"[{task_id}] succeeded" in line)
    found = re.search(r"'sent': (\d+), 'already_sent': (\d+)", line.replace('\\"', '"'))
    if found is None:
        raise SystemExit(f"FAILED: the reminders task's outcome is not in the worker's log: {line}")
    return {"sent": int(found.group(1)), "already_sent": int(found.group(2))}


def reminder_e_mails(cluster: Cluster, after: int) -> tuple[int, int, int]:
    """The e-mails of the outbox recorded after the record ``after``: (recorded, sent, their jobs handed over)."""
    return cluster.query(
        "SELECT count(*), count(*) FILTER (WHERE e.state = 'sent'), count(j.id) FILTER (WHERE j.state = 'sent') "
        "FROM assessment_emailsend e LEFT JOIN assessment_job j ON j.task_id = e.task_id WHERE e.id > %s",
        after,
    )[0]


def prove_reminders(cluster: Cluster) -> None:
    before = len(cluster.mails("worker"))
    last_email = cluster.query("SELECT coalesce(max(id), 0) FROM assessment_emailsend")[0][0]
    started = time.perf_counter()
    first = send_reminders(cluster)
    first_seconds = time.perf_counter() - started
    records = cluster.query(
        'SELECT count(*), count(DISTINCT (period_id, "window", unit_id, "offset")) FROM assessment_remindersend'
    )[0]
    check(
        first["sent"] > 0 and first["already_sent"] == 0 and records == (first["sent"], first["sent"]),
        f"the first reminders run sends {first['sent']} reminders, each recorded once ({first_seconds:.1f} s)",
    )
    # each e-mail is a record of the outbox sent by its own job (send_email, with retries) on the worker
    waited = time.perf_counter()
    while reminder_e_mails(cluster, last_email)[1] < first["sent"] and time.perf_counter() - waited < 90:
        time.sleep(0.5)
    recorded, sent, handed = reminder_e_mails(cluster, last_email)
    mails = len(cluster.mails("worker")) - before
    check(
        recorded == sent == handed == mails == first["sent"],
        f"the worker sent {mails} reminder e-mails, one per reminder, each recorded in the outbox (sent) with its "
        f"job ({time.perf_counter() - started:.1f} s from the run to the last e-mail)",
    )
    again = send_reminders(cluster)
    check(
        again == {"sent": 0, "already_sent": first["sent"]},
        f"a second run sends nothing ({again['already_sent']} already sent)",
    )
    time.sleep(1)  # an e-mail wrongly queued by the second run would be sent by now
    check(
        cluster.query("SELECT count(*) FROM assessment_remindersend")[0][0] == first["sent"]
        and reminder_e_mails(cluster, last_email)[0] == first["sent"]
        and len(cluster.mails("worker")) - before == mails,
        "and records, queues and writes nothing more",
    )


class Load:
    """The simulated people: each one its own client (cookies), every request timed and checked."""

    def __init__(self, cluster: Cluster, prepared: dict, users: int, signed_in: int):
        self.cluster, self.prepared, self.users = cluster, prepared, users
        self.signed_in = min(signed_in, users, len(prepared["people"]))
        self.every = users / self.signed_in if self.signed_in else 0  # the members spread among the people
        self.members = {round(member * self.every): member for member in range(self.signed_in)}
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = {node: [] for node in cluster.bases}
        self.sign_ins: dict[str, list[float]] = {node: [] for node in cluster.bases}
        self.anchors: dict[str, list[float]] = {node: [] for node in cluster.bases}  # /healthz, the same moments
        self.login_pages: dict[str, list[float]] = {node: [] for node in cluster.bases}
        self.clients: dict[int, httpx.Client] = {}  # the people signed in, their sessions kept for the load
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def _get(self, client, node: str, path: str, expected=(200,), *, data=None, into=None) -> httpx.Response | None:
        if self.stopping.is_set():
            return None
        started = time.perf_counter()
        try:
            response = client.get(path) if data is None else client.post(path, data=data)
        except httpx.HTTPError as error:
            with self.lock:
                self.errors.append(f"{node} {path}: {type(error).__name__} {error}")
            return None
        seconds = time.perf_counter() - started
        with self.lock:
            (into or self.timings)[node].append(seconds)
            if response.status_code not in expected:
                self.errors.append(f"{node} {path}: {response.status_code}")
                return None
        return response

    @staticmethod
    def node(number: int) -> str:
        return "AB"[number % 2]

    def sign_in(self, number: int) -> None:
        """One unit person signs in on their node with the production hasher; their session is kept."""
        node, member = self.node(number), self.members[number]
        username = self.prepared["people"][member][0]
        client = httpx.Client(base_url=self.cluster.bases[node], timeout=60)
        with self.lock:
            self.clients[number] = client
        page = self._get(client, node, "/accounts/login/", into=self.login_pages)
        if page is None:
            return
        data = {"csrfmiddlewaretoken": csrf_token(page.text), "username": username, "password": PASSWORD}
        signed = self._get(client, node, "/accounts/login/", (302,), data=data, into=self.sign_ins)
        if signed is None or "/accounts/login/" in signed.headers.get("location", ""):
            with self.lock:
                self.errors.append(f"{node}: {username} could not sign in")

    def person(self, number: int) -> None:
        node = self.node(number)
        units = self.prepared["units"]
        client = self.clients.get(number)
        if client is None:  # a citizen
            client = httpx.Client(base_url=self.cluster.bases[node], timeout=30)
            with self.lock:
                self.clients[number] = client  # closed with the others at the end
        if number in self.members:
            _, assessment, field = self.prepared["people"][self.members[number]]
            self._get(client, node, f"/assessments/{assessment}/")
            self._get(client, node, f"/assessments/{assessment}/?field={field}")
        self._get(client, node, "/healthz", into=self.anchors)
        for path in ("/results/", "/results/2025/", f"/results/2025/{units[number % len(units)]}/"):
            self._get(client, node, path)
        self._get(client, node, "/results/2025/download.csv")

    def _pool(self, work, numbers: list[int], concurrency: int, limit: float, what: str) -> float:
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = [pool.submit(work, number) for number in numbers]
            done, waiting = concurrent.futures.wait(futures, timeout=limit)
            if waiting:
                self.stopping.set()
                for future in waiting:
                    future.cancel()
        elapsed = time.perf_counter() - started
        for future in done:
            if future.exception() is not None:
                self.errors.append(f"{type(future.exception()).__name__}: {future.exception()}")
        if waiting:
            self.errors.append(f"{len(waiting)} {what} were not done within {limit:.0f} s")
        return elapsed

    def sign_in_all(self, concurrency: int, limit: float) -> float:
        return self._pool(self.sign_in, sorted(self.members), concurrency, limit, "sign-ins")

    def run(self, concurrency: int, limit: float) -> float:
        return self._pool(self.person, list(range(self.users)), concurrency, limit, "people")

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))] if ordered else 0.0


def hash_seconds() -> float:
    """One password hash of the production hasher (Django's PBKDF2-SHA256 and its iterations), in this process."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    started = time.perf_counter()
    hasher.encode(PASSWORD, hasher.salt())
    return time.perf_counter() - started


def prove_sign_ins(load: Load, args) -> dict:
    """Every member signs in, spread in time (a few at once), while this process measures the anchor beside."""
    anchors: list[float] = []
    done = threading.Event()

    def anchor():
        while not done.is_set() and len(anchors) < 3:
            anchors.append(hash_seconds())
            done.wait(5)

    measuring = threading.Thread(target=anchor)
    measuring.start()
    try:
        elapsed = load.sign_in_all(args.sign_in_concurrency, args.sign_in_seconds)
    finally:
        done.set()
        measuring.join()
    anchor_ms = percentile(anchors, 0.5) * 1000
    every = [seconds for node in load.sign_ins for seconds in load.sign_ins[node]]
    figures = {"seconds": elapsed, "anchor_ms": anchor_ms}
    for node in load.sign_ins:
        timings = load.sign_ins[node]
        figures[node] = {"sign_ins": len(timings), "p95_ms": percentile(timings, 0.95) * 1000}
        print(
            f"     node {node}: {len(timings)} sign-ins, p50 {percentile(timings, 0.5) * 1000:.0f} ms, "
            f"p95 {figures[node]['p95_ms']:.0f} ms (ratio to the anchor {figures[node]['p95_ms'] / anchor_ms:.1f})"
        )
    for error in load.errors[:10]:
        print(f"     error: {error}")
    check(
        load.errors == [] and len(every) == load.signed_in,
        f"{load.signed_in} people sign in with the production hasher, half on each node, at most "
        f"{args.sign_in_concurrency} at once, in {elapsed:.1f} s = {len(every) / elapsed:.1f}/s: "
        f"{len(load.errors)} errors; anchor: one PBKDF2 hash here {anchor_ms:.0f} ms (median of {len(anchors)})",
    )
    return figures


def prove_load(cluster: Cluster, prepared: dict, args) -> dict:
    load = Load(cluster, prepared, args.users, args.signed_in)
    try:
        figures = {"sign_in": prove_sign_ins(load, args)} if load.signed_in else {}
        elapsed = load.run(args.concurrency, args.load_seconds)
    finally:
        load.close()
    for node in cluster.bases:
        timings = load.timings[node]
        figures[node] = {
            "requests": len(timings),
            "per_second": len(timings) / elapsed,
            "p95_ms": percentile(timings, 0.95) * 1000,
            "anchor_p95_ms": percentile(load.anchors[node], 0.95) * 1000,
        }
        print(
            f"     node {node}: {args.users // 2 + (args.users % 2 if node == 'A' else 0)} people, "
            f"{len(timings)} requests in {elapsed:.1f} s = {figures[node]['per_second']:.1f}/s, "
            f"p50 {percentile(timings, 0.5) * 1000:.0f} ms, p95 {figures[node]['p95_ms']:.0f} ms; anchor /healthz "
            f"p95 {figures[node]['anchor_p95_ms']:.0f} ms"
        )
    for error in load.errors[:10]:
        print(f"     error: {error}")
    check(
        load.errors == [],
        f"{args.users} people ({load.signed_in} signed in), half on each node, in {elapsed:.1f} s: "
        f"{len(load.errors)} errors",
    )
    return figures


def integers(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cchc_cluster")
    parser.add_argument("--ports", type=integers, default=[8611, 8612], help="nodes A and B (default 8611,8612)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379", help="the running Redis server")
    parser.add_argument(
        "--redis-dbs", type=integers, default=[13, 14], help="its databases for the queue and the cache (13,14)"
    )
    parser.add_argument("--users", type=int, default=200, help="simulated people (half on each node)")
    parser.add_argument("--signed-in", type=int, default=200, help="how many of them sign in (unit people)")
    parser.add_argument("--sign-in-concurrency", type=int, default=4, help="sign-ins at the same moment")
    parser.add_argument("--sign-in-seconds", type=float, default=300, help="the sign-ins' time limit")
    parser.add_argument("--concurrency", type=int, default=16, help="people at the same moment")
    parser.add_argument("--load-seconds", type=float, default=60, help="the load's time limit")
    args = parser.parse_args()
    if len(args.ports) != 2 or len(args.redis_dbs) != 2 or args.redis_dbs[0] == args.redis_dbs[1]:
        parser.error("--ports and --redis-dbs take two different numbers each")
    args.secret_key = secrets.token_urlsafe(50)
    if shutil.which("pg_isready") and subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
    scratch = Path(tempfile.mkdtemp(prefix="cchc-cluster-"))
    seaweedfs = SeaweedFS.on_free_ports()
    cluster = Cluster(args, scratch, seaweedfs)
    started = time.perf_counter()
    steps = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = now - since
        return now

    try:
        seaweedfs.start()
        seaweedfs.bucket(BUCKET)
        print(f"SeaweedFS S3 on {seaweedfs.endpoint}, bucket {BUCKET}", flush=True)
        cluster.flush_redis()
        recreate_database(args.database_url)
        setup = cluster.env("setup", jobs=False)
        manage = [sys.executable, "manage.py"]
        mark = time.perf_counter()
        static = subprocess.Popen(  # needs no database: beside the migration and the demo
            [*manage, "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=setup, stdout=subprocess.DEVNULL
        )
        run([*manage, "migrate", "-v", "0"], setup)
        run([*manage, "load_demo", "--force"], setup)
        if static.wait() != 0:
            raise SystemExit("collectstatic failed")
        code = PREPARE.format(password=PASSWORD, signed_in=args.signed_in)
        out = run([*manage, "shell", "-v", "0", "--no-imports", "-c", code], setup)
        prepared = json.loads(out.strip().splitlines()[-1])
        mark = step("database, demo, static files", mark)
        cluster.start_worker()
        for node in cluster.ports:
            cluster.start_node(node)
        for node in cluster.ports:
            cluster.wait_for_node(node)
        cluster.wait_for_worker(" ready.", "that it is ready")
        mark = step("nodes and worker started", mark)
        print(
            f"nodes A {cluster.bases['A']} and B {cluster.bases['B']}, one worker (Redis dbs "
            f"{args.redis_dbs[0]} queue, {args.redis_dbs[1]} cache) ready after {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        prove_ready(cluster)
        prove_evidence(prepared, cluster.bases, seaweedfs, scratch)
        prove_publication(prepared, cluster.bases, seaweedfs)
        mark = step("evidence and publication through both", mark)
        with httpx.Client(base_url=cluster.bases["A"], timeout=60) as client:
            prepared["home_affairs"] = sign_in_home_affairs(client, prepared["otp_key"])
        check(bool(prepared["home_affairs"]), "Home Affairs signs in on A, second factor included")
        prove_shared_cache(cluster, prepared)
        prove_worker_publication(cluster, prepared)
        prove_email(cluster, prepared)
        prove_reminders(cluster)
        mark = step("cache, worker, e-mail, reminders", mark)
        prove_load(cluster, prepared, args)
        step(f"{args.users} people", mark)
        print("     " + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()))
        print(f"cluster test passed in {time.perf_counter() - started:.1f} s")
    finally:
        cluster.stop_all()
        seaweedfs.stop()
        cluster.flush_redis()
        recreate_database(args.database_url, drop_only=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
