"""WASI preview 2 through ``cwasmtime.component``, with the committed command component
``examples/wasip2/command.component.wasm`` (see examples/wasip2/README.md and command.c).

The command is run through ``Linker.add_wasip2()`` with a ``WasiConfig`` set on the
Store, and its ``wasi:cli/run@0.2.12#run`` export is called. Covered:

* what the guest receives: argv (``argv[0]`` included), the environment, stdin (read
  from a host file; the output goes to host stdout/stderr files, compared exactly);
* a preopened host directory: reading a file, writing one (the host file is checked,
  a read-only preopen refuses writes), and paths that fail (missing file, outside every
  preopen), which end the program with status 1 and a message on stderr;
* how the program ends: returning from main gives ``Variant('ok', None)``; ``exit(0)``
  raises ``ExitTrap`` with code 0; any non-zero status arrives as code 1; the instance
  cannot be entered after an exit, but can be run again after a normal return;
* linker and store misuse: calling ``run`` with another Store, no ``add_wasip2`` (the missing WASI import is named), a Store
  without ``set_wasi`` (refused with an error instead of Wasmtime's process abort),
  ``add_wasip2`` twice (needs ``allow_shadowing``), ``add_wasi_http`` after it,
  ``add_wasip2`` while ``linker.root()`` is open;
* the same runs through wasmtime-py 50.0.1's ``wasmtime.component`` give identical
  stdout, stderr, outcome and written files.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Sequence, Tuple

import pytest
import wasmtime
import wasmtime.component

import cwasmtime
import cwasmtime.component
from cwasmtime import ExitTrap, WasiConfig, WasmtimeError
from cwasmtime.component import Linker, Variant

COMMAND = Path(__file__).resolve().parents[2] / "examples" / "wasip2" / "command.component.wasm"
RUN_INTERFACE = "wasi:cli/run@0.2.12"

# (top-level module, its component package): cwasmtime, or wasmtime-py for comparisons.
# Objects of the two are never mixed.
CW = (cwasmtime, cwasmtime.component)
WT = (wasmtime, wasmtime.component)

_compiled: Dict[Any, Tuple[Any, Any]] = {}


def engine_and_component(lib: Tuple[Any, Any] = CW) -> Tuple[Any, Any]:
    """One Engine and compiled command component per library (compiling takes a while)."""
    if lib[0] not in _compiled:
        engine = lib[0].Engine()
        _compiled[lib[0]] = (engine, lib[1].Component.from_file(engine, str(COMMAND)))
    return _compiled[lib[0]]


def make_store(tmp_path: Path, argv: Sequence[str], *, env: Sequence[Tuple[str, str]] = (),
               stdin: bytes = b"", fs_mutable: bool = True, lib: Tuple[Any, Any] = CW) -> Any:
    """A Store whose WASI context has ``argv``, ``env``, ``stdin``, stdout/stderr going to
    ``tmp_path/stdout`` and ``tmp_path/stderr``, and ``tmp_path/data`` preopened as ``/data``."""
    engine, _ = engine_and_component(lib)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "stdin").write_bytes(stdin)
    wasi = lib[0].WasiConfig()
    wasi.argv = list(argv)
    wasi.env = list(env)
    wasi.stdin_file = str(tmp_path / "stdin")
    wasi.stdout_file = str(tmp_path / "stdout")
    wasi.stderr_file = str(tmp_path / "stderr")
    wasi.preopen_dir(str(tmp_path / "data"), "/data", fs_mutable)
    store = lib[0].Store(engine)
    store.set_wasi(wasi)
    return store


def wasip2_linker(lib: Tuple[Any, Any] = CW) -> Any:
    engine, _ = engine_and_component(lib)
    linker = lib[1].Linker(engine)
    linker.add_wasip2()
    return linker


def instantiate_run(store: Any, linker: Any, lib: Tuple[Any, Any] = CW) -> Tuple[Any, Any]:
    """Instantiate the command and return ``(instance, run)``, ``run`` being the
    ``run`` function of its ``wasi:cli/run@0.2.12`` export instance."""
    _, component = engine_and_component(lib)
    instance = linker.instantiate(store, component)
    interface = instance.get_export_index(store, RUN_INTERFACE)
    assert interface is not None
    index = instance.get_export_index(store, "run", interface)
    assert index is not None
    return instance, instance.get_func(store, index)


def call_run(store: Any, run: Any, lib: Tuple[Any, Any] = CW) -> Tuple[str, Any]:
    """``("return", value)`` if ``run`` returns (post_return is then called), or
    ``("exit", code)`` if the program exits (ExitTrap)."""
    try:
        value = run(store)
    except lib[0].ExitTrap as trap:
        return ("exit", trap.code)
    run.post_return(store)
    return ("return", value)


def run_command(tmp_path: Path, *argv: str, lib: Tuple[Any, Any] = CW,
                **wasi: Any) -> Tuple[Tuple[str, Any], bytes, bytes]:
    """Run the command with ``argv`` (``make_store``'s keywords for the rest) and return
    ``(outcome, stdout, stderr)``; outcome as in ``call_run``."""
    store = make_store(tmp_path, argv, lib=lib, **wasi)
    _, run = instantiate_run(store, wasip2_linker(lib), lib)
    outcome = call_run(store, run, lib)
    return outcome, (tmp_path / "stdout").read_bytes(), (tmp_path / "stderr").read_bytes()


def prologue(*argv: str, greeting: str = "<unset>", stdin: bytes = b"") -> bytes:
    """The stdout the command always prints first (steps 1-3 of its README)."""
    lines = "".join(f"arg[{i}]={a}\n" for i, a in enumerate(argv))
    return (lines + f"env[GREETING]={greeting}\n").encode() + \
        b"stdin=%d\nupper=%s\n" % (len(stdin), stdin.upper())


RETURNED_OK = ("return", Variant("ok", None))


# --- what the guest receives ---------------------------------------------------------

def test_argv_is_passed_verbatim(tmp_path: Path) -> None:
    argv = ["prog", "plain", "two words", "", "h\u00e9llo \u2603", "--not-an-option"]
    outcome, out, err = run_command(tmp_path, *argv)
    assert outcome == ("exit", 0)
    assert out == ("arg[0]=prog\narg[1]=plain\narg[2]=two words\narg[3]=\n"
                   "arg[4]=h\u00e9llo \u2603\narg[5]=--not-an-option\n"
                   "env[GREETING]=<unset>\nstdin=0\nupper=\n").encode()
    assert err == b"to stderr\n"


def test_environment_variable_is_seen(tmp_path: Path) -> None:
    outcome, out, _ = run_command(tmp_path, "prog",
                                  env=[("OTHER", "x"), ("GREETING", "hi there \u00e9")])
    assert outcome == ("exit", 0)
    assert out == prologue("prog", greeting="hi there \u00e9")
    assert b"env[GREETING]=hi there \xc3\xa9\n" in out


def test_unset_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only what the WasiConfig gives: the host process's own GREETING does not leak in.
    monkeypatch.setenv("GREETING", "from the host process")
    _, out, _ = run_command(tmp_path, "prog", env=[("NOT_GREETING", "hi")])
    assert out == prologue("prog")
    assert b"env[GREETING]=<unset>\n" in out


def test_stdin_file_to_stdout_file(tmp_path: Path) -> None:
    outcome, out, err = run_command(tmp_path, "prog", env=[("GREETING", "hi")],
                                    stdin=b"hello\nWorld 42!\n")
    assert outcome == ("exit", 0)
    assert out == (b"arg[0]=prog\nenv[GREETING]=hi\n"
                   b"stdin=16\nupper=HELLO\nWORLD 42!\n\n")
    assert err == b"to stderr\n"


def test_binary_and_large_stdin(tmp_path: Path) -> None:
    # Every byte value, then enough to need several reads: all bytes arrive unchanged
    # (only ASCII letters are uppercased).
    data = bytes(range(256)) + b"abc" * 20000
    outcome, out, _ = run_command(tmp_path, "prog", stdin=data)
    assert outcome == ("exit", 0)
    assert out == prologue("prog", stdin=data)
    assert b"stdin=60256\n" in out


def test_stderr_goes_to_its_own_file(tmp_path: Path) -> None:
    _, out, err = run_command(tmp_path, "prog")
    assert err == b"to stderr\n"
    assert b"to stderr" not in out


# --- a preopened directory ----------------------------------------------------------

def test_read_file_in_preopened_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.txt").write_bytes(b"line one\nline two")
    outcome, out, err = run_command(tmp_path, "prog", "--read", "/data/in.txt")
    assert outcome == ("exit", 0)
    assert out == prologue("prog", "--read", "/data/in.txt") + b"file=line one\nline two\n"
    assert err == b"to stderr\n"


def test_write_file_in_preopened_dir(tmp_path: Path) -> None:
    outcome, out, err = run_command(tmp_path, "prog", "--write", "/data/out.txt", "written by wasm")
    assert outcome == ("exit", 0)
    assert (tmp_path / "data" / "out.txt").read_bytes() == b"written by wasm"
    assert out == prologue("prog", "--write", "/data/out.txt", "written by wasm") + \
        b"wrote=/data/out.txt\n"
    assert err == b"to stderr\n"


def test_write_truncates_an_existing_host_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "out.txt").write_bytes(b"a much longer previous content")
    outcome, _, _ = run_command(tmp_path, "prog", "--write", "/data/out.txt", "short")
    assert outcome == ("exit", 0)
    assert (tmp_path / "data" / "out.txt").read_bytes() == b"short"


def test_read_only_preopen_refuses_writes_but_allows_reads(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.txt").write_bytes(b"readable")
    outcome, out, _ = run_command(tmp_path, "prog", "--read", "/data/in.txt", fs_mutable=False)
    assert outcome == ("exit", 0)
    assert out.endswith(b"file=readable\n")

    outcome, out, err = run_command(tmp_path, "prog", "--write", "/data/new.txt", "x",
                                    fs_mutable=False)
    assert outcome == ("exit", 1)
    assert not (tmp_path / "data" / "new.txt").exists()
    # Wasmtime refuses to create a file in a read-only preopen with EPERM.
    assert err == b"/data/new.txt: Operation not permitted\n"
    assert out == prologue("prog", "--write", "/data/new.txt", "x")


def test_missing_file_exits_1_with_message(tmp_path: Path) -> None:
    outcome, out, err = run_command(tmp_path, "prog", "--read", "/data/missing.txt")
    assert outcome == ("exit", 1)
    # perror() then exit(1) at once: no file= line and no "to stderr".
    assert err == b"/data/missing.txt: No such file or directory\n"
    assert out == prologue("prog", "--read", "/data/missing.txt")


def test_path_outside_every_preopen_is_refused(tmp_path: Path) -> None:
    outcome, out, err = run_command(tmp_path, "prog", "--read", "/etc/hostname")
    assert outcome == ("exit", 1)
    assert err == b"/etc/hostname: Capabilities insufficient\n"
    assert b"file=" not in out


# --- how the program ends -----------------------------------------------------------

def test_return_from_main_gives_ok(tmp_path: Path) -> None:
    outcome, out, err = run_command(tmp_path, "prog", "--return")
    # run: func() -> result (result<_, _>): both cases lack a payload, so the value is
    # a tagged Variant, not None.
    assert outcome == RETURNED_OK
    value = outcome[1]
    assert isinstance(value, Variant)
    assert (value.tag, value.payload) == ("ok", None)
    assert value != Variant("err", None)
    assert out == prologue("prog", "--return")
    assert err == b"to stderr\n"


def test_run_function_type(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["prog"])
    _, run = instantiate_run(store, wasip2_linker())
    ty = run.type(store)
    assert list(ty.params) == []
    result = ty.result
    assert isinstance(result, cwasmtime.component.ResultType)
    assert result.ok is None and result.err is None


def test_exit_zero_raises_exit_trap_with_code_0(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["prog", "--exit", "0"])
    _, run = instantiate_run(store, wasip2_linker())
    with pytest.raises(ExitTrap) as info:
        run(store)
    assert info.value.code == 0
    assert isinstance(info.value, WasmtimeError)
    assert str(info.value).endswith("Caused by:\n    Exited with i32 exit status 0\n")
    # Everything was printed before exit().
    assert (tmp_path / "stdout").read_bytes() == prologue("prog", "--exit", "0")
    assert (tmp_path / "stderr").read_bytes() == b"to stderr\n"


@pytest.mark.parametrize("argv", [["--exit", "3"], ["--exit", "255"], ["--return", "--exit", "3"]],
                         ids=["exit-3", "exit-255", "return-3"])
def test_nonzero_exit_status_arrives_as_1(tmp_path: Path, argv: list) -> None:
    # The preview 1 adapter turns proc_exit(n) into wasi:cli/exit.exit(ok) for n == 0 and
    # exit(err) otherwise, and Wasmtime reports err as status 1: the exact status is lost.
    # (Returning 3 from main is the same: wasi-libc's _start calls proc_exit(3).)
    store = make_store(tmp_path, ["prog", *argv])
    _, run = instantiate_run(store, wasip2_linker())
    with pytest.raises(ExitTrap) as info:
        run(store)
    assert info.value.code == 1
    assert str(info.value).endswith("Exited with i32 exit status 1\n")
    assert (tmp_path / "stdout").read_bytes() == prologue("prog", *argv)


def test_run_again_after_exit_raises(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["prog"])
    _, run = instantiate_run(store, wasip2_linker())
    assert call_run(store, run) == ("exit", 0)
    with pytest.raises(WasmtimeError, match="cannot enter component instance") as info:
        run(store)
    assert not isinstance(info.value, ExitTrap)
    # Nothing more was printed.
    assert (tmp_path / "stdout").read_bytes() == prologue("prog")


def test_run_again_after_return_works(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["prog", "--return"], stdin=b"once")
    _, run = instantiate_run(store, wasip2_linker())
    assert call_run(store, run) == RETURNED_OK
    assert call_run(store, run) == RETURNED_OK
    # The second run sees the same argv but stdin is already at its end.
    assert (tmp_path / "stdout").read_bytes() == \
        prologue("prog", "--return", stdin=b"once") + prologue("prog", "--return")


def test_stores_have_separate_wasi_contexts(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    linker = wasip2_linker()
    store_a = make_store(a, ["first", "--return"], stdin=b"aaa")
    store_b = make_store(b, ["second"], env=[("GREETING", "b")])
    _, run_a = instantiate_run(store_a, linker)
    _, run_b = instantiate_run(store_b, linker)
    assert call_run(store_b, run_b) == ("exit", 0)
    assert call_run(store_a, run_a) == RETURNED_OK
    assert (a / "stdout").read_bytes() == prologue("first", "--return", stdin=b"aaa")
    assert (b / "stdout").read_bytes() == prologue("second", greeting="b")


# --- linker and store misuse --------------------------------------------------------

def test_run_with_another_store_is_refused(tmp_path: Path) -> None:
    # cwasmtime checks the store (wasmtime-py 50.0.1 lets Wasmtime abort the process on
    # this, so it is not compared). The instance still works in its own store afterwards.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    store = make_store(tmp_path / "a", ["prog", "--return"])
    other = make_store(tmp_path / "b", ["other"])
    _, run = instantiate_run(store, wasip2_linker())
    with pytest.raises(WasmtimeError, match="wrong Store"):
        run(other)
    assert (tmp_path / "b" / "stdout").read_bytes() == b""
    assert call_run(store, run) == RETURNED_OK
    assert (tmp_path / "a" / "stdout").read_bytes() == prologue("prog", "--return")


@pytest.mark.parametrize("with_wasi", [True, False], ids=["store-with-wasi", "store-without-wasi"])
def test_instantiate_without_add_wasip2_names_missing_import(tmp_path: Path,
                                                             with_wasi: bool) -> None:
    engine, component = engine_and_component()
    store = make_store(tmp_path, ["prog"]) if with_wasi else cwasmtime.Store(engine)
    with pytest.raises(WasmtimeError) as info:
        Linker(engine).instantiate(store, component)
    message = str(info.value)
    assert re.search(r"component imports instance `wasi:[a-z-]+/[a-z-]+@0\.2\.12`, "
                     r"but a matching implementation was not found in the linker", message), message
    assert not isinstance(info.value, ExitTrap)


def test_store_without_set_wasi_is_refused(tmp_path: Path) -> None:
    # Wasmtime itself would abort the process at the first WASI call (a Rust panic in
    # its C API); cwasmtime refuses to instantiate instead. Never tried with wasmtime-py.
    engine, component = engine_and_component()
    store = cwasmtime.Store(engine)
    linker = wasip2_linker()
    with pytest.raises(WasmtimeError, match=r"set_wasi"):
        linker.instantiate(store, component)
    # The same store and linker work once the store has a WASI context.
    (tmp_path / "stdin").write_bytes(b"")
    wasi = WasiConfig()
    wasi.argv = ["late", "--return"]
    wasi.stdin_file = str(tmp_path / "stdin")
    wasi.stdout_file = str(tmp_path / "stdout")
    store.set_wasi(wasi)
    _, run = instantiate_run(store, linker)
    assert call_run(store, run) == RETURNED_OK
    assert (tmp_path / "stdout").read_bytes() == prologue("late", "--return")


def test_add_wasi_http_after_add_wasip2(tmp_path: Path) -> None:
    linker = wasip2_linker()
    assert linker.add_wasi_http() is None
    with pytest.raises(WasmtimeError, match="defined twice"):
        linker.add_wasi_http()
    # The command imports no wasi:http, so a Store without set_wasi_http still runs it.
    store = make_store(tmp_path, ["prog", "--return"])
    _, run = instantiate_run(store, linker)
    assert call_run(store, run) == RETURNED_OK
    assert (tmp_path / "stdout").read_bytes() == prologue("prog", "--return")


def test_add_wasip2_twice_needs_allow_shadowing(tmp_path: Path) -> None:
    linker = wasip2_linker()
    with pytest.raises(WasmtimeError, match="defined twice"):
        linker.add_wasip2()
    linker.allow_shadowing = True
    linker.add_wasip2()
    store = make_store(tmp_path, ["prog", "--return"], env=[("GREETING", "again")])
    _, run = instantiate_run(store, linker)
    assert call_run(store, run) == RETURNED_OK
    assert (tmp_path / "stdout").read_bytes() == prologue("prog", "--return", greeting="again")


def test_add_wasip2_while_root_is_open(tmp_path: Path) -> None:
    engine, _ = engine_and_component()
    linker = Linker(engine)
    root = linker.root()
    with pytest.raises(WasmtimeError):
        linker.add_wasip2()
    root.close()
    linker.add_wasip2()     # unlocked again
    store = make_store(tmp_path, ["prog", "--return"])
    _, run = instantiate_run(store, linker)
    assert call_run(store, run) == RETURNED_OK


# --- the same as wasmtime-py 50.0.1 -------------------------------------------------

SCENARIOS = {  # name: (argv, make_store keywords, expected outcome)
    "args-env-stdin": (["prog", "a b", "\u00e9"],
                       dict(env=[("GREETING", "yo")], stdin=b"MiXeD\ncase\n"), ("exit", 0)),
    "return": (["prog", "--return"], dict(stdin=b"x"), ("return", ("ok", None))),
    "exit-0": (["prog", "--exit", "0"], {}, ("exit", 0)),
    "exit-3": (["prog", "--exit", "3"], {}, ("exit", 1)),
    "return-3": (["prog", "--return", "--exit", "3"], {}, ("exit", 1)),
    "read": (["prog", "--read", "/data/in.txt"], {}, ("exit", 0)),
    "read-missing": (["prog", "--read", "/data/missing.txt"], {}, ("exit", 1)),
    "read-outside": (["prog", "--read", "/etc/hostname"], {}, ("exit", 1)),
    "write": (["prog", "--write", "/data/out.txt", "hello file"], {}, ("exit", 0)),
    "write-read-only": (["prog", "--write", "/data/out.txt", "nope"], dict(fs_mutable=False),
                        ("exit", 1)),
}


def _plain(outcome: Tuple[str, Any]) -> Tuple[str, Any]:
    """The outcome without library objects (a Variant becomes ``(tag, payload)``)."""
    kind, value = outcome
    return (kind, (value.tag, value.payload)) if kind == "return" else (kind, value)


def _run_in(lib: Tuple[Any, Any], root: Path, argv: list, wasi: dict) -> Tuple[Any, ...]:
    (root / "data").mkdir(parents=True)
    (root / "data" / "in.txt").write_bytes(b"from the host\n")
    outcome, out, err = run_command(root, *argv, lib=lib, **wasi)
    files = {p.name: p.read_bytes() for p in sorted((root / "data").iterdir())}
    return _plain(outcome), out, err, files


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_as_wasmtime_py(tmp_path: Path, name: str) -> None:
    argv, wasi, expected = SCENARIOS[name]
    ours = _run_in(CW, tmp_path / "cwasmtime", argv, wasi)
    theirs = _run_in(WT, tmp_path / "wasmtime", argv, wasi)
    assert ours == theirs
    # Not vacuously equal: the command ran and ended as expected in both.
    outcome, out, err, _ = ours
    assert outcome == expected
    greeting = dict(wasi.get("env", [])).get("GREETING", "<unset>")
    assert out.startswith(prologue(*argv, greeting=greeting, stdin=wasi.get("stdin", b"")))
    assert err
