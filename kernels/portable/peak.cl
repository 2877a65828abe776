// Peak: the measured compute ceiling of one dtype — how many fused multiply-adds (or int8
// dot products) per second the vector units really retire, with no memory traffic to hide.
//
// Written once in suanli's portable dialect (kernels/dialect/*.h) and compiled at run
// time by OpenCL, NVRTC and hiprtc; tunables and the dtype arrive as -D defines.
//
// Technique: dependent FMA chains.
//   - Each work-item advances PEAK_CHAINS independent chains. A chain is a pair (x, y)
//     stepped as x = fma(a, y, x); y = fma(b, x, y): every FMA needs the one before it,
//     so a chain alone runs at the FMA latency, and the PEAK_CHAINS chains are the
//     independent work (ILP) that fills the pipeline while one chain waits.
//   - With b = -a this is the symplectic Euler step of a rotation: the orbit is an ellipse,
//     so the values neither decay to a fixed point (which would make the last iterations
//     unobservable) nor grow to inf / denormals (which are slow on CPUs), however many
//     iterations run. The host picks a and the start values from seeded random data.
//   - The loop count is a kernel argument and PEAK_UNROLL steps are unrolled per trip, so
//     the loop overhead is one branch per PEAK_UNROLL * PEAK_CHAINS * 2 FMAs.
//   - The results are stored only if their sum exceeds `limit`, a kernel argument: the
//     compiler cannot prove the condition false, so it cannot delete the chains, yet a
//     timed launch (limit = FLT_MAX) writes nothing to memory. Verification launches the
//     same binary with a few iterations and limit = -FLT_MAX: every chain is stored and
//     compared with a host replay (harness/peak_workload.cpp).
//
// Operations per FMA instruction (the host counts FLOPs from these):
//   fp64, fp32   fma(a, b, c)                      2 FLOP
//   fp16         fma on a half2_t (packed math)    4 FLOP (2 lanes)
//   int8         dot4_i8: 4 x int8 products + 4 adds into int32 (dp4a / v_dot4_i32_i8)  8 OP
//
// Launch geometry: work-group size (PEAK_WG, 1, 1), any number of work-groups in dim 0;
// the host launches compute_units * groups-per-CU of them (kernels/peak_configs.h).
//
// Entry point: peak_fma_chains(int iterations, float limit,
//                              GLOBAL const V* init, GLOBAL const V* coef, GLOBAL V* out)
//   init, out: (work_items, 2, PEAK_CHAINS)    [w][0][j] is chain j's x, [w][1][j] its y (the
//                                               x's contiguous: a CPU compiler packs them into vectors)
//   coef:      (2,)                             a, b
// Dtype (exactly one): -DSUANLI_DTYPE_FP32 (V = float), -DSUANLI_DTYPE_FP64 (V = double),
//                      -DSUANLI_DTYPE_FP16 (V = half2_t), -DSUANLI_DTYPE_INT8 (V = int,
//                      4 packed int8)

#if defined(SUANLI_DTYPE_FP32)
typedef float V;
#define PEAK_FMA(a, b, c) fma(a, b, c)
#define PEAK_TO_F32(v) (v)
#elif defined(SUANLI_DTYPE_FP64)
#ifndef SUANLI_HAS_FP64
#error "peak.cl: SUANLI_DTYPE_FP64 requested but the device has no fp64 (SUANLI_HAS_FP64 undefined)"
#endif
typedef double V;
#define PEAK_FMA(a, b, c) fma(a, b, c)
#define PEAK_TO_F32(v) ((float)(v))
#elif defined(SUANLI_DTYPE_FP16)
#ifndef SUANLI_HAS_FP16
#error "peak.cl: SUANLI_DTYPE_FP16 requested but the device has no fp16 (SUANLI_HAS_FP16 undefined)"
#endif
// Two lanes per instruction: packed fp16 math is how every GPU here reaches its fp16
// vector peak (HFMA2 on NVIDIA, v_pk_fma_f16 on AMD).
typedef half2_t V;
#define PEAK_FMA(a, b, c) fma_half2(a, b, c)
#define PEAK_TO_F32(v) half2_sum_f32(v)
#elif defined(SUANLI_DTYPE_INT8)
#ifndef SUANLI_HAS_DOT4_I8
// The harness matches this text to turn the compile error into a skipped case.
#error "peak.cl: SUANLI_NO_INT8_DOT: the dialect has no int8 dot-product instruction for this target"
#endif
typedef int V;
#define PEAK_FMA(a, b, c) dot4_i8(a, b, c)
#define PEAK_TO_F32(v) ((float)(v))
#else
#error "peak.cl: define exactly one of SUANLI_DTYPE_FP32, SUANLI_DTYPE_FP64, SUANLI_DTYPE_FP16, SUANLI_DTYPE_INT8"
#endif

#if (defined(SUANLI_DTYPE_FP32) + defined(SUANLI_DTYPE_FP64) + defined(SUANLI_DTYPE_FP16) + defined(SUANLI_DTYPE_INT8)) > 1
#error "peak.cl: more than one SUANLI_DTYPE_* defined"
#endif

// ---- tunables ----------------------------------------------------------------------
// The defaults suit a GPU; kernels/peak_configs.h holds the row per device class that the
// host passes as -D overrides (the CPU row differs a lot: see there).

#ifndef PEAK_CHAINS
// Independent chains per work-item. Enough to cover the FMA latency (4-6 cycles) with the
// other resident warps / wavefronts, few enough to keep full occupancy (2 * PEAK_CHAINS
// values in registers: 16 for fp32, 32 for fp64). A CPU wants many more: its compiler
// packs chains into SIMD registers (kernels/peak_configs.h).
#define PEAK_CHAINS 8
#endif

#ifndef PEAK_UNROLL
// Steps per loop trip: 16 steps x 8 chains x 2 = 256 FMAs per branch.
#define PEAK_UNROLL 16
#endif

#ifndef PEAK_WG
// Work-items per work-group (1-D).
#define PEAK_WG 256
#endif

#ifndef PEAK_CORRUPT_ONE_ELEMENT
// TEST HOOK, deliberately wrong: the first work-item's chain 0 takes one step too many
// before its store, so one stored element is off; the harness's verification must reject
// it. Never set it in a measured run.
#define PEAK_CORRUPT_ONE_ELEMENT 0
#endif

#if PEAK_CHAINS < 1 || PEAK_UNROLL < 1 || PEAK_WG < 1 || PEAK_WG > 1024
#error "peak.cl: PEAK_CHAINS and PEAK_UNROLL must be >= 1, PEAK_WG in 1..1024"
#endif

KERNEL WORK_GROUP_SIZE(PEAK_WG, 1, 1) void peak_fma_chains(int iterations, float limit,
                                                           GLOBAL const V* RESTRICT init,  // init: (work_items, 2, PEAK_CHAINS)
                                                           GLOBAL const V* RESTRICT coef,  // coef: (2,) a, b
                                                           GLOBAL V* RESTRICT out)         // out: (work_items, 2, PEAK_CHAINS)
{
    const int base = (group_id(0) * PEAK_WG + local_id(0)) * (2 * PEAK_CHAINS);
    const V a = coef[0];
    const V b = coef[1];
    V x[PEAK_CHAINS];
    V y[PEAK_CHAINS];
#pragma unroll
    for (int j = 0; j < PEAK_CHAINS; ++j) {
        x[j] = init[base + j];
        y[j] = init[base + PEAK_CHAINS + j];
    }

    for (int it = 0; it < iterations; ++it) {
#pragma unroll
        for (int u = 0; u < PEAK_UNROLL; ++u) {
#pragma unroll
            for (int j = 0; j < PEAK_CHAINS; ++j) {
                x[j] = PEAK_FMA(a, y[j], x[j]);
                y[j] = PEAK_FMA(b, x[j], y[j]);
            }
        }
    }

#if PEAK_CORRUPT_ONE_ELEMENT
    if (base == 0) x[0] = PEAK_FMA(a, y[0], x[0]);
#endif

    // Every chain feeds the condition, so none of them is dead code.
    float live = 0.0f;
#pragma unroll
    for (int j = 0; j < PEAK_CHAINS; ++j) live += PEAK_TO_F32(x[j]) + PEAK_TO_F32(y[j]);
    if (live > limit) {
#pragma unroll
        for (int j = 0; j < PEAK_CHAINS; ++j) {
            out[base + j] = x[j];
            out[base + PEAK_CHAINS + j] = y[j];
        }
    }
}
