"""The buyer's table: the same cases side by side across devices (and result files), the
ratio of each device to the first, the better marked; with prices, TFLOPS per unit of
price and the better by that measure."""
from chip_db import dtype_order, peak_unit
from report_inputs import FLOP_WORKLOADS, best_case
from report_table import PCT, RATE, RATIO, Column, Table

_WORKLOAD_ORDER = {w: i for i, w in enumerate(FLOP_WORKLOADS)}


def _row_order(case):
    """Workload, dtype, tier, then the dimension a sweep varies: GEMM by M, N, K;
    attention by head dim, mask, then sequence length (not by batch, which shrinks as the
    sequence grows)."""
    s = case.shape
    if case.workload == "gemm":
        dims = (s.get("m", 0), s.get("n", 0), s.get("k", 0))
    elif case.workload == "attention":
        dims = (s.get("d", 0), bool(s.get("causal")), s.get("s_q", 0), s.get("s_kv", 0), s.get("b", 0))
    else:
        dims = ()
    return (_WORKLOAD_ORDER.get(case.workload, 9), dtype_order(case.dtype), case.tier, dims, case.shape_text(),
            case.hot)


def comparison_table(data, price_by_device):
    devices = data.devices
    t = Table("comparison", "Procurement comparison: the same cases on every device",
              [Column("workload"), Column("tier"), Column("dtype"), Column("shape")])
    if len(devices) < 2:
        t.notes = ["One device in the results: nothing to compare."]
        return t
    base = devices[0]
    priced = [d for d in devices if d.key in price_by_device]
    t.columns += [Column(f"{d.label} TFLOPS", RATE) for d in devices]
    t.columns += [Column(f"{d.label} / {base.label}", RATIO) for d in devices[1:]]
    t.columns += [Column("better")]
    t.columns += [Column(f"{d.label} TFLOPS per 1000 price", RATE) for d in priced]
    if priced:
        t.columns.append(Column("better per price"))

    groups = {}
    for c in data.cases:
        if c.workload in FLOP_WORKLOADS:
            groups.setdefault(c.compare_key(), {}).setdefault(c.device.key, []).append(c)
    first_rate = 4
    for key in sorted(groups, key=lambda k: _row_order(next(iter(groups[k].values()))[0])):
        per_device = groups[key]
        if len(per_device) < 2:
            continue  # only one device ran it: not a comparison
        rates, cells = [], []
        for d in devices:
            cases = per_device.get(d.key, [])
            best = best_case(cases)
            rates.append(best.tflops if best else None)
            # A case that ran but is not ok shows its status, not an empty cell.
            cells.append(best.tflops if best else (cases[0].status if cases else None))
        ratios = [r / rates[0] if r is not None and rates[0] else None for r in rates[1:]]
        winner = _best_index(rates)
        per_price = [1000.0 * rates[devices.index(d)] / price_by_device[d.key]
                     if rates[devices.index(d)] is not None else None for d in priced]
        row = list(key[:4]) + cells + ratios + [devices[winner].label if winner is not None else None]
        if key[2] == "int8":
            row[2] = "int8 (TOPS)"
        row += per_price
        if priced:
            price_winner = _best_index(per_price)
            row.append(priced[price_winner].label if price_winner is not None else None)
            if price_winner is not None:
                t.marked.add((len(t.rows), first_rate + len(devices) + len(ratios) + 1 + price_winner))
        if winner is not None:
            t.marked.add((len(t.rows), first_rate + winner))
        t.rows.append(row)
    t.notes = [f"Cases match on workload, tier, dtype and shape (and --hot); rows only where at least two devices ran "
               f"the case. Ratios are each device over the first ({base.label}); the faster value is bold. A cell "
               f"with a status word ran but did not count."]
    if priced:
        t.notes.append("TFLOPS per 1000 price: 1000 × the rate / the --price amount (give every device's price in "
                       "the same currency).")
    if not t.rows:
        t.notes.append("No case was run on two devices.")
    return t


def _best_index(values):
    present = [(v, i) for i, v in enumerate(values) if v is not None]
    return max(present)[1] if len(present) >= 1 else None


def power_table(data):
    """Per device and dtype with a measured power: the best GEMM, the board's average power
    while it ran and the rate per watt. None when no case has a power (no energy counter,
    or every timed loop under 1 s)."""
    t = Table("power", "Best GEMM per watt (average board power over the timed loop)",
              [Column("device"), Column("dtype"), Column("best GEMM TFLOPS", RATE), Column("shape"),
               Column("average board power W", RATE, "avg W"), Column("TFLOPS per W", RATE),
               Column("power limit W", RATE, "limit W")])
    for d in data.devices:
        mine = [c for c in data.cases if c.device is d and c.workload == "gemm"]
        for dtype in sorted({c.dtype for c in mine}, key=dtype_order):
            best = best_case(mine, dtype=dtype)
            if best is None or best.avg_power_w is None:
                continue
            t.rows.append([d.label, dtype + (f" ({peak_unit(dtype)})" if dtype == "int8" else ""), best.tflops,
                           best.shape_text(), best.avg_power_w, best.tflops_per_w, d.power_limit_w])
    if not t.rows:
        return None
    t.notes = ["The fastest verified GEMM per dtype and the board's average power over its timed loop (the energy "
               "counter's difference: NVML, ROCm SMI), cache flushes between samples included; rows only where the "
               "loop ran 1 s or more (`suanli run --min-time`)."]
    return t


def price_table(data, price_by_device):
    """Per priced device and dtype: the best GEMM and what one unit of price buys of it."""
    t = Table("price", "Best GEMM per unit of price",
              [Column("device"), Column("price", RATE), Column("dtype"), Column("best GEMM TFLOPS", RATE),
               Column("GEMM % of peak", PCT), Column("TFLOPS per price", RATE), Column("TFLOPS per 1000 price", RATE)])
    for d in data.devices:
        if d.key not in price_by_device:
            continue
        price = price_by_device[d.key]
        mine = [c for c in data.cases if c.device is d and c.workload == "gemm"]
        for dtype in sorted({c.dtype for c in mine}, key=dtype_order):
            best = best_case(mine, dtype=dtype)
            if best:
                t.rows.append([d.label, price, dtype + (f" ({peak_unit(dtype)})" if dtype == "int8" else ""),
                               best.tflops, best.pct_of_peak, best.tflops / price, 1000.0 * best.tflops / price])
    t.notes = ["Prices as given with --price; the report does not know the currency."]
    return t
