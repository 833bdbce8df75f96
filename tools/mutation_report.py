"""Per-module mutation score of the last `mutmut run` (make mutation), less the mutants judged equivalent.

Reads mutmut's results in mutants/, subtracts the mutants listed in mutation-equivalents.txt (each with the
line it changes, so a renumbered mutant is not excused by mistake), prints killed / timeout / survived /
equivalent / score for each mutated module with every surviving mutant's diff, and exits 1 when a module is
below the target or has mutants not run.

    python tools/mutation_report.py [--recheck-timeouts] [MODULE ...]

A timeout is not a kill: on a loaded machine mutmut's wall-clock limit also stops slow but passing tests. With
--recheck-timeouts each timed-out mutant's tests are run again, one at a time, first unmutated (the anchor) and
then with the mutant under a limit of 20 times the anchor (at least 120 s): a test failure makes it killed, a
pass makes it a survivor, and only a mutant still running at the limit counts as a (checked) timeout. Timeouts
not checked that way count as survivors. MODULE (e.g. assessment/policy.py) restricts the table to those modules.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation-equivalents.txt"
CHECKED_TIMEOUTS = ROOT / "mutants" / "checked-timeouts.json"
TARGET = 95.0
# mutmut's exit codes (mutmut/stats.py): 1 and 3 a test failed; 24/36/152/255/-24 the mutant was stopped (timeout).
KILLED = {1, 3}
TIMEOUT = {24, 36, 152, 255, -24}
RECHECK_FACTOR, RECHECK_MINIMUM = 20, 120.0


def load_equivalents() -> dict[str, tuple[str, str]]:
    """name → (the mutated line, the reason); lines are `name | mutated line | reason`, # starts a comment."""
    equivalents = {}
    for number, line in enumerate(EQUIVALENTS.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" | ")]
        if len(parts) != 3 or not all(parts):
            sys.exit(f"{EQUIVALENTS.name}:{number}: expected `mutant name | mutated line | reason`")
        equivalents[parts[0]] = (parts[1], parts[2])
    return equivalents


def diff_of(name: str, module: str) -> str:
    """The mutant's changed lines, as `mutmut show` prints them (mutmut's own function, in this process)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=module)
    return "\n".join(line for line in diff.splitlines() if line[:1] in "+-@" and line[:3] not in ("---", "+++"))


def pytest_run(tests: list[str], mutant: str, limit: float | None) -> tuple[int | None, float]:
    """Run `tests` in mutants/ as mutmut does, with `mutant` active ("" = unmutated): (exit code or None, seconds)."""
    pyproject = ROOT / "pyproject.toml"
    import tomllib

    options = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["mutmut"]
    command = [sys.executable, "-m", "pytest", "--rootdir=.", "--tb=native", "-x", "-q", "-p", "no:randomly"]
    command += [*tests, *options.get("pytest_add_cli_args", [])]
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "DEBUG": "1"}
    started = time.monotonic()
    try:
        process = subprocess.run(command, cwd=ROOT / "mutants", env=env, capture_output=True, timeout=limit)  # noqa: S603 (our own pytest)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return process.returncode, time.monotonic() - started


def recheck_timeouts(metas: list[Path]) -> None:
    """Run each timed-out mutant again alone, with a generous limit measured against its unmutated tests."""
    stats = json.loads((ROOT / "mutants" / "mutmut-stats.json").read_text())["tests_by_mangled_function_name"]
    checked = json.loads(CHECKED_TIMEOUTS.read_text()) if CHECKED_TIMEOUTS.exists() else {}
    for meta in metas:
        data = json.loads(meta.read_text())
        for name, code in sorted(data["exit_code_by_key"].items()):
            if code not in TIMEOUT or name in checked:
                continue
            tests = sorted(stats.get(name.partition("__mutmut_")[0], []))
            anchor_code, anchor = pytest_run(tests, "", None)
            if anchor_code != 0:
                sys.exit(f"{name}: its tests fail without the mutant (exit code {anchor_code}); fix them first")
            limit = max(RECHECK_MINIMUM, RECHECK_FACTOR * anchor)
            code, seconds = pytest_run(tests, name, limit)
            if code is None:
                checked[name] = {"anchor_s": round(anchor, 1), "limit_s": round(limit, 1)}
                print(f"{name}: still running after {limit:.0f} s (its tests take {anchor:.1f} s unmutated): a timeout")
            else:
                data["exit_code_by_key"][name] = code
                verdict = "killed" if code in KILLED else "survived" if code == 0 else f"exit code {code}"
                print(f"{name}: rerun alone, {verdict} in {seconds:.1f} s (unmutated {anchor:.1f} s)")
        meta.write_text(json.dumps(data, indent=4))
    CHECKED_TIMEOUTS.write_text(json.dumps(checked, indent=2))


def main() -> int:
    os.chdir(ROOT)  # mutmut reads its configuration and results relative to the project
    args = sys.argv[1:]
    recheck = "--recheck-timeouts" in args
    only = {arg for arg in args if arg != "--recheck-timeouts"}
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if only:
        metas = [meta for meta in metas if str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")] in only]
    if not metas:
        print("No mutation results: run `make mutation` first.")
        return 1
    if recheck:
        recheck_timeouts(metas)
    checked = json.loads(CHECKED_TIMEOUTS.read_text()) if CHECKED_TIMEOUTS.exists() else {}
    equivalents = load_equivalents()
    used = set()
    failing = []
    survivors_by_module = {}
    rows = []
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        pending = [name for name, code in codes.items() if code is None]
        if pending:
            rows.append(f"{module}: {len(pending)} of {len(codes)} mutants not run yet (an interrupted `mutmut run`)")
            codes = {name: code for name, code in codes.items() if code is not None}
        killed = sum(1 for code in codes.values() if code in KILLED)
        timeouts = sum(1 for name, code in codes.items() if code in TIMEOUT and name in checked)
        survivors, equivalent = [], 0
        for name, code in sorted(codes.items()):
            if code in KILLED or (code in TIMEOUT and name in checked):
                continue
            diff = diff_of(name, module)
            if name in equivalents:
                mutated, _reason = equivalents[name]
                used.add(name)
                if any(line[1:].strip() == mutated for line in diff.splitlines() if line.startswith("+")):
                    equivalent += 1
                    continue
                diff += f"\n  (listed as equivalent, but its diff no longer changes `{mutated}`: check it again)"
            status = (
                "no test runs it"
                if code in (5, 33)
                else "survived"
                if code == 0
                else "timeout not checked: rerun with --recheck-timeouts"
                if code in TIMEOUT
                else f"exit code {code}"
            )
            survivors.append((name, status, diff))
        counted = len(codes) - equivalent
        score = 100.0 * (killed + timeouts) / counted if counted else 100.0
        rows.append(
            f"{module:<32} {len(codes) + len(pending):>7} {killed:>7} {timeouts:>7} {len(survivors):>8} "
            f"{equivalent:>10} {len(pending):>7} {score:>6.1f}%"
        )
        survivors_by_module[module] = survivors
        if score < TARGET or pending:
            failing.append(module)
    header = ("module", "mutants", "killed", "timeout", "survived", "equivalent", "not run", "score")
    print("{:<32} {:>7} {:>7} {:>7} {:>8} {:>10} {:>7} {:>7}".format(*header))
    print("\n".join(rows))
    for module, survivors in survivors_by_module.items():
        if survivors:
            print(f"\nSurviving mutants of {module}:")
            for name, status, diff in survivors:
                print(f"  {name} ({status})")
                print("\n".join(f"      {line}" for line in diff.splitlines()))
    for name, check in sorted(checked.items()):
        if any(name.startswith(str(meta.relative_to(ROOT / "mutants"))[:-8].replace("/", ".")) for meta in metas):
            print(f"\nTimeout (checked): {name} still ran after {check['limit_s']} s; unmutated {check['anchor_s']} s.")
    studied = {str(meta.relative_to(ROOT / "mutants"))[:-8].replace("/", ".") + "." for meta in metas}
    for name in sorted(set(equivalents) - used):
        if not any(name.startswith(prefix) for prefix in studied):
            continue
        print(f"\nNote: {EQUIVALENTS.name} lists {name}, which this run did not produce or killed.")
    if failing:
        print(f"\nBelow {TARGET:.0f} % of non-equivalent mutants killed: {', '.join(failing)}")
        return 1
    print(f"\nEvery module kills at least {TARGET:.0f} % of its non-equivalent mutants.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
