"""Per-module mutation score of the last `mutmut run` (make mutation), less the mutants judged equivalent.

Reads mutmut's results in mutants/, subtracts the mutants listed in mutation-equivalents.txt (each with the
line it changes, so a renumbered mutant is not excused by mistake), prints killed / survived / equivalent /
score for each mutated module with every surviving mutant's diff, and exits 1 when a module is below the target.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation-equivalents.txt"
TARGET = 95.0
# mutmut's exit codes (mutmut/stats.py): 1 and 3 a test failed, 24/36/152/255/-24 the mutant hung (timeout).
KILLED = {1, 3, 24, 36, 152, 255, -24}


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


def main() -> int:
    os.chdir(ROOT)  # mutmut reads its configuration and results relative to the project
    metas = sorted((ROOT / "mutants").rglob("*.py.meta"))
    if not metas:
        print("No mutation results: run `make mutation` first.")
        return 1
    equivalents = load_equivalents()
    used = set()
    failing = []
    survivors_by_module = {}
    print(f"{'module':<32} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'score':>7}")
    for meta in metas:
        module = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        pending = [name for name, code in codes.items() if code is None]
        if pending:
            print(f"{module}: {len(pending)} of {len(codes)} mutants not run yet (an interrupted `mutmut run`)")
            codes = {name: code for name, code in codes.items() if code is not None}
        killed = sum(1 for code in codes.values() if code in KILLED)
        survivors, equivalent = [], 0
        for name, code in sorted(codes.items()):
            if code in KILLED:
                continue
            diff = diff_of(name, module)
            if name in equivalents:
                mutated, _reason = equivalents[name]
                used.add(name)
                if any(line[1:].strip() == mutated for line in diff.splitlines() if line.startswith("+")):
                    equivalent += 1
                    continue
                diff += f"\n  (listed as equivalent, but its diff no longer changes `{mutated}`: check it again)"
            status = "no test runs it" if code in (5, 33) else "survived" if code == 0 else f"exit code {code}"
            survivors.append((name, status, diff))
        counted = len(codes) - equivalent
        score = 100.0 * killed / counted if counted else 100.0
        print(f"{module:<32} {len(codes):>7} {killed:>7} {len(survivors):>8} {equivalent:>10} {score:>6.1f}%")
        survivors_by_module[module] = survivors
        if score < TARGET or pending:
            failing.append(module)
    for module, survivors in survivors_by_module.items():
        if survivors:
            print(f"\nSurviving mutants of {module}:")
            for name, status, diff in survivors:
                print(f"  {name} ({status})")
                print("\n".join(f"      {line}" for line in diff.splitlines()))
    for name in sorted(set(equivalents) - used):
        print(f"\nNote: {EQUIVALENTS.name} lists {name}, which this run did not produce or killed.")
    if failing:
        print(f"\nBelow {TARGET:.0f} % of non-equivalent mutants killed: {', '.join(failing)}")
        return 1
    print(f"\nEvery module kills at least {TARGET:.0f} % of its non-equivalent mutants.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
