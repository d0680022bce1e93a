"""Component values through a real component call, with random Python values: a
host function and a guest export round-trip `list<entry>` (below). A well-typed value
must come back equal; anything else must raise one of the API's clear errors."""
import atheris

from _harness import run, wt

with atheris.instrument_imports():
    from cwasmtime import component

# Anonymous variants/records may not appear in an import's type; result/option/tuple may.
ENTRY = '(tuple string (option u32) (result u8 (error string)) (list u8) (result u32 (error string)))'
# The guest passes its argument to the host import `x` and returns what `x` returns.
WAT = f"""
(component
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
with LINKER.root() as root:
    root.add_func("x", lambda _store, value: value)


def well_typed(fdp: atheris.FuzzedDataProvider) -> list:
    def entry() -> tuple:
        return (fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 8)),
                None if fdp.ConsumeBool() else fdp.ConsumeIntInRange(0, 2**32 - 1),
                fdp.ConsumeIntInRange(0, 255) if fdp.ConsumeBool() else fdp.ConsumeUnicodeNoSurrogates(3),
                fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 16)),
                fdp.ConsumeIntInRange(0, 2**32 - 1) if fdp.ConsumeBool() else fdp.ConsumeUnicodeNoSurrogates(3))
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
    if fdp.ConsumeBool():
        value = well_typed(fdp)
        assert func(store, value) == value
    else:
        func(store, anything(fdp))


if __name__ == "__main__":
    run(one_input)
