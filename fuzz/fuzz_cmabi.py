"""cmabi: lift/load of random types from random memory and random flat values, and
lower/store of random Python values, with a bump-allocating realloc. The only
acceptable outcomes are a value, cmabi.Trap, or TypeError/ValueError for a Python
value that does not fit the type."""
import atheris

with atheris.instrument_imports():
    import cmabi
    from cmabi import types as T

import sys

PRIMITIVES = [T.Bool, T.S8, T.U8, T.S16, T.U16, T.S32, T.U32, T.S64, T.U64, T.F32, T.F64,
              T.Char, T.String]
MEMORY_SIZE = 1 << 16


def a_type(fdp: "atheris.FuzzedDataProvider", depth: int = 0) -> T.ValType:
    pick = fdp.ConsumeIntInRange(0, 11 if depth < 3 else 0)
    if pick == 0:
        return PRIMITIVES[fdp.ConsumeIntInRange(0, len(PRIMITIVES) - 1)]
    if pick == 1:
        return T.List(a_type(fdp, depth + 1))
    if pick == 2:
        return T.FixedList(a_type(fdp, depth + 1), fdp.ConsumeIntInRange(1, 4))
    if pick == 3:
        return T.Record([(f"f{i}", a_type(fdp, depth + 1)) for i in range(fdp.ConsumeIntInRange(1, 3))])
    if pick == 4:
        return T.Tuple([a_type(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(1, 3))])
    if pick == 5:
        return T.Variant([(f"c{i}", a_type(fdp, depth + 1) if fdp.ConsumeBool() else None)
                          for i in range(fdp.ConsumeIntInRange(1, 4))])
    if pick == 6:
        return T.Enum([f"e{i}" for i in range(fdp.ConsumeIntInRange(1, 300))])
    if pick == 7:
        return T.Option(a_type(fdp, depth + 1))
    if pick == 8:
        return T.Result(a_type(fdp, depth + 1) if fdp.ConsumeBool() else None,
                        a_type(fdp, depth + 1) if fdp.ConsumeBool() else None)
    if pick == 9:
        return T.Flags([f"f{i}" for i in range(fdp.ConsumeIntInRange(1, 32))])
    if pick == 10:
        return T.Map(T.String if fdp.ConsumeBool() else T.U32, a_type(fdp, depth + 1))
    return T.List(T.U8)


def a_value(fdp: "atheris.FuzzedDataProvider", depth: int = 0) -> object:
    pick = fdp.ConsumeIntInRange(0, 8 if depth < 3 else 4)
    simple = [lambda: fdp.ConsumeInt(9), fdp.ConsumeFloat, lambda: fdp.ConsumeUnicode(6),
              fdp.ConsumeBool, lambda: None]
    if pick < 5:
        return simple[pick]()
    if pick == 5:
        return [a_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    if pick == 6:
        return tuple(a_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3)))
    if pick == 7:
        return fdp.ConsumeBytes(8)
    return {a_value(fdp, depth + 1): a_value(fdp, depth + 1)}


def context(fdp: "atheris.FuzzedDataProvider") -> "cmabi.Context":
    memory = cmabi.ByteArrayMemory(MEMORY_SIZE)
    fill = fdp.ConsumeBytes(MEMORY_SIZE)
    memory.data[: len(fill)] = fill
    top = [1024]

    def realloc(old_ptr: int, old_size: int, align: int, new_size: int) -> int:
        ptr = (top[0] + align - 1) // align * align
        top[0] = ptr + new_size
        return ptr  # may run past the end: cmabi must trap, not write out of bounds

    encoding = ["utf8", "utf16", "latin1+utf16"][fdp.ConsumeIntInRange(0, 2)]
    return cmabi.Context(memory, realloc, encoding)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    ty = a_type(fdp)
    mode = fdp.ConsumeIntInRange(0, 3)
    try:
        if mode == 0:
            flat = [fdp.ConsumeInt(8) if k in ("i32", "i64") else fdp.ConsumeFloat() for k in ty.flat]
            cmabi.lift(context(fdp), ty, flat)
        elif mode == 1:
            cx = context(fdp)
            cmabi.load(cx, ty, fdp.ConsumeIntInRange(0, MEMORY_SIZE + 8))
        elif mode == 2:
            cx = context(fdp)
            value = a_value(fdp)
            flat = cmabi.lower(cx, ty, value)
            cmabi.lift(cx, ty, flat)
        else:
            cx = context(fdp)
            cmabi.store(cx, ty, a_value(fdp), fdp.ConsumeIntInRange(0, MEMORY_SIZE + 8))
    except (cmabi.Trap, TypeError, ValueError, OverflowError):
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
