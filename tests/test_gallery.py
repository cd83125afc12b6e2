"""The reference site: generated from the registry, and checked in a real headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import actfn
from actfn.gallery import build, markdown
from actfn.gallery.latex import LatexError, parse, to_mathml, to_text

CHROMIUM = "/usr/bin/chromium"
PUBLIC = sorted(n for n in actfn.__all__ if isinstance(getattr(actfn, n), actfn.Activation))


# --------------------------------------------------------------------------- LaTeX -> MathML


@pytest.mark.parametrize("name", list(actfn.ACTIVATIONS))
def test_every_formula_converts(name: str) -> None:
    f = actfn.ACTIVATIONS[name]
    ml = to_mathml(f.formula)
    assert ml.startswith("<math") and ml.endswith("</math>")
    # Every LaTeX command is gone from the rendering (only the annotation keeps it).
    body = ml.split("<annotation")[0]
    assert "\\" not in body
    # The markup is well-formed XML.
    import xml.etree.ElementTree as ET

    ET.fromstring(ml)
    assert to_text(f.formula).startswith("f(x)")


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"\frac{a}{b}", "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi></mrow></mfrac>"),
        (r"x^{2}", "<msup><mi>x</mi><mrow><mn>2</mn></mrow></msup>"),
        (r"x_i^2", "<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>"),
        (r"\sqrt{b}", "<msqrt><mrow><mi>b</mi></mrow></msqrt>"),
        (r"\alpha\Phi", '<mi>α</mi><mi mathvariant="normal">Φ</mi>'),
        (r"\operatorname{clip}(x)", "<mi>clip</mi><mo>&#x2061;</mo><mrow><mo>(</mo>"),
        (r"\text{or}", "<mtext>or</mtext>"),
        (r"\sum_{j} x", '<munder><mo largeop="true" movablelimits="true">∑</mo>'),
        (r"a - b", "<mo>−</mo>"),
        (r"a < b", "<mo>&lt;</mo>"),
        (r"\big(x\big)", '<mo minsize="1.2em" maxsize="1.2em">(</mo>'),
        (r"\left(x\right)", "<mo>(</mo><mrow><mi>x</mi></mrow><mo>)</mo>"),
        # Bracket pairs get their own row so they stretch only to their contents.
        (r"f(x) = 1", "<mi>f</mi><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow><mo>=</mo>"),
        (r"f(x)_i", "<msub><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow><mi>i</mi></msub>"),
        (r"\Big(-x\Big)", '<mo form="prefix">−</mo>'),
        (r"1 + |x|", "<mrow><mo>|</mo><mi>x</mi><mo>|</mo></mrow>"),
        (
            r"x \tanh x",
            '<mspace width="0.1667em"></mspace><mi>tanh</mi><mo>&#x2061;</mo>'
            '<mspace width="0.1667em"></mspace><mi>x</mi>',
        ),
    ],
)
def test_mathml_constructs(tex: str, expected: str) -> None:
    assert expected in to_mathml(tex)


def test_cases_become_a_table() -> None:
    ml = to_mathml(r"f(x) = \begin{cases} x & x > 0 \\ 0 & x \le 0 \end{cases}")
    assert ml.count("<mtr>") == 2
    assert ml.count("<mtd") == 4
    assert '<mo stretchy="true">{</mo><mtable' in ml
    assert "<mo>≤</mo>" in ml


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"f(x) = \frac{1}{1 + e^{-x}}", "f(x) = 1/(1 + e⁻ˣ)"),
        (r"f(x) = x \tanh x", "f(x) = x tanh x"),
        (r"\begin{cases} x & x \ge 0 \\ a\,x & x < 0 \end{cases}", "{x if x ≥ 0; a x if x < 0}"),
        (r"\sqrt{x^{2} + b}", "√(x² + b)"),
    ],
)
def test_text_rendering(tex: str, text: str) -> None:
    assert to_text(tex) == text


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\foo{x}", r"\\foo is not supported"),
        (r"\frac{a}", "unexpected end"),
        (r"{x", "expected '}'"),
        (r"\begin{matrix} x \end{matrix}", "only cases"),
        (r"a & b", "outside an environment"),
    ],
)
def test_unsupported_latex_is_an_error(tex: str, message: str) -> None:
    with pytest.raises(LatexError, match=message):
        parse(tex)


def test_text_in_mathml_is_escaped() -> None:
    ml = to_mathml(r"\text{<b>&}", label="<x>")
    assert "<b>" not in ml.split("<annotation")[0]
    assert "&lt;b&gt;&amp;" in ml
    assert 'aria-label="&lt;x&gt;"' in ml


# --------------------------------------------------------------------------- markdown


def test_markdown_tables_and_escaping() -> None:
    text = (
        "# Speed\n\nTimes in ms <script>alert(1)</script>.\n\n"
        "| activation | actfn | torch |\n|---|---:|---:|\n| relu | 1.5 | 2.0 |\n"
        "| `elu` | 3 | 4 |\n\n- a [link](https://example.org) and [bad](javascript:alert(1))\n"
    )
    out = markdown.to_html(text)
    assert "<h2>Speed</h2>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.count("<tr>") == 3
    assert '<td class="num">1.5</td>' in out
    assert "<code>elu</code>" in out
    assert '<a href="https://example.org">link</a>' in out
    assert 'href="javascript' not in out


# --------------------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    docs = tmp_path_factory.mktemp("docs")
    (docs / "speed.md").write_text(
        "| activation | actfn ms | PyTorch ms |\n|---|---:|---:|\n| elu | 7.3 | 13.7 |\n",
        encoding="utf-8",
    )
    build.build_site(out, docs=docs)
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_public_name_has_a_page(site: Path) -> None:
    for name in PUBLIC:
        canonical = getattr(actfn, name).name
        page = site / build.page_name(canonical)
        assert page.is_file(), f"public name {name} has no page"
        assert f"<code>{canonical}</code>" in _text(page)
    index = _text(site / "index.html")
    for name in actfn.ACTIVATIONS:
        assert f'href="{build.page_name(name)}"' in index


def test_index_groups_by_family(site: Path) -> None:
    index = _text(site / "index.html")
    for family, fs in build.families().items():
        section = index.split(f'<section id="family-{family}"')[1].split("</section>")[0]
        for f in fs:
            assert f'href="{build.page_name(f.name)}"' in section
    assert index.count("<svg") == len(actfn.ACTIVATIONS)


def test_activation_page_content(site: Path) -> None:
    page = _text(site / build.page_name("elu"))
    assert "<math" in page and "<mfrac" not in page.split("<math")[0]
    assert "actfn.elu(x, alpha=1.0, *, out=None)" in html.unescape(page)
    for heading in (
        "Definition",
        "Signature",
        "Plot",
        "Properties",
        "Derivative",
        "Equivalents and differences",
        "Examples",
        "References",
    ):
        assert f">{heading}</h2>" in page
    assert "jax.nn.elu" in page and "arxiv.org" in page
    # The sampled values are computed now: compare with the library.
    value = actfn.elu(-1.0)
    assert f'<td class="num">{float(value):.4g}</td>' in page


def test_softmax_page_shows_the_seed_examples(site: Path) -> None:
    page = html.unescape(re.sub(r"<[^>]+>", "", _text(site / build.page_name("softmax"))))
    seed = actfn.softmax([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0])
    scaled = actfn.softmax([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3])
    assert "softmax([1, 2, 3, 4, 1, 2, 3]) = [" + ", ".join(f"{v:.4g}" for v in seed) in page
    assert (
        "softmax([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3]) = [" + ", ".join(f"{v:.4g}" for v in scaled)
        in page
    )
    # The record's doctest, re-run at build time.
    assert "array([0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175])" in page
    assert "first output of softmax([x, 0])" in page


def test_examples_run_at_build_time() -> None:
    import dataclasses

    spec = dataclasses.replace(
        actfn.elu.spec,
        examples=">>> import actfn\n>>> actfn.elu([-1.0, 0.5]).round(2)\narray([9., 9.])\n"
        ">>> undefined_name  # doctest: +SKIP\n>>> 1 / 0\n",
    )
    examples = build._run_examples(actfn.Activation(spec), None)
    assert [e.source for e in examples] == [
        "import actfn",
        "actfn.elu([-1.0, 0.5]).round(2)",
        "1 / 0",
    ]
    # The result is computed now, not copied from the record.
    assert examples[1].result == repr(actfn.elu([-1.0, 0.5]).round(2))
    assert examples[2].result.startswith("ZeroDivisionError")


def test_text_is_escaped() -> None:
    import dataclasses

    evil = "<img src=x onerror=alert(1)>"
    spec = dataclasses.replace(
        actfn.relu.spec, summary=evil, differences=evil, details=evil, references=()
    )
    page = build._activation_page(actfn.Activation(spec), None)
    assert evil not in page
    assert page.count(html.escape(evil, quote=True)) >= 3


def test_accuracy_and_speed_pages(site: Path) -> None:
    speed = _text(site / "speed.html")
    assert "<table>" in speed and '<td class="num">13.7</td>' in speed
    accuracy = _text(site / "accuracy.html")
    assert "Not measured yet" in accuracy


def test_compare_data_covers_every_activation(site: Path) -> None:
    page = _text(site / "compare.html")
    raw = page.split('<script type="application/json" id="compare-data">')[1].split("</script>")[0]
    data = json.loads(raw)
    assert [a["name"] for a in data["activations"]] == list(actfn.ACTIVATIONS)
    x = np.array(data["x"])
    for entry in data["activations"]:
        f = actfn.ACTIVATIONS[entry["name"]]
        sizes = [len(p["values"]) for p in entry["params"]]
        assert len(entry["y"]) == int(np.prod(sizes))
        # The default combination reproduces the library to 4 significant digits.
        k = 0
        for p in entry["params"]:
            k = k * len(p["values"]) + p["default"]
        from actfn import plotting

        want = plotting.curve(f, x).y
        got = np.array([np.nan if v is None else v for v in entry["y"][k]])
        ok = np.isfinite(got)
        # Finite where the library is (some functions are defined on x >= 0 only).
        np.testing.assert_array_equal(ok, np.isfinite(want) & (np.abs(want) <= 1e6))
        np.testing.assert_allclose(got[ok], want[ok], rtol=1e-3, atol=1e-12)
    elu = next(a for a in data["activations"] if a["name"] == "elu")
    assert [p["name"] for p in elu["params"]] == ["alpha"]
    assert "<script" not in raw.replace("\\u003c", "")


def test_no_network_references(site: Path) -> None:
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".css", ".js"):
            continue
        text = _text(path)
        # Outgoing links are fine (references); nothing is loaded from elsewhere.
        for m in re.finditer(r'(?:src|href)="([^"]+)"', text):
            url = m.group(1)
            if url.startswith(("http://", "https://")):
                before = text[: m.start()]
                assert before.rstrip().endswith("<a"), f"{path.name} loads {url}"
        assert "@import" not in text and "url(http" not in text


# --------------------------------------------------------------------------- in Chromium

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class _Page:
    """A page opened from disk, recording console errors and any non-file request."""

    def __init__(self, browser: Any, width: int = 1100, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.route("**/*", self._route)

    def _console(self, msg: Any) -> None:
        if msg.type in ("error", "warning"):
            self.errors.append(f"console {msg.type}: {msg.text}")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page

    def check(self) -> None:
        assert not self.errors, self.errors
        assert not self.outside, f"requests leaving the machine: {self.outside}"

    def close(self) -> None:
        self.context.close()


def _assert_formulas_render(page: Any) -> int:
    sizes = page.eval_on_selector_all(
        "math",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })",
    )
    for w, h in sizes:
        assert w > 0 and h > 0, sizes
    return len(sizes)


def _assert_plots_visible(page: Any) -> int:
    boxes = page.eval_on_selector_all(
        "svg.plot",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " const paths = e.querySelectorAll('path');"
        " return [r.width, r.height, paths.length,"
        " Array.from(paths).every(p => p.getAttribute('d').length > 20)]; })",
    )
    for w, h, n, drawn in boxes:
        assert w > 50 and h > 30 and n >= 1 and drawn, boxes
    return len(boxes)


def test_pages_in_chromium(site: Path, browser: Any, tmp_path: Path) -> None:
    view = _Page(browser)
    try:
        page = view.open(site / "index.html")
        assert _assert_plots_visible(page) == len(actfn.ACTIVATIONS)
        page.screenshot(path=str(tmp_path / "index.png"), full_page=False)
        view.check()
        for name in actfn.ACTIVATIONS:
            page = view.open(site / build.page_name(name))
            assert _assert_formulas_render(page) == 1, name
            assert _assert_plots_visible(page) == 1, name
            if name == "softmax":
                page.screenshot(path=str(tmp_path / "softmax.png"), full_page=True)
            view.check()
        for other in ("accuracy.html", "speed.html"):
            view.open(site / other)
            view.check()
    finally:
        view.close()
    assert (tmp_path / "index.png").stat().st_size > 10_000
    assert (tmp_path / "softmax.png").stat().st_size > 10_000


def test_compare_page_in_chromium(site: Path, browser: Any, tmp_path: Path) -> None:
    view = _Page(browser, width=420, height=900)  # a phone-sized window
    try:
        page = view.open(site / "compare.html")
        curve = page.locator('#compare-plot path.function[data-name="elu"]')
        assert curve.count() == 1
        before = curve.get_attribute("d")
        slider = page.locator("#p-elu-alpha")
        value_before = page.locator("#p-elu-alpha-value").text_content()
        slider.focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        after = curve.get_attribute("d")
        assert after != before
        assert page.locator("#p-elu-alpha-value").text_content() != value_before
        # Derivatives appear dashed when asked for.
        page.locator("#show-derivative").check()
        assert page.locator('#compare-plot path.derivative[data-name="elu"]').count() == 1
        # Picking another activation draws it and shows its sliders.
        page.locator("#pick-softplus").check()
        assert page.locator('#compare-plot path.function[data-name="softplus"]').count() == 1
        page.locator("#pick-hard_tanh").check()
        assert page.locator("#p-hard_tanh-min_val").is_visible()
        page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 420, "the comparison page scrolls sideways on a phone"
        view.check()
    finally:
        view.close()


def test_the_browser_guard_catches_network_loads(browser: Any, tmp_path: Path) -> None:
    # The checks above would miss nothing: a page that loads from the network fails them.
    page_path = tmp_path / "leaky.html"
    page_path.write_text(
        '<!DOCTYPE html><title>t</title><img src="http://192.0.2.1/x.png" '
        'alt="x"><script>console.error("boom")</script>',
        encoding="utf-8",
    )
    view = _Page(browser)
    try:
        view.open(page_path)
        assert view.outside == ["http://192.0.2.1/x.png"]
        assert any("boom" in e for e in view.errors)
        with pytest.raises(AssertionError):
            view.check()
    finally:
        view.close()


def test_site_is_usable_on_a_phone(site: Path, browser: Any, tmp_path: Path) -> None:
    view = _Page(browser, width=390, height=844)
    try:
        for target in ("index.html", build.page_name("gelu")):
            page = view.open(site / target)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{target} is {width}px wide on a 390px screen"
        page.screenshot(path=str(tmp_path / "gelu-phone.png"), full_page=False)
        view.check()
    finally:
        view.close()


def test_gallery_copy_is_self_contained(site: Path, tmp_path: Path) -> None:
    # Moved elsewhere, the site keeps working: every local link resolves inside it.
    copy = tmp_path / "moved"
    shutil.copytree(site, copy)
    for path in copy.rglob("*.html"):
        for m in re.finditer(r'(?:src|href)="([^"#:]+)(?:#[^"]*)?"', _text(path)):
            assert (path.parent / m.group(1)).resolve().exists(), (path.name, m.group(1))


def test_a_new_activation_gets_a_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import dataclasses

    spec = dataclasses.replace(
        actfn.softplus.spec,
        name="half_softplus",
        family="experimental",
        formula=r"f(x) = \frac{1}{2}\log(1 + e^{x})",
    )
    mine = tmp_path / build.PAGE_DIR / "notes.html"
    mine.parent.mkdir()
    mine.write_text("the user's own file", encoding="utf-8")
    with monkeypatch.context() as m:
        m.setitem(actfn.ACTIVATIONS, "half_softplus", actfn.Activation(spec))
        build.build_site(tmp_path, docs=tmp_path)
        page = _text(tmp_path / build.page_name("half_softplus"))
        assert "<mfrac>" in page and "half_softplus" in page
        index = _text(tmp_path / "index.html")
        assert 'id="family-experimental"' in index and build.page_name("half_softplus") in index
        assert 'id="pick-half_softplus"' in _text(tmp_path / "compare.html")
    assert mine.is_file()  # a folder that was not a site: nothing deleted
    # Rebuilt without it, the site drops its page.
    mine.unlink()
    build.build_site(tmp_path, docs=tmp_path)
    assert not (tmp_path / build.page_name("half_softplus")).exists()
    assert (tmp_path / build.page_name("relu")).is_file()
