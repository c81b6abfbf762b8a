"""Students' free-text answers as HTML: CommonMark with ``$...$`` and ``$$...$$`` math.

Rendered on the server by markdown-it-py with raw HTML switched off (a student's
``<script>`` shows as text), links limited to http(s) and mailto by markdown-it's own
validator, and math turned into MathML by latex2mathml, which every current browser
draws without scripts or fonts from elsewhere. latex2mathml copies ``\\text{...}`` through
unescaped, so its output is parsed again as XML and only MathML elements and
presentation attributes survive; a formula that fails any of this shows as its
escaped source.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from functools import lru_cache

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

MATHML = "http://www.w3.org/1998/Math/MathML"
_TAGS = {"math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "mfrac", "msqrt", "mroot", "mstyle", "merror",
         "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
         "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation"}
_ATTRIBUTES = {"display", "mathvariant", "stretchy", "fence", "separator", "separators", "lspace", "rspace",
               "columnalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "linethickness",
               "accent", "accentunder", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "width",
               "height", "depth", "scriptlevel", "displaystyle", "open", "close", "notation", "form", "encoding"}


def _safe_mathml(markup: str) -> str:
    """``markup`` re-serialised with only MathML elements and presentation attributes;
    raises ValueError on anything else (or on markup that is not XML)."""
    root = ET.fromstring(markup)
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace.lstrip("{") != MATHML or tag not in _TAGS:
            raise ValueError(f"not MathML: {element.tag}")
        for name in list(element.attrib):
            if name not in _ATTRIBUTES:
                del element.attrib[name]
    ET.register_namespace("", MATHML)
    return ET.tostring(root, encoding="unicode")


def _math(display: str):
    def render(source: str, options: dict) -> str:
        try:
            return _safe_mathml(latex_to_mathml(source, display=display))
        except Exception:  # noqa: BLE001 - any failure on a student's formula: show its source
            return f'<code class="math-source">{html.escape(source)}</code>'
    return render


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    dollarmath_plugin(parser, allow_digits=False, double_inline=True, renderer=None)
    inline, block = _math("inline"), _math("block")
    parser.add_render_rule("math_inline", lambda self, tokens, idx, options, env: inline(tokens[idx].content, options))
    parser.add_render_rule("math_inline_double",
                           lambda self, tokens, idx, options, env: block(tokens[idx].content, options))
    parser.add_render_rule("math_block", lambda self, tokens, idx, options, env: block(tokens[idx].content, options))
    parser.add_render_rule("math_block_label",
                           lambda self, tokens, idx, options, env: block(tokens[idx].content, options))
    return parser


def render_answer(text: str) -> Markup:
    """``text`` (Markdown with LaTeX math) as safe HTML."""
    return Markup(_parser().render(text))
