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

#endif  // SUANLI_DIALECT_OPENCL_H
