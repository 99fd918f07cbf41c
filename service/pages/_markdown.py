"""A small Markdown-to-HTML renderer for the project's own documents (model cards, attribution).

It knows headings, paragraphs, bullet and numbered lists, pipe tables, **bold**, `code` and
<links>/[text](url). Everything is HTML-escaped first, so a document cannot inject markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape


def _inline(text: str) -> str:
    out = str(escape(text))
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', out)
    out = re.sub(r"&lt;(https?://[^&\s]+)&gt;", r'<a href="\1">\1</a>', out)
    return out


def render_markdown(text: str, *, heading_offset: int = 1) -> Markup:
    """HTML for ``text``; '#' headings become h(1 + heading_offset) and deeper, capped at h6."""
    html: list[str] = []
    para: list[str] = []
    list_tag: str | None = None
    table: list[list[str]] = []

    def flush() -> None:
        nonlocal list_tag
        if para:
            html.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if list_tag:
            html.append(f"</{list_tag}>")
            list_tag = None
        if table:
            head, *body = table
            rows = [r for r in body if not all(set(c) <= set("-: ") for c in r)]
            html.append('<div class="table-scroll" tabindex="0"><table><thead><tr>')
            html.extend(f'<th scope="col">{_inline(c)}</th>' for c in head)
            html.append("</tr></thead><tbody>")
            for r in rows:
                html.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>")
            html.append("</tbody></table></div>")
            table.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
        number = re.match(r"^\s*\d+\.\s+(.*)$", line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.lstrip().startswith("|"):
            if para or list_tag:
                flush()
            table.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif bullet or number:
            tag = "ul" if bullet else "ol"
            if para or table or (list_tag and list_tag != tag):
                flush()
            if list_tag is None:
                html.append(f"<{tag}>")
                list_tag = tag
            item = bullet.group(1) if bullet else number.group(1) if number else ""
            html.append(f"<li>{_inline(item)}</li>")
        elif list_tag and raw.startswith("  "):
            html[-1] = html[-1][: -len("</li>")] + " " + _inline(line.strip()) + "</li>"
        else:
            if list_tag or table:
                flush()
            para.append(line.strip())
    flush()
    return Markup("\n".join(html))
