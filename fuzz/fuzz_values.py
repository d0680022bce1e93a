"""Val and ValType construction and conversion with random inputs, and hostile values
(see _harness.hostile) given to memories, globals and tables: whatever their conversion
does to the Store or the memory, the result is a clear error or the right data."""
import atheris

from _harness import hostile, moving_engine, run, wt

MAKERS = ["i32", "i64", "f32", "f64", "externref", "funcref"]
ENGINE = moving_engine()
MODULE = wt.Module(ENGINE, """(module (memory (export "m") 1 100)
  (global (export "i") (mut i32) (i32.const 0)) (global (export "f") (mut f64) (f64.const 0))
  (global (export "x") (mut externref) (ref.null extern)) (table (export "t") 2 100 externref))""")


def values(fdp: "atheris.FuzzedDataProvider") -> None:
    raw = [fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 24)), fdp.ConsumeFloat(), None,
           fdp.ConsumeUnicode(4), fdp.ConsumeBool()][fdp.ConsumeIntInRange(0, 4)]
    val = getattr(wt.Val, MAKERS[fdp.ConsumeIntInRange(0, 5)])(raw)
    assert val == val.value or val.value != val.value  # NaN is the one value unequal to itself
    val.type
    val.as_i32(), val.as_i64(), val.as_f32(), val.as_f64(), val.as_externref(), val.as_funcref()
    wt.Val(fdp.ConsumeIntInRange(-2, 10), raw)
    ty = getattr(wt.ValType, MAKERS[fdp.ConsumeIntInRange(0, 5)])()
    str(ty), repr(ty), ty == wt.ValType.i32()
    wt.Val.ref_null(ty)


def hostile_uses(fdp: "atheris.FuzzedDataProvider") -> None:
    store = wt.Store(ENGINE)
    ex = wt.Instance(store, MODULE, []).exports(store)
    memory = ex["m"]
    memory.write(store, b"wasm", 0)
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        value, number = hostile(fdp, store, memory)
        op = fdp.ConsumeIntInRange(0, 8)
        if op == 0:  # as a slice bound it behaves as the number it converts to
            length = fdp.ConsumeIntInRange(0, 8)
            assert memory.read(store, value, length) == memory.read(store, number, length)
        elif op == 1:
            memory.read(store, 0, value)
        elif op == 2:
            memory.write(store, value, fdp.ConsumeIntInRange(0, 8))
        elif op == 3:
            memory.write(store, b"wasm", value)
            start = number if number >= 0 else memory.data_len(store) + number
            assert memory.read(store, start, start + 4) == b"wasm"
        elif op == 4:
            memory.grow(store, value)
        elif op == 5:
            len(memory.get_buffer_ptr(store, None, value))
        elif op == 6:
            ex[("i", "f", "x")[fdp.ConsumeIntInRange(0, 2)]].set_value(store, value)
        elif op == 7:
            ex["t"].set(store, fdp.ConsumeIntInRange(0, 2), value)
        else:
            ex["t"].grow(store, fdp.ConsumeIntInRange(0, 2), value)
    store.close()


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        values(fdp)
    else:
        hostile_uses(fdp)


if __name__ == "__main__":
    run(one_input)
