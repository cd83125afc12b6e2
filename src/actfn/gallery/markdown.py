"""A small Markdown subset to HTML, for docs/accuracy.md and docs/speed.md.

Headings, pipe tables, bullet lists, fenced code, paragraphs, and inline code,
emphasis and links.  Every piece of text is escaped; raw HTML in the source is
shown as text, never passed through.
"""

from __future__ import annotations

import html
import re

__all__ = ["to_html"]

_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        code, bold, label, url = m.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{html.escape(bold)}</strong>")
        elif url.startswith(("http://", "https://", "#")) or not re.match(r"\w+:", url):
            out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>')
        else:  # javascript: and other schemes are shown as text
            out.append(html.escape(m.group(0)))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _table(lines: list[str]) -> str:
    head = _cells(lines[0])
    aligns = []
    for c in _cells(lines[1]):
        if c.startswith(":") and c.endswith(":"):
            aligns.append("center")
        elif c.endswith(":"):
            aligns.append("right")
        else:
            aligns.append("")
    body = [_cells(x) for x in lines[2:]]

    def cell(tag: str, text: str, k: int) -> str:
        align = aligns[k] if k < len(aligns) else ""
        numeric = re.fullmatch(r"[-+−]?[\d.,]+(e[-+]?\d+)?\s*[%×x]?", text) is not None
        cls = ' class="num"' if align == "right" or (numeric and tag == "td") else ""
        return f"<{tag}{cls}>{_inline(text)}</{tag}>"

    out = ['<div class="table-wrap"><table>', "<thead><tr>"]
    out += [cell("th", h, k) for k, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in body:
        out.append("<tr>" + "".join(cell("td", c, k) for k, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def to_html(text: str, heading_offset: int = 1) -> str:
    """The Markdown subset as HTML; headings are shifted down by ``heading_offset``."""
    lines = text.splitlines()
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        if stripped.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1 : j])) + "</code></pre>")
            i = j + 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if m:
            flush()
            level = min(len(m.group(1)) + heading_offset, 6)
            out.append(f"<h{level}>{_inline(m.group(2).strip())}</h{level}>")
            i += 1
            continue
        if "|" in stripped and i + 1 < len(lines) and _RULE.match(lines[i + 1]):
            flush()
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if re.match(r"^[-*]\s+", stripped):
            flush()
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                items.append(re.sub(r"^\s*[-*]\s+", "", lines[i]))
                i += 1
            out.append("<ul>" + "".join(f"<li>{_inline(t)}</li>" for t in items) + "</ul>")
            continue
        para.append(stripped)
        i += 1
    flush()
    return "\n".join(out)
