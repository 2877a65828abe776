// HIP dialect preamble: maps suanli's portable kernel dialect onto HIP C++ as hiprtc
// compiles it (AMD and Hygon DCU). Prepended by the HIP backend to every portable kernel.
// The macro list and their meaning are those of kernels/dialect/opencl.h.
//
// hiprtc brings the HIP device runtime (threadIdx, __syncthreads, __shared__, size_t)
// with it, so nothing is #included here. In particular not <hip/hip_fp16.h>: hiprtc 5.2
// (Debian 12) pre-includes the HIP headers from its own builtin copy, and including the
// system copy again fails with "redefinition of '__half_raw'" and friends. half_t is
// therefore clang's native _Float16, which is the IEEE binary16 storage type that HIP's
// __half wraps: same bits in memory, native v_cvt_f32_f16 / v_cvt_f16_f32 conversions,
// and no dependence on which HIP headers a given hiprtc version injects.
#ifndef SUANLI_DIALECT_HIP_H
#define SUANLI_DIALECT_HIP_H

#define SUANLI_DIALECT_HIP 1

// Every AMD GCN / CDNA / RDNA GPU and every Hygon DCU executes fp64 and fp16.
#define SUANLI_HAS_FP64 1
#define SUANLI_HAS_FP16 1
typedef _Float16 half_t;
// Packed fp16 through clang's vector extension; OCML's fma on it is one v_pk_fma_f16.
typedef _Float16 half2_t __attribute__((ext_vector_type(2)));
#define fma_half2(a, b, c) __ocml_fma_2f16(a, b, c)
#define half2_sum_f32(v) ((float)(v).x + (float)(v).y)

// v_dot4_i32_i8 (int8 dot product, int32 accumulate): the dot1 instructions of Vega 20 and
// CDNA. Targets not listed get no int8 peak (the kernel says so and the case is skipped).
#if defined(__gfx906__) || defined(__gfx908__) || defined(__gfx90a__)
#define SUANLI_HAS_DOT4_I8 1
#define dot4_i8(a, b, c) __builtin_amdgcn_sdot4(a, b, c, false)
#endif

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define RESTRICT __restrict__
#define exp2_f32(x) exp2f(x)
#define INLINE __device__ inline
#define BARRIER() __syncthreads()

// WORK_GROUP_SIZE(x, y, z), written between KERNEL and the return type: the work-group
// size the kernel is always launched with. Proposed for every dialect (OpenCL:
// reqd_work_group_size). On AMD it matters a lot: without a bound the compiler must
// assume 1024 work-items per group and caps each work-item at 64 VGPRs (gfx906) / 128
// (gfx90a); the 128x128 / 8x8 GEMM then spills 324 VGPRs to scratch, with the bound it
// uses 118 and spills none (suanli_hiprtc_check shows both).
#define WORK_GROUP_SIZE(x, y, z) __launch_bounds__((x) * (y) * (z))

// d is a constant 0, 1 or 2 in the dialect, so the selection folds away at compile time.
#define SUANLI_HIP_DIM(v, d) ((int)((d) == 0 ? (v).x : (d) == 1 ? (v).y : (v).z))
#define local_id(d) SUANLI_HIP_DIM(threadIdx, d)
#define group_id(d) SUANLI_HIP_DIM(blockIdx, d)
#define local_size(d) SUANLI_HIP_DIM(blockDim, d)
#define num_groups(d) SUANLI_HIP_DIM(gridDim, d)


// Short vectors (SUANLI_VEC, vec_splat, vec_load, vec_store: see kernels/dialect/opencl.h),
// through clang's ext_vector_type, which has the per-lane operators built in.
template <typename T, int W>
using SuanliVec = T __attribute__((ext_vector_type(W)));
template <typename T, int W>
__device__ inline SuanliVec<T, W> suanli_vec_load(const T* p) {
  SuanliVec<T, W> r;
#pragma unroll
  for (int i = 0; i < W; ++i) r[i] = p[i];
  return r;
}
template <typename T, int W>
__device__ inline void suanli_vec_store(SuanliVec<T, W> v, T* p) {
#pragma unroll
  for (int i = 0; i < W; ++i) p[i] = v[i];
}
#define SUANLI_VEC(t, w) SuanliVec<t, w>
#define vec_splat(t, w, x) ((SuanliVec<t, w>)(x))
#define vec_load(t, w, p) suanli_vec_load<t, w>(p)
#define vec_store(t, w, v, p) suanli_vec_store<t, w>(v, p)

#endif  // SUANLI_DIALECT_HIP_H
