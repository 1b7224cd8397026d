"""Figures with Chinese labels: ``matplotlib.figure.Figure`` objects (never pyplot, so a
notebook's backend is left alone) drawn with a CJK font when one is
installed (Debian's ``fonts-noto-cjk`` gives "Noto Sans CJK SC"; the pip package
``pylopdf-fonts-zh-cn`` ships Noto Sans SC under the SIL Open Font License, and is
registered with matplotlib when present); without one the glyphs draw as boxes and
matplotlib's missing-glyph warning is silenced. Used by the word-vector PCA plot and
the classification figures. No TensorFlow here."""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")


def _register_packaged_font(font_manager) -> None:
    """Add Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package, if installed, to matplotlib."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return
    path = str(sans_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            font_manager.fontManager.addfont(path)


@contextlib.contextmanager
def cjk_figure(**figure_kw):
    """``with cjk_figure(figsize=(6, 4)) as fig: ax = fig.subplots(); ...; save_figure(fig, p)``

    A ``matplotlib.figure.Figure`` (no pyplot, no global backend switch) whose text is
    drawn with the first CJK font installed, then DejaVu Sans. Save inside the block so
    the fonts apply when the text is laid out.
    """
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    _register_packaged_font(font_manager)
    installed = {f.name for f in font_manager.fontManager.ttflist}
    fonts = [f for f in CJK_FONTS if f in installed] + ["DejaVu Sans"]
    with warnings.catch_warnings(), matplotlib.rc_context({"font.family": fonts}):
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        yield Figure(**figure_kw)


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Lay out ``fig``, write it as a PNG (creating the folder; atomically: a crash keeps
    the previous figure); returns the path."""
    from llm_tf.files import atomic_path

    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out, ".png") as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    return out


def check_png(path: str | os.PathLike) -> Path:
    """Assert that ``path`` is a non-empty PNG (what the chapters check of every picture
    they draw) and say so; returns the path."""
    path = Path(path)
    data = path.read_bytes()
    assert len(data) > 100 and data[:8] == b"\x89PNG\r\n\x1a\n", path
    print(f"   check: {path} is a PNG ({len(data):,} bytes) ok")
    return path
