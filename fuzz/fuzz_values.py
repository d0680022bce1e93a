"""Val and ValType construction and conversion with random inputs."""
import atheris

from _harness import run, wt

MAKERS = ["i32", "i64", "f32", "f64", "externref", "funcref"]


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
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


if __name__ == "__main__":
    run(one_input)
