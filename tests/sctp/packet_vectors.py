"""Loader for text2pcap-style SCTP packet dumps (tests/vectors/sctp/*.txt, shared captures).

Each block: a ``# <I|O> <t> len=<n> | <summary> [note]`` line, a ``<I|O> <time of day>`` line,
then offset hex lines of one whole SCTP packet (common header first). The summary is an
independent decode (tshark-like) that the tests compare against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

VECTOR_DIR = Path(__file__).resolve().parent.parent / "vectors" / "sctp"

_SUMMARY = re.compile(r"^# ([IO]) (\d+\.\d+) len=(\d+) \| (.*)$")
_HEX_LINE = re.compile(r"^[0-9a-f]{4}  ((?:[0-9a-f]{2} ?)+)$")


@dataclass(frozen=True, slots=True)
class Vector:
    """One captured packet with its summary line."""

    source: str
    line: int
    direction: str
    length: int
    summary: str
    note: str | None
    data: bytes

    @property
    def chunk_summaries(self) -> list[str]:
        """The summary split per chunk (``" | "``-separated in the file)."""
        return self.summary.split(" | ")

    def __str__(self) -> str:
        return f"{self.source}:{self.line} {self.direction} {self.summary}"


def load_vectors(path: Path) -> list[Vector]:
    """Read every packet block of one dump file."""
    vectors: list[Vector] = []
    header: tuple[int, str, int, str, str | None] | None = None
    hex_parts: list[str] = []

    def flush() -> None:
        nonlocal header
        if header is not None:
            line, direction, length, summary, note = header
            data = bytes.fromhex("".join(hex_parts))
            vectors.append(Vector(path.name, line, direction, length, summary, note, data))
        header = None
        hex_parts.clear()

    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        match = _SUMMARY.match(raw)
        if match:
            flush()
            summary = match.group(4)
            note = None
            note_match = re.search(r" \[([^\]]*on purpose[^\]]*)\]$", summary)
            if note_match:
                note = note_match.group(1)
                summary = summary[: note_match.start()]
            header = (number, match.group(1), int(match.group(3)), summary, note)
            continue
        hex_match = _HEX_LINE.match(raw)
        if hex_match and header is not None:
            hex_parts.append(hex_match.group(1).replace(" ", ""))
            continue
        if raw.startswith("#") or not raw.strip():
            flush()
    flush()
    return vectors


def vector_files() -> list[Path]:
    """The dump files kept in tests/vectors/sctp/."""
    return sorted(VECTOR_DIR.glob("*.txt"))


def all_vectors() -> list[Vector]:
    """Every packet of every file in tests/vectors/sctp/."""
    return [v for path in vector_files() for v in load_vectors(path)]
