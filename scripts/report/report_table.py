"""One table type for every output: Markdown, HTML and CSV render the same rows, so the
numbers cannot differ between them. Cells hold raw values; CSV writes them exactly (the
tests compare them with the inputs) and the documents format them by column kind."""
from dataclasses import dataclass, field

# Column kinds and how the documents print them.
TEXT, RATE, PCT, RATIO, COUNT, SCI, DAYS = "text", "rate", "pct", "ratio", "count", "sci", "days"


@dataclass
class Column:
    header: str         # the CSV header: unique and self-explaining
    kind: str = TEXT
    short: str = ""     # what the documents show, where the full header is too wide

    @property
    def shown(self):
        return self.short or self.header


@dataclass
class Table:
    name: str                 # CSV file stem
    title: str
    columns: list             # [Column]
    rows: list = field(default_factory=list)    # [[value]]
    notes: list = field(default_factory=list)   # sentences shown under the table
    marked: set = field(default_factory=set)    # {(row, column)}: the better value, shown bold

    def column_index(self, header):
        return [c.header for c in self.columns].index(header)


def format_cell(value, kind):
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value
    if kind == PCT:
        return f"{value:.1f}%"
    if kind == RATIO:
        return f"{value:.2f}×"
    if kind == COUNT:
        return f"{int(round(value)):,}"
    if kind == SCI:
        return f"{value:.3g}"
    if kind == DAYS:
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    if kind == RATE:
        return _significant(value)
    return str(value)


def _significant(value):
    """Four significant digits without exponent for everyday magnitudes."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 0.001:
        text = f"{value:.4g}"
        return text if "e" not in text else f"{value:.6f}".rstrip("0")
    return f"{value:.3g}"
