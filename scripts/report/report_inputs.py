"""Result files -> the devices and cases a report is made of. suanli has validated every
file (schema, identity fields) before the generator runs, so this only reads."""
import json
import os
from dataclasses import dataclass, field

from chip_db import chip_by_name, datasheet_peak

OK = "ok"
# Workloads whose rate is TFLOPS (stream's is GB/s).
FLOP_WORKLOADS = ("gemm", "attention", "peak")


@dataclass
class Device:
    key: str            # one device across files: host, device id, name, driver (see _device_key)
    label: str          # short and unique: column headers, legends
    name: str           # the runtime's device name
    backend: str
    device_id: str
    host: str
    sources: list       # the result files it appears in
    chip: dict = None   # the chips.json entry (from the database suanli embeds), or None
    run_peaks: dict = field(default_factory=dict)  # dtype -> TFLOPS the run used, or None
    run_peak_basis: dict = field(default_factory=dict)  # dtype -> "datasheet" | "computed" | ...
    driver: str = ""
    power_limit_w: float = None  # the enforced power limit the run recorded (schema_minor 3), or None

    def peak(self, dtype):
        """The peak of dtype: the run's own figure (datasheet or computed for a CPU),
        else the chip's datasheet."""
        value = self.run_peaks.get(dtype)
        return value if value else datasheet_peak(self.chip, dtype)

    def peak_basis(self, dtype):
        if self.run_peaks.get(dtype):
            return self.run_peak_basis.get(dtype) or "datasheet"
        return "datasheet" if datasheet_peak(self.chip, dtype) else None

    def bandwidth_tbs(self):
        bw = (self.chip or {}).get("mem_bw_tbs")
        return float(bw) if isinstance(bw, (int, float)) and bw > 0 else None


@dataclass
class Case:
    device: Device
    workload: str
    backend: str
    tier: str
    dtype: str
    shape: dict
    hot: bool
    status: str         # as recorded ("unverified": a native kernel not yet checked on its arch),
                        # and "unverified" for an "ok" record with verified false
    reason: str
    tflops: float       # None unless status is ok
    pct_of_peak: float
    flops: float
    median_s: float
    op: str             # stream: copy / triad
    bytes: float        # stream: bytes moved per run
    gbps: float         # stream, None unless ok
    pct_of_peak_bw: float
    peak_bw_gbps: float  # stream: the bandwidth the run judged against
    avg_power_w: float = None   # the board's average power over the timed loop (schema_minor 4), None unless ok
    tflops_per_w: float = None  # the rate over that power, None unless ok

    @property
    def ok(self):
        return self.status == OK

    def shape_text(self):
        return shape_text(self)

    def compare_key(self):
        """Identity across devices: case_key() of harness/result_file.h without the
        backend and device, so the same work on two chips lines up."""
        return (self.workload, self.tier, self.dtype, self.shape_text(), self.hot)


@dataclass
class ReportData:
    files: list         # [(path, document)]
    devices: list       # [Device], in input order
    cases: list         # [Case]


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def shape_text(case):
    """The shape as `suanli run` prints it (harness/results_view.cpp case_shape_text)."""
    s = case.shape
    n = lambda key: str(s.get(key, 0))  # noqa: E731
    if case.workload == "attention":
        out = "x".join(n(k) for k in ("b", "h", "s_q", "d"))
        if s.get("h_kv", s.get("h")) != s.get("h"):
            out += " kv" + n("h_kv")
        if s.get("s_kv", s.get("s_q")) != s.get("s_q"):
            out += " skv" + n("s_kv")
        if s.get("causal"):
            out += " causal"
        return out
    if case.workload == "gemm":
        return "x".join(n(k) for k in ("m", "n", "k"))
    if case.workload == "stream":
        size = case.bytes
        return f"{case.op or '?'} {size / 2**20:.0f} MiB" if size else (case.op or "-")
    return ",".join(f"{k}={v}" for k, v in sorted(s.items())) or "-"


def _status(record):
    status = record.get("status", "?")
    if status == OK and record.get("verified") is False:
        return "unverified"
    return status


def _hostname(doc):
    host = doc.get("host")
    name = host.get("hostname") if isinstance(host, dict) else None
    return name or "unknown"


def _device_key(host, device_id, name, driver):
    """The same device in several files (one `suanli run` per workload: gemm, attention,
    peak, stream) is one device, so its ceilings sit beside its kernels; another host, or
    another driver on the same card (a before/after pair), is another device."""
    return f"{host}|{device_id}|{name}|{driver}"


def _label_devices(devices):
    """Chip name (or device name) when that is unique; else, within each group of equal
    labels, add what tells its members apart: the host, then the driver, then the device id."""
    labels = [(d.chip or {}).get("name") or d.name for d in devices]
    steps = [
        (lambda d: d.host, lambda d: f" @{d.host}"),
        (lambda d: d.driver, lambda d: f" (driver {d.driver or '?'})"),
        (lambda d: d.device_id, lambda d: f" [{d.device_id}]"),
    ]
    for value, suffix in steps:
        groups = {}
        for i, label in enumerate(labels):
            groups.setdefault(label, []).append(i)
        for members in groups.values():
            if len(members) > 1 and len({value(devices[i]) for i in members}) > 1:
                for i in members:
                    labels[i] += suffix(devices[i])
    for d, label in zip(devices, labels):
        d.label = label


def load_report_data(paths, chips):
    files, devices, cases = [], [], []
    by_key = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        files.append((path, doc))
        file_host = _hostname(doc)
        in_file = {}  # (host, device id) in this file -> device key
        for entry in doc.get("devices") or []:
            host = entry.get("host") or file_host
            info = entry.get("info") or {}
            chip = entry.get("chip") if isinstance(entry.get("chip"), dict) else None
            # The embedded database is the reference; a run's copy may predate an update.
            if chip is not None:
                chip = chip_by_name(chips, chip.get("name")) or chip
            peaks = {dt: _number((p or {}).get("tflops")) for dt, p in (entry.get("peaks") or {}).items()}
            bases = {dt: (p or {}).get("basis") for dt, p in (entry.get("peaks") or {}).items()}
            name, driver = info.get("name", "?"), info.get("driver_version", "")
            key = _device_key(host, entry.get("id"), name, driver)
            in_file[(host, entry.get("id"))] = key
            if key in by_key:  # seen in an earlier file: add what this run knew of its peaks
                known = by_key[key]
                if path not in known.sources:
                    known.sources.append(path)
                if known.power_limit_w is None:
                    known.power_limit_w = _number(info.get("power_limit_w"))
                for dt, value in peaks.items():
                    if value and not known.run_peaks.get(dt):
                        known.run_peaks[dt], known.run_peak_basis[dt] = value, bases.get(dt)
                continue
            device = Device(key=key, label="", name=name, backend=entry.get("backend", "?"),
                            device_id=entry.get("id", "?"), host=host, sources=[path], chip=chip, run_peaks=peaks,
                            run_peak_basis=bases, driver=driver, power_limit_w=_number(info.get("power_limit_w")))
            by_key[key] = device
            devices.append(device)
        for record in doc.get("cases") or []:
            host = record.get("host") or file_host
            key = in_file.get((host, record.get("device")))
            if key is None:  # a case whose device entry is missing: keep it, named as recorded
                key = _device_key(host, record.get("device"), record["device_name"], "")
                in_file[(host, record.get("device"))] = key
                if key not in by_key:
                    by_key[key] = Device(key=key, label="", name=record["device_name"], backend=record["backend"],
                                         device_id=record.get("device", "?"), host=host, sources=[path])
                    devices.append(by_key[key])
            cases.append(_case(by_key[key], record))
    _label_devices(devices)
    return ReportData(files=files, devices=devices, cases=cases)


def _case(device, r):
    status = _status(r)
    ok = status == OK
    shape = r.get("shape") if isinstance(r.get("shape"), dict) else {}
    stats = r.get("stats") if isinstance(r.get("stats"), dict) else {}
    return Case(device=device, workload=r["workload"], backend=r["backend"], tier=r["tier"], dtype=r["dtype"],
                shape=shape, hot=bool(r.get("hot", False)), status=status, reason=r.get("reason") or "",
                tflops=_number(r.get("tflops")) if ok else None,
                pct_of_peak=_number(r.get("pct_of_peak")) if ok else None,
                flops=_number(r.get("flops")), median_s=_number(stats.get("median_s")),
                op=r.get("op") or shape.get("op"), bytes=_number(r.get("bytes", shape.get("bytes"))),
                gbps=_number(r.get("gbps")) if ok else None,
                pct_of_peak_bw=_number(r.get("pct_of_peak_bw")) if ok else None,
                peak_bw_gbps=_number(r.get("peak_bw_gbps")),
                avg_power_w=_number((r.get("energy") or {}).get("avg_power_w")) if ok and isinstance(r.get("energy"), dict) else None,
                tflops_per_w=_number(r.get("tflops_per_w")) if ok else None)


def best_case(cases, **match):
    """The ok case with the highest rate among those whose attributes equal `match`."""
    rate = (lambda c: c.gbps) if match.get("workload") == "stream" else (lambda c: c.tflops)
    chosen = None
    for c in cases:
        if not c.ok or rate(c) is None or any(getattr(c, k) != v for k, v in match.items()):
            continue
        if chosen is None or rate(c) > rate(chosen):
            chosen = c
    return chosen
