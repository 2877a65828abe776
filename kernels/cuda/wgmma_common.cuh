// wgmma_common: the Hopper (sm_90a) building blocks of the native tier's warpgroup-MMA
// kernels -- the element type of the build, mbarriers, TMA tensor copies, the wgmma shared-
// memory matrix descriptor and instruction, and register reallocation between warpgroups.
// kernels/native_catalog.cpp prepends it to gemm_wgmma.cu (its prelude), as
// mma_sync_common.cuh is prepended to the mma.sync kernels; NVRTC sees one source.
//
// Every instruction here is sm_90a-only ("a": the architecture-specific feature set; wgmma
// and setmaxnreg do not exist on sm_90 without it, nor on sm_100): the catalog compiles and
// the harness runs these kernels for sm_90a alone.
//
// WGMMA_HOST_EMULATION (tests only): tests/wgmma_emulation.h supplies every name below from
// a software model (TMA, mbarriers and wgmma as the PTX ISA defines them) and the kernel
// runs as host C++.

#ifndef WGMMA_HOST_EMULATION
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

// The element type of A and B (only its size matters to the kernel: TMA copies bits and
// the tensor cores read them), of C, and the wgmma's K and PTX type names. fp8 e4m3 writes
// fp32 C, as the vendor tier's cuBLASLt call does (GemmProblem: fp8_e4m3 -> fp32).
#if defined(SUANLI_DTYPE_FP16)
#define WGMMA_ELEM_BYTES 2
#define WGMMA_K 16
#define WGMMA_PTX_TYPES "f16.f16"
typedef __half wgmma_out_t;
#elif defined(SUANLI_DTYPE_BF16)
#define WGMMA_ELEM_BYTES 2
#define WGMMA_K 16
#define WGMMA_PTX_TYPES "bf16.bf16"
typedef __nv_bfloat16 wgmma_out_t;
#elif defined(SUANLI_DTYPE_FP8)
#define WGMMA_ELEM_BYTES 1
#define WGMMA_K 32
#define WGMMA_PTX_TYPES "e4m3.e4m3"
typedef float wgmma_out_t;
#else
#error "wgmma kernels: define SUANLI_DTYPE_FP16, SUANLI_DTYPE_BF16 or SUANLI_DTYPE_FP8"
#endif
#define WGMMA_STRINGIFY2(x) #x
#define WGMMA_STRINGIFY(x) WGMMA_STRINGIFY2(x)

// What a TMA copy reads: the CUtensorMap the host encoded (backends/cuda: cuTensorMapEncodeTiled
// from a TensorMap2d kernel argument), 128 opaque bytes passed by value as a __grid_constant__
// parameter, so its address is a constant-bank address the TMA unit can read.
struct __align__(64) TensorMap2d {
  unsigned long long opaque[16];
};

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ != 900 || !defined(__CUDA_ARCH_FEAT_SM90_ALL))
#error "the wgmma kernels need sm_90a (wgmma, setmaxnreg; TMA)"
#endif

#ifndef WGMMA_HOST_EMULATION
// ---- PTX wrappers ----

__device__ __forceinline__ unsigned smem_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// ---- mbarrier: a shared-memory barrier with a phase bit and a transaction-byte count ----
// A phase completes when `count` arrivals have happened and every byte announced by
// expect_tx has landed (TMA copies count their bytes down as they complete).
__device__ __forceinline__ void mbarrier_init(unsigned bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// Makes the initialized barriers visible to the async proxy (TMA completes on them); a
// __syncthreads after it publishes them to the other threads.
__device__ __forceinline__ void mbarrier_init_fence() {
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}
// One arrival that also announces `bytes` more bytes to wait for in this phase.
__device__ __forceinline__ void mbarrier_arrive_expect_tx(unsigned bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbarrier_arrive(unsigned bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Returns once the phase of parity `parity` has completed. A fresh barrier is in phase 0,
// and the phase before it (parity 1) counts as complete: waiting on parity 1 returns at once.
__device__ __forceinline__ void mbarrier_wait(unsigned bar, unsigned parity) {
  unsigned done = 0;
  do {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n"
        "}\n"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  } while (!done);
}

// ---- TMA: a 2-D box of a global tensor into shared memory ----
// dst <- the (box_outer, box_inner) box at (row `outer`, column `inner`) of the tensor,
// zeros where the box leaves it, laid out as the map's swizzle says; complete_tx on `bar`
// with the box's full byte count (zero-filled bytes included).
__device__ __forceinline__ void tma_load_2d(unsigned dst, const TensorMap2d* map, int inner, int outer, unsigned bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
      "l"(reinterpret_cast<unsigned long long>(map)), "r"(inner), "r"(outer), "r"(bar)
      : "memory");
}

// Orders this thread's earlier shared-memory stores (generic proxy) before later reads by
// the async proxy (wgmma, TMA); a barrier after it makes that hold for the block.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// ---- Named barriers (bar.sync / bar.arrive with an id and a thread count) ----
// Barrier `id` (1 .. 15; 0 is __syncthreads') completes when `count` threads (a multiple of
// 32) have arrived: named_barrier_sync arrives and waits for that, named_barrier_arrive
// arrives and goes on. The attention kernel's consumers pass a turn with them. Id and count
// are immediates: with an id in a register ptxas cannot tell which barriers a kernel uses
// and reserves all 16.
template <unsigned id, unsigned count>
__device__ __forceinline__ void named_barrier_sync() {
  static_assert(id >= 1 && id <= 15 && count % 32 == 0, "barrier 1 .. 15, whole warps");
  asm volatile("bar.sync %0, %1;\n" ::"n"(id), "n"(count) : "memory");
}
template <unsigned id, unsigned count>
__device__ __forceinline__ void named_barrier_arrive() {
  static_assert(id >= 1 && id <= 15 && count % 32 == 0, "barrier 1 .. 15, whole warps");
  asm volatile("bar.arrive %0, %1;\n" ::"n"(id), "n"(count) : "memory");
}

// ---- wgmma ----

// Orders this warpgroup's earlier register writes (the zeroed accumulators) before the
// wgmma that reads them.
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
// Closes a group of issued wgmma operations.
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// Waits until at most `n` of this warpgroup's committed groups are pending: the finished
// ones have read their shared memory and written their accumulators.
template <int n>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(n) : "memory");
}
// Keeps the compiler from moving reads of an accumulator across the wait that completes it.
__device__ __forceinline__ void wgmma_fence_operand(float& r) { asm volatile("" : "+f"(r)::"memory"); }
// The same for a register-A operand: keeps its value, and its register, live up to the wait.
__device__ __forceinline__ void wgmma_fence_operand(unsigned& r) { asm volatile("" : "+r"(r)::"memory"); }

// d(64 × 128) += A(64 × K) · B(128 × K)ᵀ, K = WGMMA_K, fp32 accumulators, both operands read
// from shared memory through descriptors and K-major (imm-trans 0: each row's K elements
// contiguous, the only layout fp8 allows). Accumulator layout (PTX ISA, "wgmma register
// fragment D", m64nNk*): warp w of the warpgroup owns rows 16w .. 16w + 15; within it, for
// n8 block j, lane (g = lane / 4, t = lane % 4) holds
//   d[4j + 0], d[4j + 1]: D[16w + g][8j + 2t], D[16w + g][8j + 2t + 1]
//   d[4j + 2], d[4j + 3]: D[16w + g + 8][8j + 2t], D[16w + g + 8][8j + 2t + 1]
// i.e. the m16n8 mma.sync layout, once per n8 block.
__device__ __forceinline__ void wgmma_m64n128(float (&d)[64], unsigned long long a_desc, unsigned long long b_desc) {
#if WGMMA_ELEM_BYTES == 2
#define WGMMA_TRANSPOSE_OPERANDS ", 0, 0"  // imm-trans-a, imm-trans-b: K-major
#else
#define WGMMA_TRANSPOSE_OPERANDS ""  // fp8: K-major only, no transpose operands
#endif
  asm volatile(
      "{\n"
      ".reg .pred accumulate;\n"
      "setp.ne.b32 accumulate, 1, 0;\n"  // scale-d is a predicate: D = A·B + D
      "wgmma.mma_async.sync.aligned.m64n128k" WGMMA_STRINGIFY(WGMMA_K) ".f32." WGMMA_PTX_TYPES "\n"
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63},\n"
      "%64, %65, accumulate, 1, 1" WGMMA_TRANSPOSE_OPERANDS ";\n"
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(a_desc), "l"(b_desc));
#undef WGMMA_TRANSPOSE_OPERANDS
}

// d(64 × N) += A(64 × 16) · B(16 × N), N = 64 or 128 (the overload by the size of d), fp32
// accumulators, 16-bit inputs only. A comes from REGISTERS, B from shared memory N-major
// (imm-trans-b 1: each K row's N elements contiguous, as V (keys, D) is stored). A's register
// fragment (PTX ISA, "wgmma register fragment A", m64nNk16): warp w of the warpgroup holds
// rows 16w .. 16w + 15 in the mma.sync m16n8k16 A layout, g = lane / 4, t = lane % 4:
//   a[0]: A[16w + g][2t, 2t + 1]       a[1]: A[16w + g + 8][2t, 2t + 1]
//   a[2]: A[16w + g][2t + 8, 2t + 9]   a[3]: A[16w + g + 8][2t + 8, 2t + 9]
// (low half the lower column) -- the layout of two adjacent n8 blocks of an m64nN
// accumulator (see wgmma_m64n128), so a product's result, rounded and packed, is the next
// product's A without leaving registers. The registers must keep their values until the
// wgmma has completed (wgmma_wait), as the accumulators must.
#if WGMMA_ELEM_BYTES == 2
__device__ __forceinline__ void wgmma_m64_regs_a(float (&d)[32], const unsigned (&a)[4], unsigned long long b_desc) {
  asm volatile(
      "{\n"
      ".reg .pred accumulate;\n"
      "setp.ne.b32 accumulate, 1, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32." WGMMA_PTX_TYPES "\n"
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31},\n"
      "{%32, %33, %34, %35}, %36, accumulate, 1, 1, 1;\n"  // scale-d, imm-scale-a, imm-scale-b, imm-trans-b
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b_desc));
}
__device__ __forceinline__ void wgmma_m64_regs_a(float (&d)[64], const unsigned (&a)[4], unsigned long long b_desc) {
  asm volatile(
      "{\n"
      ".reg .pred accumulate;\n"
      "setp.ne.b32 accumulate, 1, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32." WGMMA_PTX_TYPES "\n"
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63},\n"
      "{%64, %65, %66, %67}, %68, accumulate, 1, 1, 1;\n"
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b_desc));
}
#endif

// ---- Register reallocation between warpgroups ----
// The producer warpgroup only issues copies: it gives registers back so the consumers,
// which hold the accumulators, can take more (the block's total stays within the file).
template <int n>
__device__ __forceinline__ void setmaxnreg_dec() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(n));
}
template <int n>
__device__ __forceinline__ void setmaxnreg_inc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(n));
}

// ---- The output type ----
#if defined(SUANLI_DTYPE_FP16)
__device__ __forceinline__ wgmma_out_t to_out(float x) { return __float2half_rn(x); }
__device__ __forceinline__ float from_out(wgmma_out_t x) { return __half2float(x); }
#elif defined(SUANLI_DTYPE_BF16)
__device__ __forceinline__ wgmma_out_t to_out(float x) { return __float2bfloat16_rn(x); }
__device__ __forceinline__ float from_out(wgmma_out_t x) { return __bfloat162float(x); }
#else
__device__ __forceinline__ wgmma_out_t to_out(float x) { return x; }
__device__ __forceinline__ float from_out(wgmma_out_t x) { return x; }
#endif
// Two adjacent outputs out[0], out[1] as one 32-bit (16-bit types) or 64-bit (fp32) store,
// half the store instructions of two scalar ones; out must be aligned to the pair (an even
// element index of a row of even length). The host models supply one that checks that.
__device__ __forceinline__ void store_out2(wgmma_out_t* out, float lo, float hi) {
#if defined(SUANLI_DTYPE_FP16)
  *reinterpret_cast<__half2*>(out) = __floats2half2_rn(lo, hi);
#elif defined(SUANLI_DTYPE_BF16)
  *reinterpret_cast<__nv_bfloat162*>(out) = __floats2bfloat162_rn(lo, hi);
#else
  *reinterpret_cast<float2*>(out) = make_float2(lo, hi);
#endif
}
#if WGMMA_ELEM_BYTES == 2
// Two values rounded to the 16-bit input type, packed as one register of a wgmma A fragment
// (lo in the low half): how attention turns its fp32 scores into P for P·V. The mma.sync
// kernels' pack_elem2 (mma_sync_common.cuh) is the same conversion under the same name; the
// two preludes are never compiled together, and the host models supply one definition.
__device__ __forceinline__ unsigned pack_elem2(float lo, float hi) {
#if defined(SUANLI_DTYPE_FP16)
  const __half2 v = __floats2half2_rn(lo, hi);
#else
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
#endif
  return *reinterpret_cast<const unsigned*>(&v);
}
#endif
#endif  // WGMMA_HOST_EMULATION

// The shared-memory matrix descriptor of an operand tile stored as TMA writes it with the
// 128-byte swizzle (PTX ISA, "Matrix Descriptor Format" and "Shared Memory Matrix Layout"):
// rows of 128 bytes, 16-byte chunk c of row r stored at chunk c ^ (r % 8), in atoms of 8 rows
// (1024 bytes, 1024-aligned). Fields:
//   bits  0-13  start address >> 4 (the hardware swizzles the full address, so an offset
//               within the atom's first row is a plain add)
//   bits 16-29  leading-dimension byte offset >> 4 (`leading_bytes`)
//   bits 32-45  stride byte offset >> 4: 1024, from one 8-row atom to the next
//   bits 62-63  swizzle mode: 1 = 128-byte
// What the rows are depends on the operand's major-ness (imm-trans), and so does LBO:
//   K-major (imm-trans 0; gemm_wgmma's A and B, attention's Q and K): a row is 64 16-bit (128
//     fp8) elements of K of one M / N index; atoms step along M / N (SBO). The K step of a
//     wgmma (32 bytes) stays within the swizzle row: the start address steps by 32 bytes,
//     and LBO is unused (1 by convention: leading_bytes 16).
//   MN-major (imm-trans 1; attention's V as B, (keys = K) × (D = N)): a row is 64 16-bit
//     elements of N of one K index, so an atom is 8 K rows × 64 N; SBO steps to the next 8 K
//     rows, and LBO to the next 64 N columns (the next "swizzle-bytes / 16 rows of 128-bit
//     elements" along MN, as the ISA words it) -- here the next TMA box of 64 columns. My
//     reading of the ISA, not checked on hardware: tests/wgmma_emulation.h models it, and a
//     fault there that swaps the two offsets' meanings shows a test would notice the other
//     reading. CUTLASS's CuTe reads it the same way (its canonical Major-MN layout;
//     tests/test_fragment_layouts.cpp compares the two).
__device__ __forceinline__ unsigned long long wgmma_descriptor(unsigned smem_addr, unsigned leading_bytes = 16) {
  unsigned long long d = 0;
  d |= static_cast<unsigned long long>((smem_addr & 0x3ffffu) >> 4);
  d |= static_cast<unsigned long long>((leading_bytes & 0x3ffffu) >> 4) << 16;
  d |= static_cast<unsigned long long>(1024 >> 4) << 32;
  d |= 1ull << 62;
  return d;
}
