"""The report's completion chart (bot/status/chart.py): a PNG heat map drawn with Pillow.

Pixels are read back with Pillow at places the module's own layout gives; a cell's colour
is the commonest colour inside it (its percent is written over its middle)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from PIL import Image

from bot.status import chart

pytestmark = pytest.mark.filterwarnings("error")  # the chart prints no warning

TODAY = date(2024, 10, 1)
NAMES = ["Mentor/Protégé Contact Form", "Focal Points Checklist", "Individual Mentoring Plan"]
AREAS = ["Business, Marketing and Information Technology", "Family Consumer Sciences"]
GRID: list[list[int | None]] = [[0, 100], [None, 50], [100, 0]]


def picture(names=NAMES, areas=AREAS, grid=GRID) -> Image.Image:
    data = chart.completion_png(names, areas, grid, TODAY)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def colours(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> Counter:
    """How many pixels of each colour the picture (or a box of it) has."""
    part = image if box is None else image.crop(box)
    return Counter({rgb: n for n, rgb in part.getcolors(part.width * part.height)})


def background(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    return colours(image, box).most_common(1)[0][0]


def brightness(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


@pytest.fixture
def ascii_font() -> Iterator[None]:
    """As on a machine with none of the system fonts: Pillow's own."""
    saved = chart.FONT_FILES, chart.BOLD_FONT_FILES
    chart.FONT_FILES, chart.BOLD_FONT_FILES = ("no-such-font.ttf",), ("no-such-font.ttf",)
    chart.fonts.cache_clear()
    yield
    chart.FONT_FILES, chart.BOLD_FONT_FILES = saved
    chart.fonts.cache_clear()


def test_each_cell_is_coloured_red_to_green_by_percent_and_grey_for_no_team_due() -> None:
    image = picture()
    at = chart.layout(NAMES, AREAS, TODAY)
    assert image.size == (at.width, at.height)
    r, g, b = background(image, at.cell(0, 0))  # 0 %
    assert r > 150 and g < 60 and b < 60
    r, g, b = background(image, at.cell(0, 1))  # 100 %
    assert g > 90 and g > 1.5 * r and g > 1.2 * b
    r, g, b = background(image, at.cell(1, 1))  # 50 %: yellow
    assert r > 230 and g > 230 and b < 200
    r, g, b = background(image, at.cell(1, 0))  # no team due
    assert r == g == b and 200 < r < 255
    assert background(image, at.cell(2, 0)) == background(image, at.cell(0, 1))


def test_each_cell_has_its_percent_in_a_colour_readable_on_it() -> None:
    image = picture()
    at = chart.layout(NAMES, AREAS, TODAY)
    for row, column in [(0, 0), (0, 1), (1, 1), (2, 0), (2, 1), (1, 0)]:
        box = at.cell(row, column)
        fill = background(image, box)
        # the pixel furthest in brightness from the cell's colour: the text's ink
        ink = max(colours(image, box), key=lambda p: abs(brightness(p) - brightness(fill)))
        assert abs(brightness(ink) - brightness(fill)) > 100, (row, column, fill, ink)
    dark, light = at.cell(0, 0), at.cell(1, 1)  # white on red, dark on yellow
    assert max(brightness(p) for p in colours(image, dark)) > 240
    assert min(brightness(p) for p in colours(image, light)) < 80


def test_the_picture_grows_with_the_deliverables_and_the_areas() -> None:
    small = picture(NAMES[:2], AREAS, GRID[:2]).size
    taller = picture(NAMES, AREAS, GRID).size
    wider = picture(NAMES[:2], AREAS + ["Agriculture", "Health"], [[1, 2, 3, 4], [5, 6, 7, 8]])
    assert taller[0] == small[0] and taller[1] > small[1]
    assert wider.size[0] > small[0] and wider.size[1] == small[1]


def test_long_names_are_shortened_so_nothing_overlaps() -> None:
    long_name = "Content advisors communicate semester one progress to building administrators " * 3
    long_area = "Technology, Health and Skilled Technical Sciences and Everything Else Besides"
    names, areas = [long_name, "Short"], [long_area, "Supercalifragilisticexpialidocious"]
    at = chart.layout(names, areas, TODAY)
    font = chart.fonts().text
    assert at.row_labels[0].endswith("…") and at.row_labels[1] == "Short"
    assert long_name.startswith(at.row_labels[0][:-1])
    assert max(font.getlength(label) for label in at.row_labels) <= chart.LABEL_MAX
    assert at.grid_left - chart.LABEL_PAD >= chart.MARGIN + font.getlength(at.row_labels[0])
    assert len(at.column_labels[0]) == chart.HEADER_LINES
    assert at.column_labels[0][-1].endswith("…")
    assert long_area.startswith(" ".join(at.column_labels[0])[:-1])  # word by word, in order
    assert at.column_labels[1] == (at.column_labels[1][0],)
    assert at.column_labels[1][0].startswith("Supercal") and at.column_labels[1][0].endswith("…")
    for lines in at.column_labels:
        assert len(lines) <= chart.HEADER_LINES
        left, _, right, _ = at.cell(0, 0)
        assert all(font.getlength(line) < right - left for line in lines)
    # the picture with them is drawn, every cell inside it
    image = picture(names, areas, [[10, None], [90, 30]])
    assert at.cell(1, 1)[2] < image.width and at.cell(1, 1)[3] < image.height


@pytest.mark.parametrize(
    ("names", "areas", "grid"), [([], [], []), (NAMES, [], [[], [], []]), ([], AREAS, [])]
)
def test_with_nothing_due_the_chart_says_so_in_grey(names, areas, grid) -> None:
    image = picture(names, areas, grid)
    at = chart.layout(names, areas, TODAY)
    assert image.size == (at.width, at.height)
    assert at.row_labels == () and at.column_labels == ()
    assert all(r == g == b for r, g, b in colours(image))  # no cell, no legend: text only
    message = colours(image, (0, at.grid_top, at.width, at.height))
    assert min(brightness(p) for p in message) < 160  # the message is there


def test_without_a_system_font_pillows_own_draws_the_names_in_ascii(ascii_font) -> None:
    at = chart.layout(NAMES, AREAS, TODAY)
    assert chart.fonts().ascii_only
    assert at.row_labels[0] == "Mentor/Protege Contact Form"
    image = picture(NAMES, AREAS, GRID)
    r, g, b = background(image, at.cell(0, 0))
    assert r > 150 and g < 60 and b < 60


MANY = [f"{NAMES[n % 3]} {n}" for n in range(40)]  # rows across many bands
MANY_GRID = [[None if n % 7 == 0 else (n * 37) % 101, (n * 11) % 101] for n in range(40)]


@pytest.mark.parametrize("fonts", ["system", "ascii"])
def test_a_picture_drawn_a_band_at_a_time_is_the_picture_drawn_at_once(
    fonts, request, monkeypatch
) -> None:
    if fonts == "ascii":
        request.getfixturevalue("ascii_font")
    whole, cases = {}, [(MANY, AREAS, MANY_GRID), (NAMES, AREAS, GRID), ([], [], [])]
    monkeypatch.setattr(chart, "BAND_HEIGHT", 100_000)  # one band: the whole picture
    for n, (names, areas, grid) in enumerate(cases):
        whole[n] = picture(names, areas, grid)
    # bands of every height a text, a cell or the legend may be cut by
    for height in (chart.BAND_HEIGHT, 7, 1):
        monkeypatch.setattr(chart, "BAND_HEIGHT", height)
        for n, (names, areas, grid) in enumerate(cases):
            if height == 1 and names is MANY:
                continue  # (a few seconds; 7 cuts it in as many places)
            banded = picture(names, areas, grid)
            assert banded.size == whole[n].size
            assert banded.tobytes() == whole[n].tobytes(), (height, n)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes, int]]:
    """A PNG's chunks: (kind, data, the checksum written), after its signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        yield kind, body, crc
        at += 12 + length


def test_the_png_is_written_as_its_rows_come() -> None:
    red, blue, white = b"\xff\x00\x00", b"\x00\x00\xff", b"\xff\xff\xff"
    data = chart.png(2, 3, [red + blue + blue + red, white + white])
    chunks = list(_chunks(data))
    # Pillow does not check an image data chunk's checksum: each is checked here
    assert all(zlib.crc32(kind + body) == crc for kind, body, crc in chunks)
    assert [kind for kind, _, _ in chunks][0] == b"IHDR" and chunks[-1][:2] == (b"IEND", b"")
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every row: a wrong length fails here
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", (2, 3))
    pixels = [image.getpixel((x, y)) for y in range(3) for x in range(2)]
    assert pixels == [(255, 0, 0), (0, 0, 255), (0, 0, 255), (255, 0, 0), (255,) * 3, (255,) * 3]


def test_a_whole_chart_is_a_well_formed_png() -> None:
    data = chart.completion_png(MANY, AREAS, MANY_GRID, TODAY)
    assert all(zlib.crc32(kind + body) == crc for kind, body, crc in _chunks(data))


def test_the_web_worker_does_not_load_pillow() -> None:
    # nor what only rare requests and commands need: a calendar file, rolling a program,
    # the set-up check, the migrations (each loaded by what uses it, in the process it runs in)
    rare = ("PIL", "matplotlib", "numpy", "icalendar", "tomlkit", "yaml", "alembic", "mako")
    code = (
        "import sys, bot.cli, bot.platform.app, bot.platform.web, handlers.status,"
        " bot.status.chart, schedules.runner;"
        f"print(sorted(m for m in {rare!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
