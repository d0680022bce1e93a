"""``cwasmtime run``: run a WASI command, like ``wasmtime run``.

A core module runs its ``_start`` (WASI preview 1), or with ``--invoke NAME`` one export
called with the command-line arguments parsed by its parameter types; a
``wasi:cli/command`` component runs its ``wasi:cli/run`` export (WASI preview 2).
Every user error is a :class:`CliError` (one line, an exit status); Ctrl-C stops the
guest (see :mod:`cwasmtime._sigint`).

Exit status: the guest's own (``proc_exit``/``exit``; a component's ``run`` returning
``err`` is 1), 1 when the program cannot be loaded or fails (unreadable file, invalid
wasm or WAT, link error, trap, out of fuel), 2 for a wrong command line, 130 on Ctrl-C.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import struct
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from ._engine import Engine
    from ._module import Module
    from ._native import Store
    from ._types import FuncType, ValType
    from ._wasi import WasiConfig
    from .component import Component

FAILED = 1
USAGE = 2
_RUN_EXPORT = re.compile(r"wasi:cli/run@0\.2\.\d+")


class CliError(Exception):
    """A user error: printed as ``error: <message>``, then exit with ``status``."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def _fuel(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value < 1 << 64:
        raise argparse.ArgumentTypeError("%r is not an integer from 0 to 2**64-1" % text)
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="a .wasm or .wat file: a core module or a "
                                       "wasi:cli/command component")
    args = parser.add_argument("args", nargs=argparse.REMAINDER,
                               help="arguments: the WASI argv, or the values passed to "
                                    "--invoke")
    args.required = False  # argparse makes a REMAINDER positional required; it may be empty
    parser.add_argument("--invoke", metavar="NAME",
                        help="call this export of a core module with ARGS (parsed by its "
                             "parameter types) and print its results")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen a host directory for WASI (optionally under another "
                             "guest path)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set a WASI environment variable")
    parser.add_argument("--fuel", type=_fuel, metavar="N",
                        help="stop the guest after this much fuel (an integer, 0 to 2**64-1)")


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------

def _check_text(what: str, text: str) -> str:
    """*text* if the guest (or the OS) can take it as a C string."""
    if "\0" in text:
        raise CliError("%s contains a NUL byte" % what)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes on the command line (surrogateescape)
        raise CliError("%s is not valid UTF-8" % what) from None
    return text


def _env(items: Sequence[str]) -> List[Tuple[str, str]]:
    pairs = []
    for item in items:
        name, sep, value = _check_text("--env %r" % item, item).partition("=")
        if not sep or not name:
            raise CliError("--env %r: expected NAME=VALUE" % item)
        pairs.append((name, value))
    return pairs


def _dirs(specs: Sequence[str]) -> List[Tuple[str, str]]:
    dirs = []
    for spec in specs:
        host, _, guest = _check_text("--dir %r" % spec, spec).partition("::")
        if not os.path.isdir(host):
            raise CliError("--dir %s: no such directory" % host)
        dirs.append((host, guest or host))
    return dirs


def _wasi(argv: Sequence[str], env: Sequence[Tuple[str, str]],
          dirs: Sequence[Tuple[str, str]]) -> "WasiConfig":
    from ._wasi import WasiConfig
    wasi = WasiConfig()
    wasi.argv = list(argv)
    wasi.env = list(env)
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    return wasi


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def one_line(message: str) -> str:
    """Wasmtime's error text (a context line, a "Caused by:" chain, maybe a wasm
    backtrace) as one line: the context and each cause, joined by ": "."""
    head, _, causes = message.partition("\n\nCaused by:\n")
    parts = [re.sub(r"^\s*(\d+:\s*)?", "", line) for line in causes.splitlines()]
    if not head.startswith("error while executing at wasm backtrace"):  # (frames: left out)
        parts.insert(0, head.strip().split("\n", 1)[0])
    return ": ".join(part for part in parts if part)


def _wat_to_wasm(path: str, text: str) -> bytes:
    from ._error import WasmtimeError
    from ._wat2wasm import wat2wasm
    try:
        return bytes(wat2wasm(text))
    except WasmtimeError as exc:
        message = str(exc)
        where = re.search(r"\n\s*--> <anon>:(\d+):(\d+)", message)
        if where is None:
            raise CliError("%s: %s" % (path, one_line(message)), FAILED) from None
        raise CliError("%s:%s:%s: %s" % (path, where.group(1), where.group(2),
                                          message[:where.start()].strip()), FAILED) from None


def read_wasm(path: str) -> bytes:
    """The binary in *path* (a .wasm file, or WAT text converted)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise CliError("cannot read %s: %s" % (path, exc.strerror or exc), FAILED) from None
    if data.startswith(b"\0asm"):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("%s is neither a wasm binary nor WAT text" % path, FAILED) from None
    return _wat_to_wasm(path, text)


def is_component(wasm: bytes) -> bool:
    # The preamble's layer field: 0 for a core module, 1 for a component.
    return wasm[6:8] == b"\x01\x00"


# ---------------------------------------------------------------------------
# --invoke: arguments and results
# ---------------------------------------------------------------------------

_PASSABLE = ("i32", "i64", "f32", "f64", "externref", "funcref")


def type_name(valtype: "ValType") -> str:
    """i32 ... funcref, "v128", or "a reference" (any other: anyref, typed, non-null)."""
    name = str(valtype)
    if name == "anyref":  # what str() calls externref, as wasmtime-py does
        return "externref"
    return name if name in _PASSABLE or name == "v128" else "a reference"


def _integer(text: str, kind: str, what: str) -> int:
    bits = 32 if kind == "i32" else 64
    try:
        value = int(text, 10)
    except ValueError:
        try:
            value = int(text, 0)  # 0x.., 0o.., 0b..
        except ValueError:
            raise CliError("%s: %r is not an integer (%s)" % (what, text, kind)) from None
    low, high = -(1 << (bits - 1)), (1 << bits) - 1
    if not low <= value <= high:
        raise CliError("%s: %s is out of range for %s (%d to %d)" % (what, text, kind, low, high))
    # Values from 2**(bits-1) up are the unsigned reading of the same bits.
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _float(text: str, kind: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CliError("%s: %r is not a number (%s)" % (what, text, kind)) from None
    overflow = math.isinf(value) and "inf" not in text.lower()
    if kind == "f32" and math.isfinite(value):
        try:
            struct.pack("<f", value)
        except OverflowError:
            overflow = True
    if overflow:
        raise CliError("%s: %s is out of range for %s" % (what, text, kind))
    return value


def parse_value(text: str, kind: str, what: str) -> Any:
    """The command-line argument *text* as a value of the wasm type *kind*."""
    if kind in ("i32", "i64"):
        return _integer(text, kind, what)
    if kind in ("f32", "f64"):
        return _float(text, kind, what)
    raise CliError("%s: cannot pass %s from the command line" % (what, _a(kind)))


def _a(kind: str) -> str:
    return kind if kind.startswith("a ") else ("an " if kind[0] in "aeiou" else "a ") + kind


def _invoke_args(name: str, ftype: "FuncType", texts: Sequence[str]) -> List[Any]:
    kinds = [type_name(t) for t in ftype.params]
    for kind in (type_name(t) for t in ftype.results):
        if kind not in _PASSABLE:
            raise CliError("%s returns %s, which the command line cannot show" % (name, _a(kind)))
    if len(kinds) != len(texts):
        raise CliError("%s takes %d argument%s (%s), got %d" % (
            name, len(kinds), "" if len(kinds) == 1 else "s", ", ".join(kinds), len(texts)))
    return [parse_value(text, kind, "argument %d of %s" % (i, name))
            for i, (text, kind) in enumerate(zip(texts, kinds), 1)]


def _export_type(module: "Module", name: str) -> Optional["FuncType"]:
    from ._types import FuncType
    for export in module.exports:
        if export.name == name:
            return export.type if isinstance(export.type, FuncType) else None
    return None


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _store(engine: "Engine", fuel: Optional[int], wasi: "WasiConfig") -> "Store":
    from ._native import Store
    store = Store(engine)
    store.set_epoch_deadline(1)  # the first epoch tick (Ctrl-C) traps the guest
    if fuel is not None:
        store.set_fuel(fuel)
    store.set_wasi(wasi)
    return store


def _print_results(result: Any) -> None:
    if result is not None:
        for value in result if isinstance(result, list) else [result]:
            print(value)


def _run_module(engine: "Engine", store: "Store", module: "Module", invoke: Optional[str],
                invoke_args: List[Any]) -> int:
    from ._linker import Linker
    from ._native import Func
    linker = Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    exports = instance.exports(store)
    if invoke is None:
        start = exports["_start"]
        assert isinstance(start, Func)  # run() checked the module's exports
        start(store)
        return 0
    initialize = exports.get("_initialize")  # a WASI reactor's set-up, as wasmtime runs it
    if isinstance(initialize, Func):
        initialize(store)
    func = exports[invoke]
    assert isinstance(func, Func)
    _print_results(func(store, *invoke_args))
    return 0


def _run_component(engine: "Engine", store: "Store", path: str, component: "Component") -> int:
    from .component import Linker as ComponentLinker
    names = [n for n in component.type.exports(engine) if _RUN_EXPORT.fullmatch(n)]
    if not names:
        raise CliError("%s is a component but not a wasi:cli/command (it exports no "
                       "wasi:cli/run@0.2)" % path, FAILED)
    linker = ComponentLinker(engine)
    linker.add_wasip2()
    instance = linker.instantiate(store, component)
    interface = instance.get_export_index(store, names[0])
    index = instance.get_export_index(store, "run", interface) if interface else None
    run = instance.get_func(store, index) if index else None
    if run is None:
        raise CliError("%s: its %s export has no run function" % (path, names[0]), FAILED)
    outcome = run(store)
    return 0 if getattr(outcome, "tag", None) == "ok" else 1


def _compile(engine: "Engine", path: str, wasm: bytes) -> Any:
    """A Component or a Module, by the binary's preamble."""
    from ._error import WasmtimeError
    try:
        if is_component(wasm):
            from .component import Component
            return Component(engine, wasm)
        from ._module import Module
        return Module(engine, wasm)
    except WasmtimeError as exc:
        raise CliError("%s: %s" % (path, one_line(str(exc))), FAILED) from None


def _run_guest(engine: "Engine", store: "Store", path: str, program: Any,
               invoke: Optional[str], invoke_args: List[Any], fuel: Optional[int]) -> int:
    """Run the program: its exit status, or a CliError for a trap or a link error."""
    from ._error import ExitTrap, WasmtimeError
    from ._module import Module
    from ._trap import Trap, TrapCode
    try:
        if isinstance(program, Module):
            return _run_module(engine, store, program, invoke, invoke_args)
        return _run_component(engine, store, path, program)
    except ExitTrap as exit_trap:
        return exit_trap.code
    except Trap as trap:
        if trap.trap_code == TrapCode.OUT_OF_FUEL:
            raise CliError("%s ran out of fuel (--fuel %s)" % (path, fuel), FAILED) from None
        raise CliError("%s: %s" % (path, one_line(trap.message)), FAILED) from None
    except WasmtimeError as exc:  # linking, instantiation
        raise CliError("%s: %s" % (path, one_line(str(exc))), FAILED) from None


def run(args: argparse.Namespace) -> int:
    from ._config import Config
    from ._engine import Engine
    from ._module import Module
    from ._sigint import EXIT_INTERRUPTED, interrupt_on_sigint

    # The whole command line is checked before anything runs.
    path = _check_text("the module path", args.module)
    texts = [_check_text("argument %d" % i, a) for i, a in enumerate(args.args, 1)]
    if args.invoke is not None:
        _check_text("--invoke", args.invoke)
    env, dirs = _env(args.env), _dirs(args.dir)
    wasm = read_wasm(path)
    if is_component(wasm) and args.invoke is not None:
        raise CliError("%s is a component; --invoke calls an export of a core module (run a "
                       "wasi:cli/command component without it)" % path)

    config = Config()
    config.epoch_interruption = True
    config.consume_fuel = args.fuel is not None
    engine = Engine(config)
    program = _compile(engine, path, wasm)
    invoke_args: List[Any] = []
    if args.invoke is not None:
        assert isinstance(program, Module)
        ftype = _export_type(program, args.invoke)
        if ftype is None:
            raise CliError("%s exports no function named %r" % (path, args.invoke))
        invoke_args = _invoke_args(args.invoke, ftype, texts)
    elif isinstance(program, Module) and _export_type(program, "_start") is None:
        raise CliError("%s exports no _start function (it is not a WASI command); pass "
                       "--invoke NAME to call one of its exports" % path)
    argv = [os.path.basename(path), *([] if args.invoke is not None else texts)]
    store = _store(engine, args.fuel, _wasi(argv, env, dirs))

    with interrupt_on_sigint() as interrupted:
        try:
            status = _run_guest(engine, store, path, program, args.invoke, invoke_args,
                                args.fuel)
        except CliError:
            if interrupted.is_set():  # whatever the guest did on its way out
                return EXIT_INTERRUPTED
            raise
    # Ctrl-C may also end a host call early (EINTR) and let the guest return.
    return EXIT_INTERRUPTED if interrupted.is_set() else status
