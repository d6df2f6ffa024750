"""Reading back the QR codes the gateway draws: which modules of the symbol are dark,
from the SVG path or the PNG pixels, to compare with the symbol of an expected text."""

import re
import struct
import zlib
from xml.etree import ElementTree

import segno

SVG_NS = "{http://www.w3.org/2000/svg}"
_PATH_COMMAND = re.compile(r"([MmHh])\s*(-?[0-9.]+)(?:\s+(-?[0-9.]+))?")


def _normalized(cells: set[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    """The cells moved so the symbol's top-left module (always dark: a finder pattern) is (0, 0)."""
    if not cells:
        return frozenset()
    top, left = min(row for row, _ in cells), min(col for _, col in cells)
    return frozenset((row - top, col - left) for row, col in cells)


def symbols_of(text: str) -> set[frozenset[tuple[int, int]]]:
    """The dark modules of the QR symbol of `text` at each error correction level."""
    symbols = set()
    for level in "LMQH":
        qr = segno.make_qr(text, error=level, boost_error=False)
        symbols.add(_normalized({(r, c) for r, row in enumerate(qr.matrix) for c, dark in enumerate(row) if dark}))
    return symbols


def svg_modules(svg: bytes) -> frozenset[tuple[int, int]]:
    """The dark modules drawn by the horizontal lines of the SVG's path (segno's "M x y h n m dx dy" form)."""
    root = ElementTree.fromstring(svg)
    if root.tag != f"{SVG_NS}svg":
        raise ValueError(f"not an SVG document: {root.tag}")
    cells: set[tuple[int, int]] = set()
    for path in root.iter(f"{SVG_NS}path"):
        x = y = 0.0
        for command, first, second in _PATH_COMMAND.findall(path.get("d", "")):
            if command == "M":
                x, y = float(first), float(second)
            elif command == "m":
                x, y = x + float(first), y + float(second)
            elif command == "h":
                length = float(first)
                cells |= {(int(y), int(x) + i) for i in range(int(length))}
                x += length
            else:
                raise ValueError(f"unexpected path command {command}")
    return _normalized(cells)


def png_modules(png: bytes) -> frozenset[tuple[int, int]]:
    """The dark modules of a 1-bit grayscale PNG of a QR code (scale found from the finder pattern)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, data, header = 8, b"", None
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind, body = png[position + 4 : position + 8], png[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            data += body
    width, height, depth, color, _, _, interlace = header
    if (depth, color, interlace) != (1, 0, 0):
        raise ValueError(f"expected a 1-bit grayscale non-interlaced PNG, got {header}")
    raw, stride = zlib.decompress(data), (width + 7) // 8
    dark, previous = [], bytes(stride)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)]
        if kind == 2:  # "Up": each byte is added to the byte above
            line = bytes((byte + above) & 0xFF for byte, above in zip(line, previous, strict=True))
        elif kind != 0:
            raise ValueError(f"unsupported PNG row filter {kind}")
        previous = line
        dark.append([not (line[col // 8] >> (7 - col % 8)) & 1 for col in range(width)])
    top = next(row for row in range(height) if any(dark[row]))
    left = dark[top].index(True)
    finder = next((col for col in range(left, width) if not dark[top][col]), width) - left
    scale = finder // 7  # a finder pattern is 7 modules wide
    modules = (width - 2 * left) // scale
    return _normalized(
        {
            (r, c)
            for r in range(modules)
            for c in range(modules)
            if dark[top + r * scale + scale // 2][left + c * scale + scale // 2]
        }
    )
