"""The report's completion chart: a heat map of deliverables (rows) by program area (columns).

Drawn with Pillow, not a plotting library: a grid of coloured cells needs no more, and
Pillow costs the report's process a few MiB where matplotlib (and the numpy it brings)
cost about fifty. Pillow is imported inside the functions, so only the process that draws
a chart ever loads it.

Everything is drawn at twice its size and kept that way: Slack shows the picture scaled
down to its preview, where text drawn at 1x would blur.

The picture is drawn a band of rows at a time, each band written to the PNG as it comes
(`png`): Pillow's own encoder wants the whole picture in memory, about 7 MB for a year's
deliverables at four bytes a pixel, and that was the peak of a report's process.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw as Draw
    from PIL.ImageFont import FreeTypeFont

SCALE = 2
MARGIN = 20 * SCALE
CELL_WIDTH = 128 * SCALE
CELL_HEIGHT = 30 * SCALE
GAP = 2 * SCALE  # white lines between cells
LABEL_MAX = 320 * SCALE  # longer deliverable names end in an ellipsis
LABEL_PAD = 12 * SCALE  # between a deliverable's name and its first cell
HEADER_LINES = 4  # an area's name wraps to at most this many lines
LEGEND_BAR = 160 * SCALE
LEGEND_GAP = 14 * SCALE  # between the cells and the legend
BAND_HEIGHT = 64 * SCALE  # rows of pixels drawn at a time (see `Band`)

WHITE = (255, 255, 255)
INK = (31, 31, 31)
MUTED = (100, 100, 100)
NONE_FILL = (224, 224, 224)  # an area with no team due for the deliverable
# ColorBrewer's RdYlGn, 11 classes: 0 % is its first colour, 100 % its last.
SCALE_COLOURS = (
    (165, 0, 38),
    (215, 48, 39),
    (244, 109, 67),
    (253, 174, 97),
    (254, 224, 139),
    (255, 255, 191),
    (217, 239, 139),
    (166, 217, 106),
    (102, 189, 99),
    (26, 152, 80),
    (0, 104, 55),
)
TITLE = "Completion by deliverable and area"
NOTHING_DUE = "No deliverable is due yet"
NO_TEAM_DUE = "no team due"
# Fonts with the accents and dashes the manual's names use, by file name: Pillow looks for
# them in the system's font folders. Pillow's own font (the fallback) has ASCII only.
FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf")
BOLD_FONT_FILES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "NotoSans-Bold.ttf")

Box = tuple[int, int, int, int]  # left, top, right, bottom (right and bottom excluded)
Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Fonts:
    title: FreeTypeFont
    text: FreeTypeFont
    small: FreeTypeFont
    ascii_only: bool  # Pillow's own font: other characters are folded to their ASCII look-alike

    def fit(self, text: str) -> str:
        if not self.ascii_only:
            return text
        for wide, narrow in ("–-", "—-", "‘'", "’'", '“"', '”"'):
            text = text.replace(wide, narrow)
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in pixels of the picture."""

    width: int
    height: int
    title: tuple[int, int]
    subtitle: tuple[int, int]
    grid_left: int
    grid_top: int
    row_labels: tuple[str, ...] = ()  # each deliverable's name as drawn (maybe shortened)
    column_labels: tuple[tuple[str, ...], ...] = ()  # each area's name as drawn, line by line
    header_line: int = 0  # the height of one line of an area's name

    def cell(self, row: int, column: int) -> Box:
        left = self.grid_left + column * CELL_WIDTH
        top = self.grid_top + row * CELL_HEIGHT
        return left, top, left + CELL_WIDTH - GAP, top + CELL_HEIGHT - GAP

    @property
    def legend_top(self) -> int:
        return self.grid_top + len(self.row_labels) * CELL_HEIGHT + LEGEND_GAP


@functools.cache
def fonts() -> Fonts:
    from PIL import ImageFont

    regular = _first_font(FONT_FILES)
    ascii_only = regular is None
    if regular is None:
        default = ImageFont.load_default(size=10)
        if not isinstance(default, ImageFont.FreeTypeFont):  # Pillow's wheels have FreeType
            raise RuntimeError("the completion chart needs Pillow built with FreeType")
        regular = default
    bold = _first_font(BOLD_FONT_FILES) or regular
    return Fonts(
        title=bold.font_variant(size=17 * SCALE),
        text=regular.font_variant(size=13 * SCALE),
        small=regular.font_variant(size=11 * SCALE),
        ascii_only=ascii_only,
    )


def _first_font(names: Sequence[str]) -> FreeTypeFont | None:
    from PIL import ImageFont

    for name in names:
        try:
            return ImageFont.truetype(name, 10)
        except OSError:
            continue
    return None


def subtitle(today: date) -> str:
    return (
        "Share of each area's teams that have done each deliverable due so far, "
        f"as of {today:%b} {today.day}, {today:%Y}"
    )


def layout(names: Sequence[str], areas: Sequence[str], today: date) -> Layout:
    """The chart's geometry: it grows with the deliverables (rows) and the areas (columns)."""
    f = fonts()
    title_height = _line_height(f.title)
    subtitle_text = f.fit(subtitle(today))
    subtitle_top = MARGIN + title_height + 4 * SCALE
    top = subtitle_top + _line_height(f.small) + 16 * SCALE
    min_width = MARGIN * 2 + max(
        math.ceil(f.title.getlength(f.fit(TITLE))), math.ceil(f.small.getlength(subtitle_text))
    )
    if not names or not areas:
        height = top + 3 * CELL_HEIGHT + MARGIN  # room for the message
        return Layout(min_width, height, (MARGIN, MARGIN), (MARGIN, subtitle_top), MARGIN, top)
    row_labels = tuple(_shortened(f.fit(_one_line(name)), f.text, LABEL_MAX) for name in names)
    label_width = max(math.ceil(f.text.getlength(label)) for label in row_labels)
    column_labels = tuple(
        _wrapped(f.fit(area), f.text, CELL_WIDTH - GAP - 8 * SCALE, HEADER_LINES) for area in areas
    )
    line = _line_height(f.text)
    header = max(len(lines) for lines in column_labels) * line + 8 * SCALE
    grid_left = MARGIN + label_width + LABEL_PAD
    grid_top = top + header
    legend = LEGEND_GAP + _line_height(f.small) + 12 * SCALE
    width = max(
        min_width,
        grid_left + len(areas) * CELL_WIDTH - GAP + MARGIN,
        grid_left + _legend_width(f) + MARGIN,
    )
    height = grid_top + len(names) * CELL_HEIGHT - GAP + legend + MARGIN
    return Layout(
        width=width,
        height=height,
        title=(MARGIN, MARGIN),
        subtitle=(MARGIN, subtitle_top),
        grid_left=grid_left,
        grid_top=grid_top,
        row_labels=row_labels,
        column_labels=column_labels,
        header_line=line,
    )


def completion_png(
    names: Sequence[str],
    areas: Sequence[str],
    grid: Sequence[Sequence[int | None]],
    today: date,
) -> bytes:
    """The heat map as PNG bytes: percent[deliverable][area], None where the area has no team
    due for the deliverable (drawn as a grey "–")."""
    f = fonts()
    at = layout(names, areas, today)
    paint = functools.partial(_paint, f=f, at=at, grid=grid, today=today)
    return png(at.width, at.height, _bands(at.width, at.height, paint))


def _paint(
    draw: Band, f: Fonts, at: Layout, grid: Sequence[Sequence[int | None]], today: date
) -> None:
    """Everything the chart shows, drawn in the whole picture's coordinates."""
    draw.text(at.title, f.fit(TITLE), font=f.title, fill=INK)
    draw.text(at.subtitle, f.fit(subtitle(today)), font=f.small, fill=MUTED)
    if not at.row_labels:
        middle = (at.width // 2, at.grid_top + 3 * CELL_HEIGHT // 2)
        draw.text(middle, f.fit(NOTHING_DUE), font=f.text, fill=MUTED, anchor="mm")
        return
    for column, lines in enumerate(at.column_labels):
        left, _, right, _ = at.cell(0, column)
        bottom = at.grid_top - 6 * SCALE  # the last line sits just above the cells
        for k, text in enumerate(reversed(lines)):
            y = bottom - k * at.header_line
            draw.text(((left + right) // 2, y), text, font=f.text, fill=INK, anchor="md")
    for row, label in enumerate(at.row_labels):
        _, top, _, bottom = at.cell(row, 0)
        x = at.grid_left - LABEL_PAD
        draw.text((x, (top + bottom) // 2), label, font=f.text, fill=INK, anchor="rm")
        for column in range(len(at.column_labels)):
            box = at.cell(row, column)
            value = grid[row][column]
            fill = NONE_FILL if value is None else colour(value)
            draw.rectangle(_inclusive(box), fill=fill)
            text = f.fit("–") if value is None else f"{value}%"
            ink = MUTED if value is None else text_colour(fill)
            centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
            draw.text(centre, text, font=f.text, fill=ink, anchor="mm")
    _legend(draw, f, at)


class Band:
    """A horizontal band of the picture, drawn on in the whole picture's coordinates. What
    falls outside the band is clipped, and what falls wholly outside it is not drawn."""

    def __init__(self, draw: Draw, top: int, height: int) -> None:
        self._draw, self._top, self._bottom = draw, top, top + height

    def text(self, xy: tuple[int, int], text: str, font: FreeTypeFont, **style: Any) -> None:
        x, y = xy
        reach = 2 * int(font.size)  # above or below its anchor, whichever the anchor is
        if self._crosses(y - reach, y + reach):
            self._draw.text((x, y - self._top), text, font=font, **style)

    def rectangle(self, box: tuple[int, int, int, int], fill: Colour) -> None:
        """`box` as Pillow takes it: its right and bottom drawn."""
        left, top, right, bottom = box
        if self._crosses(top, bottom):
            self._draw.rectangle((left, top - self._top, right, bottom - self._top), fill=fill)

    def line(self, points: Sequence[tuple[int, int]], fill: Colour) -> None:
        if self._crosses(min(y for _, y in points), max(y for _, y in points)):
            self._draw.line([(x, y - self._top) for x, y in points], fill=fill)

    def _crosses(self, top: int, bottom: int) -> bool:
        """Whether rows `top` to `bottom` (both drawn) reach into the band."""
        return bottom >= self._top and top < self._bottom


def _bands(width: int, height: int, paint: Callable[[Band], None]) -> Iterator[bytes]:
    """The picture's pixels, RGB, a band of rows at a time."""
    from PIL import Image, ImageDraw

    for top in range(0, height, BAND_HEIGHT):
        rows = min(BAND_HEIGHT, height - top)
        band = Image.new("RGB", (width, rows), WHITE)
        paint(Band(ImageDraw.Draw(band), top, rows))
        yield band.tobytes()


def _legend(draw: Band, f: Fonts, at: Layout) -> None:
    """A colour bar from 0 % to 100 %, and the grey of "no team due"."""
    top = at.legend_top
    height = _line_height(f.small)
    middle = top + height // 2
    x = at.grid_left
    draw.text((x, middle), "0%", font=f.small, fill=MUTED, anchor="lm")
    x += math.ceil(f.small.getlength("0%")) + 6 * SCALE
    for i in range(LEGEND_BAR):
        draw.line([(x + i, top + 2), (x + i, top + height - 2)], fill=colour(100 * i / LEGEND_BAR))
    x += LEGEND_BAR + 6 * SCALE
    draw.text((x, middle), "100%", font=f.small, fill=MUTED, anchor="lm")
    x += math.ceil(f.small.getlength("100%")) + 18 * SCALE
    draw.rectangle((x, top + 2, x + height - 4, top + height - 3), fill=NONE_FILL)
    x += height + 2 * SCALE
    draw.text((x, middle), f.fit(NO_TEAM_DUE), font=f.small, fill=MUTED, anchor="lm")


def _legend_width(f: Fonts) -> int:
    """As `_legend` lays it out."""
    texts = ("0%", "100%", f.fit(NO_TEAM_DUE))
    words = sum(math.ceil(f.small.getlength(text)) for text in texts)
    return words + LEGEND_BAR + _line_height(f.small) + (6 + 6 + 18 + 2) * SCALE


def colour(percent: float) -> Colour:
    """The heat map's colour for a percent: red at 0, yellow at 50, green at 100."""
    position = min(max(percent, 0), 100) / 100 * (len(SCALE_COLOURS) - 1)
    low = min(int(position), len(SCALE_COLOURS) - 2)
    share = position - low
    a, b = SCALE_COLOURS[low], SCALE_COLOURS[low + 1]
    return (
        round(a[0] + (b[0] - a[0]) * share),
        round(a[1] + (b[1] - a[1]) * share),
        round(a[2] + (b[2] - a[2]) * share),
    )


def text_colour(background: Colour) -> Colour:
    """White on a dark cell, ink on a light one (by the background's perceived brightness)."""
    r, g, b = background
    return WHITE if 0.299 * r + 0.587 * g + 0.114 * b < 150 else INK


def _line_height(font: FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _shortened(text: str, font: FreeTypeFont, width: int) -> str:
    """The text, or as much of it as fits in `width` followed by an ellipsis."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text.rstrip() + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,;:–-") + "…"


def _one_line(text: str) -> str:
    """Its words on one line: a name with a line break would be drawn as two lines, over the
    next row (and past what a band reaches for it)."""
    return " ".join(text.split())


def _wrapped(text: str, font: FreeTypeFont, width: int, lines: int) -> tuple[str, ...]:
    """The text in at most `lines` lines no wider than `width`, word by word; what does not
    fit ends the last line in an ellipsis."""
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines:
        line = words.pop(0)
        while words and font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        out.append(line)
    if words:
        out[-1] = f"{out[-1]} {' '.join(words)}"
    return tuple(_shortened(line, font, width) for line in out)


def _inclusive(box: Box) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return left, top, right - 1, bottom - 1


def png(width: int, height: int, rows: Iterable[bytes]) -> bytes:
    """A PNG of 8-bit RGB pixels given a band of rows at a time. Each row is left unfiltered:
    the chart's flat colours repeat row after row, which zlib finds by itself."""
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    _chunk(out, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    packer = zlib.compressobj(9)
    stride = 3 * width
    for band in rows:
        # each row of pixels starts with its filter type: 0, none
        lines = b"".join(b"\0" + band[at : at + stride] for at in range(0, len(band), stride))
        if packed := packer.compress(lines):
            _chunk(out, b"IDAT", packed)
    _chunk(out, b"IDAT", packer.flush())
    _chunk(out, b"IEND", b"")
    return out.getvalue()


def _chunk(out: io.BytesIO, kind: bytes, data: bytes) -> None:
    out.write(struct.pack(">I", len(data)) + kind + data)
    out.write(struct.pack(">I", zlib.crc32(kind + data)))
