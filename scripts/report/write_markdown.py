"""DIR/report.md: the tables as Markdown (the better value bold) and the charts as PNG
files beside it."""
import os

from report_table import format_cell


def _escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table):
    lines = ["| " + " | ".join(_escape(c.shown) for c in table.columns) + " |",
             "|" + "|".join("---:" if c.kind != "text" else "---" for c in table.columns) + "|"]
    for r, row in enumerate(table.rows):
        cells = []
        for i, (value, column) in enumerate(zip(row, table.columns)):
            text = _escape(format_cell(value, column.kind))
            cells.append(f"**{text}**" if (r, i) in table.marked else text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_markdown(report, out_dir):
    out = [f"# {report.title}", ""]
    out += [f"- {line}" for line in report.provenance] + [""]
    for s in report.sections:
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            out += [p, ""]
        for c in s.charts:
            with open(os.path.join(out_dir, c.name + ".png"), "wb") as f:
                f.write(c.png)
            out += [f"![{c.caption}]({c.name}.png)", "", f"*{c.caption}*", ""]
        for t in s.tables:
            if len(s.tables) > 1 or t.title != s.title:
                out += [f"### {t.title}", ""]
            if t.rows:
                out += [markdown_table(t), ""]
            for n in t.notes:  # one paragraph each: adjacent lines would run together
                out += [f"*{n}*", ""]
        if s.csv_only:
            out += ["Data: " + ", ".join(f"`{t.name}.csv`" for t in s.csv_only), ""]
    path = os.path.join(out_dir, "report.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path
