"""Shared by the fuzz targets: the exceptions a target may raise for bad input (the API's
documented, clear errors), a runner that treats anything else as a finding, and hostile
values: Python objects whose conversion runs code in the middle of an operation."""
import sys
from typing import Any, Callable, Optional, Tuple

import atheris

with atheris.instrument_imports():
    import cwasmtime as wt
    for _name in wt.__all__:  # the package loads lazily: load (and so instrument) it all
        getattr(wt, _name)

EXPECTED = (wt.WasmtimeError, wt.Trap, TypeError, ValueError, AttributeError, OverflowError,
            IndexError, KeyError)


def run(one_input: Callable[[bytes], None]) -> None:
    def guarded(data: bytes) -> None:
        try:
            one_input(data)
        except EXPECTED:
            pass

    atheris.Setup(sys.argv, guarded)
    atheris.Fuzz()


def moving_engine() -> "wt.Engine":
    """An Engine whose linear memories move when they grow (no reservation up front)."""
    config = wt.Config()
    config.memory_reservation = 1 << 16
    config.memory_guard_size = 0
    config.memory_reservation_for_growth = 0
    return wt.Engine(config)


def hostile(fdp: "atheris.FuzzedDataProvider", store: "wt.Store",
            memory: Optional["wt.Memory"] = None) -> Tuple[Any, int]:
    """A value whose conversion runs code that closes `store`, grows `memory` (moving it),
    or reads it: a float or int subclass, an object with __index__, a list whose len()
    lies, an iterator of bytes; wrapped in a Val or not. With the number it converts to."""
    action = fdp.ConsumeIntInRange(0, 2)
    number = fdp.ConsumeIntInRange(-3, 70000)

    def meddle() -> None:
        if action == 0:
            store.close()
        elif memory is not None:
            if action == 1:
                memory.grow(store, 1)
            else:
                memory.read(store, 0, 8)

    class Float(float):
        def __float__(self) -> float:
            meddle()
            return float(number)

    class Int(int):
        def __index__(self) -> int:
            meddle()
            return number

        def __lt__(self, other: Any) -> bool:
            meddle()
            return int(self) < other

        def __rsub__(self, other: Any) -> int:
            meddle()
            return int(other) - int(self)

    class Index:
        def __index__(self) -> int:
            meddle()
            return number

        __int__ = __index__

        def __lt__(self, other: Any) -> bool:
            return number < other

    class Lying(list):  # type: ignore[type-arg]
        def __len__(self) -> int:
            meddle()
            return number % 5

    def chunks() -> Any:
        yield number % 256
        meddle()
        yield 1

    pick = fdp.ConsumeIntInRange(0, 6)
    values = [lambda: wt.Val.f64(Float(number)), lambda: wt.Val.f32(Float(number)),
              lambda: Int(number), Index, lambda: Lying([number] * (number % 4)), chunks,
              lambda: wt.Val.externref(Index())]
    return values[pick](), number
