// A software model of what the wgmma kernels (kernels/cuda/gemm_wgmma.cu, peak_wgmma.cu,
// attention_wgmma.cu) need from a Hopper GPU, so the kernel source itself runs on the host
// (tests/test_gemm_wgmma_emulated.cpp, test_attention_wgmma_emulated.cpp, ...).
// It builds on tests/mma_sync_emulation.h's block runner (one std::thread per CUDA thread,
// __syncthreads, the CUDA names) and adds, written from the PTX ISA's definitions:
//   - mbarrier: a phase counter, an arrival count and a transaction-byte count per barrier;
//     a phase completes when every arrival and every announced byte has come, and
//     try_wait.parity(p) succeeds once the current phase's parity is no longer p;
//   - TMA (cp.async.bulk.tensor.2d ... complete_tx): the box is copied out of the tensor the
//     host test described (zeros outside it) into shared memory with the 128-byte swizzle
//     (byte offset bits 4-6 XOR bits 7-9, so 16-byte chunk c of 128-byte row r lands at
//     c ^ (r % 8)), then its byte count completes on the barrier;
//   - wgmma.mma_async m64n128, K-major A and B through shared-memory descriptors (start
//     address, stride byte offset between 8-row atoms, 128-byte swizzle applied to every
//     address): queued when issued and performed only when wgmma.wait_group lets its group
//     complete (the latest moment the hardware may), so reading an accumulator, or letting
//     the producer refill a stage, before the wait shows up as a wrong result. A wgmma is
//     one operation of the whole warpgroup: wait_group returns in no thread of it before
//     every thread's part is done (a 128-thread barrier here; each thread computes its own
//     accumulators, the others' parts being the same operation's);
//   - the accumulator fragment of m64nNk*: warp w of the warpgroup owns rows 16w .. 16w + 15,
//     lane (g, t) holds D[16w + g + 8·((e / 2) % 2)][8·(e / 4) + 2t + e % 2] in element e.
//   - wgmma with A from registers (attention_wgmma's P·V): the A fragment is the mma.sync
//     m16n8k16 A layout per warp (kernels/cuda/wgmma_common.cuh, wgmma_m64_regs_a), read from
//     the registers of the lanes that hold it when the wgmma is performed, so a kernel that
//     changes them before wgmma.wait_group shows up as a wrong result; N of 64 or 128; B
//     N-major (imm-trans-b 1) through a descriptor, read as that file's comment reads the ISA:
//     element (k, n) at start + (k / 8)·SBO + (k % 8)·128 + (n / 64)·LBO + 2·(n % 64) bytes,
//     the 128-byte swizzle applied.
//   The fragment tables and operand layouts are harness/fragment_layouts.h's, which
//   tests/test_fragment_layouts.cpp checks against CUTLASS's independent reading of the ISA.
// This model is my reading of the ISA, checked against no hardware: it proves the kernel's
// pipeline, edges and index arithmetic agree with that reading, not that the reading is right.
// Include before kernels/cuda/wgmma_common.cuh and the kernel, with SUANLI_DTYPE_* set.
#pragma once

#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "harness/fragment_layouts.h"
#include "harness/host_data.h"
#include "tests/mma_sync_emulation.h"

#define WGMMA_HOST_EMULATION 1
#define __grid_constant__

namespace wgmma_emulation {

// What a fault injection changes, to prove the test catches a wrong layout model.
// tma_unswizzled: TMA writes plain rows while the descriptors still say 128-byte swizzle.
// mn_major_offsets_swapped: an N-major B read with LBO and SBO in each other's roles (LBO the
// step between 8-row groups of K, SBO the step between 64-column groups of N), the other
// plausible reading of the ISA.
enum class Fault { none, tma_unswizzled, mn_major_offsets_swapped };

// The host's description of a tensor, as cuTensorMapEncodeTiled takes it (what the model's
// TensorMap2d carries in its opaque bytes).
struct TensorDescription {
  const unsigned char* base = nullptr;
  std::uint64_t inner = 0, outer = 0;  // elements per row, rows
  std::uint32_t box_inner = 0, box_outer = 0;
  int element_bytes = 2;
  int swizzle_bytes = 128;
};

struct Barrier {
  unsigned count = 0, pending = 0;
  long long tx = 0;
  unsigned completed_phases = 0;
};

// A named barrier (bar.sync / bar.arrive): the threads arrived in its current round, the
// count that round was opened with, and how many rounds have completed.
struct NamedBarrier {
  unsigned arrived = 0, count = 0, completed = 0;
};

struct Model {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<unsigned, Barrier> barriers;  // by shared-memory address
  std::map<unsigned, NamedBarrier> named;  // by id
  std::size_t smem_bytes = 0;
  Fault fault = Fault::none;
  // One per warpgroup of the running block (the test makes them: threads / 128).
  std::vector<std::unique_ptr<std::barrier<>>> warpgroups;
  // An mbarrier used before init; a named barrier given two counts in one round, or left
  // with arrivals no one waited for when the block ends (named_barriers_settled).
  bool bad_barrier = false;
  bool bad_tma = false;         // a TMA box outside shared memory or a misaligned swizzled box
  // A descriptor the model does not describe (not 128-byte swizzle; K-major with atoms not
  // 1024 bytes apart; N-major with K groups not 1024 bytes apart), or one reaching past
  // shared memory.
  bool bad_descriptor = false;
  // A wait that nothing completed within kStallSeconds (a deadlocked ring): set, and every
  // wait returns from then on, so the test fails instead of hanging.
  bool stalled = false;
  // A paired output store (store_out2) at an address not aligned to the pair: the GPU
  // faults on it (misaligned address), the host would not notice.
  bool misaligned_store = false;
};
constexpr int kStallSeconds = 60;
inline Model model;

// One issued wgmma, waiting for its group's completion: d(64 × n) += A · B, A through a_desc
// (K-major) or, when a_regs is set, from the registers of the issuing thread and its warp's
// other lanes; B through b_desc, K-major or (b_mn_major) N-major.
struct Mma {
  float* d;
  unsigned long long a_desc, b_desc;
  const unsigned* a_regs = nullptr;
  int n = 128;
  bool b_mn_major = false;
};
struct WgmmaState {
  std::vector<Mma> open_group;
  std::deque<std::vector<Mma>> committed;
};
inline thread_local WgmmaState wgmma_self;
// Every thread's state by thread index, for the lanes whose registers hold a register-A
// fragment (set when a thread issues a wgmma).
inline WgmmaState* wgmma_states[1024] = {};

// The shared-memory address of byte `offset` of a K-major operand row `row`, from a descriptor.
inline unsigned operand_address(unsigned long long desc, int row, unsigned offset) {
  const auto start = static_cast<unsigned>((desc & 0x3fffu) << 4);
  const auto stride = static_cast<unsigned>(((desc >> 32) & 0x3fffu) << 4);
  const auto swizzle = static_cast<unsigned>(desc >> 62);
  if (swizzle != 1 || stride != 1024) model.bad_descriptor = true;
  return suanli::fragments::sw128_swizzle(start + suanli::fragments::sw128_k_major_offset(row, offset, stride));
}

#if defined(SUANLI_DTYPE_FP8)
constexpr int kElemBytes = 1, kMmaK = 32;
#else
constexpr int kElemBytes = 2, kMmaK = 16;
#endif

// The shared-memory address of element (k, n) of an N-major (MN-major) B, from a descriptor.
inline unsigned operand_address_mn(unsigned long long desc, int k, int n) {
  const auto start = static_cast<unsigned>((desc & 0x3fffu) << 4);
  auto leading = static_cast<unsigned>(((desc >> 16) & 0x3fffu) << 4);
  auto stride = static_cast<unsigned>(((desc >> 32) & 0x3fffu) << 4);
  const auto swizzle = static_cast<unsigned>(desc >> 62);
  if (model.fault == Fault::mn_major_offsets_swapped) std::swap(leading, stride);
  else if (stride != 1024) model.bad_descriptor = true;
  if (swizzle != 1) model.bad_descriptor = true;
  return suanli::fragments::sw128_swizzle(start + suanli::fragments::sw128_mn_major_offset(k, n, leading, stride, kElemBytes));
}

inline float operand_value(unsigned addr) {
  if (addr + 2 > model.smem_bytes) {  // a descriptor reaching past shared memory
    model.bad_descriptor = true;
    return 0.0f;
  }
  const unsigned char* p = mma_sync_emulation::machine.smem + addr;
#if defined(SUANLI_DTYPE_FP8)
  return static_cast<float>(suanli::e4m3_bits_to_double(*p));
#else
  unsigned short bits = 0;
  std::memcpy(&bits, p, 2);
  return mma_sync_emulation::elem_bits_to_float(bits);
#endif
}

// The 64 × 16 A tile of a register-A wgmma, gathered from the registers of the warpgroup's
// lanes as they are when the wgmma is performed, by the fragment table of
// harness/fragment_layouts.h (`wgmma_a_regs_at`). `group`, `index`: the wgmma's place in the
// committed groups, the same in every thread of the warpgroup.
inline void gather_register_a(float (&a)[64][kMmaK], std::size_t group, std::size_t index) {
#if defined(SUANLI_DTYPE_FP8)
  (void)a, (void)group, (void)index;  // no register-A wgmma in the fp8 kernels
#else
  const int first = static_cast<int>(mma_sync_emulation::self.thread.x) / 128 * 128;
  for (int lane = 0; lane < 128; ++lane) {
    const unsigned* regs = wgmma_states[first + lane]->committed[group][index].a_regs;
    for (int word = 0; word < 4; ++word)
      for (int part = 0; part < 2; ++part) {
        const auto [row, k] = suanli::fragments::wgmma_a_regs_at(lane, word, part);
        a[row][k] = mma_sync_emulation::elem_bits_to_float(
            static_cast<unsigned short>(part == 0 ? regs[word] & 0xffffu : regs[word] >> 16));
      }
  }
#endif
}

// This thread's n / 2 accumulators of one m64nN wgmma (harness/fragment_layouts.h, `wgmma_d_at`).
inline void perform(const Mma& m, std::size_t group, std::size_t index) {
  const int lane = static_cast<int>(mma_sync_emulation::self.thread.x) % 128;
  float a_regs[64][kMmaK];
  if (m.a_regs) gather_register_a(a_regs, group, index);
  for (int e = 0; e < m.n / 2; ++e) {
    const auto [row, col] = suanli::fragments::wgmma_d_at(lane, e);
    float sum = 0;
    for (int k = 0; k < kMmaK; ++k) {
      const auto offset = static_cast<unsigned>(k * kElemBytes);
      const float a = m.a_regs ? a_regs[row][k] : operand_value(operand_address(m.a_desc, row, offset));
      const float b = m.b_mn_major ? operand_value(operand_address_mn(m.b_desc, k, col))
                                   : operand_value(operand_address(m.b_desc, col, offset));
      sum += a * b;
    }
    m.d[e] += sum;
  }
}

// Completes the barrier's phase when nothing is outstanding. Called with the lock held.
inline void settle(Barrier& b) {
  if (b.pending == 0 && b.tx == 0) {
    ++b.completed_phases;
    b.pending = b.count;
    model.changed.notify_all();
  }
}

// The map a test hands the kernel: a (rows, inner) row-major tensor of the build's element
// type at `base`, boxes of (box_rows, box_inner), 128-byte swizzle -- what the harness asks
// cuTensorMapEncodeTiled for. Map is the prelude's TensorMap2d (declared after this file).
template <class Map>
Map encode_tensor_map(const unsigned char* base, std::uint64_t rows, std::uint64_t inner, std::uint32_t box_inner,
                      std::uint32_t box_rows) {
  TensorDescription t;
  t.base = base;
  t.inner = inner;
  t.outer = rows;
  t.box_inner = box_inner;
  t.box_outer = box_rows;
  t.element_bytes = kElemBytes;
  t.swizzle_bytes = 128;
  Map map{};
  static_assert(sizeof t <= sizeof map.opaque);
  std::memcpy(map.opaque, &t, sizeof t);
  return map;
}

inline Barrier& barrier_at(unsigned bar) {
  const auto it = model.barriers.find(bar);
  if (it == model.barriers.end()) {
    model.bad_barrier = true;
    return model.barriers[bar];
  }
  return it->second;
}

}  // namespace wgmma_emulation

// ---- The prelude's names (kernels/cuda/wgmma_common.cuh) ----

inline void mbarrier_init(unsigned bar, unsigned count) {
  using namespace wgmma_emulation;
  std::lock_guard<std::mutex> lock(model.mutex);
  model.barriers[bar] = Barrier{count, count, 0, 0};
}
inline void mbarrier_init_fence() {}
inline void mbarrier_arrive_expect_tx(unsigned bar, unsigned bytes) {
  using namespace wgmma_emulation;
  std::lock_guard<std::mutex> lock(model.mutex);
  Barrier& b = barrier_at(bar);
  b.tx += bytes;
  if (b.pending > 0) --b.pending;
  settle(b);
}
inline void mbarrier_arrive(unsigned bar) {
  using namespace wgmma_emulation;
  std::lock_guard<std::mutex> lock(model.mutex);
  Barrier& b = barrier_at(bar);
  if (b.pending > 0) --b.pending;
  settle(b);
}
// bar.arrive / bar.sync: this thread counts into barrier `id`'s round; sync waits until the
// round has `count` threads.
inline void named_barrier(unsigned id, unsigned count, bool wait) {
  using namespace wgmma_emulation;
  std::unique_lock<std::mutex> lock(model.mutex);
  NamedBarrier& b = model.named[id];
  if (b.arrived == 0) b.count = count;
  else if (b.count != count) model.bad_barrier = true;
  const unsigned round = b.completed;
  if (++b.arrived >= b.count) {
    b.arrived = 0;
    ++b.completed;
    model.changed.notify_all();
    return;
  }
  if (!wait) return;
  if (!model.changed.wait_for(lock, std::chrono::seconds(kStallSeconds), [&] { return model.stalled || b.completed != round; })) {
    model.stalled = true;
    model.changed.notify_all();
  }
}
template <unsigned id, unsigned count>
void named_barrier_sync() {
  named_barrier(id, count, true);
}
template <unsigned id, unsigned count>
void named_barrier_arrive() {
  named_barrier(id, count, false);
}
// After a block: a named barrier with arrivals still pending is a turn passed to no one.
inline void named_barriers_settled() {
  using namespace wgmma_emulation;
  for (const auto& [id, b] : model.named)
    if (b.arrived != 0) model.bad_barrier = true;
  model.named.clear();
}

inline void mbarrier_wait(unsigned bar, unsigned parity) {
  using namespace wgmma_emulation;
  std::unique_lock<std::mutex> lock(model.mutex);
  Barrier& b = barrier_at(bar);
  const auto done = [&] { return model.stalled || (b.completed_phases & 1u) != parity; };
  if (!model.changed.wait_for(lock, std::chrono::seconds(kStallSeconds), done)) {
    model.stalled = true;
    model.changed.notify_all();
  }
}

// The map's opaque bytes hold a TensorDescription (encoded by the test).
template <class Map>
void tma_load_2d(unsigned dst, const Map* map, int inner, int outer, unsigned bar) {
  using namespace wgmma_emulation;
  TensorDescription t;
  static_assert(sizeof t <= sizeof map->opaque);
  std::memcpy(&t, map->opaque, sizeof t);
  const unsigned row_bytes = t.box_inner * static_cast<unsigned>(t.element_bytes);
  const unsigned box_bytes = row_bytes * t.box_outer;
  const bool swizzle = t.swizzle_bytes == 128 && model.fault != Fault::tma_unswizzled;
  if (dst + box_bytes > model.smem_bytes || (t.swizzle_bytes == 128 && (dst % 1024 != 0 || row_bytes != 128)))
    model.bad_tma = true;
  if (!model.bad_tma) {
    for (std::uint32_t r = 0; r < t.box_outer; ++r) {
      for (unsigned byte = 0; byte < row_bytes; ++byte) {
        const long long row = outer + static_cast<long long>(r);
        const long long col = inner + static_cast<long long>(byte / static_cast<unsigned>(t.element_bytes));
        const bool in = row >= 0 && col >= 0 && row < static_cast<long long>(t.outer) && col < static_cast<long long>(t.inner);
        const unsigned char v =
            in ? t.base[(static_cast<std::uint64_t>(row) * t.inner + static_cast<std::uint64_t>(col)) * static_cast<unsigned>(t.element_bytes) +
                        byte % static_cast<unsigned>(t.element_bytes)]
               : 0;
        const unsigned logical = dst + r * row_bytes + byte;
        mma_sync_emulation::machine.smem[swizzle ? suanli::fragments::sw128_swizzle(logical) : logical] = v;
      }
    }
  }
  std::lock_guard<std::mutex> lock(model.mutex);
  Barrier& b = barrier_at(bar);
  b.tx -= box_bytes;
  settle(b);
}

inline void wgmma_fence() {}
inline void fence_proxy_async() {}
inline void wgmma_fence_operand(float&) {}
inline void wgmma_fence_operand(unsigned&) {}
inline void wgmma_commit() {
  using namespace wgmma_emulation;
  wgmma_self.committed.push_back(std::move(wgmma_self.open_group));
  wgmma_self.open_group.clear();
}
// The warpgroup meets before the completed groups are performed (every lane's register-A
// fragments issued) and again before any lane drops them (every lane done reading them).
template <int n>
void wgmma_wait() {
  using namespace wgmma_emulation;
  std::barrier<>& warpgroup = *model.warpgroups[mma_sync_emulation::self.thread.x / 128];
  warpgroup.arrive_and_wait();
  const std::size_t done = wgmma_self.committed.size() > static_cast<std::size_t>(n)
                               ? wgmma_self.committed.size() - static_cast<std::size_t>(n)
                               : 0;
  for (std::size_t group = 0; group < done; ++group)
    for (std::size_t i = 0; i < wgmma_self.committed[group].size(); ++i) perform(wgmma_self.committed[group][i], group, i);
  warpgroup.arrive_and_wait();
  for (std::size_t group = 0; group < done; ++group) wgmma_self.committed.pop_front();
}
inline void wgmma_m64n128(float (&d)[64], unsigned long long a_desc, unsigned long long b_desc) {
  wgmma_emulation::wgmma_self.open_group.push_back({d, a_desc, b_desc});
}
// A from registers, B N-major; N = 2 × the accumulators per thread (64 or 128).
template <std::size_t count>
void wgmma_m64_regs_a(float (&d)[count], const unsigned (&a)[4], unsigned long long b_desc) {
  static_assert(count == 32 || count == 64, "wgmma m64n64 or m64n128");
  using namespace wgmma_emulation;
  wgmma_states[mma_sync_emulation::self.thread.x] = &wgmma_self;
  wgmma_self.open_group.push_back({d, 0, b_desc, a, static_cast<int>(2 * count), true});
}
template <int n>
void setmaxnreg_dec() {}
template <int n>
void setmaxnreg_inc() {}

#if defined(SUANLI_DTYPE_FP16) || defined(SUANLI_DTYPE_BF16)
inline auto to_out(float x) { return to_elem(x); }
template <class T>
float from_out(T x) {
  return from_elem(x);
}
#else
inline float to_out(float x) { return x; }
inline float from_out(float x) { return x; }
#endif
// The prelude's paired store: the two elements, and a flag where the GPU's 32- / 64-bit
// store would fault on the address.
template <class Out>
void store_out2(Out* out, float lo, float hi) {
  if (reinterpret_cast<std::uintptr_t>(out) % (2 * sizeof(Out)) != 0) wgmma_emulation::model.misaligned_store = true;
  out[0] = to_out(lo);
  out[1] = to_out(hi);
}
