"""The layers of ``livestock``, read from its source with ``ast`` (nothing is
imported): arrows point down only (STYLE.md, "The layers").

- no cycle among livestock modules;
- the models import, outside ``livestock.models``, only modules that never
  reach the models themselves (the pure ones: choices, audit, the counting
  rules and core);
- no package's ``__init__`` re-exports its modules' names: a caller imports
  a function from the module that does the job;
- no function imports a livestock module: an import inside a function to
  dodge a cycle means the layers are wrong. The one exception is Django's
  own place for it, ``AppConfig.ready()``.

Migrations are left out: a data migration's function imports the current code
only when it runs (Django's own pattern), so that loading the migration graph
loads no model.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "livestock"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "migrations" not in path.relative_to(PACKAGE).parts
}


def resolve(name: str) -> str:
    """The livestock module ``name`` is, or the one it names an attribute of."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> list[tuple[str, ast.AST, list[ast.AST]]]:
    """Each livestock module imported by the file at ``path`` (as the module
    that runs), with the import node and the nodes enclosing it. Imports for
    type checkers only (``if TYPE_CHECKING:``) run nothing and are left out."""
    found = []

    def visit(node: ast.AST, enclosing: list[ast.AST]) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            return
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name == "livestock" or name.startswith("livestock."):
                found.append((resolve(name), node, enclosing))
        for child in ast.iter_child_nodes(node):
            visit(child, [*enclosing, node])

    visit(ast.parse(path.read_text(encoding="utf-8")), [])
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for imported, _node, _enclosing in imports(path):
            if imported != name:
                edges[name].add(imported)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for other in sorted(edges[name]):
            if other not in index:
                connect(other)
                low[name] = min(low[name], low[other])
            elif other in on_stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            connect(name)
    return found


def reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for other in edges[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen


def is_model_module(name: str) -> bool:
    return name == "livestock.models" or name.startswith("livestock.models.")


def test_the_graph_is_read_from_every_module():
    """The test reads what it should: the models, the services and the pure
    counting core are there, with the imports known to hold the layers."""
    edges = graph()
    assert "livestock.services.entries" in edges and "livestock.counting.walk" in edges
    assert "livestock.models.lambing" in edges["livestock.services.entries"] | reaches(
        edges, "livestock.services.entries"
    )
    assert "livestock.counting.rules" in edges["livestock.counting.walk"]


def test_no_cycle_among_livestock_modules():
    assert cycles(graph()) == []


def test_a_planted_cycle_would_be_found():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_the_models_import_nothing_that_reaches_back_to_them():
    edges = graph()
    reaching_models = {
        name
        for name in edges
        if not is_model_module(name) and any(map(is_model_module, reaches(edges, name)))
    }
    outside = {
        (name, imported)
        for name in edges
        if is_model_module(name)
        for imported in edges[name]
        if not is_model_module(imported)
    }
    assert outside, "the models use the pure modules (choices, rules …)"
    assert {(name, imported) for name, imported in outside if imported in reaching_models} == set()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_function_imports_a_livestock_module(name):
    inside_functions = [
        f"{MODULES[name].relative_to(ROOT)}:{node.lineno} imports {imported}"
        for imported, node, enclosing in imports(MODULES[name])
        if any(isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef) for outer in enclosing)
        and not (
            name == "livestock.apps"
            and any(
                isinstance(outer, ast.FunctionDef) and outer.name == "ready" for outer in enclosing
            )
        )
    ]
    assert inside_functions == []


# Django's entry points: the app's models are ``livestock.models``, and the
# admin's autodiscovery imports ``livestock.admin``, which imports its pages.
ENTRY_POINTS = {"livestock.models", "livestock.admin"}


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, path in MODULES.items()
        if path.name == "__init__.py" and name not in ENTRY_POINTS
    ),
)
def test_no_package_re_exports_its_modules(name):
    body = ast.parse(MODULES[name].read_text(encoding="utf-8")).body
    docstring = body[:1] if body and isinstance(body[0], ast.Expr) else []
    assert body[len(docstring) :] == [], f"{MODULES[name].relative_to(ROOT)} holds code"
