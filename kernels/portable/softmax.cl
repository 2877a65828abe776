// Row softmax in place, with the causal mask: the middle step of the unfused attention
// path that the vendor tier times (vendor GEMM S = scale * Q * K^T, this kernel, vendor
// GEMM O = P * V). It exists so the fused kernel (attention.cl) is compared with what a
// user without a fused library would write, on the same device.
//
//   S: (rows, Skv) row-major, rows = B * H * Sq; row r is query i = r % Sq of its head.
//   On entry S holds the scaled scores; on exit P = softmax over the visible keys, with
//   masked keys exactly 0. Causal: key j is visible to query i iff j <= i + (Skv - Sq)
//   (bottom-right aligned, as attention.cl); a row that sees no key becomes all zeros,
//   which is what the fused kernel writes for it too.
//
// Technique: one work-group per row; three passes over the row (maximum, sum of
// exponentials, normalized write), each work-item striding over the columns, partial
// results combined by a tree in local memory. Arithmetic in float whatever T is.
//
// Launch geometry: work-group size (SOFTMAX_WG, 1, 1), number of work-groups (rows, 1, 1).
// Entry point: softmax_rows_masked(int rows, int Sq, int Skv, int causal, GLOBAL T* S)
// Dtype (exactly one): -DSUANLI_DTYPE_FP32 (T = float), -DSUANLI_DTYPE_FP16 (T = half_t)

#if defined(SUANLI_DTYPE_FP32)
typedef float T;
#elif defined(SUANLI_DTYPE_FP16)
#ifndef SUANLI_HAS_FP16
#error "softmax.cl: SUANLI_DTYPE_FP16 requested but the device has no fp16 (SUANLI_HAS_FP16 undefined)"
#endif
typedef half_t T;
#else
#error "softmax.cl: define exactly one of SUANLI_DTYPE_FP32, SUANLI_DTYPE_FP16"
#endif

#ifndef SOFTMAX_WG
// Work-items per row. 1 on a CPU (PoCL: the row loop vectorizes inside the work-item and
// there are no barriers to pay for); 128-256 on GPUs, where a row of a few thousand keys
// needs many threads to reach memory bandwidth. Must be a power of two (the tree).
#define SOFTMAX_WG 1
#endif

#if SOFTMAX_WG < 1 || SOFTMAX_WG > 1024 || (SOFTMAX_WG & (SOFTMAX_WG - 1)) != 0
#error "softmax.cl: SOFTMAX_WG must be a power of two from 1 to 1024"
#endif

// Deliberately broken kernel for the harness's own tests: SOFTMAX_DROP_LAST_KEY=1 gives the
// last visible key of every row probability 0 (and leaves it out of the sum), so the
// result is wrong and verification must reject it. Never set in a measured run.
#ifndef SOFTMAX_DROP_LAST_KEY
#define SOFTMAX_DROP_LAST_KEY 0
#endif

// Finite start for the running maximum, so an empty row never computes -inf - -inf.
#define SOFTMAX_NEG_BIG (-1.0e30f)
#define SOFTMAX_LOG2E 1.4426950408889634f

KERNEL WORK_GROUP_SIZE(SOFTMAX_WG, 1, 1) void softmax_rows_masked(int rows, int Sq, int Skv, int causal,
                                                                  GLOBAL T* RESTRICT S) {  // S: (rows, Skv)
  LOCAL float partial[SOFTMAX_WG];
  const int row = group_id(0);
  const int t = local_id(0);
  if (row >= rows) return;  // uniform across the work-group: no barrier is skipped by some only
  const int i = row % Sq;
  int visible = Skv;
  if (causal) {
    visible = i + (Skv - Sq) + 1;
    visible = visible < 0 ? 0 : (visible > Skv ? Skv : visible);
  }
  GLOBAL T* s = S + (long)row * (long)Skv;
#if SOFTMAX_DROP_LAST_KEY
  if (visible > 0) visible -= 1;
#endif

  // Pass 1: the row maximum over visible keys.
  float m = SOFTMAX_NEG_BIG;
  for (int j = t; j < visible; j += SOFTMAX_WG) {
    const float x = (float)s[j];
    m = x > m ? x : m;
  }
  partial[t] = m;
  BARRIER();
  for (int w = SOFTMAX_WG / 2; w > 0; w >>= 1) {
    if (t < w) partial[t] = partial[t + w] > partial[t] ? partial[t + w] : partial[t];
    BARRIER();
  }
  m = partial[0];
  BARRIER();  // everyone has read partial[0] before it is reused for the sums

  // Pass 2: the sum of exp(s - m); exp via exp2 of a pre-scaled difference.
  float l = 0.0f;
  for (int j = t; j < visible; j += SOFTMAX_WG) l += exp2_f32(((float)s[j] - m) * SOFTMAX_LOG2E);
  partial[t] = l;
  BARRIER();
  for (int w = SOFTMAX_WG / 2; w > 0; w >>= 1) {
    if (t < w) partial[t] += partial[t + w];
    BARRIER();
  }
  const float inv = visible > 0 ? 1.0f / partial[0] : 0.0f;

  // Pass 3: normalized probabilities; masked keys exactly 0.
  for (int j = t; j < Skv; j += SOFTMAX_WG) {
    const float p = j < visible ? exp2_f32(((float)s[j] - m) * SOFTMAX_LOG2E) * inv : 0.0f;
    s[j] = (T)p;
  }
}
