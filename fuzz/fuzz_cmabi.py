"""cmabi: lift/load of random types from random memory and random flat values, and
lower/store of random Python values, with a bump-allocating realloc. The only
acceptable outcomes are a value, cmabi.Trap, or TypeError/ValueError (AttributeError: a
record field missing) for a Python value that does not fit the type.

Lowering also takes well-typed values with hostile parts (fuzz/_hostile.py) whose
Python code, run mid-conversion (as realloc's is), grows or shrinks the memory,
empties the value, lowers another value into the same context or raises: then the
outcome may also be that error, a RuntimeError for a list changed during conversion,
or (with no effect run) the value itself."""
import gc
import struct
import sys

import atheris

with atheris.instrument_imports():
    import cmabi
    from cmabi import types as T

from _hostile import boom, effects, hostile, run_armed

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


def a_value_of(fdp: "atheris.FuzzedDataProvider", ty: T.ValType) -> object:
    """A value of type ``ty``."""
    k = ty.kind
    if k == T.K_BOOL:
        return fdp.ConsumeBool()
    if k <= T.K_U64:
        bits = 8 * ty.size
        signed = k in (T.K_S8, T.K_S16, T.K_S32, T.K_S64)
        return fdp.ConsumeIntInRange(-(1 << (bits - 1)) if signed else 0,
                                     (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1)
    if k == T.K_F32:  # exactly representable: it comes back the same
        return struct.unpack("<f", struct.pack("<f", fdp.ConsumeFloatInRange(-1e38, 1e38)))[0]
    if k == T.K_F64:
        return fdp.ConsumeRegularFloat()
    if k == T.K_CHAR:
        return chr(fdp.ConsumeIntInRange(0, 0xD7FF))
    if k == T.K_STRING:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 8))
    if k == T.K_LIST or k == T.K_FIXED_LIST:
        n = ty.length if k == T.K_FIXED_LIST else fdp.ConsumeIntInRange(0, 4)
        items = [a_value_of(fdp, ty.element) for _ in range(n)]
        return bytes(items) if ty.element.kind == T.K_U8 else items  # (as list<u8> lifts)
    if k == T.K_RECORD:
        return cmabi.Record(**{n: a_value_of(fdp, t) for n, t in ty.fields})
    if k == T.K_TUPLE:
        return tuple(a_value_of(fdp, t) for t in ty.types)
    if k == T.K_ENUM:
        return ty.labels[fdp.ConsumeIntInRange(0, len(ty.labels) - 1)]
    if k in (T.K_VARIANT, T.K_OPTION, T.K_RESULT):
        tag, case = ty.cases[fdp.ConsumeIntInRange(0, len(ty.cases) - 1)]
        payload = None if case is None else a_value_of(fdp, case)
        return cmabi.Variant(tag, payload) if ty.tagged else payload
    if k == T.K_FLAGS:
        return {label for label in ty.labels if fdp.ConsumeBool()}
    if k == T.K_MAP:
        return {a_value_of(fdp, ty.key): a_value_of(fdp, ty.value) for _ in range(fdp.ConsumeIntInRange(0, 3))}
    raise AssertionError(ty)


def context(fdp: "atheris.FuzzedDataProvider", memory: "cmabi.ByteArrayMemory" = None) -> "cmabi.Context":
    memory = cmabi.ByteArrayMemory(MEMORY_SIZE) if memory is None else memory
    fill = fdp.ConsumeBytes(MEMORY_SIZE)
    memory.data[: len(fill)] = fill
    top = [1024]

    def realloc(old_ptr: int, old_size: int, align: int, new_size: int) -> int:
        ptr = (top[0] + align - 1) // align * align
        top[0] = ptr + new_size
        return ptr  # may run past the end: cmabi must trap, not write out of bounds

    encoding = ["utf8", "utf16", "latin1+utf16"][fdp.ConsumeIntInRange(0, 2)]
    return cmabi.Context(memory, realloc, encoding)


def hostile_lowering(fdp: "atheris.FuzzedDataProvider", ty: T.ValType) -> None:
    """Lower (or store) a well-typed value with hostile parts; with no effect run it must
    lift (load) back equal."""
    value = a_value_of(fdp, ty)
    arg = hostile(fdp, value, cmabi.Record, cmabi.Variant)
    # store below where realloc allocates (from 1024), or lower
    ptr = (fdp.ConsumeIntInRange(0, (1024 - ty.size) // ty.alignment) * ty.alignment
           if ty.size <= 1024 and fdp.ConsumeBool() else None)
    memory = cmabi.ByteArrayMemory(MEMORY_SIZE)
    effect = effects(fdp, [
        lambda: memory.grow(1 << 16),
        lambda: memory.data.__delitem__(slice(MEMORY_SIZE // 2, None)),
        lambda: arg.clear() if isinstance(arg, (list, dict)) else None,
        lambda: cmabi.lower(cx, T.List(T.String), ["nested"] * 3),
        gc.collect,
        boom,
    ])
    cx = context(fdp, memory)  # (takes the rest of the data)

    def roundtrip() -> object:
        if ptr is None:
            return cmabi.lift(cx, ty, cmabi.lower(cx, ty, arg))
        cmabi.store(cx, ty, arg, ptr)
        return cmabi.load(cx, ty, ptr)
    outcome = run_armed(effect, roundtrip)
    if outcome is not None:
        ran, got = outcome
        assert ran or got == value, (ty, value, got)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    ty = a_type(fdp)
    mode = fdp.ConsumeIntInRange(0, 4)
    try:
        if mode == 4:
            hostile_lowering(fdp, ty)
        elif mode == 0:
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
    except (cmabi.Trap, TypeError, ValueError, AttributeError, OverflowError):
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
