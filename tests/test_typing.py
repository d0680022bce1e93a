"""The package is typed (``py.typed``, ``.pyi`` stubs for the Cython modules): it passes
``mypy --strict``, and a realistic program using the public API, tests/typing_usage.py,
passes ``mypy --strict`` and pyright and runs; a misspelt name fails both checkers, as
it fails at run time. The package checked is the one under test (the editable install,
or an installed wheel: see conftest.py)."""
import ast
import json
import runpy
import subprocess
import sys
from pathlib import Path

import cmabi
import cwasmtime

USAGE = Path(__file__).resolve().parent / "typing_usage.py"

# A user's file: each line is an error to both checkers, and raises AttributeError at run
# time, exactly when it has an `error`: (module, missing name, mypy's "maybe" or None).
# The lazy names of cwasmtime and cmabi (PEP 562) must not make typos `Any`; a subpackage
# used without being imported is an error too, as it is at run time.
USER_LINES = [
    ("import cwasmtime", None),
    ("import cmabi", None),
    ("from cwasmtime import component", None),
    ("a = cwasmtime.Strore", ("cwasmtime", "Strore", "Store")),
    ("b = cwasmtime.Store", None),
    ("c = cmabi.lowerr", ("cmabi", "lowerr", "lower")),
    ("d = cmabi.lower", None),
    ("e = component.Linkerr", ("cwasmtime.component", "Linkerr", "Linker")),
    ("f = component.Linker", None),
    ("g = cmabi.bind", ("cmabi", "bind", None)),
    ("h = cmabi.types.U32", None),
]


def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "user.py"
    path.write_text("".join(line + "\n" for line, _ in USER_LINES))
    return path


def expected_errors() -> dict[int, tuple[str, str, str | None]]:
    """1-based line number -> its error."""
    return {n: error for n, (_, error) in enumerate(USER_LINES, 1) if error}


def pyright_errors(cwd: Path, *files: Path) -> list[dict]:
    """pyright's error diagnostics (standard mode), run from ``cwd`` (the ``outside``
    fixture: where it finds the package under test)."""
    done = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable,
         *map(str, files)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: errors were reported
    return [d for d in json.loads(done.stdout)["generalDiagnostics"]
            if d["severity"] == "error"]


def test_package_ships_type_information():
    # Where the package under test is: the source tree, or an installed wheel.
    for package, stub in ((cwasmtime, "_native.pyi"), (cmabi, "_abi.pyi")):
        folder = Path(package.__file__).parent
        assert (folder / "py.typed").is_file()
        assert (folder / stub).is_file()


def test_package_and_usage_pass_mypy_strict(mypy_strict):
    # The one third-party import, cffi, is untyped and configured in pyproject.toml.
    done = mypy_strict(["cwasmtime"], [USAGE])
    assert done.returncode == 0, "mypy --strict failed:\n" + done.stdout + done.stderr


def test_usage_passes_pyright(outside):
    assert pyright_errors(outside, USAGE) == []


def test_usage_runs():
    runpy.run_path(str(USAGE), run_name="__main__")


def test_misspelt_names_fail_mypy_strict(tmp_path, mypy_strict):
    path = user_file(tmp_path)
    # A cache of its own: mypy's shared one would report the errors of an identical file
    # under the path it had in an earlier run.
    done = mypy_strict([], [path], "--cache-dir", str(tmp_path / "mypy-cache"))
    assert done.returncode == 1, done.stdout + done.stderr
    # mypy names the file as given or relative to its working directory: compare the
    # line numbers and messages of this file's errors.
    errors = [line.split(":", 1)[1] for line in done.stdout.splitlines()
              if ": error: " in line and Path(line.split(":", 1)[0]).name == path.name]
    assert errors == [f'{n}: error: Module has no attribute "{name}"'
                      + (f'; maybe "{maybe}"?' if maybe else "") + "  [attr-defined]"
                      for n, (_, name, maybe) in expected_errors().items()], done.stdout


def test_misspelt_names_fail_pyright(tmp_path, outside):
    errors = pyright_errors(outside, user_file(tmp_path))
    got = {d["range"]["start"]["line"] + 1: (d["rule"], d["message"]) for d in errors}
    assert len(got) == len(errors)
    assert got == {n: ("reportAttributeAccessIssue",
                       f'"{name}" is not a known attribute of module "{module}"')
                   for n, (module, name, _) in expected_errors().items()}


def test_misspelt_names_fail_at_run_time(tmp_path, outside):
    """The checkers flag exactly the lines that fail in a fresh interpreter."""
    code = ("import sys\n"
            "for n, line in enumerate(open(sys.argv[1]), 1):\n"
            "    try:\n"
            "        exec(line, globals())\n"
            "    except AttributeError as e:\n"
            "        print(n, e.name)\n")
    done = subprocess.run([sys.executable, "-c", code, str(user_file(tmp_path))], cwd=outside,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(f"{n} {name}\n"
                                  for n, (_, name, _) in expected_errors().items())


def _module_ast(package: object) -> tuple[ast.Module, ast.If]:
    """The ``__init__.py`` of ``package`` (as under test) and its top-level
    ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(Path(package.__file__).read_text())
    block = next(node for node in tree.body
                 if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    return tree, block


def _assigned(tree: ast.Module, name: str) -> ast.expr:
    return next(node.value for node in tree.body
                if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == name)


def test_type_checkers_see_every_lazy_name_of_cwasmtime():
    """cwasmtime's TYPE_CHECKING re-exports are exactly its lazy names, from the same
    modules (the lazy __getattr__ is hidden from checkers, so a name missing there
    would be an error to them although it works)."""
    tree, block = _module_ast(cwasmtime)
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names:
            assert alias.asname == alias.name  # `X as X`: an explicit re-export
            seen[alias.name] = node.module
    assert seen == ast.literal_eval(_assigned(tree, "_EXPORTS"))


def test_type_checkers_see_every_lazy_name_of_cmabi():
    tree, block = _module_ast(cmabi)
    imported = {(node.module, alias.name) for node in block.body
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    lazy = ast.literal_eval(_assigned(tree, "_ABI_NAMES").args[0])  # frozenset({...})
    assert imported == {("_abi", name) for name in lazy} | {(None, "types")}
