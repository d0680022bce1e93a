"""Func.__call__ and host-function results with random Python values against random
signatures, through guest exports and host functions; some values are hostile (see
_harness.hostile): converting them closes the Store, or grows (moves) a memory of it."""
import atheris

from _harness import hostile, moving_engine, run, wt

KINDS = ["i32", "i64", "f32", "f64", "externref", "funcref"]
ENGINE = moving_engine()
MEMORY_MODULE = wt.Module(ENGINE, '(module (memory (export "m") 1 1000))')
OTHER = wt.Store(ENGINE)
OTHER_FUNC = wt.Func(OTHER, wt.FuncType([], []), lambda: None)
STORES = {"inputs": 0}


def new_store() -> wt.Store:
    store = wt.Store(ENGINE)
    STORES["memory"] = wt.Instance(store, MEMORY_MODULE, []).exports(store)["m"]
    return store


STORES["current"] = new_store()


def fresh_store() -> wt.Store:
    """A Store keeps every Func made in it: start a new one every thousand inputs, and
    after a hostile value closed it."""
    STORES["inputs"] += 1
    current = STORES["current"]
    if STORES["inputs"] % 1000 == 0 or "closed" in repr(current):
        current.close()
        STORES["current"] = new_store()
    return STORES["current"]


def value(fdp: "atheris.FuzzedDataProvider", store: wt.Store) -> object:
    pick = fdp.ConsumeIntInRange(0, 12)
    if pick == 12:
        return hostile(fdp, store, STORES["memory"])[0]
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
