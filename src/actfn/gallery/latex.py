"""A small LaTeX-subset parser with two renderers: MathML (for the site) and plain text (CLI).

The subset is what the activation records use: fractions, sub/superscripts, ``cases``,
``\\sqrt``, Greek letters, ``\\operatorname`` (and ``\\operatorname*`` with limits),
``\\text``, sized delimiters (``\\big(``, ``\\left( ... \\right)``), spacing commands and
the usual relation and operator symbols.  Anything else raises :class:`LatexError`
naming the construct, so an unsupported formula is noticed instead of mis-rendered.

Browsers render MathML natively (MathML Core); no JavaScript math library is used.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["LatexError", "parse", "to_mathml", "to_text"]


class LatexError(ValueError):
    """A formula uses LaTeX outside the supported subset (or is malformed)."""


# --------------------------------------------------------------------------- tables

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}

# Function names set upright, followed by an (invisible) function application.
FUNCTIONS = frozenset(
    {
        "log",
        "ln",
        "exp",
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "tanh",
        "max",
        "min",
        "arg",
        "sup",
        "inf",
        "det",
        "sgn",
        "erf",
        "erfc",
    }
)

# Large operators whose scripts go below/above in display style.
LARGE = {"sum": "∑", "prod": "∏", "int": "∫"}

SYMBOLS = {
    "ge": "≥",
    "geq": "≥",
    "le": "≤",
    "leq": "≤",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "equiv": "≡",
    "sim": "∼",
    "in": "∈",
    "notin": "∉",
    "otimes": "⊗",
    "odot": "⊙",
    "oplus": "⊕",
    "cdot": "·",
    "times": "×",
    "pm": "±",
    "mp": "∓",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "mapsto": "↦",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "ldots": "…",
    "cdots": "⋯",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "|": "‖",
    "lvert": "|",
    "rvert": "|",
    "langle": "⟨",
    "rangle": "⟩",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "{": "{",
    "}": "}",
    "setminus": "∖",
    "cup": "∪",
    "cap": "∩",
    "forall": "∀",
    "exists": "∃",
    "prime": "′",
    "circ": "∘",
    "ast": "∗",
}

# Widths in em of the spacing commands; "\!" (negative thin space) is dropped.
SPACES = {
    ",": 0.1667,
    ":": 0.2222,
    ">": 0.2222,
    ";": 0.2778,
    " ": 0.3333,
    "quad": 1.0,
    "qquad": 2.0,
    "!": 0.0,
}

SIZES = {"big": 1.2, "Big": 1.6, "bigg": 2.1, "Bigg": 2.6}

# Operators that get spaces around them in the text rendering.
_BINARY = frozenset("=+−<>≤≥≠≈∈⊗×±·→≡∼")

_SUPERSCRIPT = str.maketrans("0123456789+-−=()nix", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱˣ")
_SUBSCRIPT = str.maketrans("0123456789+-−=()aeijkoux", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₒᵤₓ")


# --------------------------------------------------------------------------- tree


@dataclass
class Row:
    items: list[Node] = field(default_factory=list)


@dataclass
class Ident:
    text: str
    upright: bool = False
    function: bool = False
    limits: bool = False


@dataclass
class Num:
    text: str


@dataclass
class Op:
    text: str
    size: float | None = None  # fixed size in em (\big ...); None: the default
    large: bool = False


@dataclass
class Space:
    width: float


@dataclass
class Text:
    text: str


@dataclass
class Frac:
    num: Node
    den: Node


@dataclass
class Sqrt:
    body: Node


@dataclass
class Scripts:
    base: Node
    sub: Node | None = None
    sup: Node | None = None
    limits: bool = False


@dataclass
class Cases:
    rows: list[list[Row]]


Node = Row | Ident | Num | Op | Space | Text | Frac | Sqrt | Scripts | Cases


# --------------------------------------------------------------------------- parser

_TOKEN = re.compile(
    r"\\(?:[A-Za-z]+\*?|.)"  # a command, or an escaped character
    r"|\d+(?:\.\d+)?|\.\d+"  # a number
    r"|\s+"  # whitespace
    r"|."  # any other single character
)


class _Parser:
    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.tokens = [t for t in _TOKEN.findall(tex)]
        self.i = 0

    # -- helpers ------------------------------------------------------------------

    def error(self, what: str) -> LatexError:
        return LatexError(f"formula {self.tex!r}: {what}")

    def peek(self, skip_space: bool = True) -> str | None:
        j = self.i
        while skip_space and j < len(self.tokens) and self.tokens[j].isspace():
            j += 1
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> str:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of formula")
        while self.tokens[self.i].isspace():
            self.i += 1
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        if self.peek() is None:
            raise self.error(f"unexpected end of formula: expected {tok!r}")
        got = self.next()
        if got != tok:
            raise self.error(f"expected {tok!r}, got {got!r}")

    def raw_group(self) -> str:
        """The literal text inside the next {...} (for \\text, \\operatorname, \\begin)."""
        self.expect("{")
        depth, out = 1, list[str]()
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            self.i += 1
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return "".join(out)
            out.append(tok)
        raise self.error("unbalanced braces")

    # -- grammar ------------------------------------------------------------------

    def parse(self) -> Row:
        row = self.row(stop=())
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()!r}")
        return row

    def row(self, stop: tuple[str, ...]) -> Row:
        items: list[Node] = []
        while True:
            tok = self.peek()
            if tok is None or tok in stop:
                return Row(_group(items))
            if tok in ("^", "_"):
                self.next()
                base = items.pop() if items else Row()
                items.append(self.script(base, tok))
                continue
            items.append(self.atom())

    def script(self, base: Node, kind: str) -> Scripts:
        arg = self.argument()
        if isinstance(base, Scripts) and base.sup is None and kind == "^" and base.sub:
            base.sup = arg
            return base
        if isinstance(base, Scripts) and base.sub is None and kind == "_" and base.sup:
            base.sub = arg
            return base
        limits = (isinstance(base, Ident) and base.limits) or (isinstance(base, Op) and base.large)
        if kind == "^":
            return Scripts(base, sup=arg, limits=limits)
        return Scripts(base, sub=arg, limits=limits)

    def argument(self) -> Node:
        """A group {...} or a single atom (the argument of ^, _, \\frac ...)."""
        if self.peek() == "{":
            self.next()
            row = self.row(stop=("}",))
            self.expect("}")
            return row
        return self.atom()

    def atom(self) -> Node:
        tok = self.next()
        if tok == "{":
            row = self.row(stop=("}",))
            self.expect("}")
            return row
        if tok == "}":
            raise self.error("unbalanced '}'")
        if tok[0].isdigit() or (tok[0] == "." and len(tok) > 1):
            return Num(tok)
        if tok.isalpha():
            return Ident(tok)
        if tok == "&" or tok == "\\\\":
            raise self.error(f"{tok!r} outside an environment")
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok == "-":
            return Op("−")
        if tok == "'":
            return Op("′")
        return Op(tok)

    def command(self, name: str) -> Node:
        if name in GREEK:
            upright = name[0].isupper()
            return Ident(GREEK[name], upright=upright)
        if name in FUNCTIONS:
            return Ident(name, upright=True, function=True)
        if name in LARGE:
            return Op(LARGE[name], large=True)
        if name in SYMBOLS:
            return Op(SYMBOLS[name])
        if name in SPACES:
            return Space(SPACES[name])
        if name in ("operatorname", "operatorname*"):
            text = self.raw_group()
            words = re.split(r"\\[,:; !]|\s+", text)
            return Ident("".join(words), upright=True, function=True, limits=name.endswith("*"))
        if name in ("text", "textrm", "mathrm"):
            text = self.raw_group()
            if name == "mathrm":
                return Ident(text, upright=True)
            return Text(text)
        if name == "frac" or name == "dfrac" or name == "tfrac":
            return Frac(self.argument(), self.argument())
        if name == "sqrt":
            if self.peek() == "[":
                raise self.error("\\sqrt[n]{...} (n-th roots) is not supported")
            return Sqrt(self.argument())
        if name in SIZES:
            delim = self.next()
            op = self.delimiter(delim)
            op.size = SIZES[name]
            return op
        if name == "left":
            opening = self.delimiter(self.next())
            body = self.row(stop=("\\right",))
            self.expect("\\right")
            closing = self.delimiter(self.next())
            return Row([opening, body, closing])
        if name == "begin":
            env = self.raw_group()
            if env != "cases":
                raise self.error(f"environment {env!r} is not supported (only cases)")
            return self.cases()
        raise self.error(f"\\{name} is not supported")

    def delimiter(self, tok: str) -> Op:
        if tok == ".":
            return Op("")
        if tok.startswith("\\"):
            name = tok[1:]
            if name in SYMBOLS:
                return Op(SYMBOLS[name])
            raise self.error(f"{tok!r} is not a delimiter")
        if tok in "()[]|/":
            return Op(tok)
        raise self.error(f"{tok!r} is not a delimiter")

    def cases(self) -> Cases:
        rows: list[list[Row]] = []
        cells: list[Row] = []
        while True:
            cell = self.row(stop=("&", "\\\\", "\\end"))
            cells.append(cell)
            tok = self.next()
            if tok == "&":
                continue
            rows.append(cells)
            cells = []
            if tok == "\\end":
                env = self.raw_group()
                if env != "cases":
                    raise self.error(f"\\end{{{env}}} closes \\begin{{cases}}")
                return Cases([r for r in rows if any(c.items for c in r)])


# Opening delimiter -> closing one; | and ‖ open and close alike.
_PAIRS = {"(": ")", "[": "]", "⟨": "⟩", "⌊": "⌋", "⌈": "⌉", "{": "}", "|": "|", "‖": "‖"}


def _closing(item: Node) -> Op | None:
    """The closing delimiter that ``item`` is (or carries as a script base)."""
    if isinstance(item, Scripts):
        item = item.base
    if isinstance(item, Op) and item.text in _PAIRS.values():
        return item
    return None


def _group(items: list[Node]) -> list[Node]:
    """Put each matched bracket pair and its contents in a row of its own.

    A stretchy bracket grows to the height of its row: grouped, ``f(x)`` keeps
    small parentheses beside a tall ``cases`` brace.
    """
    stack: list[list[Node]] = [[]]
    for item in items:
        close = _closing(item)
        top = stack[-1]
        opened = top[0] if len(stack) > 1 else None
        matches = (
            close is not None
            and isinstance(opened, Op)
            and _PAIRS.get(opened.text, opened.text) == close.text
        )
        if not matches and isinstance(item, Op) and item.text in _PAIRS:
            stack.append([item])
            continue
        if matches:
            stack.pop()
            if isinstance(item, Scripts):
                item.base = Row([*top, item.base])
                stack[-1].append(item)
            else:
                stack[-1].append(Row([*top, item]))
            continue
        top.append(item)
    while len(stack) > 1:  # unmatched brackets stay as they are
        top = stack.pop()
        stack[-1].extend(top)
    return stack[0]


def parse(tex: str) -> Row:
    """The formula's tree; :class:`LatexError` for anything outside the subset."""
    return _Parser(tex).parse()


# --------------------------------------------------------------------------- MathML


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _ml(node: Node | None) -> str:
    if node is None:
        return "<mrow></mrow>"
    if isinstance(node, Row):
        parts = []
        for k, item in enumerate(node.items):
            prev = node.items[k - 1] if k > 0 else None
            nxt = node.items[k + 1] if k + 1 < len(node.items) else None
            if _is_function(item) and prev is not None and not isinstance(prev, Op | Space):
                parts.append(_THIN)  # x tanh(...): a thin space before a function name
            if (
                isinstance(item, Op)
                and item.text in ("−", "+", "±")
                and isinstance(prev, Op)
                and not prev.large
                and prev.text not in ")]|‖"
            ):
                # A sign after an opening bracket or an operator is a prefix operator
                # (MathML would space it as a binary one).
                parts.append(f'<mo form="prefix">{_esc(item.text)}</mo>')
                continue
            parts.append(_ml(item))
            if _is_function(item) and nxt is not None and not isinstance(nxt, Space):
                parts.append("<mo>&#x2061;</mo>")
                if not _bracketed(nxt):
                    parts.append(_THIN)  # tanh x, log Σ: a thin space after the name
        return "<mrow>" + "".join(parts) + "</mrow>"
    if isinstance(node, Ident):
        variant = ' mathvariant="normal"' if node.upright and len(node.text) == 1 else ""
        if not node.upright and len(node.text) > 1:
            return "<mrow>" + "".join(f"<mi>{_esc(c)}</mi>" for c in node.text) + "</mrow>"
        return f"<mi{variant}>{_esc(node.text)}</mi>"
    if isinstance(node, Num):
        return f"<mn>{_esc(node.text)}</mn>"
    if isinstance(node, Op):
        attrs = ""
        if node.size is not None:
            attrs = f' minsize="{node.size}em" maxsize="{node.size}em"'
        if node.large:
            attrs += ' largeop="true" movablelimits="true"'
        return f"<mo{attrs}>{_esc(node.text)}</mo>"
    if isinstance(node, Space):
        return f'<mspace width="{node.width:g}em"></mspace>' if node.width > 0 else ""
    if isinstance(node, Text):
        text = node.text.replace(" ", "\u00a0")
        return f"<mtext>{_esc(text)}</mtext>"
    if isinstance(node, Frac):
        return f"<mfrac>{_ml(node.num)}{_ml(node.den)}</mfrac>"
    if isinstance(node, Sqrt):
        return f"<msqrt>{_ml(node.body)}</msqrt>"
    if isinstance(node, Scripts):
        base = _ml(node.base)
        if node.limits:
            if node.sub is not None and node.sup is not None:
                return f"<munderover>{base}{_ml(node.sub)}{_ml(node.sup)}</munderover>"
            if node.sub is not None:
                return f"<munder>{base}{_ml(node.sub)}</munder>"
            return f"<mover>{base}{_ml(node.sup)}</mover>"
        if node.sub is not None and node.sup is not None:
            return f"<msubsup>{base}{_ml(node.sub)}{_ml(node.sup)}</msubsup>"
        if node.sub is not None:
            return f"<msub>{base}{_ml(node.sub)}</msub>"
        return f"<msup>{base}{_ml(node.sup)}</msup>"
    if isinstance(node, Cases):
        rows = []
        for cells in node.rows:
            tds = []
            for k, cell in enumerate(cells):
                pad = "" if k == 0 else "padding-left:1.2em;"
                tds.append(
                    f'<mtd columnalign="left" style="text-align:left;{pad}">{_ml(cell)}</mtd>'
                )
            rows.append("<mtr>" + "".join(tds) + "</mtr>")
        return (
            '<mrow><mo stretchy="true">{</mo><mtable columnalign="left">'
            + "".join(rows)
            + "</mtable></mrow>"
        )
    raise TypeError(type(node).__name__)  # pragma: no cover - exhaustive


_THIN = '<mspace width="0.1667em"></mspace>'


def _bracketed(node: Node) -> bool:
    """A group that starts with a bracket, (x) or \big(x\big)."""
    return isinstance(node, Row) and bool(node.items) and isinstance(node.items[0], Op)


def _is_function(node: Node) -> bool:
    if isinstance(node, Ident):
        return node.function
    if isinstance(node, Scripts):
        return _is_function(node.base)
    return False


def to_mathml(tex: str, display: bool = True, label: str | None = None) -> str:
    """The formula as a ``<math>`` element (with the LaTeX source as an annotation)."""
    body = _ml(parse(tex))
    mode = ' display="block"' if display else ""
    aria = f' aria-label="{_esc(label)}"' if label else ""
    return (
        f'<math xmlns="http://www.w3.org/1998/Math/MathML"{mode}{aria}>'
        f"<semantics>{body}"
        f'<annotation encoding="application/x-tex">{_esc(tex)}</annotation>'
        "</semantics></math>"
    )


# --------------------------------------------------------------------------- text


def _tx(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, Row):
        out: list[str] = []
        prev: Node | None = None
        for item in node.items:
            piece = _tx(item)
            if _needs_space(prev, item):
                out.append(" ")
            if (
                isinstance(item, Op)
                and item.text in _BINARY
                and prev is not None
                and not (isinstance(prev, Op) and prev.text not in ")]|‖")
            ):
                piece = f" {piece} "
            elif isinstance(item, Op) and item.text == ",":
                piece = ", "
            out.append(piece)
            prev = item
        return "".join(out)
    if isinstance(node, Ident | Num | Text):
        return node.text
    if isinstance(node, Op):
        return node.text
    if isinstance(node, Space):
        return " " if node.width > 0 else ""
    if isinstance(node, Frac):
        return f"{_grouped(node.num)}/{_grouped(node.den)}"
    if isinstance(node, Sqrt):
        return f"√{_grouped(node.body)}"
    if isinstance(node, Scripts):
        base = _tx(node.base)
        if node.sub is not None:
            base += _script(node.sub, _SUBSCRIPT, "_")
        if node.sup is not None:
            base += _script(node.sup, _SUPERSCRIPT, "^")
        return base
    if isinstance(node, Cases):
        rows = []
        for cells in node.rows:
            texts = [_tx(c).strip() for c in cells]
            rows.append(texts[0] + ("" if len(texts) < 2 else " if " + " ".join(texts[1:])))
        return "{" + "; ".join(rows) + "}"
    raise TypeError(type(node).__name__)  # pragma: no cover - exhaustive


def _wordy(node: Node) -> bool:
    """A node that needs a space from its neighbours (a function name, a brace ...)."""
    if isinstance(node, Ident):
        return node.function or len(node.text) > 1
    if isinstance(node, Scripts):
        return _wordy(node.base) or (isinstance(node.base, Op) and node.base.large)
    return isinstance(node, Cases)


def _needs_space(prev: Node | None, item: Node) -> bool:
    if prev is None or isinstance(prev, Op | Space) or isinstance(item, Op | Space):
        return False
    if isinstance(item, Row) and item.items and isinstance(item.items[0], Op):
        return False  # a bracketed group: f(x), tanh(x)
    return _wordy(prev) or _wordy(item)


def _grouped(node: Node) -> str:
    text = _tx(node).strip()
    simple = not any(c in text for c in " +−/=<>,;")
    return text if simple else f"({text})"


def _script(node: Node, table: dict[int, int], mark: str) -> str:
    text = re.sub(r"\s+", "", _tx(node))
    converted = text.translate(table)
    if all(ord(c) in table.values() for c in converted):
        return converted
    return f"{mark}({text})" if len(text) > 1 else f"{mark}{text}"


def to_text(tex: str) -> str:
    """The formula on one line in plain Unicode (for terminals)."""
    text = _tx(parse(tex))
    return re.sub(r"\s+", " ", text).strip()
