"""Load test of issue 12, on loopback only, bounded in time and requests, stopping by itself.

    .venv/bin/python tools/loadtest.py [--quick] [--users 200] [--workers 4] [--rush-seconds 180]
    (make loadtest; LOADTEST_ARGS="--quick" for a short run)

It starts what it needs and stops all of it at the end, on an error or on Ctrl+C: a fresh PostgreSQL database
(DROP/CREATE of --database-url's database, cchc_loadtest by default, dropped again at the end; PostgreSQL itself
is started if it does not answer, and stopped again), the demo (2023-2025 published, 2026 open), --users unit
staff each with their own (unit, field) of the open 2026 self-assessment, one generated publication of a
5,000-unit block (year 2019), the static files, and gunicorn with production settings (DEBUG=0, persistent
database connections, HTTPS=0 because it is plain loopback) plus one minimal view (/-/ping/,
tools/loadtest_urls.py). The public pages use the shared Redis cache of --cache-url (redis://127.0.0.1:6379/3 by
default, this run's own key prefix, its keys removed at the end), or each worker's memory cache with --cache-url ''
or when Redis does not answer. --rows chooses the rows (all by default).

Each row is measured beside the minimal view driven by the same client in the same run (the anchor run just
before it, with the same number of users and the same pauses):

  capacity      the users (signed in once, before any row) loop without pause: open their field page, save it
                (a changed note, with the page's CSRF token), every third loop open the summary;
  rush          the same users and flow, pausing a random 5-15 s between actions (and before the first, so that
                they do not all start at the same instant), for --rush-seconds;
  public        --users anonymous readers, closed loop, on the newest published ranking page, then on its units'
                pages;
  5,000 units   page 1 of a 5,000-unit block's ranking, one reader: size and median time (the first, uncached
                rendering apart);
  field page    the field page of 100 leaves (manage.py benchmark_assessment_page, in process, on the same
                database) beside the minimal view.

It prints one table: the product's figures, the anchor's, the ratio, the goal and whether it is met.
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.servers import database_name, recreate_database, stop_process, wait_until_answers  # noqa: E402

PASSWORD = "load-test-" + secrets.token_hex(8)
MAX_REQUESTS = 400_000  # a hard bound over one row, whatever the durations
HOST = "127.0.0.1"  # loopback only: the server binds it and the client only talks to it
BIG_BLOCK_UNITS = 5000
BIG_BLOCK_YEAR = 2019


# -- pure helpers (unit-tested in tests/test_loadtest_tool.py) -----------------------------------------------


def percentile(values, fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``; 0 for none."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil(n * fraction), at least the first
    return ordered[int(min(rank, len(ordered))) - 1]


def table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, ["-" * width for width in widths], *rows]:
        cells = [
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


_TAG = re.compile(r"<(input|select|textarea|option|/select|/textarea)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s>]+)))?')


def _attrs(text: str) -> dict:
    from html import unescape

    return {
        match.group(1).lower(): unescape(match.group(2) or match.group(3) or match.group(4) or "")
        for match in _ATTR.finditer(text)
    }


def form_fields(html: str, marker: str) -> tuple[str | None, list[list[str]]]:
    """The action and the fields of the first form whose action contains ``marker``, as a browser would post
    them (checked boxes only, a select's selected option or its first, textareas' text); (None, []) if none.
    Regular expressions rather than a full parser: the client shares two cores with the server."""
    from html import unescape

    for form in re.finditer(r"<form\b([^>]*)>", html, re.IGNORECASE):
        action = _attrs(form.group(1)).get("action") or ""
        if marker in action:
            break
    else:
        return None, []
    end = html.find("</form>", form.end())
    body = html[form.end() : end if end != -1 else len(html)]
    fields: list[list[str]] = []
    select, first, chosen = None, None, None
    for tag in _TAG.finditer(body):
        kind, attrs = tag.group(1).lower(), _attrs(tag.group(2))
        name = attrs.get("name")
        if kind == "input" and name and "disabled" not in attrs:
            input_type = attrs.get("type", "text").lower()
            if input_type in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields.append([name, attrs.get("value", "on")])
            elif input_type not in ("submit", "button", "file", "reset", "image"):
                fields.append([name, attrs.get("value", "")])
        elif kind == "select" and name and "disabled" not in attrs:
            select, first, chosen = name, None, None
        elif kind == "option" and select:
            if first is None:
                first = attrs.get("value", "")
            if "selected" in attrs and chosen is None:
                chosen = attrs.get("value", "")
        elif kind == "/select" and select:
            fields.append([select, chosen if chosen is not None else (first or "")])
            select = None
        elif kind == "textarea" and name and "disabled" not in attrs:
            closing = body.find("</textarea>", tag.end())
            fields.append([name, unescape(body[tag.end() : closing]).removeprefix("\n")])
    return action, fields


@dataclass
class Record:
    """The requests of one row: (finished at, seconds, ok) each, and the errors by kind."""

    samples: list = field(default_factory=list)
    problems: dict = field(default_factory=dict)

    def add(self, started: float, ok: bool, problem: str = ""):
        now = time.perf_counter()
        self.samples.append((now, now - started, ok))
        if not ok:
            self.problems[problem] = self.problems.get(problem, 0) + 1

    @property
    def errors(self) -> int:
        return sum(1 for sample in self.samples if not sample[2])

    def rate(self, seconds: float) -> float:
        return len(self.samples) / seconds if seconds > 0 else 0.0

    def latency_ms(self, fraction: float) -> float:
        return 1000 * percentile([sample[1] for sample in self.samples], fraction)


def describe(record: Record, seconds: float) -> str:
    return (
        f"{record.rate(seconds):.1f} req/s, p50 {record.latency_ms(0.5):.0f} ms, p95 {record.latency_ms(0.95):.0f} ms, "
        f"{record.errors} err / {len(record.samples)}"
    )


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


# -- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(args, port: int, scratch: Path, prefix: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"{HOST},localhost",  # localhost: the in-process field page benchmark's test client
        CSRF_TRUSTED_ORIGINS=f"http://{HOST}:{port}",
        DATABASE_URL=args.database_url,
        CONN_MAX_AGE=str(args.conn_max_age),
        HTTPS="0",
        STATIC_ROOT=str(scratch / "static"),
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        DJANGO_SETTINGS_MODULE="tools.loadtest_settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    if args.cache_url:
        env.update(REDIS_CACHE_URL=args.cache_url, CACHE_KEY_PREFIX=prefix)
    return env


def run(command: list[str], env: dict, timeout: float = 900) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", HOST, "-q"]).returncode == 0


def start_postgres(stack: ExitStack) -> None:
    """Start the local PostgreSQL cluster if it does not answer, and stop it again at the end."""
    if pg_ready():
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    stack.callback(subprocess.run, ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop"])
    for _ in range(30):
        if pg_ready():
            return
        time.sleep(1)
    raise SystemExit("PostgreSQL did not answer within 30 s")


PREPARE = """
import json
from datetime import date
from decimal import Decimal
from django.contrib.auth.hashers import make_password
from accounts.models import Block, Membership, Role, Unit, User
from assessment.models import (Assessment, Criterion, Period, Publication, PublishedBlock, PublishedBlockField,
                               PublishedUnit)

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
newest = Publication.objects.order_by("-period__year", "-version").select_related("period").first()
units = list(PublishedUnit.objects.filter(publication=newest).values_list("unit_code", flat=True))

# A national-size block (issue 12): one publication of {big} units in one block, for the size of its pages.
size = int({big})
block = Block.objects.create(code="ca-nuoc-thu-tai", name="Khối thử tải quy mô cả nước", order=90)
made = Unit.objects.bulk_create(
    Unit(code=f"xa-thu-tai-{{number:04d}}", name=f"Ủy ban nhân dân xã Thử Tải Số {{number:04d}}", block=block)
    for number in range(size)
)
year = {year}
period = Period.objects.create(
    year=year, name=f"Chỉ số CCHC năm {{year}} (thử tải)", self_assessment_opens=date(year + 1, 1, 5),
    self_assessment_closes=date(year + 1, 1, 25), appraisal_closes=date(year + 1, 2, 15),
    explanation_opens=date(year + 1, 2, 16), explanation_closes=date(year + 1, 2, 25),
    council_date=date(year + 1, 3, 5), publication_date=date(year + 1, 3, 15),
)
publication = Publication.objects.create(
    period=period, version=1, decision_number="1/QĐ-THUTAI", decision_date=date(year + 1, 3, 15),
    published_at=newest.published_at, published_by=newest.published_by,
)
published = PublishedBlock.objects.create(
    publication=publication, block=block, name=block.name, order=1, average=Decimal("74.50"), units=size
)
PublishedBlockField.objects.bulk_create(
    PublishedBlockField(block=published, code=str(n), title=f"Lĩnh vực {{n}}", average=Decimal("7.45"), order=n)
    for n in range(1, 9)
)
PublishedUnit.objects.bulk_create(
    PublishedUnit(
        publication=publication, block=published, unit=unit, unit_code=unit.code, unit_name=unit.name,
        appraised=Decimal("50"), survey=Decimal("20"), bonus=Decimal("0"), penalty=Decimal("0"),
        total=Decimal("70"), maximum=Decimal("100"), index=Decimal(number % 4000) / 100 + 55,
        shown_index=Decimal(number % 4000) / 100 + 55, rank=number + 1,
    )
    for number, unit in enumerate(made)
)
chosen = [[person.username, assessment.pk, code] for person, (assessment, code) in zip(people, pairs)]
print(json.dumps({{"users": chosen, "year": newest.period.year, "units": units}}))
"""


def prepare(args, env) -> dict:
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "-v", "0"], env)
    run([*manage, "load_demo", "--force"], env)
    run([*manage, "collectstatic", "--no-input", "-v", "0"], env)
    script = PREPARE.format(users=args.users, password=PASSWORD, big=BIG_BLOCK_UNITS, year=BIG_BLOCK_YEAR)
    out = run([*manage, "shell", "-v", "0", "-c", script], env)
    return json.loads(out.strip().splitlines()[-1])


def start_server(args, env, port: int, stack: ExitStack) -> None:

    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "cchc.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    stack.callback(stop_server, server)
    wait_until_answers(server, f"http://{HOST}:{port}/-/ping/", seconds=60, what="gunicorn")


stop_server = stop_process  # the name the load test and its tests use


def redis_answers(url: str) -> bool:
    import redis

    if urlsplit(url).hostname not in (HOST, "localhost"):
        raise SystemExit(f"the load test only uses a cache on loopback, not {url!r}")
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def forget_cache(url: str, prefix: str) -> None:
    """Remove this run's keys from the shared cache (their prefix is this run's own)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


# -- the client ------------------------------------------------------------------------------------------------


class Budget:
    def __init__(self, seconds: float):
        self.started = time.perf_counter()
        self.ends = self.started + seconds

    def open(self, record: Record) -> bool:
        return time.perf_counter() < self.ends and len(record.samples) < MAX_REQUESTS


async def timed(client, record: Record, method: str, url: str, expect: int, **kwargs):
    import httpx

    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        record.add(started, False, f"{method} {url.split('?')[0]}: {type(error).__name__}")
        return None
    ok = response.status_code == expect
    record.add(started, ok, f"{method} {url.split('?')[0]} → {response.status_code}")
    return response if ok else None


async def sign_in(client, username: str) -> bool:
    page = await client.get("/accounts/login/")
    _action, fields = form_fields(page.text, "")
    token = dict(fields).get("csrfmiddlewaretoken")
    if not token:
        return False
    data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    response = await client.post("/accounts/login/", data=data)
    return response.status_code == 302 and "/accounts/login/" not in response.headers.get("location", "")


async def sign_in_all(base: str, users, timeout: float):
    """One client per person, each signed in once (not timed: 200 password hashes at once queue)."""
    import httpx

    clients = [httpx.AsyncClient(base_url=base, timeout=timeout) for _ in users]

    async def one(client, user):
        try:
            return await sign_in(client, user[0])
        except httpx.HTTPError:
            return False

    results = await asyncio.gather(*(one(client, user) for client, user in zip(clients, users, strict=True)))
    return clients, sum(1 for ok in results if not ok)


async def readers(base: str, count: int, paths: list[str], seconds: float, think=None, timeout: float = 60):
    """``count`` anonymous clients, closed loop over ``paths`` (each from its own offset) for ``seconds``."""
    import httpx

    record = Record()
    budget = Budget(seconds)

    async def one(offset):
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            turn = offset
            if think:  # each reader arrives after a first pause, as staff_loop's people do
                await asyncio.sleep(random.uniform(*think))
            while budget.open(record):
                await timed(client, record, "GET", paths[turn % len(paths)], 200)
                turn += 1
                if think:
                    await asyncio.sleep(random.uniform(*think))

    started = time.perf_counter()
    await asyncio.gather(*(one(number) for number in range(count)))
    return record, time.perf_counter() - started


async def staff(clients, users, seconds: float, think=None):
    record = Record()
    budget = Budget(seconds)
    started = time.perf_counter()
    await asyncio.gather(
        *(staff_loop(client, user, budget, record, think) for client, user in zip(clients, users, strict=True))
    )
    return record, time.perf_counter() - started


async def staff_loop(client, user, budget: Budget, record: Record, think):
    username, assessment, code = user
    loop = 0

    async def pause():
        if think and budget.open(record):
            await asyncio.sleep(random.uniform(*think))

    # With pauses, each person starts after a first one: 200 people do not click at the same instant, and a burst
    # of 200 first requests at t=0 would measure the harness (a queue of 200 at once) rather than the rush.
    await pause()
    while budget.open(record):
        loop += 1
        page = await timed(client, record, "GET", f"/assessments/{assessment}/?field={code}", 200)
        if page is None:
            await pause()
            continue
        action, fields = form_fields(page.text, f"/fields/{code}/")
        notes = [item for item in fields if item[0].endswith("note")]
        if action is None or not notes:
            record.add(time.perf_counter(), False, "no editable field form")
            return
        notes[0][1] = f"Ghi chú thử tải {username} lần {loop}"
        await pause()
        if not budget.open(record):
            return
        form: dict[str, list[str]] = {}
        for name, value in fields:
            form.setdefault(name, []).append(value)
        await timed(client, record, "POST", action, 302, data=form)
        if loop % 3 == 0:
            await pause()
            if not budget.open(record):
                return
            await timed(client, record, "GET", f"/assessments/{assessment}/summary/", 200)
        await pause()


async def one_reader(base: str, path: str, times: int):
    """One client reading ``path`` ``times`` times in a row: the first answer, the rest's times, the bytes."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        started = time.perf_counter()
        first = await client.get(path)
        first_seconds = time.perf_counter() - started
        durations = []
        for _ in range(times):
            started = time.perf_counter()
            response = await client.get(path)
            durations.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        return first, first_seconds, durations


def field_page(env) -> tuple[float, float, int]:
    """manage.py benchmark_assessment_page (100 leaves, in process, rolled back): page and anchor medians (ms)."""
    out = run([sys.executable, "manage.py", "benchmark_assessment_page", "--leaves", "100", "--runs", "20"], env)
    page = re.search(r"page: median ([\d.]+) ms, max [\d.]+ ms, (\d+) SQL", out)
    anchor = re.search(r"anchor .*?: median ([\d.]+) ms", out)
    if not page or not anchor:
        raise SystemExit(f"unexpected benchmark output:\n{out}")
    return float(page.group(1)), float(anchor.group(1)), int(page.group(2))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


ROWS = ("capacity", "rush", "public", "big", "field")


def merge(problems: dict, record: Record) -> None:
    for key, value in record.problems.items():
        problems[key] = problems.get(key, 0) + value


async def warm(base: str, paths: list[str], rounds: int) -> None:
    """Read each public page ``rounds`` times before the row (not timed): a published page is read for days, and
    its first rendering (once per publication with the shared cache, once per worker with the memory cache) is
    not what the readers at the rush wait for. The first reading is printed apart in the 5,000-unit row."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _ in range(rounds):
            for path in paths:
                await client.get(path)


async def measure(args, base: str, prepared: dict, env: dict) -> list[list[str]]:
    users = [tuple(user) for user in prepared["users"]]
    count = len(users)
    rows, problems = [], {}

    def note(text: str):
        print(f"  {text} (load average {load_average()})", flush=True)

    if "capacity" in args.rows or "rush" in args.rows:
        started = time.perf_counter()
        clients, refused = await sign_in_all(base, users, timeout=args.request_timeout + 600)
        if refused:
            raise SystemExit(f"{refused} of {count} sign-ins failed")
        note(f"{count} sign-ins at once took {time.perf_counter() - started:.1f} s (password hashing at full cost)")
        try:
            if "capacity" in args.rows:
                print(f"capacity: {count} unit staff, no pause, {args.capacity_seconds:.0f} s each", flush=True)
                anchor, anchor_seconds = await readers(base, count, ["/-/ping/"], args.capacity_seconds)
                record, seconds = await staff(clients, users, args.capacity_seconds)
                ratio = record.rate(seconds) / anchor.rate(anchor_seconds)
                rows.append(
                    [
                        f"capacity: {count} staff, closed loop",
                        describe(record, seconds),
                        describe(anchor, anchor_seconds),
                        f"{100 * ratio:.1f} %",
                        "≥ 40 %, 0 errors",
                        verdict(ratio >= 0.40 and record.errors == 0 and len(record.samples) > 0),
                    ]
                )
                merge(problems, record)
                note("done")
            if "rush" in args.rows:
                think = (5, 15)
                anchor_time = max(30.0, args.rush_seconds / 3)
                print(
                    f"rush: {count} unit staff pausing 5-15 s, {args.rush_seconds:.0f} s "
                    f"(the minimal view {anchor_time:.0f} s)",
                    flush=True,
                )
                anchor, anchor_seconds = await readers(base, count, ["/-/ping/"], anchor_time, think=think)
                record, seconds = await staff(clients, users, args.rush_seconds, think=think)
                p95 = record.latency_ms(0.95)
                rows.append(
                    [
                        f"rush: {count} staff, 5-15 s pauses, {args.rush_seconds:.0f} s",
                        describe(record, seconds),
                        describe(anchor, anchor_seconds),
                        f"p95 {p95 / max(anchor.latency_ms(0.95), 0.001):.1f}×",
                        "p95 < 500 ms, 0 errors",
                        verdict(p95 < 500 and record.errors == 0 and len(record.samples) > 0),
                    ]
                )
                merge(problems, record)
                note("done")
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))

    if "public" in args.rows:
        year = prepared["year"]
        paths = {
            f"public: ranking {year}, {count} readers": [f"/results/{year}/"],
            f"public: unit pages {year}, {count} readers": [f"/results/{year}/{code}/" for code in prepared["units"]],
        }
        print(f"public: {count} anonymous readers, closed loop, {args.public_seconds:.0f} s each", flush=True)
        for label, targets in paths.items():
            await warm(base, targets, 1 if args.cache_url else args.workers * 2)
            anchor, anchor_seconds = await readers(base, count, ["/-/ping/"], args.public_seconds)
            record, seconds = await readers(base, count, targets, args.public_seconds)
            ratio = record.rate(seconds) / anchor.rate(anchor_seconds)
            rows.append(
                [
                    label,
                    describe(record, seconds),
                    describe(anchor, anchor_seconds),
                    f"{100 * ratio:.1f} %",
                    "≥ 60 %, 0 errors",
                    verdict(ratio >= 0.60 and record.errors == 0 and len(record.samples) > 0),
                ]
            )
            merge(problems, record)
        note("done")

    if "big" in args.rows:
        path = f"/results/{BIG_BLOCK_YEAR}/"
        first, first_seconds, durations = await one_reader(base, path, 20)
        _ping, _ping_first, ping_durations = await one_reader(base, "/-/ping/", 20)
        size = len(first.content)
        shown = len(re.findall(rf"/results/{BIG_BLOCK_YEAR}/xa-thu-tai-\d{{4}}/", first.text))
        median, ping_median = statistics.median(durations) * 1000, statistics.median(ping_durations) * 1000
        rows.append(
            [
                f"{BIG_BLOCK_UNITS:,}-unit block: ranking page 1",
                f"{size / 1000:.0f} KB, {shown} units; median {median:.0f} ms "
                f"(first, uncached {first_seconds * 1000:.0f} ms)",
                f"median {ping_median:.1f} ms",
                f"{median / max(ping_median, 0.001):.1f}×",
                "< 300 KB a page",
                verdict(first.status_code == 200 and size < 300_000 and 0 < shown < BIG_BLOCK_UNITS),
            ]
        )
        note("5,000-unit page done")

    if "field" in args.rows:
        page, anchor_ms, queries = field_page(env)
        rows.append(
            [
                "field page, 100 leaves (in process)",
                f"median {page:.1f} ms, {queries} queries",
                f"median {anchor_ms:.1f} ms",
                f"{page / max(anchor_ms, 0.001):.1f}×",
                "< 150 ms (quiet machine)",
                verdict(page < 150),
            ]
        )
        note("field page done")
    if problems:
        print("errors:", ", ".join(f"{name}: {number}" for name, number in sorted(problems.items())))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"postgres://postgres@{HOST}:5432/cchc_loadtest")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/3",
        help="the shared Redis cache of the public pages (this run's own key prefix, removed at the end); "
        "'' or a Redis that does not answer: each worker's memory cache",
    )
    parser.add_argument("--rows", default=",".join(ROWS), help=f"which rows, of {','.join(ROWS)}")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (README: about 2 per core)")
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--capacity-seconds", type=float, default=60)
    parser.add_argument("--rush-seconds", type=float, default=180, help="0 leaves the rush row out")
    parser.add_argument("--public-seconds", type=float, default=30)
    parser.add_argument("--request-timeout", type=float, default=60)
    parser.add_argument("--max-minutes", type=float, default=30, help="the whole run stops after this, whatever")
    parser.add_argument("--keep-database", action="store_true", help="leave the database for a look afterwards")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 s rows and a 30 s rush")
    args = parser.parse_args(argv)
    if args.quick:
        args.capacity_seconds, args.rush_seconds, args.public_seconds = 20, 30, 10
    database_name(args.database_url)
    args.rows = [row.strip() for row in args.rows.split(",") if row.strip()]
    if not args.rows or set(args.rows) - set(ROWS):
        parser.error(f"--rows: some of {','.join(ROWS)}")
    if args.cache_url and not redis_answers(args.cache_url):
        print(f"{args.cache_url} does not answer: each worker's memory cache", flush=True)
        args.cache_url = ""

    def stop(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, lambda *_: stop("SIGALRM (--max-minutes)", None))
    signal.alarm(int(args.max_minutes * 60))
    prefix = f"loadtest-{secrets.token_hex(4)}"
    began = time.perf_counter()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cchc-load-")))
        port = free_port()
        env = server_env(args, port, scratch, prefix)
        start_postgres(stack)
        recreate_database(args.database_url)
        if not args.keep_database:
            stack.callback(recreate_database, args.database_url, True)
        if args.cache_url:
            stack.callback(forget_cache, args.cache_url, prefix)
        prepared = prepare(args, env)
        print(
            f"fresh database {database_name(args.database_url)}, demo, {args.users} unit staff, "
            f"a {BIG_BLOCK_UNITS:,}-unit block: {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        start_server(args, env, port, stack)
        cache = f"shared Redis cache {args.cache_url}" if args.cache_url else "per-process memory cache"
        print(
            f"gunicorn: {args.workers} sync workers on {HOST}:{port}, production settings, "
            f"CONN_MAX_AGE={args.conn_max_age}, {cache}; {os.cpu_count()} cores, load average {load_average()}",
            flush=True,
        )
        rows = asyncio.run(measure(args, f"http://{HOST}:{port}", prepared, env))
        signal.alarm(0)
        print()
        print(table(["row", "product", "minimal view, same client and run", "ratio", "goal", "met"], rows))
        print(f"\nwhole run {time.perf_counter() - began:.0f} s; load average at the end {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
