"""The version, read from the installed package's metadata (one source: pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("actfn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
