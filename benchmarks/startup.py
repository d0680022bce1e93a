"""Cold start: what a fresh process pays before its first result, cwasmtime against
wasmtime-py (and a bare interpreter), each probe in new processes, interleaved.

Every probe is one script, run with ``{m}`` = ``cwasmtime`` or ``wasmtime`` (the same
drop-in code); it is timed from process start to exit, so interpreter start, imports,
loading libwasmtime, compiling and instantiating all count. Bytecode caches are on, as
in a normal installation (an inherited PYTHONDONTWRITEBYTECODE is dropped, so the
discarded warm-up round writes them for a source checkout). ``scripts/bench.py``
renders the table; ``python benchmarks/startup.py`` prints it alone."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
HELLO_WAT = ROOT / "examples" / "hello.wat"
COMPONENT = ROOT / "examples" / "bench-guest" / "bench.component.wasm"

ADD_WAT = ('(module (func (export "add") (param i32 i32) (result i32) '
           'local.get 0 local.get 1 i32.add))')
COMPONENT_WAT = ('(component (core module $m (func (export "f") (result i32) i32.const 7)) '
                 '(core instance $i (instantiate $m)) '
                 '(func (export "f") (result u32) (canon lift (core func $i "f"))))')


class Probe(NamedTuple):
    title: str
    code: str  # ``{m}`` is the module: cwasmtime or wasmtime


PROBES = [
    Probe("`import; Store()`", "import {m}; {m}.Store()"),
    Probe("compile + instantiate + call `add`",
          "import {m} as w\n"
          "s = w.Store(); i = w.Instance(s, w.Module(s.engine, %r), [])\n"
          "assert i.exports(s)['add'](s, 1, 2) == 3" % ADD_WAT),
    Probe("`import component` + a Component",
          "import {m}, {m}.component as c\n"
          "c.Component({m}.Engine(), %r)" % COMPONENT_WAT),
    Probe("first WASI instantiate (hello.wat)",
          "import {m} as w\n"
          "e = w.Engine(); s = w.Store(e); wasi = w.WasiConfig(); s.set_wasi(wasi)\n"
          "l = w.Linker(e); l.define_wasi()\n"
          "l.instantiate(s, w.Module.from_file(e, %r))" % str(HELLO_WAT)),
    Probe("first component instantiate (bench guest)",
          "import {m} as w, {m}.component as c\n"
          "e = w.Engine(); s = w.Store(e)\n"
          "i = c.Linker(e).instantiate(s, c.Component.from_file(e, %r))\n"
          "assert i.get_func(s, 'empty') is not None" % str(COMPONENT)),
]
IMPLS = {"cwasmtime": "cwasmtime", "wasmtime-py": "wasmtime"}
BARE = "python -c pass"


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(python: str, code: str) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True, cwd="/", stdout=subprocess.DEVNULL,
                   env=_ENV)
    return time.perf_counter() - start


def measure(runs: int = 15, python: str = sys.executable) -> Dict[str, Dict[str, float]]:
    """{probe title: {implementation: median seconds}}, plus the bare interpreter. Runs
    are interleaved (each round runs every probe of every implementation once), so
    machine noise hits all columns alike; one warm-up round is discarded."""
    samples: Dict[str, Dict[str, List[float]]] = {
        p.title: {impl: [] for impl in IMPLS} for p in PROBES}
    samples[BARE] = {"python": []}
    for round_ in range(runs + 1):
        bare = _time(python, "pass")
        if round_:
            samples[BARE]["python"].append(bare)
        for probe in PROBES:
            for impl, module in IMPLS.items():
                took = _time(python, probe.code.format(m=module))
                if round_:
                    samples[probe.title][impl].append(took)
    return {title: {impl: statistics.median(xs) for impl, xs in by_impl.items()}
            for title, by_impl in samples.items()}


def markdown_table(medians: Dict[str, Dict[str, float]]) -> str:
    lines = ["| fresh process | cwasmtime | wasmtime-py | cwasmtime / wasmtime-py |",
             "| --- | ---: | ---: | ---: |"]
    for probe in PROBES:
        row = medians[probe.title]
        cw, wt = row["cwasmtime"], row["wasmtime-py"]
        lines.append(f"| {probe.title} | {cw * 1e3:.0f} ms | {wt * 1e3:.0f} ms | {cw / wt:.2f} |")
    bare = medians[BARE]["python"]
    lines.append(f"| (`{BARE}`, for reference) | {bare * 1e3:.0f} ms | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)))
