// CUDA dialect preamble: maps suanli's portable kernel dialect onto CUDA C++ for NVRTC.
// Prepended by the CUDA backend (and by suanli_nvrtc_check) to every portable kernel.
// The macro set is the one documented in kernels/dialect/opencl.h; every backend's
// preamble defines all of them with the same meaning.
#ifndef SUANLI_DIALECT_CUDA_H
#define SUANLI_DIALECT_CUDA_H

#define SUANLI_DIALECT_CUDA 1

// Every GPU NVRTC can target (sm_75 and later) has fp64 units.
#define SUANLI_HAS_FP64 1

// NVRTC has no built-in cuda_fp16.h: the backend passes the toolkit's include directory
// (--include-path) found at run time. Where no toolkit headers are installed (only the
// NVRTC runtime library), fp32 / fp64 kernels must still compile, so fp16 is then simply
// absent and an fp16 kernel fails with the kernel's own "no fp16" message.
#if defined(__has_include)
#if __has_include(<cuda_fp16.h>)
#include <cuda_fp16.h>
#define SUANLI_HAS_FP16 1
typedef __half half_t;
typedef __half2 half2_t;
#define fma_half2(a, b, c) __hfma2(a, b, c)
#define half2_sum_f32(v) (__low2float(v) + __high2float(v))
#endif
#endif

// dp4a: int8 dot product with int32 accumulate, sm_61 and later.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 610
#define SUANLI_HAS_DOT4_I8 1
#define dot4_i8(a, b, c) __dp4a(a, b, c)
#endif

// extern "C": the host looks the entry point up by its plain name (cuModuleGetFunction).
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define RESTRICT __restrict__
#define exp2_f32(x) exp2f(x)
#define INLINE __device__ inline
#define BARRIER() __syncthreads()
// WORK_GROUP_SIZE(x, y, z), between KERNEL and the return type: the block shape the kernel
// is always launched with. Without a bound ptxas budgets registers for any block up to
// 1024 threads; with it, it may use up to 65536 / (x*y*z) per thread (255 at most), and a
// launch with a larger block fails instead of running with too few registers.
#define WORK_GROUP_SIZE(x, y, z) __launch_bounds__((x) * (y) * (z))

// `d` is always a literal, so each selector folds to a single special-register read.
#define SUANLI_DIM3_(v, d) ((int)((d) == 0 ? (v).x : (d) == 1 ? (v).y : (v).z))
#define local_id(d) SUANLI_DIM3_(threadIdx, d)
#define group_id(d) SUANLI_DIM3_(blockIdx, d)
#define local_size(d) SUANLI_DIM3_(blockDim, d)
#define num_groups(d) SUANLI_DIM3_(gridDim, d)


// Short vectors (SUANLI_VEC, vec_splat, vec_load, vec_store: see kernels/dialect/opencl.h).
// CUDA C++ has no arithmetic vector types of any width, so a plain array with per-lane
// operators; after unrolling these are independent scalar registers, as a GPU wants.
template <typename T, int W>
struct SuanliVec {
  T lane[W];
};
template <typename T, int W>
__device__ inline SuanliVec<T, W> operator*(const SuanliVec<T, W>& a, const SuanliVec<T, W>& b) {
  SuanliVec<T, W> r;
#pragma unroll
  for (int i = 0; i < W; ++i) r.lane[i] = a.lane[i] * b.lane[i];
  return r;
}
template <typename T, int W>
__device__ inline SuanliVec<T, W> operator+(const SuanliVec<T, W>& a, const SuanliVec<T, W>& b) {
  SuanliVec<T, W> r;
#pragma unroll
  for (int i = 0; i < W; ++i) r.lane[i] = a.lane[i] + b.lane[i];
  return r;
}
template <typename T, int W>
__device__ inline SuanliVec<T, W> suanli_vec_splat(T x) {
  SuanliVec<T, W> r;
#pragma unroll
  for (int i = 0; i < W; ++i) r.lane[i] = x;
  return r;
}
template <typename T, int W>
__device__ inline SuanliVec<T, W> suanli_vec_load(const T* p) {
  SuanliVec<T, W> r;
#pragma unroll
  for (int i = 0; i < W; ++i) r.lane[i] = p[i];
  return r;
}
template <typename T, int W>
__device__ inline void suanli_vec_store(const SuanliVec<T, W>& v, T* p) {
#pragma unroll
  for (int i = 0; i < W; ++i) p[i] = v.lane[i];
}
#define SUANLI_VEC(t, w) SuanliVec<t, w>
#define vec_splat(t, w, x) suanli_vec_splat<t, w>(x)
#define vec_load(t, w, p) suanli_vec_load<t, w>(p)
#define vec_store(t, w, v, p) suanli_vec_store<t, w>(v, p)

#endif  // SUANLI_DIALECT_CUDA_H
