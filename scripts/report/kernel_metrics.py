"""What a kernel's shape implies: arithmetic intensity (FLOP per byte of compulsory
device-memory traffic, for the roofline) and the one "size" a sweep is plotted against."""

# Bytes per input element. fp8 and int8 GEMMs write fp32 / int32 (cuBLASLt, and the
# portable kernels), hence OUTPUT_BYTES.
INPUT_BYTES = {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}
OUTPUT_BYTES = {**INPUT_BYTES, "fp8": 4, "int8": 4}


def gemm_intensity(shape, dtype):
    """2MNK / (bytes of A and B read once + C written once); None for an unknown dtype."""
    m, n, k = (float(shape.get(x, 0)) for x in ("m", "n", "k"))
    a = INPUT_BYTES.get(dtype)
    if not a or m <= 0 or n <= 0 or k <= 0:
        return None
    traffic = a * (m * k + k * n) + OUTPUT_BYTES[dtype] * m * n
    return 2.0 * m * n * k / traffic


def attention_intensity(shape, dtype, flops):
    """FLOPs / bytes of Q, K, V read once and O written once (the fused kernel's floor:
    the S x S scores never reach memory)."""
    e = INPUT_BYTES.get(dtype)
    b, h, hkv, sq, skv, d = (float(shape.get(x, 0)) for x in ("b", "h", "h_kv", "s_q", "s_kv", "d"))
    hkv = hkv or h
    skv = skv or sq
    if not e or not flops or b <= 0 or h <= 0 or sq <= 0 or d <= 0:
        return None
    traffic = e * (2 * b * h * sq * d + 2 * b * hkv * skv * d)
    return float(flops) / traffic


def gemm_size(shape):
    """Cube root of M*N*K: the side of the square GEMM with the same work, so square and
    non-square shapes share one axis."""
    m, n, k = (float(shape.get(x, 0)) for x in ("m", "n", "k"))
    return (m * n * k) ** (1.0 / 3.0) if m > 0 and n > 0 and k > 0 else None
