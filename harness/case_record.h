// The steps every workload's case shares: owned device buffers, and writing the
// verification, the measurement and any failure into the case record.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "harness/measure.h"
#include "harness/verify_gemm.h"

namespace suanli {

// Frees every buffer on scope exit, so a failed case leaves the device clean for the next.
class BufferSet {
 public:
  explicit BufferSet(Device& device) : device_(device) {}
  ~BufferSet();
  BufferSet(const BufferSet&) = delete;
  BufferSet& operator=(const BufferSet&) = delete;
  Buffer alloc(std::size_t bytes);

 private:
  Device& device_;
  std::vector<Buffer> buffers_;
};

// Writes "verification" and "verified"; on failure also status "failed" and the reason.
// Returns v.ok.
bool record_verification(nlohmann::json& rec, const VerifyResult& v);

// Runs the measurement engine on `enqueue` and writes stats, raw samples, the rate (TFLOPS
// from the record's declared "flops", GB/s from its "bytes"), device state and status "ok".
void measure_into(nlohmann::json& rec, Device& device, const std::function<void()>& enqueue, const CaseSpec& spec);

// Runs `body` (which fills `rec`), turning exceptions into the record's status: out of
// memory and unsupported are "skipped", anything else "failed"; a compile log is kept.
void run_guarded(nlohmann::json& rec, const std::function<void()>& body);

// The throttling fields (record_throttle) of one case measured in several runs (`run
// --repetitions`): counts summed, reasons and warnings joined, the highest clock kept; unknown
// (null) if any run could not read the reasons.
void fold_throttle(nlohmann::json& out, const std::vector<const nlohmann::json*>& runs);

// The energy fields of a measured record (schema_minor 4): "energy" {joules, window_s,
// avg_power_w} over the timed loop, null without an energy counter; avg_power_w null (with
// a note) for a window under kEnergyMinWindowSeconds; "tflops_per_w" (the record's rate over
// that power: TOPS per watt for int8) where both exist. Call after the rate is set.
void record_energy(nlohmann::json& rec, const std::optional<EnergyWindow>& energy);

// The energy fields of one case measured in several runs: joules and windows summed, then
// as record_energy; null if any run had no counter. Files from before schema_minor 4 (no
// "energy") are left without.
void fold_energy(nlohmann::json& out, const std::vector<const nlohmann::json*>& runs);

// Appends to the record's "warnings" (schema_minor 3): something a reader of the row must
// know (throttled samples) that does not change its status.
void add_warning(nlohmann::json& rec, const std::string& warning);

std::string gib_text(double bytes);  // "1.50 GiB"

}  // namespace suanli
