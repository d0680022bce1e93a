"""Instructions per operation (valgrind's callgrind), cwasmtime against wasmtime-py:
a count that a noisy machine does not change. Each figure is (Ir of N2 runs - Ir of N1
runs) / (N2 - N1), so interpreter start-up and set-up cancel out.

    python scripts/bench_instructions.py            # needs valgrind and wasmtime==50.0.1
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys

WAT = """(module (import "env" "cb" (func $cb (param i32) (result i32)))
 (global (export "g") (mut i32) (i32.const 0))
 (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
 (func (export "nop"))
 (func (export "loop_cb") (param $n i32) (result i32) (local $i i32) (local $acc i32)
   (loop $l (local.set $acc (i32.add (local.get $acc) (call $cb (local.get $i))))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br_if $l (i32.lt_u (local.get $i) (local.get $n)))) local.get $acc))"""

# case: (statement run n times, or None for the callback loop, which takes n itself)
CASES = {
    "add(store, 1, 2)": "add(store, 1, 2)",
    "typed add(1, 2)": "typed(1, 2)",
    "nop(store)": "nop(store)",
    "host callback, per call from a wasm loop": None,
    "Global.value(store)": "g.value(store)",
}

RUN = """
import sys, {module} as w
n = int(sys.argv[1])
store = w.Store()
mod = w.Module(store.engine, {wat!r})
cb = w.Func(store, w.FuncType([w.ValType.i32()], [w.ValType.i32()]), lambda x: x)
ex = w.Instance(store, mod, [cb]).exports(store)
add, nop, loop, g = ex["add"], ex["nop"], ex["loop_cb"], ex["g"]
{typed}
{body}
"""


def instructions(module: str, case: str, n: int) -> int:
    stmt = CASES[case]
    body = "loop(store, n)" if stmt is None else f"for _ in range(n): {stmt}"
    typed = "typed = add.typed(store)" if module == "cwasmtime" else ""
    code = RUN.format(module=module, wat=WAT, typed=typed, body=body)
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, "-c", code, str(n)],
                          capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def per_op(module: str, case: str, n1: int, n2: int) -> float:
    return (instructions(module, case, n2) - instructions(module, case, n1)) / (n2 - n1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n1", type=int, default=1000)
    p.add_argument("--n2", type=int, default=6000)
    args = p.parse_args()
    print("| operation | cwasmtime (instructions) | wasmtime-py (instructions) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for case in CASES:
        ours = per_op("cwasmtime", case, args.n1, args.n2)
        theirs = None if case.startswith("typed") else per_op("wasmtime", case, args.n1, args.n2)
        ratio = f"{theirs / ours:,.0f}×" if theirs else ""
        print(f"| `{case}` | {ours:,.0f} | {f'{theirs:,.0f}' if theirs else ''} | {ratio} |",
              flush=True)


if __name__ == "__main__":
    main()
