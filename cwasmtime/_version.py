"""The one source of the package version: setuptools reads it (pyproject.toml,
``dynamic = ["version"]``) and ``cwasmtime.__version__`` re-exports it."""
__version__ = "0.1.0"
