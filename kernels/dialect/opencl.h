// OpenCL dialect preamble: maps suanli's portable kernel dialect onto OpenCL C 1.2.
// Prepended by the OpenCL backend to every portable kernel before clBuildProgram.
//
// The dialect (every backend's preamble defines all of these):
//   KERNEL             a kernel entry point (extern "C" __global__ on CUDA / HIP)
//   GLOBAL             address space of a kernel's buffer arguments
//   LOCAL              work-group shared memory, for arrays declared in a kernel body
//   RESTRICT           no-alias qualifier for pointer arguments
//   INLINE             a helper function usable from kernels
//   BARRIER()          work-group barrier over local memory
//   local_id(d) group_id(d) local_size(d) num_groups(d)   with d a constant 0, 1 or 2
//   WORK_GROUP_SIZE(x, y, z)   between KERNEL and the return type: the exact work-group
//                      shape the kernel is launched with, so the compiler can budget
//                      registers for it (without it, HIP assumes 1024 threads and spills)
//   SUANLI_HAS_FP16 / SUANLI_HAS_FP64   defined when the device supports the type
//   half_t             the 16-bit float type (only where SUANLI_HAS_FP16)
//   half2_t            two packed half_t lanes, with fma_half2(a, b, c) (one packed FMA)
//                      and half2_sum_f32(v) (lane 0 + lane 1 in float); where SUANLI_HAS_FP16
//   SUANLI_HAS_DOT4_I8 / dot4_i8(a, b, c)   where the target has an int8 dot-product
//                      instruction: c + the sum of the 4 products of the packed signed
//                      bytes of the ints a and b, in int32 with wrap-around (dp4a)
//   exp2_f32(x)        2^x in float (OpenCL's overloaded exp2; exp2f in CUDA / HIP C++,
//                      where plain exp2 would be the double overload)
#ifndef SUANLI_DIALECT_OPENCL_H
#define SUANLI_DIALECT_OPENCL_H

#define SUANLI_DIALECT_OPENCL 1

#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define SUANLI_HAS_FP64 1
#elif defined(__opencl_c_fp64)
#define SUANLI_HAS_FP64 1
#endif

#if defined(cl_khr_fp16)
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define SUANLI_HAS_FP16 1
typedef half half_t;
typedef half2 half2_t;
#define fma_half2(a, b, c) fma(a, b, c)
#define half2_sum_f32(v) ((float)(v).x + (float)(v).y)
#endif

// cl_khr_integer_dot_product (OpenCL 3.0 devices that have the instruction). Its
// non-saturating form has no accumulate, so the add is written out, unsigned so that it
// wraps like dp4a instead of being undefined on overflow.
#if defined(cl_khr_integer_dot_product) && defined(__opencl_c_integer_dot_product_input_4x8bit_packed)
#define SUANLI_HAS_DOT4_I8 1
#define dot4_i8(a, b, c) ((int)((uint)dot_4x8packed_ss_int((uint)(a), (uint)(b)) + (uint)(c)))
#endif

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define RESTRICT restrict
#define exp2_f32(x) exp2(x)
#define INLINE inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define WORK_GROUP_SIZE(x, y, z) __attribute__((reqd_work_group_size(x, y, z)))

#define local_id(d) ((int)get_local_id(d))
#define group_id(d) ((int)get_group_id(d))
#define local_size(d) ((int)get_local_size(d))
#define num_groups(d) ((int)get_num_groups(d))


// Short vectors of float / double (kernels that block their registers in vectors, so a
// CPU runtime emits SIMD loads and FMAs without having to prove contiguity itself):
//   SUANLI_VEC(t, w)          a w-wide vector of t (w = 1, 2, 4, 8 or 16); + and * act per
//                             lane, a * b + c contracts to FMAs like scalar code
//   vec_splat(t, w, x)        every lane = x
//   vec_load(t, w, p)         p[0 .. w-1] (no alignment needed beyond t's)
//   vec_store(t, w, v, p)     p[0 .. w-1] = v
// OpenCL has these natively (floatN, vloadN / vstoreN); w = 1 is the scalar type.
#define SUANLI_VEC_CAT_(a, b) a##b
#define SUANLI_VEC_CAT(a, b) SUANLI_VEC_CAT_(a, b)
#define SUANLI_VEC(t, w) SUANLI_VEC_CAT(SUANLI_VEC_TYPE_, w)(t)
#define SUANLI_VEC_TYPE_1(t) t
#define SUANLI_VEC_TYPE_2(t) SUANLI_VEC_CAT(t, 2)
#define SUANLI_VEC_TYPE_4(t) SUANLI_VEC_CAT(t, 4)
#define SUANLI_VEC_TYPE_8(t) SUANLI_VEC_CAT(t, 8)
#define SUANLI_VEC_TYPE_16(t) SUANLI_VEC_CAT(t, 16)
#define vec_splat(t, w, x) ((SUANLI_VEC(t, w))(x))
#define vec_load(t, w, p) SUANLI_VEC_CAT(SUANLI_VEC_LOAD_, w)(p)
#define vec_store(t, w, v, p) SUANLI_VEC_CAT(SUANLI_VEC_STORE_, w)(v, p)
#define SUANLI_VEC_LOAD_1(p) (*(p))
#define SUANLI_VEC_LOAD_2(p) vload2(0, p)
#define SUANLI_VEC_LOAD_4(p) vload4(0, p)
#define SUANLI_VEC_LOAD_8(p) vload8(0, p)
#define SUANLI_VEC_LOAD_16(p) vload16(0, p)
#define SUANLI_VEC_STORE_1(v, p) (*(p) = (v))
#define SUANLI_VEC_STORE_2(v, p) vstore2(v, 0, p)
#define SUANLI_VEC_STORE_4(v, p) vstore4(v, 0, p)
#define SUANLI_VEC_STORE_8(v, p) vstore8(v, 0, p)
#define SUANLI_VEC_STORE_16(v, p) vstore16(v, 0, p)

#endif  // SUANLI_DIALECT_OPENCL_H
