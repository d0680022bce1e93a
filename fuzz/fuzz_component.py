"""Component values through a real component call, with random Python values: a
host function and a guest export round-trip `list<entry>` (below). A well-typed value
must come back equal; anything else must raise one of the API's clear errors.

Well-typed values may have hostile parts (fuzz/_hostile.py), as arguments or as what
the host function returns, whose Python code, run mid-conversion, closes the Store,
empties the list, calls the function again or raises: then the outcome may also be
that error, or a RuntimeError for a list changed during conversion."""
import gc

import atheris

from _harness import run, wt
from _hostile import boom, effects, hostile, run_armed

with atheris.instrument_imports():
    from cwasmtime import component

# Anonymous variants/records may not appear in an import's type (they are imported as
# named types, $r and $v); result/option/tuple may.
ENTRY = ('(tuple string (option u32) (result u8 (error string)) (list u8) (result u32 (error string))'
         ' $r $v)')
# The guest passes its argument to the host import `x` and returns what `x` returns.
WAT = f"""
(component
  (type $r' (record (field "a" u32) (field "b" string)))
  (import "r" (type $r (eq $r')))
  (type $v' (variant (case "p" u32) (case "q" u32) (case "n")))
  (import "v" (type $v (eq $v')))
  (type $t (list {ENTRY}))
  (import "x" (func $x (param "x" $t) (result $t)))
  (core module $libc
    (memory (export "mem") 1)
    (global $base (mut i32) (i32.const 100))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $ret i32)
      (local.set $ret (i32.and (i32.add (global.get $base) (i32.const 7)) (i32.const -8)))
      (global.set $base (i32.add (local.get $ret) (local.get 3)))
      (if (i32.gt_u (global.get $base) (i32.shl (memory.size) (i32.const 16)))
        (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (global.get $base) (i32.const 16)) (i32.const 1)))
                          (i32.const -1)) (then unreachable))))
      (local.get $ret)))
  (core instance $libc (instantiate $libc))
  (core module $a
    (import "" "x" (func (param i32 i32 i32)))
    (func (export "x") (param i32 i32) (result i32)
      (call 0 (local.get 0) (local.get 1) (i32.const 8))
      (i32.const 8)))
  (core func $x (canon lower (func $x) (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core instance $a (instantiate $a (with "" (instance (export "x" (func $x))))))
  (func (export "x") (param "x" $t) (result $t)
    (canon lift (core func $a "x") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
"""

ENGINE = wt.Engine()
COMPONENT = component.Component(ENGINE, WAT)
LINKER = component.Linker(ENGINE)
HOST_RESULT = []  # what the host function returns instead of its argument, if set
with LINKER.root() as root:
    root.add_func("x", lambda _store, value: HOST_RESULT[0] if HOST_RESULT else value)


def well_typed(fdp: atheris.FuzzedDataProvider) -> list:
    def entry() -> tuple:
        return (fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 8)),
                None if fdp.ConsumeBool() else fdp.ConsumeIntInRange(0, 2**32 - 1),
                fdp.ConsumeIntInRange(0, 255) if fdp.ConsumeBool() else fdp.ConsumeUnicodeNoSurrogates(3),
                fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 16)),
                fdp.ConsumeIntInRange(0, 2**32 - 1) if fdp.ConsumeBool() else fdp.ConsumeUnicodeNoSurrogates(3),
                component.Record(a=fdp.ConsumeIntInRange(0, 2**32 - 1), b=fdp.ConsumeUnicodeNoSurrogates(3)),
                component.Variant("n") if fdp.ConsumeBool()
                else component.Variant("pq"[fdp.ConsumeIntInRange(0, 1)], fdp.ConsumeIntInRange(0, 99)))
    return [entry() for _ in range(fdp.ConsumeIntInRange(0, 6))]


def anything(fdp: atheris.FuzzedDataProvider, depth: int = 0) -> object:
    choice = fdp.ConsumeIntInRange(0, 8 if depth < 3 else 5)
    if choice == 0:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 9))
    if choice == 1:
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 4))
    if choice == 2:
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4))
    if choice == 3:
        return None
    if choice == 4:
        return fdp.ConsumeFloat()
    if choice == 5:
        return fdp.ConsumeBool()
    items = [anything(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5))]
    return items if choice == 6 else tuple(items) if choice == 7 else component.Variant("a", items)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    store = wt.Store(ENGINE)
    func = LINKER.instantiate(store, COMPONENT).get_func(store, "x")
    mode = fdp.ConsumeIntInRange(0, 2)
    if mode == 0:
        value = well_typed(fdp)
        assert func(store, value) == value
    elif mode == 1:
        func(store, anything(fdp))
    else:
        hostile_call(fdp, store, func)


def hostile_call(fdp: atheris.FuzzedDataProvider, store: wt.Store, func: object) -> None:
    """A well-typed value with hostile parts, as the argument or as the host's result;
    with no effect run it must come back equal."""
    value = well_typed(fdp)
    arg = hostile(fdp, value, component.Record, component.Variant)
    as_result = fdp.ConsumeBool()
    effect = effects(fdp, [store.close, lambda: arg.clear() if isinstance(arg, list) else None,
                           lambda: func(store, []), gc.collect, boom])
    if as_result:
        HOST_RESULT.append(arg)
    try:
        outcome = run_armed(effect, lambda: func(store, value if as_result else arg))
    finally:
        HOST_RESULT.clear()
    if outcome is not None:
        ran, got = outcome
        assert ran or got == value, (value, got)


if __name__ == "__main__":
    run(one_input)
