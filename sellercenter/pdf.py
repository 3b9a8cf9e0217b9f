"""HTML to PDF with WeasyPrint, with the fonts the project installs itself.

Fonts. A label's names and addresses may be Chinese, Japanese, Thai, Arabic or accented Latin, and a missing glyph
prints as an empty box that a courier cannot read. So the documents never depend on the fonts of the machine: every
face comes from ``node_modules`` (``package.json`` pins them; ``make assets`` / ``npm ci`` installs them) and is
loaded with ``@font-face`` from a ``file://`` URL. The stack, in CSS fallback order:

* Noto Sans (Latin, Latin Extended, Greek, Cyrillic, Vietnamese subsets of ``@fontsource/noto-sans``, woff2),
* Noto Sans Thai and Noto Sans Arabic (``@fontsource``, woff2; Pango shapes Arabic right to left),
* Noto Sans SC and Noto Sans JP: the Simplified Chinese (about 7,900 characters) and Japanese (about 6,900,
  kana and the kanji in common use) subsets of ``@openfonts``. Small fonts subset and compress quickly into a PDF,
  which keeps a label with Chinese or Japanese names fast. Chinese text takes SC first and Japanese text
  (``lang="ja"``) takes JP first, so that a shared character is drawn in the reader's own form.
* Noto Sans CJK: the full Noto Sans CJK SC (``@embedpdf/fonts-sc``, about 30,800 characters: traditional forms,
  rarer name characters such as 髙) right after the subset of the text's language, so a rare character in a name
  still prints, in a form close to its neighbours'. It has no Hangul: Korean is not covered by these fonts.

A missing font file is an error, not a silent fallback to whatever the machine has.

Speed. Loading those fonts (about 20 MB of CJK outlines) and parsing the stylesheets costs far more than a label, so
it happens once per process: one ``FontConfiguration`` and the parsed ``CSS`` objects are kept and reused by every
render. WeasyPrint and Pango are not thread-safe around a shared font configuration, hence the lock.
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fontTools.ttLib import TTFont, woff2

if TYPE_CHECKING:  # WeasyPrint loads Pango when imported: only code that prints pays for it, and needs it
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

STYLES = Path(__file__).resolve().parent / "pdf_styles"

# (CSS family, weight, path under node_modules). Every file gets a family of its own: WeasyPrint tells the fonts of
# a PDF apart by family, weight and style, so two files of one family (Noto Sans' Latin and Latin Extended subsets)
# would be merged into one embedded font and print one file's glyphs for the other's characters.
_NOTO_SANS_SUBSETS = (("Noto Sans", "latin"), ("Noto Sans Latin Ext", "latin-ext"), ("Noto Sans Greek", "greek"),
                      ("Noto Sans Cyrillic", "cyrillic"), ("Noto Sans Vietnamese", "vietnamese"))
FONT_FACES: tuple[tuple[str, int, str], ...] = (
    *((family, weight, f"@fontsource/noto-sans/files/noto-sans-{subset}-{weight}-normal.woff2")
      for family, subset in _NOTO_SANS_SUBSETS for weight in (400, 700)),
    *(("Noto Sans Thai", weight, f"@fontsource/noto-sans-thai/files/noto-sans-thai-thai-{weight}-normal.woff2")
      for weight in (400, 700)),
    *(("Noto Sans Arabic", weight,
       f"@fontsource/noto-sans-arabic/files/noto-sans-arabic-arabic-{weight}-normal.woff2") for weight in (400, 700)),
    *(("Noto Sans SC", weight, "@openfonts/noto-sans-sc_chinese-simplified/files/"
       f"noto-sans-sc-chinese-simplified-{weight}.woff2") for weight in (400, 700)),
    *(("Noto Sans JP", weight, f"@openfonts/noto-sans-jp_japanese/files/noto-sans-jp-japanese-{weight}.woff2")
      for weight in (400, 700)),
    ("Noto Sans CJK", 400, "@embedpdf/fonts-sc/fonts/NotoSansHans-Regular.otf"),
    ("Noto Sans CJK", 700, "@embedpdf/fonts-sc/fonts/NotoSansHans-Bold.otf"),
)
_LATIN = tuple(family for family, _subset in _NOTO_SANS_SUBSETS)
FAMILIES = (*_LATIN, "Noto Sans Thai", "Noto Sans Arabic", "Noto Sans SC", "Noto Sans CJK", "Noto Sans JP")
FAMILIES_JA = (*_LATIN, "Noto Sans JP", "Noto Sans CJK", "Noto Sans SC", "Noto Sans Thai", "Noto Sans Arabic")

_lock = threading.RLock()


def font_dir() -> Path:
    return Path(getattr(settings, "DOCUMENT_FONTS_DIR", settings.BASE_DIR / "node_modules"))


def font_cache_dir() -> Path:
    return Path(getattr(settings, "DOCUMENT_FONTS_CACHE", Path(tempfile.gettempdir()) / "sellercenter-fonts"))


def _decoded(path: Path) -> Path:
    """A woff/woff2 file as the plain font it wraps, decoded once per machine into the cache folder.

    WeasyPrint decodes web fonts itself, but in every process and in Python: the Japanese woff2 takes about 5 s of
    CPU a weight (its glyph table is transformed). Decoded files are keyed by the source's path, size and time.
    """
    if path.suffix not in (".woff", ".woff2"):
        return path
    stat = path.stat()
    key = hashlib.sha256(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = font_cache_dir() / f"{path.stem}-{key}.sfnt"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        with path.open("rb") as source:
            if path.suffix == ".woff2":
                woff2.decompress(source, out)
            else:
                font = TTFont(source)
                font.flavor = None
                font.save(out)
        partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_bytes(out.getvalue())
        os.replace(partial, target)  # atomic: a process reading the cache never sees half a font
    return target


def _stack(families: tuple[str, ...]) -> str:
    return ", ".join(f'"{family}"' for family in families)


def font_files() -> list[Path]:
    """The installed font files, in ``FONT_FACES`` order, web fonts decoded (into the cache on first use)."""
    root = font_dir()
    missing = [relative for _family, _weight, relative in FONT_FACES if not (root / relative).is_file()]
    if missing:
        raise ImproperlyConfigured(
            f"Fonts for shipping documents are missing under {root} ({', '.join(missing)}): run `make assets`.")
    return [_decoded(root / relative) for _family, _weight, relative in FONT_FACES]


def font_face_css() -> str:
    """``@font-face`` rules for every face, pointing at the installed files, and the font stacks that use them."""
    faces = zip(FONT_FACES, font_files(), strict=True)
    rules = [f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: normal; '
             f'src: url("{path.as_uri()}"); }}' for (family, weight, _relative), path in faces]
    rules.append(f"html {{ font-family: {_stack(FAMILIES)}; }}")
    rules.append(f":lang(ja) {{ font-family: {_stack(FAMILIES_JA)}; }}")
    return "\n".join(rules)


def _inline_only() -> URLFetcher:
    """The documents are self-contained (the codes are inline SVG): a URL in a name or an address loads nothing."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",))


@functools.cache
def font_config() -> FontConfiguration:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def stylesheet(name: str) -> tuple[CSS, ...]:
    """The fonts and the named stylesheet (``styles/<name>.css``), parsed once per process."""
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher

    config = font_config()
    fonts = CSS(string=font_face_css(), font_config=config, url_fetcher=URLFetcher(allowed_protocols=("file",)))
    own = CSS(string=(STYLES / f"{name}.css").read_text(encoding="utf-8"), font_config=config,
              url_fetcher=_inline_only())
    return fonts, own


@atexit.register
def _release() -> None:
    """Let WeasyPrint remove its temporary font folder while the interpreter can still run its clean-up."""
    stylesheet.cache_clear()
    font_config.cache_clear()


def warm_up(*names: str) -> None:
    """Load the fonts and parse the stylesheets now; a worker process calls this once when it starts.

    Then the objects made so far (the fonts' tables, the parsed stylesheets, Django's own) are moved out of the
    garbage collector's sight: they live as long as the process, and a full collection that walks them again costs
    a label about 80 ms, every few labels (a warm label's p95 goes from ~200 ms to ~130 ms).
    """
    for name in names or ("label", "sheet"):
        stylesheet(name)
    gc.collect()
    gc.freeze()


def html_to_pdf(html: str, *, style: str, identifier: bytes | None = None) -> bytes:
    """``html`` as PDF with the stylesheet ``style`` (label, sheet) and the project's fonts. ``identifier`` fixes
    the file's /ID (otherwise random), for documents that must come out byte for byte the same each time."""
    from weasyprint import HTML

    with _lock:
        stylesheets = stylesheet(style)
        document = HTML(string=html, base_url=str(STYLES), url_fetcher=_inline_only())
        pdf = document.write_pdf(stylesheets=list(stylesheets), font_config=font_config(),
                                 **({"pdf_identifier": identifier} if identifier is not None else {}))
    assert pdf is not None
    return pdf
