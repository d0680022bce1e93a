"""Func.__call__ and host-function results with random Python values against random
signatures, through guest exports and host functions."""
import atheris

from _harness import run, wt

KINDS = ["i32", "i64", "f32", "f64", "externref", "funcref"]
OTHER = wt.Store()
OTHER_FUNC = wt.Func(OTHER, wt.FuncType([], []), lambda: None)
STORES = {"current": wt.Store(), "inputs": 0}


def fresh_store() -> wt.Store:
    """A Store keeps every Func made in it: start a new one every thousand inputs."""
    STORES["inputs"] += 1
    if STORES["inputs"] % 1000 == 0:
        STORES["current"].close()
        STORES["current"] = wt.Store()
    return STORES["current"]


def value(fdp: "atheris.FuzzedDataProvider", store: wt.Store) -> object:
    pick = fdp.ConsumeIntInRange(0, 11)
    if pick == 0:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 20))  # any size, any sign
    if pick == 1:
        return fdp.ConsumeRegularFloat()
    if pick == 2:
        return None
    if pick == 3:
        return fdp.ConsumeUnicode(8)
    if pick == 4:
        return wt.Val.i32(fdp.ConsumeInt(5))
    if pick == 5:
        return wt.Val.f64(fdp.ConsumeFloat())
    if pick == 6:
        return wt.Val.externref(object())
    if pick == 7:
        return OTHER_FUNC  # from another store: must raise, never crash
    if pick == 8:
        return wt.Func(store, wt.FuncType([], []), lambda: None)
    if pick == 9:
        return fdp.ConsumeBool()
    if pick == 10:
        return [fdp.ConsumeInt(2)]
    return fdp.ConsumeBytes(4)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    store = fresh_store()
    params = [KINDS[fdp.ConsumeIntInRange(0, 5)] for _ in range(fdp.ConsumeIntInRange(0, 5))]
    results = [KINDS[fdp.ConsumeIntInRange(0, 5)] for _ in range(fdp.ConsumeIntInRange(0, 3))]
    ty = wt.FuncType([getattr(wt.ValType, k)() for k in params],
                     [getattr(wt.ValType, k)() for k in results])
    answers = [value(fdp, store) for _ in results]
    shape = fdp.ConsumeIntInRange(0, 2)
    reply = None if shape == 0 else (answers[0] if shape == 1 and answers else answers)
    host = wt.Func(store, ty, lambda *args: reply)
    args = [value(fdp, store) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    if fdp.ConsumeBool():
        host(store, *args)
    else:
        host.typed(store, release_gil=fdp.ConsumeBool())(*args)


if __name__ == "__main__":
    run(one_input)
