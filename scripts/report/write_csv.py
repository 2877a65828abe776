"""DIR/<table>.csv for every table: raw values (full precision, so a test or a
spreadsheet sees exactly the numbers the inputs held), empty for none."""
import csv
import os


def write_csv_files(report, out_dir):
    written = []
    for table in report.all_tables():
        path = os.path.join(out_dir, table.name + ".csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow([c.header for c in table.columns])
            for row in table.rows:
                w.writerow(["" if v is None else v for v in row])
        written.append(path)
    return written
