"""The guests every benchmark runs, built once per implementation.

One WAT module holds everything a case needs; `Guest` instantiates it in cwasmtime or
wasmtime-py (same drop-in API), `Wasm3Guest` in pywasm3 (an interpreter, present only
if `wasm3` imports). Each exposes `call(name)`: the callable and the leading arguments
to pass it, so a benchmark times the implementation's own call with no wrapper."""
from __future__ import annotations

from typing import Any, Callable

import cwasmtime
import wasmtime

try:
    import wasm3
except ImportError:  # pywasm3 is optional (the `bench` extra)
    wasm3 = None

# The two wasmtime bindings share an API; pywasm3 joins the groups it can do.
WASMTIME_IMPLS = {"cwasmtime": cwasmtime, "wasmtime-py": wasmtime}
ALL_IMPLS = list(WASMTIME_IMPLS) + (["pywasm3"] if wasm3 is not None else [])

LOOP_CALLBACKS = 1000  # host callbacks made by one call of `loop_cb`
FIB_N = 25
FIB_RESULT = 75025
MIB = 1 << 20

WAT = f"""
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 17)   ;; > 1 MiB
  (global (export "g") (mut i32) (i32.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $add $nop)
  (func $add (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func $nop (export "nop"))
  (func (export "mix8") (param i32 i64 f32 f64 i32 i64 f32 f64) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 5)))
  (func (export "f64") (result f64) f64.const 2.5)
  (func (export "call_cb") (param i32) (result i32) local.get 0 call $cb)
  (func (export "loop_cb") (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $cb (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const {LOOP_CALLBACKS}))))
    local.get $acc)
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
"""

# Instantiated again and again into one Store, so no memory (each would reserve
# address space): one import, a few functions and a global.
SMALL_WAT = """
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (global $g (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "bump") (result i32)
    (global.set $g (call $cb (global.get $g))) global.get $g))
"""


def large_wat(functions: int = 2000) -> str:
    """A module of `functions` small functions, each calling the previous one."""
    body = ["(module"]
    for i in range(functions):
        call = f"(call $f{i - 1} (local.get 0))" if i else "(local.get 0)"
        body.append(f"  (func $f{i} (export \"f{i}\") (param i32) (result i32)"
                    f" (i32.add (i32.mul {call} (i32.const {i | 1})) (i32.const {i})))")
    body.append(")")
    return "\n".join(body)


def wasm_bytes(wat: str) -> bytes:
    return bytes(wasmtime.wat2wasm(wat))  # pywasm3 wants bytes, not a bytearray


def echo(x: int) -> int:
    """The host callback every guest imports."""
    return x


class Guest:
    """`WAT` instantiated in cwasmtime or wasmtime-py, in a Store of its own."""

    def __init__(self, name: str, engine: Any = None) -> None:
        w = self.w = WASMTIME_IMPLS[name]
        self.name = name
        self.store = w.Store(engine) if engine is not None else w.Store()
        self.module = w.Module(self.store.engine, WAT)
        cb_type = w.FuncType([w.ValType.i32()], [w.ValType.i32()])
        cb = w.Func(self.store, cb_type, echo)
        self.exports = w.Instance(self.store, self.module, [cb]).exports(self.store)
        self.memory = self.exports["memory"]
        self.g = self.exports["g"]
        self.table = self.exports["table"]

    def call(self, export: str) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self.exports[export], (self.store,)


class Wasm3Guest:
    """`WAT` loaded in a pywasm3 runtime."""

    name = "pywasm3"

    def __init__(self) -> None:
        env = wasm3.Environment()
        self.runtime = env.new_runtime(64 * 1024)
        self.module = env.parse_module(wasm_bytes(WAT))
        self.runtime.load(self.module)
        self.module.link_function("env", "cb", "i(i)", echo)  # after load
        self.memory = self.runtime.get_memory(0)  # a memoryview

    def call(self, export: str) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self.runtime.find_function(export), ()


def make_guest(name: str) -> Guest | Wasm3Guest:
    return Wasm3Guest() if name == "pywasm3" else Guest(name)


def run(benchmark: Any, group: str, name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Time `fn(*args)` as implementation `name` of operation `group`."""
    benchmark.group = group
    benchmark.name = name
    return benchmark(fn, *args)
