// Stream: the measured memory-bandwidth ceiling, as in McCalpin's STREAM — copy and triad
// over arrays several times larger than the last-level cache, so every byte comes from
// and goes to device memory. The host sizes the arrays (at least 4x the LLC), fills them
// with seeded random data, and checks the output exactly after timing.
//
//   stream_copy:  a[i] = b[i]             2 arrays moved: 2 * n * sizeof(T) bytes
//   stream_triad: a[i] = b[i] + s * c[i]  3 arrays moved: 3 * n * sizeof(T) bytes
//   a, b, c: (n,)
// The host passes s = 2: b + 2c rounds once whether or not the compiler contracts it into
// an FMA, so the check can be exact.
//
// Technique: each work-item walks its share of the arrays.
//   STREAM_CHUNKED 0 (GPUs): grid-stride — on each trip the work-items of the whole grid
//     touch consecutive elements, so every warp's loads and stores are coalesced.
//   STREAM_CHUNKED 1 (CPUs): one contiguous block per work-item — the loop is then a
//     plain unit-stride stream that the compiler vectorizes inside the work-item (PoCL
//     does not vectorize across work-items around a loop) and the prefetchers follow.
//
// Launch geometry: work-group size (STREAM_WG, 1, 1), any number of work-groups in dim 0
// (the host launches compute_units * groups-per-CU, kernels/peak_configs.h).
// Entry points: stream_copy(long n, GLOBAL const T* b, GLOBAL T* a)
//               stream_triad(long n, T s, GLOBAL const T* b, GLOBAL const T* c, GLOBAL T* a)
// Dtype (exactly one): -DSUANLI_DTYPE_FP32 (T = float), -DSUANLI_DTYPE_FP64 (T = double)

#if defined(SUANLI_DTYPE_FP32)
typedef float T;
#elif defined(SUANLI_DTYPE_FP64)
#ifndef SUANLI_HAS_FP64
#error "stream.cl: SUANLI_DTYPE_FP64 requested but the device has no fp64 (SUANLI_HAS_FP64 undefined)"
#endif
typedef double T;
#else
#error "stream.cl: define exactly one of SUANLI_DTYPE_FP32, SUANLI_DTYPE_FP64"
#endif

#ifndef STREAM_WG
// Work-items per work-group (1-D).
#define STREAM_WG 256
#endif

#ifndef STREAM_CHUNKED
// 0: grid-stride (GPUs); 1: one contiguous block per work-item (CPUs). See above.
#define STREAM_CHUNKED 0
#endif

#ifndef STREAM_CORRUPT_ONE_ELEMENT
// TEST HOOK, deliberately wrong: element n / 2 is written as 0.5 more than it should be,
// so the exact check must reject the run. Never set it in a measured run.
#define STREAM_CORRUPT_ONE_ELEMENT 0
#endif

#if STREAM_WG < 1 || STREAM_WG > 1024
#error "stream.cl: STREAM_WG must be in 1..1024"
#endif

// The range [*begin, *end) with step *step this work-item owns.
#if STREAM_CHUNKED
#define STREAM_RANGE(n, begin, end, step)                                        \
    const long total_ = (long)num_groups(0) * STREAM_WG;                         \
    const long per_ = ((n) + total_ - 1) / total_;                               \
    const long begin = ((long)group_id(0) * STREAM_WG + local_id(0)) * per_;     \
    const long end = begin + per_ < (n) ? begin + per_ : (n);                    \
    const long step = 1
#else
#define STREAM_RANGE(n, begin, end, step)                                        \
    const long begin = (long)group_id(0) * STREAM_WG + local_id(0);              \
    const long end = (n);                                                        \
    const long step = (long)num_groups(0) * STREAM_WG
#endif

#if STREAM_CORRUPT_ONE_ELEMENT
#define STREAM_CORRUPT(n, a) \
    if (begin <= (n) / 2 && (n) / 2 < end && ((n) / 2 - begin) % step == 0) a[(n) / 2] += (T)0.5
#else
#define STREAM_CORRUPT(n, a)
#endif

KERNEL WORK_GROUP_SIZE(STREAM_WG, 1, 1) void stream_copy(long n,
                                                         GLOBAL const T* RESTRICT b,  // b: (n,)
                                                         GLOBAL T* RESTRICT a)        // a: (n,)
{
    STREAM_RANGE(n, begin, end, step);
    for (long i = begin; i < end; i += step) a[i] = b[i];
    STREAM_CORRUPT(n, a);
}

KERNEL WORK_GROUP_SIZE(STREAM_WG, 1, 1) void stream_triad(long n, T s,
                                                          GLOBAL const T* RESTRICT b,  // b: (n,)
                                                          GLOBAL const T* RESTRICT c,  // c: (n,)
                                                          GLOBAL T* RESTRICT a)        // a: (n,)
{
    STREAM_RANGE(n, begin, end, step);
    for (long i = begin; i < end; i += step) a[i] = b[i] + s * c[i];
    STREAM_CORRUPT(n, a);
}
