"""Shared helpers for the component tests: WAT of components whose export ``x``
hands its argument to the host import ``x`` and returns what the host returns (so a
value crosses host -> guest -> host -> guest -> host), run side by side in
cwasmtime and wasmtime-py 50.0.1, and resident-memory measurement."""
from __future__ import annotations

import math
from typing import Any, Callable, List, Optional, Sequence, Tuple

import wasmtime
import wasmtime.component

import cwasmtime
import cwasmtime.component

# A guest allocator: bump, aligned, growing memory as needed; `reset` (run by
# post-return) frees everything. Offsets 0..63 are the return area.
LIBC = """
  (core module $libc
    (memory (export "mem") 1)
    (global $base (mut i32) (i32.const 64))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $ret i32)
      (local.set $ret (i32.and (i32.add (global.get $base) (i32.sub (local.get 2) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get 2))))
      (global.set $base (i32.add (local.get $ret) (local.get 3)))
      (block $ok
        (br_if $ok (i32.le_u (global.get $base) (i32.shl (memory.size) (i32.const 16))))
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $base)
                                                              (i32.shl (memory.size) (i32.const 16)))
                                                     (i32.const 16))
                                          (i32.const 1)))
                    (i32.const -1))
          (then unreachable)))
      (local.get $ret))
    (func (export "reset") (global.set $base (i32.const 64)))
  )
  (core instance $libc (instantiate $libc))
"""


def _named(named: Sequence[Tuple[str, str]]) -> str:
    """Imports of the named types T uses (records, variants, enums and flags inside
    other types must be named): each ``(name, definition)`` becomes ``$name``."""
    return "\n".join(f"  (type ${name}' {wit})\n  (import \"{name}\" (type ${name} (eq ${name}')))"
                     for name, wit in named)


def direct_component(ty_wit: str, flat: str, named: Sequence[Tuple[str, str]] = ()) -> str:
    """``x: func(x: T) -> T`` through the host import ``x``, for a type T whose flat
    form is the single core type ``flat`` (wasmtime-py's ``roundtrip_simple``)."""
    return f"""
(component
{_named(named)}
  (type $t' {ty_wit})
  (import "t" (type $t (eq $t')))
  (import "x" (func $x (param "x" $t) (result $t)))
  (core module $a
    (import "" "x" (func (param {flat}) (result {flat})))
    (func (export "x") (param {flat}) (result {flat}) local.get 0 call 0))
  (core func $x (canon lower (func $x)))
  (core instance $a (instantiate $a (with "" (instance (export "x" (func $x))))))
  (func (export "x") (param "x" $t) (result $t) (canon lift (core func $a "x")))
)"""


def indirect_component(ty_wit: str, flat: str, named: Sequence[Tuple[str, str]] = ()) -> str:
    """``x: func(x: T) -> T`` through the host import ``x``, for a type T whose flat
    form ``flat`` has several core values (results go through a return area at 0;
    lists and strings through the guest allocator; post-return frees them)."""
    n = len(flat.split())
    gets = " ".join(f"(local.get {i})" for i in range(n))
    return f"""
(component
{_named(named)}
  (type $t' {ty_wit})
  (import "t" (type $t (eq $t')))
  (import "x" (func $x (param "x" $t) (result $t)))
  {LIBC}
  (core module $a
    (import "" "x" (func $x (param {flat} i32)))
    (import "" "reset" (func $reset))
    (func (export "x") (param {flat}) (result i32)
      {gets} (i32.const 0) (call $x) (i32.const 0))
    (func (export "post") (param i32) (call $reset)))
  (core func $x (canon lower (func $x) (memory (core memory $libc "mem"))
                                       (realloc (core func $libc "realloc"))))
  (core instance $a (instantiate $a (with "" (instance (export "x" (func $x))
                                                       (export "reset" (func $libc "reset"))))))
  (func (export "x") (param "x" $t) (result $t)
    (canon lift (core func $a "x") (memory (core memory $libc "mem"))
                (realloc (core func $libc "realloc")) (post-return (core func $a "post"))))
)"""


def component_for(ty_wit: str, flat: str, named: Sequence[Tuple[str, str]] = ()) -> str:
    return (direct_component if len(flat.split()) == 1 else indirect_component)(ty_wit, flat, named)


class Echo:
    """An instance of an ``x`` component (above) in a new Store of ``api`` (the
    ``cwasmtime`` or ``wasmtime`` module; a new Engine unless given). By default the host import records what it
    gets in ``seen`` and returns it; ``host(store, value)`` replaces that."""

    def __init__(self, api: Any, wat: str, host: Optional[Callable[..., Any]] = None,
                 engine: Any = None) -> None:
        comp = api.component
        self.api = api
        self.engine = engine if engine is not None else api.Engine()
        self.store = api.Store(self.engine)
        self.seen: List[Any] = []
        self.host = host
        linker = comp.Linker(self.engine)
        with linker.root() as root:
            root.add_func("x", self._host)
        self.instance = linker.instantiate(self.store, comp.Component(self.engine, wat))
        self.func = self.instance.get_func(self.store, "x")
        assert self.func is not None

    def _host(self, store: Any, value: Any) -> Any:
        self.seen.append(value)
        if self.host is not None:
            return self.host(store, value)
        return value

    def __call__(self, value: Any) -> Any:
        result = self.func(self.store, value)
        self.func.post_return(self.store)
        return result


def to_wasmtime_py(value: Any) -> Any:
    """A cwasmtime value as wasmtime-py takes it (its tagged variants must be its own
    ``Variant`` class; everything else is shared)."""
    if isinstance(value, cwasmtime.component.Variant):
        return wasmtime.component.Variant(value.tag, to_wasmtime_py(value.payload))
    if isinstance(value, list):
        return [to_wasmtime_py(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_wasmtime_py(v) for v in value)
    if isinstance(value, cwasmtime.component.Record):
        record = wasmtime.component.Record()
        for k, v in vars(value).items():
            setattr(record, k, to_wasmtime_py(v))
        return record
    return value


def same_value(a: Any, b: Any) -> bool:
    """``a == b`` with the same shape (class names, so cwasmtime's Record/Variant
    match wasmtime-py's), NaN equal to NaN and -0.0 told from 0.0."""
    if type(a).__name__ != type(b).__name__:
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if type(a).__name__ == "Variant":
        return a.tag == b.tag and same_value(a.payload, b.payload)
    if type(a).__name__ == "Record":
        return vars(a).keys() == vars(b).keys() and all(same_value(v, getattr(b, k))
                                                         for k, v in vars(a).items())
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    return bool(a == b)


def outcome(fn: Callable[[], Any]) -> tuple:
    """("ok", value) or ("raise", exception class name) - comparable across the two."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - the exception is the outcome
        return ("raise", type(e).__name__)


# RSS checks as tests/test_leaks.py makes them (pytest puts tests/ on sys.path).
from test_leaks import flat as assert_flat  # noqa: E402,F401  (re-exported to the tests)


# Host resources (type id 7): `mk` makes one (the host's own), `borrow`/`own` hand one
# to the host (which answers its rep), `echo` passes an own through the host and back,
# `drop` drops one in the guest (running the host destructor).
RESOURCE_WAT = """
(component
  (import "t" (type $t (sub resource)))
  (import "mk" (func $mk (param "rep" u32) (result (own $t))))
  (import "borrow" (func $borrow (param "t" (borrow $t)) (result u32)))
  (import "own" (func $own (param "t" (own $t)) (result u32)))
  (import "echo" (func $echo (param "t" (own $t)) (result (own $t))))
  (core module $a
    (import "" "mk" (func $mk (param i32) (result i32)))
    (import "" "borrow" (func $borrow (param i32) (result i32)))
    (import "" "own" (func $own (param i32) (result i32)))
    (import "" "echo" (func $echo (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "mk") (param i32) (result i32) (call $mk (local.get 0)))
    (func (export "borrow") (param i32) (result i32) (local $r i32)
      (local.set $r (call $borrow (local.get 0)))
      (call $drop (local.get 0))
      (local.get $r))
    (func (export "own") (param i32) (result i32) (call $own (local.get 0)))
    (func (export "echo") (param i32) (result i32) (call $echo (local.get 0)))
    (func (export "drop") (param i32) (call $drop (local.get 0))))
  (core func $mk (canon lower (func $mk)))
  (core func $borrow (canon lower (func $borrow)))
  (core func $own (canon lower (func $own)))
  (core func $echo (canon lower (func $echo)))
  (core func $drop (canon resource.drop $t))
  (core instance $a (instantiate $a (with "" (instance
    (export "mk" (func $mk)) (export "borrow" (func $borrow)) (export "own" (func $own))
    (export "echo" (func $echo)) (export "drop" (func $drop))))))
  (func (export "mk") (param "rep" u32) (result (own $t)) (canon lift (core func $a "mk")))
  (func (export "borrow") (param "x" (borrow $t)) (result u32) (canon lift (core func $a "borrow")))
  (func (export "own") (param "x" (own $t)) (result u32) (canon lift (core func $a "own")))
  (func (export "echo") (param "x" (own $t)) (result (own $t)) (canon lift (core func $a "echo")))
  (func (export "drop") (param "x" (own $t)) (canon lift (core func $a "drop")))
)"""

RESOURCE_TYPE_ID = 7


class Resources:
    """An instance of RESOURCE_WAT in a new Store of ``api``; ``log`` records what the
    host functions and the destructor see. ``dtor``/``own``/... replace the defaults."""

    def __init__(self, api: Any, engine: Any = None, dtor: Optional[Callable[..., Any]] = None,
                 **hosts: Callable[..., Any]) -> None:
        comp = api.component
        self.api = api
        self.engine = engine if engine is not None else api.Engine()
        self.store = api.Store(self.engine)
        self.log: List[tuple] = []
        ty = comp.ResourceType.host(RESOURCE_TYPE_ID)

        def default_dtor(store: Any, rep: int) -> None:
            self.log.append(("dtor", rep))

        def mk(store: Any, rep: int) -> Any:
            return comp.ResourceHost.own(rep, RESOURCE_TYPE_ID)

        def handed(kind: str) -> Callable[..., int]:
            def host(store: Any, r: Any) -> int:
                h = r.to_host(store)  # (to_host takes the handle over: once only)
                self.log.append((kind, r.owned, h.rep, h.type, h.owned))
                return h.rep
            return host

        funcs = {"mk": mk, "borrow": handed("borrow"), "own": handed("own"),
                 "echo": lambda store, r: r}
        funcs.update(hosts)
        linker = comp.Linker(self.engine)
        with linker.root() as root:
            root.add_resource("t", ty, dtor if dtor is not None else default_dtor)
            for name, fn in funcs.items():
                root.add_func(name, fn)
        self.instance = linker.instantiate(self.store, comp.Component(self.engine, RESOURCE_WAT))
        self.f = {name: self.instance.get_func(self.store, name)
                  for name in ("mk", "borrow", "own", "echo", "drop")}

    def __call__(self, name: str, *args: Any) -> Any:
        result = self.f[name](self.store, *args)
        self.f[name].post_return(self.store)
        return result
