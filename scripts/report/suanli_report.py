#!/usr/bin/env python3
"""Writes the suanli report of result files: OUT/report.md, OUT/report.html (one
self-contained file) and OUT/*.csv. Run by `suanli report`, which validates the result
files first and passes the chip database it has embedded; runnable by hand the same way:

  suanli_report.py --chips results/chips.json --out DIR [--price DEVICE=AMOUNT ...] RESULT.json...

Exit status: 0 written; 3 a problem with the input or the environment (one line on
stderr: an unknown --price device, matplotlib missing); anything else is a bug."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from usage_problem import EXIT_USAGE, UsageProblem  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="+", help="suanli result JSON files")
    p.add_argument("--chips", required=True, help="chips.json (suanli passes the one it embeds)")
    p.add_argument("--out", required=True, help="directory to write into (created if missing)")
    p.add_argument("--price", action="append", default=[], help="DEVICE=AMOUNT, repeatable")
    p.add_argument("--mfu", type=float, default=0.5, help="assumed model-FLOPs utilisation of the GEMM rate")
    p.add_argument("--plan-days", type=float, default=30.0, help="planner: target training days")
    p.add_argument("--plan-chips", type=int, default=1024, help="planner: chips for the days-on-N-chips column")
    p.add_argument("--generator", default="scripts/report/suanli_report.py", help="command line named in the report")
    return p.parse_args(argv)


def check_dependencies():
    """matplotlib is the one dependency outside the standard library."""
    try:
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        raise UsageProblem(f"{sys.executable} cannot import matplotlib ({e}); on Debian/Ubuntu: "
                           "apt-get install python3-matplotlib, or set SUANLI_PYTHON to a python3 that has it")


def check_options(options):
    if not 0 < options.mfu <= 1:
        raise UsageProblem(f"--mfu {options.mfu:g}: expected a fraction in (0, 1]")
    if not options.plan_days > 0:
        raise UsageProblem(f"--plan-days {options.plan_days:g}: expected a positive number of days")
    if options.plan_chips < 1:
        raise UsageProblem(f"--plan-chips {options.plan_chips}: expected at least 1")


def main(argv):
    options = parse_args(argv)
    try:
        check_options(options)
        # The inputs first (standard library only), so their problems are named even
        # where matplotlib is missing.
        from chip_db import load_chips
        from prices import parse_prices, resolve_prices
        from report_inputs import load_report_data

        chips = load_chips(options.chips)
        prices = parse_prices(options.price)
        data = load_report_data(options.results, chips)
        price_by_device = resolve_prices(data.devices, prices)
        check_dependencies()
        from report_build import build_report
        from write_csv import write_csv_files
        from write_html import write_html
        from write_markdown import write_markdown

        report = build_report(data, chips, options, price_by_device)
    except UsageProblem as e:
        print(f"report: {e}", file=sys.stderr)
        return EXIT_USAGE
    os.makedirs(options.out, exist_ok=True)
    write_csv_files(report, options.out)
    write_markdown(report, options.out)
    write_html(report, options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
