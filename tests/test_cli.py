"""The ``actfn`` command: every subcommand, its output and exit status, and the error paths."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import io
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import actfn
from actfn import cli
from actfn.gallery.latex import to_text

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, out: str, err: str, *fragments: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr holding each fragment."""
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def four_digits(values: Any) -> str:
    return "[" + " ".join(f"{float(v):.4g}" for v in np.ravel(values)) + "]"


# --------------------------------------------------------------------------- list / show


def test_list_every_activation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["name", "aliases", "range"]
    assert len(lines) == 1 + len(actfn.ACTIVATIONS)
    for line, (name, f) in zip(lines[1:], actfn.ACTIVATIONS.items(), strict=True):
        assert line.split()[0] == name
        assert to_text(f.formula) in line
        assert f.properties.range_text in line
        for lib in ("keras", "torch", "jax"):
            if lib in f.spec.equivalents:
                assert f.spec.equivalents[lib] in line
    assert "swish" in next(line for line in lines if line.startswith("silu "))


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == list(actfn.ACTIVATIONS)
    by_name = {r["name"]: r for r in rows}
    assert by_name["relu"]["monotonic"] == "yes"
    assert by_name["silu"]["monotonic"] == "no"
    assert by_name["sigmoid"]["smooth"] == "yes"
    assert by_name["threshold"]["smooth"] == "no (jumps)"
    assert by_name["sparse_plus"]["jax"] == "jax.nn.sparse_plus"
    assert by_name["sparse_plus"]["torch"] == "-"


@pytest.mark.parametrize("name", list(actfn.ACTIVATIONS))
def test_show_every_activation(capsys: pytest.CaptureFixture[str], name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    code, out, err = run(capsys, "show", name)
    assert code == 0 and err == ""
    assert out.startswith(f"{name} — {f.spec.summary}")
    assert to_text(f.formula) in out
    assert f.formula in out
    for p in f.params:
        assert f"{p.name} = " in out and p.domain.describe() in out
    for r in f.references:
        assert r.url in out
    assert f.properties.range_text in out
    assert "Derivative:" in out
    if f.spec.differences:
        assert "Differences from Keras / PyTorch / JAX:" in out


def test_show_alias_and_kink_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "swish")
    assert code == 0 and out.startswith("silu")
    code, out, _ = run(capsys, "show", "relu")
    assert "closest to zero" in out  # the kink rule, from the docstring
    assert "relu(x, negative_slope=0.0, max_value=None, threshold=0.0, *, out=None)" in out


def test_unknown_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "rellu")
    assert_user_error(code, out, err, "unknown activation 'rellu'", "relu", "actfn list")
    code, out, err = run(capsys, "eval", "sofmax", "1")
    assert_user_error(code, out, err, "'sofmax'", "softmax")
    code, out, err = run(capsys, "show", "zzzzzz")
    assert_user_error(code, out, err, "unknown activation 'zzzzzz'")
    assert "did you mean" not in err


# --------------------------------------------------------------------------- eval


def test_eval_seed_softmax(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", "softmax", "1", "2", "3", "4", "1", "2", "3")
    a = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0])
    assert code == 0 and err == ""
    assert out.strip() == four_digits(np.exp(a) / np.exp(a).sum())
    assert out.strip().startswith("[0.02364 0.06426 0.1747 0.4748")


def test_eval_params_negative_numbers_and_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "elu", "-1e3", "-inf", "-.5", "-1", "2", "-p", "alpha=2")
    assert code == 0
    x = np.array([-1e3, -np.inf, -0.5, -1.0, 2.0])
    assert out.strip() == four_digits(actfn.elu(x, alpha=2.0))
    code, out, _ = run(capsys, "eval", "elu", "-0.5", "3", "--derivative")
    assert out.strip() == four_digits(actfn.elu.derivative(np.array([-0.5, 3.0])))
    code, out, _ = run(capsys, "eval", "gelu", "1", "-p", "approximate=true")
    assert out.strip() == four_digits(actfn.gelu(1.0, approximate=True))
    code, out, _ = run(capsys, "eval", "relu", "7", "-p", "max_value=None", "-p", "threshold=1")
    assert out.strip() == "[7]"


def test_eval_axis(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    m = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for axis in ("0", "-1"):
        code, out, _ = run(capsys, "eval", "softmax", str(path), "--axis", axis)
        assert code == 0
        want = np.array2string(
            actfn.softmax(m, axis=int(axis)), formatter={"float_kind": lambda v: f"{v:.4g}"}
        )
        assert out.strip() == want
    code, out, _ = run(capsys, "eval", "softmax", str(path), "--axis", "None")
    nums = [float(t) for t in out.replace("[", " ").replace("]", " ").split()]
    assert len(nums) == 6 and sum(nums) == pytest.approx(1.0, abs=1e-3)


def test_eval_dtype_and_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.npy"
    code, out, err = run(
        capsys, "eval", "sigmoid", "0", "1", "--dtype", "float32", "-o", str(target)
    )
    assert code == 0 and out == "" and "wrote" in err
    got = np.load(target, allow_pickle=False)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, actfn.sigmoid(np.array([0.0, 1.0], dtype=np.float32)))
    ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes is not installed")
    code, out, _ = run(capsys, "eval", "gelu", "1", "--dtype", "bfloat16")
    rounded = np.asarray(actfn.gelu(1.0)).astype(ml_dtypes.bfloat16)  # one rounding
    assert code == 0 and out.strip() == four_digits([float(rounded)])
    code, out, err = run(capsys, "eval", "sigmoid", "0", "-o", str(tmp_path / "out.txt"))
    assert_user_error(code, out, err, "must end in .npy")


def test_eval_reads_npy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "x.npy"
    x = np.linspace(-2, 2, 5).reshape(5)
    np.save(path, x)
    code, out, _ = run(capsys, "eval", "tanh", str(path))
    assert code == 0 and out.strip() == four_digits(np.tanh(x))


def test_eval_refuses_pickles(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "evil.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    code, out, err = run(capsys, "eval", "relu", str(path))
    assert_user_error(code, out, err, "pickled", "allow_pickle=False")


def test_eval_rejects_bad_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,x7\n", encoding="utf-8")
    code, out, err = run(capsys, "eval", "relu", str(bad))
    assert_user_error(code, out, err, "line 2, column 3", "'x7'", "not a number")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2\n3\n", encoding="utf-8")
    assert_user_error(*run(capsys, "eval", "relu", str(ragged)), "line 2", "equal length")
    assert_user_error(
        *run(capsys, "eval", "relu", str(tmp_path / "missing.npy")), "cannot read", "no such file"
    )
    junk = tmp_path / "junk.npy"
    junk.write_bytes(b"not an array")
    assert_user_error(*run(capsys, "eval", "relu", str(junk)), "cannot read", "not a .npy")
    strings = tmp_path / "s.npy"
    np.save(strings, np.array(["a", "b"]))
    assert_user_error(*run(capsys, "eval", "relu", str(strings)), "allowed: bool, integer or float")


def test_eval_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("1 2\n3, 4\n"))
    code, out, _ = run(capsys, "eval", "relu", "-", "-p", "threshold=1.5")
    assert code == 0
    assert out.strip() == "[[0 2]\n [3 4]]"
    buf = io.BytesIO()
    np.save(buf, np.array([-1.0, 1.0]))
    fake = types.SimpleNamespace(buffer=io.BytesIO(buf.getvalue()))
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, _ = run(capsys, "eval", "softsign", "-")
    assert code == 0 and out.strip() == "[-0.5 0.5]"
    monkeypatch.setattr(sys, "stdin", io.StringIO("-1\n2\n3\n"))  # a column: a vector
    code, out, _ = run(capsys, "eval", "softmax", "-")
    assert code == 0 and out.strip() == four_digits(actfn.softmax([-1.0, 2.0, 3.0]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("1 two\n"))
    assert_user_error(*run(capsys, "eval", "relu", "-"), "standard input line 1, column 2")


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["eval", "elu", "1", "-p", "alfa=2"], ["no parameter 'alfa'", "did you mean 'alpha'"]),
        (["eval", "elu", "1", "-p", "alpha"], ["NAME=VALUE"]),
        (["eval", "elu", "1", "-p", "alpha=abc"], ["'abc' is not a number"]),
        (["eval", "elu", "1", "-p", "alpha=__import__('os')"], ["not a number"]),
        (["eval", "celu", "1", "-p", "alpha=0"], ["alpha=0.0 is outside its domain"]),
        (["eval", "gelu", "1", "-p", "approximate=2"], ["approximate must be True or False"]),
        (["eval", "threshold", "1"], ["-p threshold=VALUE"]),
        (["eval", "relu", "1", "two"], ["'two' is not a number"]),
        (["eval", "relu", "1", "--axis", "0"], ["elementwise"]),
        (["eval", "softmax", "1", "--axis", "x"], ["--axis"]),
        (["eval", "softmax", "1", "2", "--axis", "3"], ["out of range"]),
        (["eval", "softmax", "1", "2", "--derivative"], ["vjp"]),
        (["eval", "glu", "1", "2", "3"], ["must be even"]),
        (["eval", "relu", "1", "--dtype", "int8"], ["invalid choice"]),
        (["frobnicate"], ["invalid choice"]),
        ([], ["required"]),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    assert_user_error(*run(capsys, *argv), *fragments)


def test_parse_literal() -> None:
    assert cli.parse_literal("3") == 3 and isinstance(cli.parse_literal("3"), int)
    assert cli.parse_literal("-2.5e-3") == -2.5e-3
    assert cli.parse_literal("inf") == float("inf")
    assert cli.parse_literal("True") is True and cli.parse_literal("false") is False
    assert cli.parse_literal("None") is None
    for bad in ("[1]", "1+1", "os.system('x')", "'a'", ""):
        with pytest.raises(cli.UsageError):
            cli.parse_literal(bad)


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("list", "show", "eval", "plot", "gallery", "accuracy", "bench"):
        assert command in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"actfn {actfn.__version__}"


# --------------------------------------------------------------------------- plot


@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_plot_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str, magic: bytes
) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    target = tmp_path / f"p.{suffix}"
    code, out, err = run(capsys, "plot", "elu", "softmax", "-o", str(target))
    assert err == ""
    assert code == 0 and out.strip() == str(target)
    assert target.read_bytes().startswith(magic)


def test_plot_overlay_with_derivatives(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    target = tmp_path / "p.svg"
    code, _, _ = run(
        capsys,
        "plot",
        "relu",
        "elu",
        "threshold",
        "-p",
        "alpha=0.5",
        "--derivative",
        "--range",
        "-3",
        "2",
        "-o",
        str(target),
    )
    assert code == 0
    svg = target.read_text(encoding="utf-8")
    assert svg.count("stroke-dasharray") >= 3  # one dashed derivative per activation
    for text in ("elu(x, alpha=0.5)", "d/dx relu(x)", "threshold=0.5", ">x<"):
        assert text in svg


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["plot", "elu", "-o", "x.gif"], [".png, .svg, .pdf"]),
        (["plot", "elu", "--range", "2", "1", "-o", "x.png"], ["LO < HI"]),
        (["plot", "elu", "-p", "beta=1", "-o", "x.png"], ["no", "'beta'"]),
        (["plot", "celu", "-p", "alpha=-1", "-o", "x.png"], ["outside its domain"]),
        (["plot", "nope", "-o", "x.png"], ["unknown activation"]),
        (["plot", "elu"], ["required: -o/--output"]),
    ],
)
def test_plot_errors(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    fragments: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_user_error(*run(capsys, *argv), *fragments)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- gallery


def test_gallery_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    code, out, err = run(capsys, "gallery", "-o", str(out_dir))
    assert code == 0
    index = Path(out.strip())
    assert index == out_dir / "index.html" and index.is_file()
    assert f"[{len(actfn.ACTIVATIONS) + 3}/{len(actfn.ACTIVATIONS) + 3}]" in err  # progress
    for name in actfn.ACTIVATIONS:
        assert (out_dir / "a" / f"{name}.html").is_file()
    assert_user_error(
        *run(capsys, "gallery", "-o", str(out_dir), "--docs", str(tmp_path / "nowhere")),
        "--docs",
        "no such directory",
    )


def test_gallery_open(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    code, out, _ = run(capsys, "gallery", "-o", str(tmp_path), "--open")
    assert code == 0
    assert opened == [Path(out.strip()).resolve().as_uri()]


def test_a_new_activation_is_listed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    spec = dataclasses.replace(actfn.softplus.spec, name="half_softplus")
    monkeypatch.setitem(actfn.ACTIVATIONS, "half_softplus", actfn.Activation(spec))
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.splitlines()[-1].startswith("half_softplus ")
    code, out, _ = run(capsys, "eval", "half_softplus", "0")
    assert code == 0 and out.strip() == four_digits([np.log(2.0)])


# --------------------------------------------------------------------------- plugins


@pytest.mark.parametrize("name", ["accuracy", "bench"])
def test_plugin_missing_or_present(capsys: pytest.CaptureFixture[str], name: str) -> None:
    if importlib.util.find_spec(f"actfn.{name}") is None:
        assert_user_error(*run(capsys, name), f"actfn.{name}", "not available")
        assert_user_error(*run(capsys, name, "--anything"), "not available")
    else:
        code, out, _ = run(capsys, name, "--help")
        assert code == 0 and f"actfn {name}" in out


def test_plugin_wiring(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, Any] = {}
    module = types.ModuleType("actfn.bench")
    module.__spec__ = importlib.machinery.ModuleSpec("actfn.bench", loader=None)

    def add_arguments(parser: Any) -> None:
        parser.add_argument("--size", type=int, default=10)

    def run_plugin(args: Any) -> int:
        calls["size"] = args.size
        return 0

    module.add_arguments = add_arguments  # type: ignore[attr-defined]
    module.run = run_plugin  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "actfn.bench", module)
    code, _, _ = run(capsys, "bench", "--size", "123")
    assert code == 0 and calls == {"size": 123}


# --------------------------------------------------------------------------- entry points


def test_python_m_actfn_list() -> None:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "actfn", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].split()[0] == next(iter(actfn.ACTIVATIONS))
    proc = subprocess.run(
        [sys.executable, "-m", "actfn", "show", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
