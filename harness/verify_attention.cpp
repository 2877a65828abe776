#include "harness/verify_attention.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "harness/dtype.h"
#include "harness/host_data.h"

namespace suanli {
namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

struct Row {
  std::int64_t b, h, i;
};

}  // namespace

VerifyResult verify_attention(const AttentionCheckInput& in) {
  const AttentionShape& s = in.shape;
  const auto d = static_cast<std::size_t>(s.d);
  const double u_acc = accumulate_unit_roundoff(in.dtype);
  const double u_store = format_unit_roundoff(gemm_output_format(in.dtype));
  VerifyResult r;

  for (double x : *in.o)
    if (!std::isfinite(x)) ++r.nonfinite_outputs;
  if (r.nonfinite_outputs > 0) {
    r.method = "non-finite scan";
    r.detail = std::to_string(r.nonfinite_outputs) + " of " + std::to_string(in.o->size()) + " outputs are NaN or Inf";
    r.worst_error_ratio = INFINITY;
    return r;
  }

  std::vector<Row> rows;
  const double macs = static_cast<double>(s.b) * static_cast<double>(s.h) * static_cast<double>(s.s_q) *
                      static_cast<double>(s.s_kv) * static_cast<double>(s.d);
  const bool full = macs <= kAttentionFullCheckMacs;
  if (full) {
    for (std::int64_t b = 0; b < s.b; ++b)
      for (std::int64_t h = 0; h < s.h; ++h)
        for (std::int64_t i = 0; i < s.s_q; ++i) rows.push_back({b, h, i});
  } else {
    // First and last rows see the fewest and the most keys under a causal mask, and the
    // last key tile is where a missing-tile bug shows: always check them.
    SplitMix64 rng(in.seed);
    for (std::int64_t b = 0; b < s.b; ++b)
      for (std::int64_t h = 0; h < s.h; ++h) rows.push_back({b, h, (b + h) % 2 ? 0 : s.s_q - 1});
    while (static_cast<int>(rows.size()) < in.sampled_rows + s.b * s.h)
      rows.push_back({static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(s.b)),
                      static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(s.h)),
                      static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(s.s_q))});
  }
  r.method = std::string(full ? "every" : "sampled") + " query row recomputed in fp64 (" + std::to_string(rows.size()) +
             " rows); tol = 8·u·((√D+1)·2·Σ|q·k|·scale + √Skv + 1)·Σp|v| + 2·u·|o|" +
             (in.u_scores > 0 ? " + 8·u_s·2·Σ|q·k|·scale·Σp|v| (scores stored)" : "") +
             (in.u_probs > 0 ? " + 8·u_p·Σp|v| (probabilities stored)" : "");

  const std::int64_t group = s.h / s.h_kv;
  std::vector<double> score(static_cast<std::size_t>(s.s_kv)), abs_score(static_cast<std::size_t>(s.s_kv));
  std::vector<double> ref(d), abs_pv(d);
  bool ok = true;
  for (const Row& row : rows) {
    const std::int64_t hk = row.h / group;
    const double* q = &(*in.q)[static_cast<std::size_t>(((row.b * s.h + row.h) * s.s_q + row.i) * s.d)];
    const double* kbase = &(*in.k)[static_cast<std::size_t>((row.b * s.h_kv + hk) * s.s_kv * s.d)];
    const double* vbase = &(*in.v)[static_cast<std::size_t>((row.b * s.h_kv + hk) * s.s_kv * s.d)];
    const double* o = &(*in.o)[static_cast<std::size_t>(((row.b * s.h + row.h) * s.s_q + row.i) * s.d)];
    const std::int64_t last = s.causal ? std::min(s.s_kv - 1, row.i + (s.s_kv - s.s_q)) : s.s_kv - 1;
    double max_score = -INFINITY, max_abs = 0;
    for (std::int64_t j = 0; j <= last; ++j) {
      double dot = 0, adot = 0;
      for (std::size_t t = 0; t < d; ++t) {
        dot += q[t] * kbase[j * s.d + static_cast<std::int64_t>(t)];
        adot += std::abs(q[t] * kbase[j * s.d + static_cast<std::int64_t>(t)]);
      }
      score[static_cast<std::size_t>(j)] = dot * in.scale;
      abs_score[static_cast<std::size_t>(j)] = adot * std::abs(in.scale);
      max_score = std::max(max_score, score[static_cast<std::size_t>(j)]);
      max_abs = std::max(max_abs, abs_score[static_cast<std::size_t>(j)]);
    }
    std::fill(ref.begin(), ref.end(), 0.0);
    std::fill(abs_pv.begin(), abs_pv.end(), 0.0);
    if (last >= 0) {
      double sum = 0;
      for (std::int64_t j = 0; j <= last; ++j) sum += std::exp(score[static_cast<std::size_t>(j)] - max_score);
      for (std::int64_t j = 0; j <= last; ++j) {
        const double p = std::exp(score[static_cast<std::size_t>(j)] - max_score) / sum;
        for (std::size_t t = 0; t < d; ++t) {
          const double vv = vbase[j * s.d + static_cast<std::int64_t>(t)];
          ref[t] += p * vv;
          abs_pv[t] += p * std::abs(vv);
        }
      }
    }
    // A perturbation δ of the scores moves the output by at most 2·δ·Σp|v|; the scores
    // carry the error of a D-term dot product, the output that of an Skv-term sum.
    const double score_err = (std::sqrt(static_cast<double>(s.d)) + 1.0) * 2.0 * max_abs;
    const double sum_err = std::sqrt(static_cast<double>(s.s_kv)) + 1.0;
    // Stored scores move by u_s·|s| (so the output by 2·u_s·|s|·Σp|v|); stored
    // probabilities by u_p·p each (so the output by u_p·Σp|v|).
    const double stored_err = in.u_scores * 2.0 * max_abs + in.u_probs;
    for (std::size_t t = 0; t < d; ++t) {
      const double tol =
          std::max(8.0 * (u_acc * (score_err + sum_err) + stored_err) * abs_pv[t] + 2.0 * u_store * std::abs(ref[t]), 1e-300);
      const double ratio = std::abs(o[t] - ref[t]) / tol;
      r.worst_error_ratio = std::max(r.worst_error_ratio, ratio);
      ++r.elements_checked;
      if (!(ratio <= 1.0) && ok) {
        ok = false;
        r.detail = "O[b=" + std::to_string(row.b) + ",h=" + std::to_string(row.h) + ",i=" + std::to_string(row.i) +
                   ",d=" + std::to_string(t) + "] = " + fmt(o[t]) + ", expected " + fmt(ref[t]) + " (tolerance " + fmt(tol) + ")";
      }
    }
  }
  r.ok = ok;
  return r;
}

}  // namespace suanli
