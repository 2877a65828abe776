// What every warp (wavefront) of a native peak launch stores after `trips` trips, computed
// from a matrix instruction's layout written element -> (lane, word, half), the other
// direction from harness/native_peak.cpp's replay (register -> element), so the tests of
// that replay (test_native_peak, test_native_mfma) check it against an independent model.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/native_peak.h"

namespace suanli::peak_simulation {

struct Slot {
  int lane, word, part;  // part of the word: 16-bit half or byte (dtype_bytes), 0 the lowest;
                         // D slots use lane and word (the register)
};

// The instruction's shape and its maps from matrix elements to fragment slots.
struct InverseLayout {
  int m, n, k, lanes, a_words, b_words, d_regs;
  Slot (*a)(int row, int k);
  Slot (*b)(int k, int col);
  Slot (*d)(int row, int col);
};

inline double element(const std::vector<std::uint32_t>& words, int per_lane, int lanes, std::int64_t warp, Slot s,
                      DType dtype) {
  const std::uint32_t v = words[static_cast<std::size_t>((warp * lanes + s.lane) * per_lane + s.word)];
  if (dtype == DType::int8) return static_cast<std::int8_t>(v >> (8 * s.part));
  if (dtype == DType::fp8_e4m3) return e4m3_bits_to_double(static_cast<std::uint8_t>(v >> (8 * s.part)));
  const auto bits = static_cast<std::uint16_t>(s.part ? v >> 16 : v & 0xffffu);
  return dtype == DType::bf16 ? bf16_bits_to_float(bits) : half_bits_to_float(bits);
}

inline std::vector<float> simulate(const InverseLayout& l, const PeakMmaInputs& in, DType dtype, int chains,
                                   std::int64_t warps, int trips) {
  std::vector<float> out(in.c_init.size());
  for (std::int64_t w = 0; w < warps; ++w) {
    for (int r = 0; r < l.m; ++r) {
      for (int c = 0; c < l.n; ++c) {
        double dot = 0;
        for (int k = 0; k < l.k; ++k)
          dot += element(in.a_frags, l.a_words, l.lanes, w, l.a(r, k), dtype) *
                 element(in.b_frags, l.b_words, l.lanes, w, l.b(k, c), dtype);
        const Slot d = l.d(r, c);
        for (int j = 0; j < chains; ++j) {
          const auto at = static_cast<std::size_t>(((w * chains + j) * l.lanes + d.lane) * l.d_regs + d.word);
          float acc = in.c_init[at];
          for (int t = 0; t < trips; ++t) acc += static_cast<float>(dot);
          out[at] = acc;
        }
      }
    }
  }
  return out;
}

}  // namespace suanli::peak_simulation
