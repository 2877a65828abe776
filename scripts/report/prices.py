"""--price DEVICE=AMOUNT: a price per device, for TFLOPS per unit of price. DEVICE is a
device's label in the report, its runtime name or its chips.json name (any case); every
device it names gets the price."""
from usage_problem import UsageProblem


def parse_prices(args):
    prices = []
    for arg in args or []:
        name, sep, amount = arg.rpartition("=")
        if not sep or not name.strip():
            raise UsageProblem(f"--price '{arg}': expected DEVICE=AMOUNT")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not value > 0 or value == float("inf"):
            raise UsageProblem(f"--price '{arg}': the amount must be a positive number")
        prices.append((name.strip(), value))
    return prices


def _names(device):
    names = {device.label, device.name}
    if device.chip and device.chip.get("name"):
        names.add(device.chip["name"])
    return {n.casefold() for n in names}


def resolve_prices(devices, prices):
    """{device.key: amount}. A name that matches no device is an error (a typo would
    otherwise silently drop the column)."""
    out = {}
    for name, amount in prices:
        hits = [d for d in devices if name.casefold() in _names(d)]
        if not hits:
            known = "; ".join(sorted({d.label for d in devices}))
            raise UsageProblem(f"--price '{name}': no such device in the results (devices: {known})")
        for d in hits:
            out[d.key] = amount
    return out
