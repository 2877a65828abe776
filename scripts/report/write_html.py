"""DIR/report.html: one self-contained file (styles inline, charts as base64 PNG), no
network needed to open it."""
import base64
import html
import os

from report_table import TEXT, format_cell

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
       margin: 0 auto; max-width: 1560px; padding: 20px 24px 64px; color: #1d2430; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 6px; }
h2 { font-size: 20px; margin-top: 40px; padding-bottom: 4px; border-bottom: 2px solid #e3e7ee; }
h3 { font-size: 15px; margin: 22px 0 8px; color: #394459; }
ul.provenance { color: #4a5568; font-size: 13px; padding-left: 18px; }
nav { font-size: 14px; margin: 12px 0 4px; }
nav a { margin-right: 14px; color: #1b4f9c; text-decoration: none; }
.scroll { overflow-x: auto; border: 1px solid #e3e7ee; border-radius: 6px; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13px; width: max-content; min-width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid #edf0f5; white-space: nowrap; }
th { background: #f4f6fa; text-align: left; font-weight: 600; vertical-align: bottom;
     white-space: normal; min-width: 44px; max-width: 104px; line-height: 1.25; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; min-width: 260px; max-width: 520px; }
tr:hover td { background: #fafbfd; }
td.best { font-weight: 700; background: #e8f5e9; }
p.note { font-size: 12.5px; color: #4a5568; margin: 4px 0; max-width: 1100px; }
figure { margin: 14px 0 26px; }
figure img { max-width: 100%; height: auto; border: 1px solid #eef0f4; }
figcaption { font-size: 12.5px; color: #4a5568; margin-top: 4px; }
p { max-width: 1100px; }
code { background: #f4f6fa; padding: 1px 4px; border-radius: 3px; font-size: 12px; }
"""


def html_table(table):
    head = "".join(f'<th{"" if c.kind == TEXT else " class=num"}>{html.escape(c.shown)}</th>'
                   for c in table.columns)
    body = []
    for r, row in enumerate(table.rows):
        cells = []
        for i, (value, column) in enumerate(zip(row, table.columns)):
            classes = []
            if column.kind != TEXT and not isinstance(value, str):
                classes.append("num")
            if column.kind == TEXT and isinstance(value, str) and len(value) > 60:
                classes.append("wrap")
            if (r, i) in table.marked:
                classes.append("best")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{html.escape(format_cell(value, column.kind))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _inline_code(text):
    """`x` in notes -> <code>x</code>, everything else escaped."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def write_html(report, out_dir):
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(report.title)}</title>", f"<style>{STYLE}</style></head><body>",
           f"<h1>{html.escape(report.title)}</h1>", '<ul class="provenance">']
    out += [f"<li>{_inline_code(line)}</li>" for line in report.provenance]
    out += ["</ul>", "<nav>" + "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in report.sections)
            + "</nav>"]
    for s in report.sections:
        out.append(f'<h2 id="{s.anchor}">{html.escape(s.title)}</h2>')
        out += [f"<p>{_inline_code(p)}</p>" for p in s.paragraphs]
        for c in s.charts:
            data = base64.b64encode(c.png).decode("ascii")
            out.append(f'<figure><img alt="{html.escape(c.caption)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{_inline_code(c.caption)}</figcaption></figure>")
        for t in s.tables:
            if len(s.tables) > 1 or t.title != s.title:
                out.append(f"<h3>{html.escape(t.title)}</h3>")
            if t.rows:
                out.append(html_table(t))
            out += [f'<p class="note">{_inline_code(n)}</p>' for n in t.notes]
        if s.csv_only:
            out.append('<p class="note">Data: ' + ", ".join(f"<code>{t.name}.csv</code>" for t in s.csv_only) + "</p>")
    out.append("</body></html>")
    path = os.path.join(out_dir, "report.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path
