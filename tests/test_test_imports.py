"""No test module imports another test module (issue 17.8).

Importing from a test module runs its module-level setup a second time under
another name and ties two tests' files together; what several tests share
lives in a helper module (tests/factories.py, a package's helpers.py) or a
conftest. Read with `ast`, imports inside functions included.
"""

import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent


def _is_test_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.name.startswith("test_") and path.with_suffix(".py").is_file()


def _imported(tree: ast.AST, module: str) -> set[str]:
    """Every module (or module.name) an `import` in the tree names, made absolute."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(filter(None, [*parent, base]))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _python_files():
    return [path for path in sorted(TESTS.rglob("*.py")) if "vendor" not in path.parts]


def test_no_test_module_imports_another():
    offenders = []
    for path in _python_files():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        offenders += [
            f"{module} imports {name}"
            for name in sorted(_imported(tree, module))
            if name != module and _is_test_module(name)
        ]
    assert not offenders, "import helpers from a helper module or conftest:\n" + "\n".join(
        offenders
    )


def test_the_check_sees_the_import_forms_it_must():
    """The rule catches `import`, `from … import`, relative and in-function imports."""
    sources = {
        "import tests.push.test_scheduling": {"tests.push.test_scheduling"},
        "from tests.push.test_scheduling import pending": {"tests.push.test_scheduling"},
        "from .test_scheduling import pending": {"tests.push.test_scheduling"},
        "from . import test_scheduling": {"tests.push.test_scheduling"},
        "def f():\n    from tests.test_fuzz import bearer_token": {"tests.test_fuzz"},
        "from tests.push.helpers import pending": set(),
        "from tests import factories": set(),
    }
    for source, expected in sources.items():
        names = _imported(ast.parse(source), "tests.push.test_more_reminders")
        assert {name for name in names if _is_test_module(name)} == expected, source
