// mma_sync_common: what every mma.sync kernel of the native tier shares -- the element
// type of the build, the PTX wrappers (cp.async, ldmatrix, mma.m16n8k16) and the element
// conversions. kernels/native_catalog.cpp prepends it to gemm_mma_sync.cu,
// attention_mma_sync.cu and peak_mma_sync.cu (their `prelude`), so each instruction is
// written once; NVRTC sees one source, as for every other kernel.
//
// MMA_SYNC_HOST_EMULATION (tests only): tests/mma_sync_emulation.h supplies every name
// below from a software model of the warp, and the kernels run as host C++.

#ifndef MMA_SYNC_HOST_EMULATION
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

// The input / output element type of the build, the raw storage word of one element
// (shared memory is typed by bits: kernels copy elements, never convert them on the way),
// the mma's K per instruction and its PTX shape and type names. tf32 keeps fp32 in memory;
// the tensor cores read 19 of its bits (mma_operand rounds them first). int8 accumulates
// in int32 and writes int32 (cuBLASLt's int8 GEMM does the same).
#if defined(SUANLI_DTYPE_FP16)
typedef __half mma_elem_t;
typedef unsigned short mma_bits_t;
#define MMA_SYNC_K 16
#define MMA_SYNC_PTX_SHAPE "m16n8k16"
#define MMA_SYNC_PTX_TYPE "f16"
#elif defined(SUANLI_DTYPE_BF16)
typedef __nv_bfloat16 mma_elem_t;
typedef unsigned short mma_bits_t;
#define MMA_SYNC_K 16
#define MMA_SYNC_PTX_SHAPE "m16n8k16"
#define MMA_SYNC_PTX_TYPE "bf16"
#elif defined(SUANLI_DTYPE_TF32)
typedef float mma_elem_t;
typedef unsigned mma_bits_t;
#define MMA_SYNC_K 8
#define MMA_SYNC_PTX_SHAPE "m16n8k8"
#define MMA_SYNC_PTX_TYPE "tf32"
#elif defined(SUANLI_DTYPE_INT8)
typedef signed char mma_elem_t;
typedef unsigned char mma_bits_t;
#define MMA_SYNC_K 32
#define MMA_SYNC_PTX_SHAPE "m16n8k32"
#define MMA_SYNC_PTX_TYPE "s8"
#elif defined(SUANLI_DTYPE_FP8)
// fp8 e4m3 (sm_89+; peak_mma_sync only): the bits, never converted in a kernel.
typedef unsigned char mma_elem_t;
typedef unsigned char mma_bits_t;
#define MMA_SYNC_K 32
#define MMA_SYNC_PTX_SHAPE "m16n8k32"
#define MMA_SYNC_PTX_TYPE "e4m3"
#else
#error "mma.sync kernels: define SUANLI_DTYPE_FP16, SUANLI_DTYPE_BF16, SUANLI_DTYPE_TF32, SUANLI_DTYPE_INT8 or SUANLI_DTYPE_FP8"
#endif
// Elements per 16-byte cp.async chunk (and per ldmatrix 8×8-b16 matrix row).
#define MMA_SYNC_CHUNK (16 / (int)sizeof(mma_bits_t))

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#error "the mma.sync kernels need sm_80 or later (cp.async, bf16 mma.sync)"
#endif
#if defined(SUANLI_DTYPE_FP8) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 890
#error "fp8 mma.sync (m16n8k32 .e4m3) needs sm_89 or later"
#endif

#ifndef MMA_SYNC_HOST_EMULATION
// ---- PTX wrappers ----

__device__ __forceinline__ unsigned smem_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared, asynchronously. src_bytes 16: copy; 0: read nothing, write
// 16 zero bytes (the zero-fill of out-of-range chunks).
__device__ __forceinline__ void cp_async_16(unsigned dst, const void* src, int src_bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Waits until at most `n` of this thread's committed groups are still in flight.
template <int n>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(n) : "memory");
}

// Four 8×8 b16 matrices; lane l gives the address of row l % 8 of matrix l / 8 and
// receives, in r[i], row l / 4, columns 2·(l % 4) and +1 of matrix i.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
// The same, transposed: r[i] holds rows 2·(l % 4) and +1 of column l / 4 of matrix i.
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// d(16×8) += a(16×K) · b(K×8), K = MMA_SYNC_K, fp32 (int32 for int8) accumulators.
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type",
// "for mma.m16n8k8" (.tf32), "for mma.m16n8k32" (.s8)), g = lane / 4, t = lane % 4:
//   16-bit, K 16:  a[0]: A[g][2t..2t+1]  a[1]: A[g+8][2t..]  a[2]: A[g][2t+8..]  a[3]: A[g+8][2t+8..]
//                  b[0]: B[2t..2t+1][g]  b[1]: B[2t+8..2t+9][g]
//   tf32, K 8:     a[0]: A[g][t]  a[1]: A[g+8][t]  a[2]: A[g][t+4]  a[3]: A[g+8][t+4]
//                  b[0]: B[t][g]  b[1]: B[t+4][g]
//   s8, e4m3, K 32: a[0]: A[g][4t..4t+3]  a[1]: A[g+8][4t..]  a[2]: A[g][4t+16..]  a[3]: A[g+8][4t+16..]
//                  b[0]: B[4t..4t+3][g]  b[1]: B[4t+16..4t+19][g]
//   all:           d[0..1]: D[g][2t..2t+1]   d[2..3]: D[g+8][2t..2t+1]
#if defined(SUANLI_DTYPE_INT8)
__device__ __forceinline__ void mma_m16n8(int (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned." MMA_SYNC_PTX_SHAPE ".row.col.s32." MMA_SYNC_PTX_TYPE "." MMA_SYNC_PTX_TYPE
               ".s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
               : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#else
__device__ __forceinline__ void mma_m16n8(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned." MMA_SYNC_PTX_SHAPE ".row.col.f32." MMA_SYNC_PTX_TYPE "." MMA_SYNC_PTX_TYPE
               ".f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#endif

// A register as loaded from memory, made an mma operand: 16-bit pairs as they are; fp32 for
// tf32 rounded to nearest (ties away), as cuBLAS rounds, instead of the low 13 bits being
// ignored (truncation, a bias on every product).
__device__ __forceinline__ unsigned mma_operand(unsigned r) {
#if defined(SUANLI_DTYPE_TF32)
  unsigned out;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(out) : "f"(__uint_as_float(r)));
  return out;
#else
  return r;
#endif
}

// ---- Element conversions (the output type) ----

#if defined(SUANLI_DTYPE_FP16)
__device__ __forceinline__ mma_elem_t to_elem(float x) { return __float2half_rn(x); }
__device__ __forceinline__ float from_elem(mma_elem_t x) { return __half2float(x); }
__device__ __forceinline__ __half2 to_elem2(float x, float y) { return __floats2half2_rn(x, y); }
typedef __half2 mma_elem2_t;
#elif defined(SUANLI_DTYPE_BF16)
__device__ __forceinline__ mma_elem_t to_elem(float x) { return __float2bfloat16_rn(x); }
__device__ __forceinline__ float from_elem(mma_elem_t x) { return __bfloat162float(x); }
__device__ __forceinline__ __nv_bfloat162 to_elem2(float x, float y) { return __floats2bfloat162_rn(x, y); }
typedef __nv_bfloat162 mma_elem2_t;
#elif defined(SUANLI_DTYPE_TF32)
__device__ __forceinline__ mma_elem_t to_elem(float x) { return x; }
__device__ __forceinline__ float from_elem(mma_elem_t x) { return x; }
__device__ __forceinline__ float2 to_elem2(float x, float y) { return make_float2(x, y); }
typedef float2 mma_elem2_t;
#endif

#if MMA_SYNC_K == 16
// Two values rounded to the element type, as the 32-bit register an mma operand takes
// (lo in the low half): how a kernel turns fp32 results into the next product's operand.
__device__ __forceinline__ unsigned pack_elem2(float lo, float hi) {
  const mma_elem2_t v = to_elem2(lo, hi);
  return *reinterpret_cast<const unsigned*>(&v);
}
#endif
#endif  // MMA_SYNC_HOST_EMULATION

// The accumulator and the output (C) of the build: fp32 accumulators written in the input
// type, or int32 accumulators written as int32 (int8). fp8 has fp32 accumulators and no
// output type here (peak_mma_sync stores fp32 itself; no GEMM of this file takes fp8).
#if defined(SUANLI_DTYPE_FP8)
typedef float mma_acc_t;
#elif defined(SUANLI_DTYPE_INT8)
typedef int mma_acc_t;
typedef int mma_out_t;
typedef int2 mma_out2_t;
__device__ __forceinline__ mma_out_t to_out(int x) { return x; }
__device__ __forceinline__ int from_out(mma_out_t x) { return x; }
__device__ __forceinline__ mma_out2_t to_out2(int x, int y) { return make_int2(x, y); }
#else
typedef float mma_acc_t;
typedef mma_elem_t mma_out_t;
typedef mma_elem2_t mma_out2_t;
__device__ __forceinline__ mma_out_t to_out(float x) { return to_elem(x); }
__device__ __forceinline__ float from_out(mma_out_t x) { return from_elem(x); }
__device__ __forceinline__ mma_out2_t to_out2(float x, float y) { return to_elem2(x, y); }
#endif
