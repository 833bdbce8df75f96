"""The layers import downwards only: selectors and the policy never import a service, and no module of the
project imports itself back through others (a circle)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "assessment", "cchc")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported(path: Path, modules) -> set[str]:
    """The project's modules ``path`` imports, at the top or inside a function (a late import is still a
    dependency: the circle of issue 10 went through one): ``from a.b import c`` counts ``a.b.c`` when it is a
    module, else ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                targets.add(full if full in modules else node.module)
    return {target for target in targets if target in modules}


def ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def graph() -> dict[str, set[str]]:
    """Module → the modules importing it runs: its targets and their packages' ``__init__`` (importing
    ``assessment.services.appraisal`` runs ``assessment/services/__init__.py`` first), but not the packages the
    module itself sits in (those are already being imported)."""
    modules = project_modules()
    edges = {}
    for name, path in modules.items():
        targets = imported(path, modules)
        targets |= {package for target in targets for package in ancestors(target) if package in modules}
        edges[name] = targets - {name} - ancestors(name)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph, as the list of modules along it, or None (depth-first, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_circle_and_passes_a_tree():
    """The circle of issue 10 was selectors → services.appraisal (whose package runs services.self_assessment)
    → selectors; this is how it reads."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_reads_the_imports_of_the_project():
    edges = graph()
    assert "assessment.policy" in edges["assessment.workflow"]
    assert "assessment.selectors.portal" in edges["assessment.services.self_assessment"]
    assert "accounts.selectors" in edges["assessment.policy"]
    assert "assessment.services" in edges["assessment.resources"]  # imported inside a method: counted too
    # importing a module of a package runs the package first; a module's own packages are not counted
    assert "assessment.services" in edges["assessment.admin.assessments"]
    assert "assessment.services" not in edges["assessment.services.appraisal"]


SELECTORS = [
    "assessment.selectors.appraisal",
    "assessment.selectors.audit",
    "assessment.selectors.council",
    "assessment.selectors.frameworks",
    "assessment.selectors.insights",
    "assessment.selectors.guidance",
    "assessment.selectors.portal",
    "assessment.selectors.reminders",  # reminders (issue 13)
    "assessment.selectors.results",
    "assessment.selectors.signatures",  # issue 15
    "assessment.selectors.visibility",
    # where a unit stands; start from last year
    "assessment.selectors.standing",
    "assessment.selectors.carry_over",
]


def test_the_selectors_are_split_by_face_and_the_package_re_exports_nothing():
    modules = project_modules()
    assert sorted(name for name in modules if name.startswith("assessment.selectors.")) == sorted(SELECTORS)
    package = ast.parse(modules["assessment.selectors"].read_text(encoding="utf-8"))
    assert [type(node).__name__ for node in package.body] == ["Expr"]  # its docstring only


@pytest.mark.parametrize("name", [*SELECTORS, "assessment.policy", "accounts.selectors"])
def test_selectors_and_the_policy_import_no_service(name):
    modules = project_modules()
    assert name in modules
    everything = imported(modules[name], modules)
    assert sorted(target for target in everything if ".services" in target) == []
    assert sorted(target for target in everything if target.endswith((".views", ".admin")) or ".admin." in target) == []


def test_the_policy_imports_neither_selectors_nor_the_workflow():
    modules = project_modules()
    everything = imported(modules["assessment.policy"], modules)
    assert everything <= {"accounts.models", "accounts.selectors", "assessment.models"}


def test_the_modules_of_the_project_import_each_other_without_a_circle():
    assert find_cycle(graph()) is None
