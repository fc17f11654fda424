"""The server's import graph, read with `ast`: no cycles, and layers that depend downward.

Every import counts, the ones inside functions too: a lazy import is a
dependency all the same, only hidden (`if TYPE_CHECKING:` blocks are left
out). Layers, lowest first (`LAYERS`): the core modules every feature may
use, then the features in the order a feature may import those before it,
then the app that assembles them. An import from a lower layer to a higher
one is counted; the count may only go down (`UPWARD_CEILING`).
"""

import ast
import functools
import pathlib
from collections import defaultdict

SERVER = pathlib.Path(__file__).resolve().parent.parent / "server"

#: Lowest first. A module's layer is its feature package's, or its own name's.
LAYERS = (
    # core: no feature in it
    (
        "secrets",
        "crypto",
        "db",
        "errors",
        "fields",
        "headers",
        "signals",
        "paging",
        "items",
        "fastdump",
        "countries",
        "dbfaults",
        "api",
        "extensions",
        "downgrade_guard",
        "keycheck",
    ),
    # users, sessions and roles; the care team is a relation between users
    ("auth",),
    # clinics, and the care-team rule other features compose
    ("clinics",),
    # the audit log, written by every layer above; read by a clinic's admins
    ("audit",),
    # whose data a caller may see: reads users and care teams, logs refusals
    ("access",),
    # accounts over HTTP and the shell: sign-in, settings, invitations, staff
    ("accounts",),
    ("care",),
    ("journal",),
    ("measures",),
    # push reminds of check-ins, questionnaires and the check after a dose;
    # the companion plans that check's reminder through push.
    ("push",),
    ("companion",),
    # flags judges check-ins, responses and after-dose checks: it listens to
    # their signals and reads their tables; none of them imports flags.
    ("flags",),
    ("crisis",),
    ("safetyplan",),
    ("privacy",),
    ("readside",),
    # the app that assembles the features
    ("features", "web", "dbsetup", "demo", "server"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

#: Cycles there today, each to be removed (strict: a cycle gone must leave this list).
KNOWN_MODULE_CYCLES: set[frozenset[str]] = set()
#: The same between feature packages (and the core, as one package).
KNOWN_PACKAGE_CYCLES: set[frozenset[str]] = set()
#: Imports from a lower layer to a higher one today; lower it as they go.
UPWARD_CEILING = 0


def _name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SERVER.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def module_graph(root: pathlib.Path = SERVER) -> dict[str, set[str]]:
    """Each module of `root` and the modules of `root` it imports (anywhere in it)."""
    paths = {_name(path): path for path in root.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        _collect(ast.parse(path.read_text()), package, paths, found)
        graph[name] = found & paths.keys() - {name}
    return graph


def _collect(node, package: str, modules, found: set[str]) -> None:
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
        return
    if isinstance(node, ast.Import):
        found.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            found.add(full if full in modules else base)
    for child in ast.iter_child_nodes(node):
        _collect(child, package, modules, found)


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected parts of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.add(member)
                if member == node:
                    break
            if len(part) > 1:
                found.add(frozenset(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package(module: str) -> str:
    """`server.flags.queries` -> `flags`; the core's modules are one package, `core`."""
    name = module.split(".")[1] if "." in module else module
    return "core" if RANK.get(name) == 0 else name


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages = defaultdict(set)
    for module, targets in graph.items():
        packages[package(module)].update(package(target) for target in targets)
        packages[package(module)].discard(package(module))
    return packages


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a lower layer imports a higher one.

    `extensions.py` wires the app together, so all it imports of the project
    counts as one.
    """
    found = []
    for module, targets in sorted(graph.items()):
        upward = sorted(t for t in targets if _rank(module) < _rank(t))
        if module == "server.extensions" and upward:
            upward = upward[:1]
        found.extend((module, target) for target in upward)
    return found


def _rank(module: str) -> int:
    name = module.split(".")[1] if "." in module else "server"
    return RANK[name]


def test_every_module_has_a_layer():
    names = {_name(path).split(".")[1] for path in SERVER.glob("*.py") if path.stem != "__init__"}
    packages = {path.name for path in SERVER.iterdir() if (path / "__init__.py").exists()}
    assert names | packages <= RANK.keys()


def test_no_import_cycle_between_modules():
    assert cycles(module_graph()) == KNOWN_MODULE_CYCLES


def test_no_import_cycle_between_feature_packages():
    assert cycles(package_graph(module_graph())) == KNOWN_PACKAGE_CYCLES


def test_lower_layers_do_not_import_higher_ones_more_than_today():
    upward = upward_imports(module_graph())
    assert len(upward) <= UPWARD_CEILING, "\n".join(f"{a} -> {b}" for a, b in upward)


if __name__ == "__main__":  # the figures, for the before and after
    import sys

    root = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SERVER
    SERVER = root
    graph = module_graph(root)
    print("module cycles:", sorted(sorted(part) for part in cycles(graph)))
    print("package cycles:", sorted(sorted(part) for part in cycles(package_graph(graph))))
    upward = upward_imports(graph)
    print(f"upward imports: {len(upward)}")
    for importer, imported in upward:
        print(f"  {importer} -> {imported}")
