"""A Python host for the sample guest (README.md next to this file).

Loads the core module ``sample-core.wasm`` with cwasmtime, reads the world's types
from ``wit/sample.wit`` (through ``wasm-tools``, see ``cmabi.wit``), serves every
import of the world from Python, and calls every export, printing a transcript:
for each call, the host calls it triggered (indented) and its result.

    python examples/sample/host.py
"""
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import cwasmtime as wasmtime
from cmabi import bind, wit

HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(value: Any) -> str:
    return repr(value)


# (section heading, [(interface or None, function, arguments), ...]): every call the
# transcript makes, in order.
CALLS: List[Tuple[str, List[Tuple[Optional[str], str, Tuple[Any, ...]]]]] = [
    ("String", [("example:sample/strings", "reverse", ("Hello World!",)),
                ("example:sample/strings", "reverse", ("",)),
                ("example:sample/strings", "reverse", ("añ☃🦀",))]),
    ("Variant", [("example:sample/variants", "variant-func", (True,)),
                 ("example:sample/variants", "variant-func", (False,)),
                 ("example:sample/variants", "variant-func", (40,)),
                 ("example:sample/variants", "variant-func", (0x80000001,))]),
    ("Option", [(None, "option-func", (None,)), (None, "option-func", (42,))]),
    ("Void", [(None, "void-func", ())]),
    ("Result", [(None, "ok-func", (40, 2)), (None, "ok-func", (0xFFFFFFFF, 2)),
                (None, "err-func", (40, 2))]),
    ("Boolean", [("example:sample/booleans", "and", (a, b)) for a in (False, True) for b in (False, True)]),
    ("Float", [("example:sample/floats", "add", (1.5, 2.25)), ("example:sample/floats", "add", (0.1, 0.2))]),
    ("Complex String", [("example:sample/strings", "lots", tuple(f"p{i}" for i in range(1, 17)) + ("añ☃🦀",))]),
    ("Tuple", [("example:sample/tuples", "reverse", ((True, "hello"),)),
               ("example:sample/tuples", "reverse", ((False, ""),))]),
    ("List", [("example:sample/lists", "filter-bool", ([True, "a", False, "bc", "☃"],)),
              ("example:sample/lists", "filter-bool", ([],))]),
    ("Enum", [("example:sample/enums", "enum-func", (e,)) for e in ("a", "b", "c")]),
]


def label(interface: Optional[str], name: str) -> str:
    """``strings.reverse`` for ``example:sample/strings#reverse``, ``ok-func`` for a
    world-level function."""
    return name if interface is None else f"{interface.rpartition('/')[2]}.{name}"


def make_imports(out: Callable[[str], Any]) -> Dict[str, Any]:
    """The host's implementation of every import of the world, keyed as
    :meth:`cmabi.bind.Host.define_world` wants them; each prints what it was called
    with (and returned) through ``out``."""

    def log(name: str) -> Callable[[Any, str], None]:
        def f(a: Any, s: str) -> None:
            out(f"    host logging.{name}({fmt(a)}, {fmt(s)})")
        return f

    def traced(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def f(*args: Any) -> Any:
            result = fn(*args)
            call = f"    host {name}({', '.join(fmt(a) for a in args)})"
            out(call if result is None else f"{call} -> {fmt(result)}")
            return result
        return f

    return {
        "example:sample/logging": {n: log(n) for n in
                                   ("log-bool", "log-u32", "log-u64", "log-f32", "log-f64", "log-str")},
        "void-func": traced("void-func", lambda: None),
        "example:sample/booleans": {"and": traced("booleans.and", lambda a, b: a and b)},
        "example:sample/floats": {"add": traced("floats.add", lambda a, b: a + b)},
        "example:sample/strings": {
            "reverse": traced("strings.reverse", lambda a: a[::-1]),
            "lots": traced("strings.lots", lambda *ps: sum(len(p.encode("utf-8")) for p in ps)),
        },
        "example:sample/lists": {
            "filter-bool": traced("lists.filter-bool", lambda l: [v for v in l if isinstance(v, str)]),
        },
    }


def transcript(export: Callable[[Optional[str], str], Callable[..., Any]],
               out: Callable[[str], Any]) -> None:
    """Make every call of :data:`CALLS` through ``export(interface, name)`` (a
    callable taking component values) and print it, its host calls and its
    result."""
    for heading, calls in CALLS:
        out(heading)
        for interface, name, args in calls:
            out(f"  {label(interface, name)}({', '.join(fmt(a) for a in args)})")
            out(f"  => {fmt(export(interface, name)(*args))}")


def run(out: Callable[[str], Any] = print) -> None:
    """The whole program: load, link, instantiate, print the transcript."""
    world = wit.load(os.path.join(HERE, "wit")).world("sample")
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, os.path.join(HERE, "sample-core.wasm"))
    linker = wasmtime.Linker(engine)
    host = bind.Host(linker)
    host.define_world(world, make_imports(out))
    guest = bind.Guest(store, linker.instantiate(store, module), host=host)
    exports = guest.bind_world(world)

    def export(interface: Optional[str], name: str) -> Callable[..., Any]:
        return exports[name] if interface is None else exports[interface][name]  # type: ignore[no-any-return]

    transcript(export, out)


if __name__ == "__main__":
    run()
