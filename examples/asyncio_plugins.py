"""Serving wasm plugins from an asyncio program (cwasmtime's asyncio API).

A line-based TCP server: each request line ``<plugin> <n>`` runs that plugin's
``handle(n)`` in a fresh Store (instantiated from an InstancePre: ~25 µs) and answers
with its result. The plugins:

* ``lookup`` calls the async host function ``host.fetch(key)``, which awaits (as a
  database or HTTP call would): the guest is suspended, the event loop serves other
  requests meanwhile;
* ``crunch`` is CPU-bound: it yields to the event loop at every epoch tick (an
  EpochTicker advances the epoch every millisecond from a native thread), so it
  does not hold up the other requests either.

Run as ``python examples/asyncio_plugins.py``: it starts the server on a free local
port, sends 200 concurrent requests of both kinds, checks the answers, prints timings
and exits. ``--serve PORT`` keeps serving instead (try ``nc localhost PORT``, then
type ``lookup 7``).
"""
from __future__ import annotations

import asyncio
import sys
import time

import cwasmtime as wasmtime

LOOKUP = """(module
  (import "host" "fetch" (func $fetch (param i32) (result i32)))
  (func (export "handle") (param i32) (result i32)
    (i32.add (call $fetch (local.get 0)) (i32.const 1000))))"""

CRUNCH = """(module
  (func (export "handle") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $next
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.mul (local.get $n) (i32.const 20000)))))
    (local.get $acc)))"""

I32 = wasmtime.ValType.i32()


async def fetch(key: int) -> int:
    """The async host function: a stand-in for a network or database call."""
    await asyncio.sleep(0.02)
    return key * key


class Plugins:
    """Compiled once; each request gets a Store of its own."""

    def __init__(self) -> None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        linker = wasmtime.Linker(self.engine)
        linker.define_func_async("host", "fetch", wasmtime.FuncType([I32], [I32]), fetch)
        self.pres = {name: linker.instantiate_pre(wasmtime.Module(self.engine, wat))
                     for name, wat in (("lookup", LOOKUP), ("crunch", CRUNCH))}

    async def run(self, name: str, n: int) -> int:
        with wasmtime.Store(self.engine) as store:
            store.epoch_deadline_async_yield_and_update(1)  # yield at every tick
            instance = await self.pres[name].instantiate_async(store)
            result: int = await instance.exports(store)["handle"].call_async(store, n)
            return result


async def serve_client(plugins: Plugins, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
    while line := await reader.readline():
        try:
            name, n = line.decode().split()
            answer = str(await plugins.run(name, int(n)))
        except Exception as exc:  # a bad request, or a trap: the server goes on
            answer = f"error: {exc}".splitlines()[0]
        writer.write(answer.encode() + b"\n")
        await writer.drain()
    writer.close()


def sum_of_squares(m: int) -> int:
    """What crunch computes (modulo 2**32): the sum of i * i for i < m."""
    return (m - 1) * m * (2 * m - 1) // 6


async def request(port: int, line: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(line.encode() + b"\n")
    answer = (await reader.readline()).decode().strip()
    writer.close()
    await writer.wait_closed()
    return answer


async def demo(plugins: Plugins) -> None:
    server = await asyncio.start_server(lambda r, w: serve_client(plugins, r, w), "127.0.0.1", 0,
                                        backlog=1024)
    port = server.sockets[0].getsockname()[1]
    async with server, wasmtime.EpochTicker(plugins.engine, 0.001):
        start = time.perf_counter()
        lookups = [request(port, f"lookup {k}") for k in range(150)]
        crunches = [request(port, f"crunch {k}") for k in range(1, 51)]
        answers = await asyncio.gather(*lookups, *crunches)
        wall = time.perf_counter() - start
        assert answers[:150] == [str(k * k + 1000) for k in range(150)]
        expected = [sum_of_squares(n * 20_000) & 0xFFFFFFFF for n in range(1, 51)]
        assert [int(a) & 0xFFFFFFFF for a in answers[150:]] == expected
        assert (await request(port, "nosuch 1")).startswith("error:")
        print(f"200 requests (150 awaiting a 20 ms host call, 50 CPU-bound) in {wall * 1000:.0f} ms")


async def serve_forever(plugins: Plugins, port: int) -> None:
    server = await asyncio.start_server(lambda r, w: serve_client(plugins, r, w), "127.0.0.1", port)
    print(f"serving on 127.0.0.1:{port}")
    async with server, wasmtime.EpochTicker(plugins.engine, 0.001):
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(serve_forever(Plugins(), int(sys.argv[2])))
    else:
        asyncio.run(demo(Plugins()))
