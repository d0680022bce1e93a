"""``python -m cwasmtime run``: run a WASI command or invoke an export, like ``wasmtime run``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, List


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", help="a .wasm or .wat file")
    parser.add_argument("args", nargs=argparse.REMAINDER,
                        help="arguments: the WASI argv, or the values passed to --invoke")
    parser.add_argument("--invoke", metavar="NAME",
                        help="call this export with ARGS (parsed by its parameter types) and print the result")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen a host directory for WASI (optionally under another guest path)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set a WASI environment variable")
    parser.add_argument("--fuel", type=int, help="stop the guest after this much fuel")


def _parse_arg(text: str, kind: str) -> Any:
    if kind in ("i32", "i64"):
        return int(text, 0)
    if kind in ("f32", "f64"):
        return float(text)
    raise ValueError(f"cannot pass a {kind} from the command line")


def run(args: argparse.Namespace) -> int:
    from . import Config, Engine, ExitTrap, Func, Linker, Module, Store, Trap, WasiConfig, WasmtimeError

    config = Config()
    if args.fuel is not None:
        config.consume_fuel = True
    engine = Engine(config)
    path = Path(args.module)
    module = Module.from_file(engine, str(path))
    store = Store(engine)
    if args.fuel is not None:
        store.set_fuel(args.fuel)

    wasi = WasiConfig()
    wasi.argv = [path.name, *([] if args.invoke else args.args)]
    wasi.env = [tuple(item.split("=", 1)) for item in args.env]
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for spec in args.dir:
        host, _, guest = spec.partition("::")
        wasi.preopen_dir(host, guest or host)
    store.set_wasi(wasi)

    linker = Linker(engine)
    linker.define_wasi()
    try:
        instance = linker.instantiate(store, module)
        if args.invoke is None:
            start = instance.exports(store).get("_start")
            if not isinstance(start, Func):
                print(f"error: {path} exports no _start function; pass --invoke NAME", file=sys.stderr)
                return 2
            start(store)
            return 0
        func = instance.exports(store).get(args.invoke)
        if not isinstance(func, Func):
            print(f"error: {path} exports no function named {args.invoke!r}", file=sys.stderr)
            return 2
        kinds: List[str] = [str(t) for t in func.type(store).params]
        if len(kinds) != len(args.args):
            print(f"error: {args.invoke} takes {len(kinds)} arguments ({', '.join(kinds)}), "
                  f"got {len(args.args)}", file=sys.stderr)
            return 2
        result = func(store, *[_parse_arg(a, k) for a, k in zip(args.args, kinds)])
        if result is not None:
            for value in result if isinstance(result, list) else [result]:
                print(value)
        return 0
    except ExitTrap as exit_trap:
        return exit_trap.code
    except (Trap, WasmtimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        sys.stdout.flush()
