"""Markdown to HTML for the project's own documents (model cards, attribution), by markdown-it-py.

CommonMark plus pipe tables. Raw HTML in a document is never passed through: it is shown as
text (``html=False``), and markdown-it's link check refuses ``javascript:``, ``vbscript:``,
``file:`` and ``data:`` addresses other than images. Headings are shifted down by
``heading_offset`` so a card's ``#`` does not compete with the page's ``<h1>``; tables scroll
on a narrow screen and their header cells carry ``scope="col"``; column alignment becomes a
class (the pages' Content-Security-Policy allows no inline style). Relative image addresses
(a card's ``reliability.svg``) are resolved against ``image_base``; without one they are
dropped, leaving their alternative text. markdown-it is imported when the first document is
rendered, not when the pages are (a start serves none of these documents).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_ALIGN: Final = re.compile(r"text-align:(left|right|center)")
_RELATIVE_FILE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@functools.cache
def _markdown() -> MarkdownIt:
    """The one configured parser and renderer (made on first use)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")

    def table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return '<div class="table-scroll" tabindex="0"><table>\n'

    def table_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</table></div>\n"

    def cell_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        style = str(token.attrs.get("style", ""))
        align = _ALIGN.search(style)
        attrs = ' scope="col"' if token.tag == "th" else ""
        if align:
            attrs += f' class="align-{align.group(1)}"'
        return f"<{token.tag}{attrs}>"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    md.add_render_rule("th_open", cell_open)
    md.add_render_rule("td_open", cell_open)
    return md


def _adjust(tokens: list[Token], heading_offset: int, image_base: str | None) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1:]) + heading_offset)
            token.tag = f"h{level}"
        for child in token.children or ():
            if child.type != "image":
                continue
            src = str(child.attrs.get("src", ""))
            if src.startswith(("https://", "http://")):
                continue
            if image_base and _RELATIVE_FILE.fullmatch(src) and ".." not in src:
                child.attrs["src"] = f"{image_base.rstrip('/')}/{src}"
            else:  # an address we cannot serve: keep the words only
                child.type, child.tag = "text", ""
                child.content = child.content or "".join(c.content for c in child.children or ())
                child.children = None


_INTRAWORD_STAR: Final = re.compile(r"(?<=\w)\*(?=\w)")
_CODE_SPAN: Final = re.compile(r"(`+[^`]*`+)")


def _literal_stars(text: str) -> str:
    """A single ``*`` inside a word (``O*NET``, whose publisher's notice must read as written)
    is a character, not emphasis; code spans and fenced code are left alone."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced:
            parts = _CODE_SPAN.split(line)
            line = "".join(
                part if k % 2 else _INTRAWORD_STAR.sub(r"\\*", part) for k, part in enumerate(parts)
            )
        out.append(line)
    return "\n".join(out)


def render_markdown(text: str, *, heading_offset: int = 1, image_base: str | None = None) -> Markup:
    """Sanitised HTML for ``text``; '#' headings become h(1 + heading_offset), capped at h6."""
    md = _markdown()
    env: dict[str, Any] = {}
    tokens = md.parse(_literal_stars(text), env)
    _adjust(tokens, heading_offset, image_base)
    html = md.renderer.render(tokens, md.options, env)
    return Markup(html)  # markdown-it escapes all text; raw HTML is off
