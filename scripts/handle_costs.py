"""ns per call of the Store-owned handles' hot methods, net of an empty lambda call
(issue 13.3: Global.value/set_value and Table.get should cost about what Memory.read does):

    python scripts/handle_costs.py   # with the interpreter of the build to measure
"""
import timeit

import cwasmtime as wt

store = wt.Store()
module = wt.Module(store.engine, """(module
  (global (export "g") (mut i32) (i32.const 7))
  (table (export "t") 4 funcref)
  (memory (export "m") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))""")
ex = wt.Instance(store, module, []).exports(store)
g, t, m = ex["g"], ex["t"], ex["m"]
t.set(store, 1, ex["add"])
CASES = {
    "Global.value": lambda: g.value(store),
    "Global.set_value": lambda: g.set_value(store, 5),
    "Table.get (funcref)": lambda: t.get(store, 1),
    "Memory.read 8 B": lambda: m.read(store, 0, 8),
}
N = 200_000
empty = min(timeit.repeat(lambda: None, number=N, repeat=15)) / N
for name, fn in CASES.items():
    best = min(timeit.repeat(fn, number=N, repeat=15)) / N
    print(f"{name:22s} {(best - empty) * 1e9:5.0f} ns")
