"""Load test of issue 12, on loopback only, bounded in time and requests, stopping by itself.

    .venv/bin/python tools/loadtest.py [--quick] [--users 200] [--workers 4] [--latency-seconds 180]
    (make loadtest)

It creates a fresh PostgreSQL database (DROP/CREATE of --database-url's database, cchc_loadtest by default;
PostgreSQL is started if it does not answer), migrates it, loads the demo, gives --users unit staff each their
own (unit, field) of the open 2026 self-assessment (the demo has published 2023–2025), collects the static
files and starts gunicorn with production settings (DEBUG=0, persistent connections; HTTPS=0 because it is plain
loopback) plus one minimal view (/-/ping/, tools/loadtest_urls.py). Then, each against that minimal view
driven by the same client in the same run:

(a) capacity: the users sign in once, then loop without pause: open their field page, save it (a changed note,
    with the page's CSRF token), and every third loop open the summary;
(b) latency at the rush: the same users and flow, pausing a random 5-15 s between actions;
(c) anonymous readers of the published ranking and unit pages, closed loop.

It prints a table: requests, throughput, p50/p95, errors and the ratio to the minimal view. Unit staff sign in
with a password only (the second factor is for those who grade and publish).
"""

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-" + secrets.token_hex(8)
MAX_REQUESTS = 500_000  # a hard bound over the whole run, whatever the durations


# -- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(args, port: int, scratch: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
        DATABASE_URL=args.database_url,
        HTTPS="0",
        STATIC_ROOT=str(scratch / "static"),
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        DJANGO_SETTINGS_MODULE="tools.loadtest_settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def run(command: list[str], env: dict) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(url: str) -> None:
    import psycopg

    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        clusters = os.listdir("/etc/postgresql")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "start"], check=True)
        for _ in range(30):
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
                break
            time.sleep(1)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name {name!r}")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


PREPARE = """
import json
from django.contrib.auth.hashers import make_password
from accounts.models import Membership, Role, User
from assessment.models import Assessment, Criterion, PublishedUnit

users = int({users})
password = make_password({password!r})  # one hash for all: the sign-ins still check it at full cost
pairs = []
for assessment in Assessment.objects.filter(period__year=2026).select_related("unit").order_by("unit__code"):
    fields = sorted(set(Criterion.objects.filter(framework=assessment.framework_id, method="appraisal")
                        .values_list("field_code", flat=True)), key=lambda code: int(code))
    pairs.extend((assessment, code) for code in fields)
if len(pairs) < users:
    raise SystemExit(f"only {{len(pairs)}} (unit, field) pairs for {{users}} users")
pairs = pairs[::max(1, len(pairs) // users)][:users]
people = User.objects.bulk_create(
    User(username=f"load{{number:03d}}", full_name=f"Cán bộ thử tải {{number}}", email=f"load{{number}}@example.org",
         password=password)
    for number in range(users)
)
Membership.objects.bulk_create(
    Membership(user=person, role=Role.UNIT_STAFF, unit=assessment.unit)
    for person, (assessment, _code) in zip(people, pairs)
)
units = list(PublishedUnit.objects.filter(publication__period__year=2023).values_list("unit_code", flat=True))
chosen = [[person.username, assessment.pk, code] for person, (assessment, code) in zip(people, pairs)]
print(json.dumps({{"users": chosen, "units": units}}))
"""


def prepare(args, env) -> dict:
    import json

    fresh_database(args.database_url)
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "-v", "0"], env)
    run([*manage, "load_demo", "--force"], env)
    run([*manage, "collectstatic", "--no-input", "-v", "0"], env)
    out = run([*manage, "shell", "-v", "0", "-c", PREPARE.format(users=args.users, password=PASSWORD)], env)
    return json.loads(out.strip().splitlines()[-1])


def start_server(args, env, port: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cchc.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/ping/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not answer within a minute")


# -- the client ------------------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of the first form whose action contains ``marker``, as a browser would post them."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.action, self.inside, self.fields = marker, None, False, []
        self._select, self._textarea, self._first_option = None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None and self.marker in (attrs.get("action") or ""):
            self.action, self.inside = attrs["action"], True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append([name, attrs.get("value", "on")])
            elif kind not in ("submit", "button", "file"):
                self.fields.append([name, attrs.get("value", "")])
        elif tag == "select" and name and "disabled" not in attrs:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self.fields.append([self._select, attrs.get("value", "")])
                self._select = None
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.append([self._select, self._first_option or ""])
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


@dataclass
class Record:
    samples: list = field(default_factory=list)  # (finished at, seconds, ok)
    problems: dict = field(default_factory=dict)

    def add(self, started: float, ok: bool, problem: str = ""):
        now = time.perf_counter()
        self.samples.append((now, now - started, ok))
        if not ok:
            self.problems[problem] = self.problems.get(problem, 0) + 1


class Budget:
    def __init__(self, seconds: float):
        self.ends = time.perf_counter() + seconds
        self.started = time.perf_counter()

    def open(self, record: Record) -> bool:
        return time.perf_counter() < self.ends and len(record.samples) < MAX_REQUESTS


async def timed(client, record: Record, method: str, url: str, expect: int, **kwargs):
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        record.add(started, False, type(error).__name__)
        return None
    ok = response.status_code == expect
    record.add(started, ok, f"{method} {url.split('?')[0]} → {response.status_code}")
    return response if ok else None


async def sign_in(client, username: str) -> bool:
    page = await client.get("/accounts/login/")
    reader = FormReader("")
    reader.feed(page.text)
    token = dict(reader.fields)["csrfmiddlewaretoken"]
    data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    response = await client.post("/accounts/login/", data=data)
    return response.status_code == 302 and "/accounts/login/" not in response.headers.get("location", "")


def summary(label: str, record: Record, seconds: float, anchor: float | None = None) -> list[str]:
    latencies = sorted(sample[1] for sample in record.samples)
    errors = sum(1 for sample in record.samples if not sample[2])
    count = len(latencies)
    rate = count / seconds if seconds else 0
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p95 = latencies[int(0.95 * (count - 1))] * 1000 if latencies else 0
    ratio = f"{100 * rate / anchor:.1f} %" if anchor else ""
    return [label, str(count), f"{rate:.1f}", f"{p50:.0f}", f"{p95:.0f}", str(errors), ratio]


class Phase:
    """Users that sign in (not timed) and then loop until the phase's time is up."""

    def __init__(self, base: str, seconds: float):
        self.base, self.seconds = base, seconds

    async def staff(self, users, think) -> tuple[Record, float, float]:
        record = Record()
        signed = asyncio.Event()
        go = asyncio.Event()
        budget = Budget(10**9)
        ready = 0

        async def one(user):
            nonlocal ready
            username, assessment, code = user
            # 200 sign-ins at once queue behind each other's password hashing: a long timeout (not timed).
            async with httpx.AsyncClient(base_url=self.base, timeout=600) as client:
                try:
                    ok = await sign_in(client, username)
                except (httpx.HTTPError, KeyError) as error:
                    ok, problem = False, f"sign-in: {type(error).__name__}"
                else:
                    problem = "sign-in refused"
                ready += 1
                if ready == len(users):
                    signed.set()
                await go.wait()
                if not ok:
                    record.add(time.perf_counter(), False, problem)
                    return
                await staff_loop(client, user, budget, record, think)

        began = time.perf_counter()
        tasks = [asyncio.create_task(one(user)) for user in users]
        await signed.wait()
        signing = time.perf_counter() - began
        budget.ends = time.perf_counter() + self.seconds
        go.set()
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        return record, time.perf_counter() - started, signing

    async def anonymous(self, clients: int, paths: list[str]) -> tuple[Record, float]:
        record = Record()
        budget = Budget(self.seconds)

        async def one(offset):
            async with httpx.AsyncClient(base_url=self.base, timeout=120) as client:
                turn = offset
                while budget.open(record):
                    await timed(client, record, "GET", paths[turn % len(paths)], 200)
                    turn += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(number) for number in range(clients)))
        return record, time.perf_counter() - started


async def staff_loop(client, user, budget: Budget, record: Record, think):
    username, assessment, code = user
    loop = 0
    while budget.open(record):
        loop += 1
        page = await timed(client, record, "GET", f"/assessments/{assessment}/?field={code}", 200)
        if page is None:
            continue
        reader = FormReader(f"/fields/{code}/")
        reader.feed(page.text)
        notes = [item for item in reader.fields if item[0].endswith("note")]
        if reader.action is None or not notes:
            record.add(time.perf_counter(), False, "no editable field form")
            return
        notes[0][1] = f"Ghi chú thử tải {username} lần {loop}"
        if think:
            await asyncio.sleep(random.uniform(*think))
        form: dict[str, list[str]] = {}
        for name, value in reader.fields:
            form.setdefault(name, []).append(value)
        await timed(client, record, "POST", reader.action, 302, data=form)
        if loop % 3 == 0 and budget.open(record):
            if think:
                await asyncio.sleep(random.uniform(*think))
            await timed(client, record, "GET", f"/assessments/{assessment}/summary/", 200)
        if think:
            await asyncio.sleep(random.uniform(*think))


async def measure(args, base: str, prepared: dict) -> None:
    users = [tuple(user) for user in prepared["users"]]
    rows = []
    ping = Phase(base, args.capacity_seconds)
    print(f"(a) capacity: {len(users)} unit staff, no think time, {args.capacity_seconds:.0f} s …", flush=True)
    anchor, anchor_seconds = await ping.anonymous(len(users), ["/-/ping/"])
    anchor_rate = len(anchor.samples) / anchor_seconds
    rows.append(summary("minimal view (anchor)", anchor, anchor_seconds))
    record, seconds, signing = await Phase(base, args.capacity_seconds).staff(users, None)
    rows.append(summary("(a) unit staff, closed loop", record, seconds, anchor_rate))
    problems = dict(record.problems)
    print(f"    {len(users)} sign-ins took {signing:.1f} s (password hashing at full cost)", flush=True)
    print(f"(b) latency: think time 5-15 s, {args.latency_seconds:.0f} s …", flush=True)
    record, seconds, _signing = await Phase(base, args.latency_seconds).staff(users, (5, 15))
    rows.append(summary("(b) unit staff, 5-15 s think time", record, seconds, anchor_rate))
    problems.update(record.problems)
    print(f"(c) {len(users)} anonymous readers, {args.readers_seconds:.0f} s …", flush=True)
    paths = ["/results/2023/", *[f"/results/2023/{code}/" for code in prepared["units"]]]
    readers = Phase(base, args.readers_seconds)
    anchor2, anchor2_seconds = await readers.anonymous(len(users), ["/-/ping/"])
    anchor2_rate = len(anchor2.samples) / anchor2_seconds
    rows.append(summary("minimal view (anchor, again)", anchor2, anchor2_seconds))
    record, seconds = await readers.anonymous(len(users), paths[:1])
    rows.append(summary("(c) public ranking page", record, seconds, anchor2_rate))
    problems.update(record.problems)
    record, seconds = await readers.anonymous(len(users), paths[1:] or paths)
    rows.append(summary("(c) public unit pages", record, seconds, anchor2_rate))
    problems.update(record.problems)

    header = ["run", "requests", "req/s", "p50 ms", "p95 ms", "errors", "of anchor"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, ["-" * width for width in widths], *rows]:
        print(
            "  ".join(
                str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    if problems:
        print("\nerrors:", ", ".join(f"{name}: {count}" for name, count in sorted(problems.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cchc_loadtest")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--capacity-seconds", type=float, default=60)
    parser.add_argument("--latency-seconds", type=float, default=180)
    parser.add_argument("--readers-seconds", type=float, default=30)
    parser.add_argument("--quick", action="store_true", help="15 s phases and 30 s of latency: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.capacity_seconds, args.latency_seconds, args.readers_seconds = 15, 30, 10
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cchc-load-") as scratch:
        env = server_env(args, port, Path(scratch))
        started = time.perf_counter()
        prepared = prepare(args, env)
        print(f"fresh database, demo, {args.users} unit staff: {time.perf_counter() - started:.0f} s")
        server = start_server(args, env, port)
        try:
            print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}, production settings", flush=True)
            asyncio.run(measure(args, f"http://127.0.0.1:{port}", prepared))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
