"""The sample's transcript again, through the component API: ``sample.component.wasm``
run by ``cwasmtime.component`` (Wasmtime's component runtime lifts and lowers, the
conversions to Python are cwasmtime's), with the same Python imports and calls as
``host.py`` (which runs the core module through cmabi). Both print the same lines.

    python examples/sample/component_host.py
"""
import os
import runpy
from typing import Any, Callable, Optional

import cwasmtime
from cwasmtime import component

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = runpy.run_path(os.path.join(HERE, "host.py"), run_name="sample_host")


def run(out: Callable[[str], Any] = print) -> None:
    engine = cwasmtime.Engine()
    store = cwasmtime.Store(engine)
    comp = component.Component.from_file(engine, os.path.join(HERE, "sample.component.wasm"))
    linker = component.Linker(engine)
    # Component host functions get the store first; the sample's imports do not need it.
    with linker.root() as root:
        for key, impl in HOST["make_imports"](out).items():
            if callable(impl):
                root.add_func(key, lambda _store, *args, fn=impl: fn(*args))
                continue
            with root.add_instance(key) as namespace:
                for name, fn in impl.items():
                    namespace.add_func(name, lambda _store, *args, fn=fn: fn(*args))
    instance = linker.instantiate(store, comp)

    def export(interface: Optional[str], name: str) -> Callable[..., Any]:
        parent = None if interface is None else instance.get_export_index(store, interface)
        func = instance.get_func(store, instance.get_export_index(store, name, parent))
        if func is None:
            raise LookupError(f"the component has no export {name!r}")
        return lambda *args: func(store, *args)

    HOST["transcript"](export, out)


if __name__ == "__main__":
    run()
