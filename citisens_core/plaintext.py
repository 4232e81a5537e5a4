"""Text from files and users, kept as text wherever it is shown or written.

Area names, file names, column names and notes come from files anyone can
make. Shown through Markdown (Streamlit headings, captions, messages and
table cells; Markdown downloads), ``**vet**`` would turn bold and
``![x](http://host/x.png)`` into an image the viewer's browser fetches, which
breaks the promise that the atlas contacts no outside host. CommonMark lets a
backslash escape every ASCII punctuation character, so escaping all of them
shows any text literally (it also covers Streamlit's own ``:red[..]``,
``:material/..:`` and ``$..$`` extensions). A spreadsheet runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula (OWASP "CSV injection"),
so such text cells get a leading apostrophe in CSV downloads.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["csv_safe", "markdown_literal", "one_line"]

#: Characters that start inline Markdown anywhere in a line (emphasis, code, links and
#: images, HTML and autolinks, strikethrough, LaTeX, tables, entities).
_INLINE = re.compile(r"([\\`*_\[\]<>!~$|&])")
#: Streamlit's ``:red[..]``, ``:material/..:`` and emoji shortcodes: a colon before a letter.
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")
#: What makes a line a heading, list, quote, rule or setext underline.
_BLOCK_START = re.compile(r"^(\s*\d*)([#+\-=>.)])")
#: Cell prefixes a spreadsheet would evaluate (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: object) -> str:
    """The text on one line: control characters and runs of white space become one space."""
    return " ".join(str(text).split())


def markdown_literal(text: object) -> str:
    """Text that Markdown (and Streamlit's Markdown) shows exactly as written, on one line.

    Backslash escapes (CommonMark 0.31, section 2.4) on exactly the characters that
    could start Markdown, so ordinary punctuation stays readable in a downloaded file.

    Examples
    --------
    >>> markdown_literal("**vet** ![x](http://host/x.png)")
    '\\\\*\\\\*vet\\\\*\\\\* \\\\!\\\\[x\\\\](http://host/x.png)'
    >>> markdown_literal("Participatieadvies: 1. Oude Haven")
    'Participatieadvies: 1. Oude Haven'
    >>> markdown_literal("1. Oude Haven")
    '1\\\\. Oude Haven'
    """
    escaped = _INLINE.sub(r"\\\1", one_line(text))
    escaped = _DIRECTIVE.sub(r"\\:", escaped)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula (numbers stay numbers)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_defuse)
    return out


def _defuse(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
