"""Small in-memory result documents for the unit tests, and the repository's paths."""
import copy
import json
import os
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CHIPS_JSON = os.path.join(REPO, "results", "chips.json")
REPORT_FIXTURES = os.path.join(REPO, "tests", "fixtures", "report")


def gemm(device, dtype, n, tflops, status="ok", tier="vendor", pct=None, **extra):
    rec = {"workload": "gemm", "backend": "cuda", "device": device, "device_name": "NVIDIA H100 80GB HBM3",
           "tier": tier, "dtype": dtype, "shape": {"m": n, "n": n, "k": n}, "status": status, "verified": True,
           "tflops": tflops if status == "ok" else None, "pct_of_peak": pct, "flops": 2.0 * n ** 3}
    rec.update(extra)
    return rec


def document(device_name, chip_name, cases, host="h1", backend="cuda"):
    with open(CHIPS_JSON, encoding="utf-8") as f:
        chip = next((c for c in json.load(f)["chips"] if c["name"] == chip_name), None)
    cases = copy.deepcopy(cases)
    for c in cases:
        c["device_name"], c["backend"], c["device"] = device_name, backend, f"{backend}:0"
    return {"schema_version": 1, "host": {"hostname": host}, "created_utc": "2026-01-01T00:00:00Z",
            "devices": [{"id": f"{backend}:0", "backend": backend, "info": {"name": device_name}, "chip": chip,
                         "peaks": {}}],
            "cases": cases}


class TempFiles:
    """Writes documents to a temp directory; use as a context manager."""

    def __init__(self, *docs):
        self.docs = docs

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.paths = []
        for i, doc in enumerate(self.docs):
            path = os.path.join(self.dir.name, f"r{i}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            self.paths.append(path)
        return self.paths

    def __exit__(self, *exc):
        self.dir.cleanup()
