"""The layout's rules, checked on the source: no import cycle among batchcalc's modules (lazy
imports inside functions count too: a cycle is a design knot wherever the import sits), and no
library module importing the CLI (the library is usable from Python without typer)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("batchcalc", "calculator", "pricing", "reports")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The batchcalc modules ``name`` imports (``from a import b`` counts a.b when b is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_library_module_imports_the_cli():
    wrong = sorted((m, i) for m, deps in graph().items() if not m.startswith("calculator.cli")
                   for i in deps if i.startswith("calculator.cli"))
    assert wrong == []


# -- the public API ------------------------------------------------------------------------------

def test_every_public_name_is_importable_and_documented():
    import batchcalc

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in batchcalc.__all__:
        value = getattr(batchcalc, name)
        if name == "__version__":
            continue
        doc = (value.__doc__ or "").strip()
        # A dataclass without a docstring gets its signature as one: that documents nothing.
        assert doc and not doc.startswith(f"{name}("), f"batchcalc.{name} has no docstring"
        assert f"`{name}`" in readme or f"{name}(" in readme, f"batchcalc.{name} is not in the README"
    assert sorted(dir(batchcalc)) == sorted(set(dir(batchcalc)))
    assert set(batchcalc.__all__) <= set(dir(batchcalc))


def test_every_command_has_its_function_in_the_public_api():
    """Nothing public is missing: each CLI command is a function of calculator.commands, exported
    by batchcalc, and every public function there is exported."""
    import inspect

    import typer.main

    import batchcalc
    from calculator import commands
    from calculator.cli import app

    cli_commands = set(typer.main.get_command(app).commands)
    public = {n for n, f in vars(commands).items() if inspect.isfunction(f) and not n.startswith("_")
              and f.__module__ == commands.__name__}
    helpers = {"split_reconcile_inputs"}  # a step of reconcile, not a command
    assert cli_commands == public - helpers
    assert cli_commands <= set(batchcalc.__all__)
    assert all(getattr(batchcalc, name) is getattr(commands, name) for name in cli_commands)


def test_no_implementation_package_shadows_a_public_name():
    """``calculator.report``, ``calculator.batches`` and ``calculator.reconcile`` are packages named
    like commands: once imported they are attributes of ``calculator``, which is why the public API
    is a package of its own. Every public name stays what it is after every subpackage is imported."""
    import subprocess
    import sys

    code = ("import importlib, inspect, pkgutil, calculator\n"
            "for m in pkgutil.iter_modules(calculator.__path__):\n"
            "    if m.ispkg: importlib.import_module(f'calculator.{m.name}')\n"
            "import calculator.report.model, calculator.batches.check\n"
            "from batchcalc import *\n"
            "import batchcalc\n"
            "print(sorted(n for n in batchcalc.__all__ if inspect.ismodule(getattr(batchcalc, n))))\n"
            "print(inspect.isfunction(report), inspect.isfunction(batches), inspect.isfunction(reconcile))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split("\n")[:2] == ["[]", "True True True"]


def test_importing_the_api_is_light():
    """``import batchcalc`` and the names of ``__all__`` import none of the heavy libraries: the
    CLI's --help stays quick and a notebook pays for what it uses."""
    import subprocess
    import sys

    code = ("import sys, batchcalc\n"
            "from batchcalc import usage, estimate, Report, UsageOptions, CountOptions\n"
            "heavy = {'pandas', 'duckdb', 'pyarrow', 'tiktoken', 'jinja2', 'matplotlib', 'httpx', 'anthropic'}\n"
            "print(sorted(heavy & set(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
