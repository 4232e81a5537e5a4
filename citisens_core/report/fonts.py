"""The report font: DejaVu Sans, shipped with matplotlib (a pinned dependency).

DejaVu has every Dutch character (ë, ï, é, ó, ĳ, the apostrophe in 's-Hertogenbosch,
the en and em dash) in regular, bold and oblique. Its licence travels with it in
matplotlib's ``mpl-data/fonts/ttf/LICENSE_DEJAVU``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

FONT_FAMILY = "DejaVu Sans"
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
          "BI": "DejaVuSans-BoldOblique.ttf"}


def font_dir() -> Path:
    """The folder of matplotlib's bundled TrueType fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def font_files() -> dict[str, Path]:
    """fpdf2 style ("", "B", "I", "BI") → TrueType file."""
    return {style: font_dir() / name for style, name in STYLES.items()}
