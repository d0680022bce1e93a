"""Module() and Module.validate() on random bytes and on random WAT text."""
import atheris

from _harness import run, wt

ENGINE = wt.Engine()
WAT_WORDS = ["(module", "(func", "(export", '"f"', "(param", "(result", "i32", "i64", "f32",
             "f64", "local.get", "0", "i32.add", "(memory", "1", "(table", "funcref", "(global",
             "(mut", "(import", '"m"', "(start", "call", "unreachable", ")", "(data", '"x"']


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    choice = fdp.ConsumeIntInRange(0, 2)
    if choice == 0:
        wasm = fdp.ConsumeBytes(fdp.remaining_bytes())
        wt.Module.validate(ENGINE, wasm)
        wt.Module(ENGINE, wasm)
    elif choice == 1:  # a valid header keeps the fuzzer in the interesting part
        wt.Module(ENGINE, b"\0asm\x01\0\0\0" + fdp.ConsumeBytes(fdp.remaining_bytes()))
    else:
        words = [WAT_WORDS[fdp.ConsumeIntInRange(0, len(WAT_WORDS) - 1)]
                 for _ in range(fdp.ConsumeIntInRange(0, 40))]
        wt.Module(ENGINE, " ".join(words))


if __name__ == "__main__":
    run(one_input)
