"""Fixtures: one guest per implementation, shared by a test module's cases.

`guest` runs a case through every implementation (pywasm3 too when it imports);
`wasmtime_guest` through cwasmtime and wasmtime-py only, for the cases pywasm3's API
cannot do; `cw_guest` is cwasmtime's, for the cwasmtime-only cases (floors, typed)."""
import pytest

from guests import ALL_IMPLS, WASMTIME_IMPLS, Guest, make_guest


@pytest.fixture(params=ALL_IMPLS, scope="module")
def guest(request):
    return make_guest(request.param)


@pytest.fixture(params=list(WASMTIME_IMPLS), scope="module")
def wasmtime_guest(request):
    return Guest(request.param)


@pytest.fixture(scope="module")
def cw_guest():
    return Guest("cwasmtime")
