"""Types on the signatures of the rules and the services (issue 14, STYLE.md house rules): every
public function and method of these modules says what it takes and what it gives, so that a
reader of a service need not open its callers to learn what ``user`` or ``batch`` is."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = sorted(
    path.relative_to(ROOT).as_posix()
    for path in (ROOT / "voters" / "rules").glob("*.py")
    if path.name != "__init__.py"
)
SERVICES = [
    "voters/inmates/services.py",
    "voters/inmates/dukcapil.py",
    "voters/inmates/staff.py",
    "voters/lists/services.py",
    "voters/reconciliation/services.py",
    "voters/reconciliation/exports.py",
    "voters/reconciliation/selectors.py",
    "voters/letters/services.py",
    "voters/letters/polling.py",
    "voters/core/setup.py",
    "voters/core/jobs.py",
    "voters/core/audit.py",
    "voters/core/storage.py",
    "voters/core/uploads.py",
    "voters/core/access.py",
    "voters/retention.py",
    "coordination/services.py",
    "coordination/selectors.py",
]


def public_signatures(tree):
    """(name, node) of the module's public functions and its public classes' public methods
    (a leading underscore is private; functions nested in a function are not API)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not node.name.startswith("_"):
                yield node.name, node, False
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if (isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                        and not item.name.startswith("_")):
                    yield f"{node.name}.{item.name}", item, True


def untyped(source):
    """What lacks a type in ``source``: 'name(parameter)' or 'name() ->'."""
    missing = []
    for name, node, is_method in public_signatures(ast.parse(source)):
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [arg for arg in (args.vararg, args.kwarg) if arg is not None]
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                     for d in node.decorator_list)
        if is_method and not static and params and params[0].arg in ("self", "cls"):
            params = params[1:]
        missing += [f"{name}({param.arg})" for param in params if param.annotation is None]
        if node.returns is None:
            missing.append(f"{name}() ->")
    return missing


def test_the_check_finds_a_missing_type():
    source = (
        "def typed(a: int, *rest: str, b: str = '', **more: int) -> None: ...\n"
        "def _private(a): ...\n"
        "def loose(a, b: int): ...\n"
        "class Thing:\n"
        "    def method(self, c) -> int: ...\n"
        "    @staticmethod\n"
        "    def build(self) -> int: ...\n"
        "    @property\n"
        "    def size(self): ...\n"
        "    def __init__(self, d): ...\n"
    )
    assert untyped(source) == [
        "loose(a)", "loose() ->", "Thing.method(c)", "Thing.build(self)", "Thing.size() ->",
    ]


@pytest.mark.parametrize("module", RULES + SERVICES)
def test_every_public_function_of_the_rules_and_services_is_typed(module):
    source = (ROOT / module).read_text(encoding="utf-8")
    assert any(True for _ in public_signatures(ast.parse(source))), module
    assert untyped(source) == [], module
