"""The ``actfn`` command: list, show, eval and plot activations, build the reference site.

Every listing is generated from the registry (``actfn.ACTIVATIONS``), so an activation
added to the library appears here with no change.  A user error (unknown name,
bad parameter, unreadable file) prints one line saying what is wrong and what is
allowed, and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import importlib.util
import io
import json
import math
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import actfn

from .gallery.records import (
    LIBRARIES,
    SMOOTHNESS,
    derivative_text,
    format_number,
    is_required,
    signature,
)

__all__ = ["UsageError", "main"]

PROG = "actfn"
_DTYPES = ("float16", "bfloat16", "float32", "float64")
# Tools other engineers provide; each module exposes add_arguments(parser) and run(args).
_PLUGINS = {
    "accuracy": "measure each activation's error in ULPs against mpmath",
    "bench": "time each activation against NumPy and PyTorch",
}


class UsageError(Exception):
    """A mistake in the command line or its input; reported in one line, exit status 2."""


# --------------------------------------------------------------------------- helpers


def _activation(name: str) -> actfn.Activation:
    """The activation for a name or alias, or a UsageError with the closest names."""
    try:
        f = actfn.get(name)
    except (ValueError, TypeError):
        candidates = actfn.names(include_aliases=True)
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown activation {name!r}{hint} (run `actfn list` for all {len(candidates)} names)"
        ) from None
    assert isinstance(f, actfn.Activation)
    return f


_LITERALS: dict[str, Any] = {"none": None, "true": True, "false": False}


def parse_literal(text: str) -> Any:
    """An int, float, bool or None from its text; never evaluates anything."""
    key = text.strip().lower()
    if key in _LITERALS:
        return _LITERALS[key]
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a number, True, False or None") from None


def _params(f: actfn.Activation, items: Sequence[str] | None) -> dict[str, Any]:
    """``-p NAME=VALUE`` options as a dict, checked against ``f``'s parameters."""
    out: dict[str, Any] = {}
    allowed = [p.name for p in f.params]
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                f"-p {item!r}: write -p NAME=VALUE (parameters of {f.name}: "
                f"{', '.join(allowed) or 'none'})"
            )
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"{f.name} has no parameter {name!r}{hint} "
                f"(parameters: {', '.join(allowed) or 'none'})"
            )
        try:
            out[name] = parse_literal(value)
        except UsageError as e:
            raise UsageError(f"-p {name}: {e}") from None
    return out


def format_array(a: np.ndarray) -> str:
    """An array with 4 significant digits, NumPy's layout: ``[0.02364 0.06426 ...]``."""
    a = np.asarray(a)
    if a.dtype.kind not in "biufc":  # bfloat16 and other extension dtypes: print as float
        a = a.astype(np.float64)
    return np.array2string(a, formatter={"float_kind": format_number}, max_line_width=100)


def _domain_text(param: Any) -> str:
    return str(param.domain.describe())


def _default_text(default: Any) -> str:
    return "required" if is_required(default) else repr(default)


# --------------------------------------------------------------------------- list


def _list_rows() -> list[dict[str, str]]:
    from .gallery.latex import LatexError, to_text

    rows = []
    for name, f in actfn.ACTIVATIONS.items():
        try:
            formula = to_text(f.formula)
        except LatexError:
            formula = f.formula
        props = f.properties
        row = {
            "name": name,
            "aliases": ", ".join(f.aliases) or "-",
            "range": props.range_text,
            "monotonic": "yes" if props.monotonic else "no",
            "smooth": SMOOTHNESS.get(props.smoothness, props.smoothness),
        }
        for key, _label in LIBRARIES:
            row[key] = f.spec.equivalents.get(key, "-")
        row["formula"] = formula
        rows.append(row)
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    rows = _list_rows()
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    headers = {
        "name": "name",
        "aliases": "aliases",
        "range": "range",
        "monotonic": "monotonic",
        "smooth": "smooth",
        "keras": "Keras",
        "torch": "PyTorch",
        "jax": "JAX",
        "formula": "formula",
    }
    keys = list(headers)
    widths = {k: max(len(headers[k]), *(len(r[k]) for r in rows)) for k in keys}
    line = "  ".join(headers[k].ljust(widths[k]) for k in keys)
    print(line.rstrip())
    for r in rows:
        print("  ".join(r[k].ljust(widths[k]) for k in keys).rstrip())
    return 0


# --------------------------------------------------------------------------- show


def show_text(f: actfn.Activation) -> str:
    from .gallery.latex import LatexError, to_text

    spec = f.spec
    out = [f"{f.name} — {spec.summary}"]
    if f.aliases:
        out.append(f"aliases: {', '.join(f.aliases)}")
    out += ["", signature(f), ""]
    with contextlib.suppress(LatexError):
        out.append("  " + to_text(f.formula))
    out.append("  LaTeX: " + f.formula)
    if spec.details:
        out += ["", *textwrap.wrap(spec.details, 88)]
    out += ["", "Parameters:"]
    if not f.params:
        out.append("  (none besides x)")
    for p in f.params:
        out.append(f"  {p.name} = {_default_text(f.defaults[p.name])}: {_domain_text(p)}")
        out += ["      " + line for line in textwrap.wrap(p.doc, 82)]
    props = f.properties
    out += [
        "",
        "Properties (default parameters):",
        f"  kind: {f.kind}" + ("" if f.elementwise else " (acts along an axis)"),
        f"  family: {spec.family}",
        f"  output range: {props.range_text}",
        f"  monotonic (non-decreasing): {'yes' if props.monotonic else 'no'}",
        f"  smoothness: {props.smoothness}",
        f"  bounded: {'yes' if props.bounded else 'no'}",
        f"  zero-centred: {'yes' if props.zero_centred else 'no'}",
        "",
        "Derivative:",
    ]
    out += ["  " + line for line in textwrap.wrap(derivative_text(f), 86)]
    equiv = [(label, spec.equivalents[k]) for k, label in LIBRARIES if k in spec.equivalents]
    out += ["", "Equivalents:"]
    out += [f"  {label}: {name}" for label, name in equiv] or ["  (none)"]
    if spec.differences:
        out += ["", "Differences from Keras / PyTorch / JAX:"]
        out += ["  " + line for line in textwrap.wrap(spec.differences, 86)]
    out += ["", "References:"]
    out += [f"  - {r.text}. {r.url}" for r in f.references]
    return "\n".join(out)


def cmd_show(args: argparse.Namespace) -> int:
    print(show_text(_activation(args.name)))
    return 0


# --------------------------------------------------------------------------- eval


def _read_csv_text(text: str, where: str, allow_spaces: bool) -> np.ndarray:
    rows: list[list[float]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = re.split(r"[,\s]+", line.strip()) if allow_spaces else line.split(",")
        row = []
        for col, cell in enumerate(cells, start=1):
            try:
                row.append(float(cell))
            except ValueError:
                raise UsageError(
                    f"{where} line {lineno}, column {col}: {cell.strip()!r} is not a number "
                    "(only numbers, inf and nan are allowed)"
                ) from None
        if rows and len(row) != len(rows[0]):
            raise UsageError(
                f"{where} line {lineno}: {len(row)} values where the first row has "
                f"{len(rows[0])} (rows must have equal length)"
            )
        rows.append(row)
    if not rows:
        raise UsageError(f"{where}: no numbers found")
    a = np.array(rows, dtype=np.float64)
    # One row, or one value per line (a column): a vector.
    if a.shape[0] == 1 or a.shape[1] == 1:
        return a.ravel()
    return a


def _load_npy(source: Any, where: str) -> np.ndarray:
    try:
        a = np.load(source, allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e) or "pickle" in str(e).lower():
            raise UsageError(
                f"{where} holds a pickled (object) array; actfn reads only numeric .npy files "
                "and never unpickles (allow_pickle=False)"
            ) from None
        raise UsageError(f"cannot read {where}: {e}") from None
    except OSError as e:
        raise UsageError(f"cannot read {where}: {e}") from None
    if not isinstance(a, np.ndarray):  # an .npz archive
        raise UsageError(f"{where} is not a single array (.npy); .npz archives are not read")
    if a.dtype.kind not in "biuf":
        raise UsageError(f"{where} holds {a.dtype} values; allowed: bool, integer or float")
    return a


def read_values(values: Sequence[str], stdin: Any = None) -> np.ndarray:
    """The input of ``eval``: numbers, one .npy or .csv file, or ``-`` for standard input."""
    if len(values) == 1 and values[0].strip() == "-":
        stream = stdin if stdin is not None else sys.stdin
        buffer = getattr(stream, "buffer", None)
        data = buffer.read() if buffer is not None else stream.read()
        if isinstance(data, str):
            data = data.encode()
        if data.startswith(b"\x93NUMPY"):
            return _load_npy(io.BytesIO(data), "standard input")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("standard input is neither text nor a .npy array") from None
        return _read_csv_text(text, "standard input", allow_spaces=True)
    if len(values) == 1 and values[0].lower().endswith((".npy", ".csv")):
        path = Path(values[0])
        if not path.is_file():
            raise UsageError(f"cannot read {values[0]!r}: no such file")
        if path.suffix.lower() == ".npy":
            try:
                with path.open("rb") as fh:
                    magic = fh.read(6)
            except OSError as e:
                raise UsageError(f"cannot read {values[0]!r}: {e}") from None
            if magic != b"\x93NUMPY":
                raise UsageError(f"cannot read {values[0]!r}: not a .npy file (no NumPy header)")
            return _load_npy(path, str(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"cannot read {values[0]!r}: {e}") from None
        return _read_csv_text(text, str(path), allow_spaces=False)
    out = []
    for v in values:
        try:
            out.append(float(v))
        except ValueError:
            raise UsageError(
                f"{v.strip()!r} is not a number; give numbers, one .npy or .csv file, "
                "or - for standard input"
            ) from None
    return np.array(out, dtype=np.float64)


def _dtype(name: str | None) -> Any:
    if name is None:
        return None
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise UsageError("--dtype bfloat16 needs the ml_dtypes package") from None
        return ml_dtypes.bfloat16
    return np.dtype(name)


def _parse_axis(text: str) -> Any:
    if text.strip().lower() == "none":
        return None
    try:
        parts = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UsageError(
            f"--axis {text!r}: allowed: an int, ints separated by commas, or None"
        ) from None
    if not parts:
        raise UsageError("--axis needs an int")
    return parts[0] if len(parts) == 1 else tuple(parts)


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run an activation; its ValueError / TypeError is the user's mistake."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def cmd_eval(args: argparse.Namespace) -> int:
    f = _activation(args.name)
    params = _params(f, args.param)
    if args.axis is not None:
        if f.elementwise:
            raise UsageError(f"--axis: {f.name} is elementwise and has no axis")
        params["axis"] = _parse_axis(args.axis)
    for prm in f.params:
        if is_required(f.defaults[prm.name]) and prm.name not in params:
            raise UsageError(
                f"{f.name} needs its parameter {prm.name}: add -p {prm.name}=VALUE "
                f"({_domain_text(prm)})"
            )
    x = read_values(args.values)
    dtype = _dtype(args.dtype)
    if dtype is not None:
        x = x.astype(dtype)
    if args.derivative:
        if f.spec.derivative is None:
            raise UsageError(
                f"--derivative: {f.name} acts along an axis and has no "
                "elementwise derivative (use the Python API's vjp)"
            )
        y = _call(f.derivative, x, **params)
    else:
        y = _call(f, x, **params)
    y = np.asarray(y)
    if args.output:
        path = Path(args.output)
        if path.suffix.lower() != ".npy":
            raise UsageError(f"-o {args.output!r}: the output file must end in .npy")
        try:
            np.save(path, y, allow_pickle=False)
        except OSError as e:
            raise UsageError(f"cannot write {args.output!r}: {e}") from None
        print(f"wrote {path} (shape {y.shape}, {y.dtype})", file=sys.stderr)
        return 0
    print(format_array(y))
    return 0


# --------------------------------------------------------------------------- plot


def cmd_plot(args: argparse.Namespace) -> int:
    from . import plotting

    fs = [_activation(n) for n in args.names]
    given: dict[str, Any] = {}
    for item in args.param or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p {item!r}: write -p NAME=VALUE")
        try:
            given[name.strip()] = parse_literal(value)
        except UsageError as e:
            raise UsageError(f"-p {name.strip()}: {e}") from None
    known = {p.name for f in fs for p in f.params}
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"-p {name}: none of {', '.join(f.name for f in fs)} has a parameter "
                f"{name!r}{hint} (parameters: {', '.join(sorted(known)) or 'none'})"
            )
    suffix = Path(args.output).suffix.lower().lstrip(".")
    if suffix not in plotting.FORMATS:
        raise UsageError(
            f"-o {args.output!r}: the file name must end in "
            f"{', '.join('.' + s for s in plotting.FORMATS)}"
        )
    lo, hi = args.range
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError(f"--range {lo:g} {hi:g}: give two finite numbers LO < HI")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("plot needs matplotlib (pip install 'actfn[plot]')") from None
    chosen = []
    for f in fs:
        p = plotting.illustrative_params(f)
        p.update({k: v for k, v in given.items() if k in p})
        _call(f.configure, **plotting.display_params(f, p))  # checks the values
        chosen.append((f, p))
    try:
        path = _call(
            plotting.plot, chosen, args.output, derivative=args.derivative, x_range=(lo, hi)
        )
    except OSError as e:
        raise UsageError(f"cannot write {args.output!r}: {e}") from None
    print(path)
    return 0


# --------------------------------------------------------------------------- gallery


def cmd_gallery(args: argparse.Namespace) -> int:
    from .gallery import build

    docs = Path(args.docs) if args.docs else None
    if docs is not None and not docs.is_dir():
        raise UsageError(f"--docs {args.docs!r}: no such directory")
    try:
        index = build.build_site(Path(args.output), docs=docs, progress=sys.stderr)
    except OSError as e:
        raise UsageError(f"cannot write the site to {args.output!r}: {e}") from None
    print(index)
    if args.open:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())
    return 0


# --------------------------------------------------------------------------- plugins


def _plugin_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(f"actfn.{name}") is not None
    except (ImportError, ValueError):
        return False


def _plugin_runner(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        if not _plugin_available(name):
            raise UsageError(
                f"the {name} module (actfn.{name}) is not available in this installation"
            )
        module = importlib.import_module(f"actfn.{name}")
        return int(module.run(args))

    return run


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line (no usage block), status 2, like every other user error.
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``command`` is the subcommand about to run (plugins load lazily)."""
    parser = _Parser(
        prog=PROG,
        description="Neural-network activation functions: list, show, evaluate and plot "
        "them, and build the reference site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {actfn.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("list", help="every activation with its formula and properties")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one activation in full")
    p.add_argument("name", help="activation name or alias")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "eval",
        help="evaluate an activation",
        description="Evaluate an activation on numbers, a .npy or .csv file, or standard "
        "input (-).  Results print with 4 significant digits; -o writes a .npy file.",
    )
    p.add_argument("name", help="activation name or alias")
    p.add_argument(
        "values",
        nargs="+",
        metavar="VALUES",
        help="numbers, one .npy or .csv file, or - for standard input",
    )
    _param_option(p)
    p.add_argument(
        "--axis", help="axis of an axis activation (int, ints joined by commas, or None)"
    )
    p.add_argument("--derivative", action="store_true", help="evaluate the derivative")
    p.add_argument("--dtype", choices=_DTYPES, help="dtype of the input array")
    p.add_argument("-o", "--output", metavar="FILE.npy", help="write the result to a .npy file")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("plot", help="plot activations (and derivatives) to an image file")
    p.add_argument("names", nargs="+", metavar="NAME", help="activation names")
    _param_option(p)
    p.add_argument("--derivative", action="store_true", help="add the derivatives, dashed")
    p.add_argument(
        "--range",
        nargs=2,
        type=float,
        default=(-5.0, 5.0),
        metavar=("LO", "HI"),
        help="x range (default -5 5)",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="output file: .png, .svg or .pdf"
    )
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("gallery", help="build the reference site (static HTML)")
    p.add_argument(
        "-o", "--output", default="site", metavar="DIR", help="output directory (default: ./site)"
    )
    p.add_argument(
        "--docs",
        metavar="DIR",
        help="folder with accuracy.md and speed.md (default: ./docs if present)",
    )
    p.add_argument("--open", action="store_true", help="open the site in a web browser")
    p.set_defaults(func=cmd_gallery)

    for name, help_text in _PLUGINS.items():
        if command == name and _plugin_available(name):
            module = importlib.import_module(f"actfn.{name}")
            p = sub.add_parser(name, help=help_text, description=module.__doc__)
            module.add_arguments(p)
        else:
            p = sub.add_parser(name, help=help_text, add_help=command != name)
            p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        p.set_defaults(func=_plugin_runner(name))
    return parser


def _param_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter (int, float, True, False or None); repeatable",
    )


_NEGATIVE = re.compile(r"-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-(?:inf|infinity|nan)", re.I)


def _protect_negative_numbers(argv: Sequence[str]) -> list[str]:
    """Let ``-1e3``, ``-inf`` and ``-.5`` be values, not options.

    argparse takes only plain negative numbers (``-1``, ``-0.5``) as values; a
    leading space keeps any other negative number from looking like an option, and
    ``float`` ignores it.
    """
    return [" " + a if _NEGATIVE.fullmatch(a) else a for a in argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 2 user error)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    if command in _PLUGINS and not _plugin_available(command):
        print(
            f"{PROG} {command}: error: the {command} module (actfn.{command}) is not "
            "available in this installation",
            file=sys.stderr,
        )
        return 2
    parser = build_parser(command)
    try:
        args = parser.parse_args(_protect_negative_numbers(args_list))
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else 2
    try:
        return int(args.func(args))
    except UsageError as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
