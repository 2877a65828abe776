"""What a report is, independent of its format: a title, provenance lines, and sections
of paragraphs, tables and charts. The writers (Markdown, HTML, CSV) only render this."""
from dataclasses import dataclass, field


@dataclass
class Chart:
    name: str       # file stem: DIR/<name>.png beside report.md
    png: bytes
    caption: str


@dataclass
class Section:
    anchor: str
    title: str
    paragraphs: list = field(default_factory=list)
    tables: list = field(default_factory=list)      # shown and written as CSV
    charts: list = field(default_factory=list)      # shown before the tables
    csv_only: list = field(default_factory=list)    # written as CSV, too long to show


@dataclass
class Report:
    title: str
    provenance: list        # lines: inputs, tool, command
    sections: list

    def all_tables(self):
        for s in self.sections:
            yield from s.tables
            yield from s.csv_only
