// The tuning database (round trip, corrupt files, lookup) and the search space, without a
// device.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "harness/gemm_workload.h"
#include "harness/attention_workload.h"
#include "harness/tune_space.h"
#include "harness/tuning_apply.h"
#include "harness/tuning_db.h"
#include "tests/test_util.h"

namespace suanli {
namespace {

DeviceInfo cpu_device() {
  DeviceInfo d;
  d.name = "pthread-skylake-avx512-Intel(R) Xeon(R) Processor";
  d.type = DeviceType::cpu;
  d.compute_units = 2;
  d.max_work_group_size = 4096;
  d.local_mem_bytes = 4 * 1024 * 1024;
  d.native_vector_width_fp32 = 16;
  d.native_vector_width_fp64 = 8;
  d.has_fp64 = true;
  return d;
}

DeviceInfo gpu_device() {
  DeviceInfo d;
  d.name = "NVIDIA H200";
  d.type = DeviceType::gpu;
  d.compute_units = 132;
  d.max_work_group_size = 1024;
  d.local_mem_bytes = 48 * 1024;
  d.has_fp64 = true;
  d.has_fp16 = true;
  return d;
}

TuningDb sample_db() {
  TuningDb db;
  db.device_key = "opencl-test-2cu";
  db.device = {{"name", "test"}};
  db.entries.push_back({"gemm", "fp32", "large", default_gemm_config(cpu_device(), DType::fp32).to_json(), {{"gflops", 70.5}}});
  db.entries.push_back({"attention", "fp32", "hd64", default_attention_config(cpu_device(), 64)->to_json(), {{"gflops", 22.0}}});
  return db;
}

CaseSpec gemm_case(std::int64_t m, std::int64_t n, std::int64_t k) {
  CaseSpec c;
  c.workload = "gemm";
  c.tier = "portable";
  c.shape = {m, n, k, ""};
  return c;
}

TEST(TuningDb, RoundTripsThroughItsFile) {
  test::TempDir dir;
  const std::string path = (dir / "sub" / "db.json").string();
  save_tuning_db(path, sample_db());
  const TuningDb back = load_tuning_db(path);
  EXPECT_EQ(to_json(back), to_json(sample_db()));
  ASSERT_NE(back.find("gemm", "fp32", "large"), nullptr);
  EXPECT_EQ(back.find("gemm", "fp32", "large")->config, default_gemm_config(cpu_device(), DType::fp32).to_json());
  EXPECT_EQ(back.find("gemm", "fp64", "large"), nullptr);
  // The config survives into the workload's own type.
  const GemmConfig c = gemm_config_from_json(back.find("gemm", "fp32", "large")->config);
  EXPECT_EQ(c.to_json(), default_gemm_config(cpu_device(), DType::fp32).to_json());
}

TEST(TuningDb, UpsertReplacesTheSameKeyAndAppendsOthers) {
  TuningDb db = sample_db();
  db.upsert({"gemm", "fp32", "large", {{"name", "x"}}, {}});
  db.upsert({"gemm", "fp64", "large", {{"name", "y"}}, {}});
  ASSERT_EQ(db.entries.size(), 3u);
  EXPECT_EQ(db.find("gemm", "fp32", "large")->config["name"], "x");
}

TEST(TuningDb, CorruptFilesAreNamedInOneLine) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"schema_version\": 1, \"device_key\": \"k\", \"entries\": [", "not valid JSON"},
      {"[]", "not a JSON object"},
      {"{\"schema_version\": 7, \"device_key\": \"k\", \"entries\": []}", "schema_version 7"},
      {"{\"schema_version\": 1, \"device_key\": \"k\"}", "no entries array"},
      {"{\"schema_version\": 1, \"device_key\": \"k\", \"entries\": [{\"workload\": \"gemm\"}]}", "entry 0"},
  };
  for (const auto& [text, expected] : cases) {
    const auto path = dir / "bad.json";
    std::ofstream(path) << text;
    try {
      load_tuning_db(path.string());
      ADD_FAILURE() << "accepted: " << text;
    } catch (const TuningDbError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path.string()), std::string::npos) << what;
      EXPECT_NE(what.find(expected), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

TEST(TuningApply, UsesTheEntryOfTheCasesShapeClassOnly) {
  test::TempDir dir;
  const DeviceInfo dev = cpu_device();
  save_tuning_db(tuning_db_path(dir.path().string(), tuning_device_key("opencl", dev)), sample_db());
  std::vector<CaseSpec> cases = {gemm_case(2048, 2048, 2048), gemm_case(64, 64, 64)};
  cases.push_back(gemm_case(2048, 2048, 2048));
  cases.back().tier = "vendor";
  std::ostringstream warn;
  apply_tuning(cases, "opencl", dev, dir.path().string(), warn);
  EXPECT_EQ(warn.str(), "");
  ASSERT_TRUE(cases[0].tuning.contains("config"));
  EXPECT_EQ(cases[0].tuning["entry"], "gemm/fp32/large");
  EXPECT_TRUE(cases[1].tuning.is_null());  // small: no entry, the default row
  EXPECT_TRUE(cases[2].tuning.is_null());  // vendor tier: never tuned
  // Another device (same model, other core count) has its own file: nothing applies.
  DeviceInfo other = dev;
  other.compute_units = 64;
  std::vector<CaseSpec> more = {gemm_case(2048, 2048, 2048)};
  apply_tuning(more, "opencl", other, dir.path().string(), warn);
  EXPECT_TRUE(more[0].tuning.is_null());
}

TEST(TuningApply, ACorruptDatabaseWarnsOnceAndFallsBackToDefaults) {
  test::TempDir dir;
  const DeviceInfo dev = cpu_device();
  const std::string path = tuning_db_path(dir.path().string(), tuning_device_key("opencl", dev));
  std::ofstream(path) << "{ not json";
  std::vector<CaseSpec> cases = {gemm_case(2048, 2048, 2048), gemm_case(1024, 1024, 1024)};
  std::ostringstream warn;
  apply_tuning(cases, "opencl", dev, dir.path().string(), warn);
  EXPECT_TRUE(test::one_line(warn.str())) << warn.str();
  EXPECT_NE(warn.str().find(path), std::string::npos);
  for (const auto& c : cases) {
    EXPECT_FALSE(c.tuning.contains("config"));
    EXPECT_EQ(c.tuning["file"], path);
    EXPECT_NE(c.tuning["error"].get<std::string>().find("not valid JSON"), std::string::npos);
  }
}

TEST(TuningKeys, DeviceKeysAreFileNameSafeAndShapeClassesSplitBySize) {
  EXPECT_EQ(tuning_device_key("opencl", cpu_device()), "opencl-pthread-skylake-avx512-intel-r-xeon-r-processor-2cu");
  EXPECT_EQ(tuning_device_key("cuda", gpu_device()), "cuda-nvidia-h200-132cu");
  EXPECT_EQ(gemm_shape_class({64, 64, 64, ""}), "small");
  EXPECT_EQ(gemm_shape_class({1024, 1024, 1024, ""}), "medium");
  EXPECT_EQ(gemm_shape_class({2048, 2048, 2048, ""}), "large");
  EXPECT_EQ(gemm_shape_class({4096, 4096, 64, ""}), "medium");  // by the geometric mean, 1024
  EXPECT_EQ(attention_shape_class(64), "hd64");
  EXPECT_EQ(attention_shape_class(80), "hd128");
  EXPECT_EQ(attention_shape_class(256), "hd256");
}

TEST(TuneSpace, EveryCandidateIsImplementableAndDistinct) {
  for (const DeviceInfo& dev : {cpu_device(), gpu_device()}) {
    for (DType dt : {DType::fp32, DType::fp64}) {
      const auto space = gemm_search_space(dev, dt);
      ASSERT_GT(space.size(), 20u) << dev.name;
      for (std::size_t i = 0; i < space.size(); ++i) {
        const GemmConfig c = gemm_config_from_json(space[i]);
        EXPECT_FALSE(portable_gemm_can_implement(dev, dt, c).has_value()) << space[i].dump();
        if (dev.type == DeviceType::gpu) {
          EXPECT_EQ(c.kernel, GemmKernel::smem_tiled) << "packed_panel is searched on CPUs only";
        }
        for (std::size_t j = 0; j < i; ++j) EXPECT_FALSE(same_tunables(space[i], space[j])) << space[i].dump();
      }
    }
  }
  const AttentionShape shape{1, 8, 8, 1024, 1024, 64, false, ""};
  const auto attention = attention_search_space(cpu_device(), DType::fp32, shape);
  ASSERT_FALSE(attention.empty());
  for (const auto& c : attention)
    EXPECT_FALSE(portable_attention_can_implement(cpu_device(), DType::fp32, shape, attention_config_from_json(c)).has_value());
}

TEST(TuneSpace, ConstraintsRejectWhatTheKernelWouldRefuseToCompile) {
  const DeviceInfo dev = cpu_device();
  GemmConfig c = default_gemm_config(dev, DType::fp32);
  c.tile_m = 100;  // not a multiple of wpt_m = 8
  EXPECT_TRUE(portable_gemm_can_implement(dev, DType::fp32, c).has_value());
  c = default_gemm_config(dev, DType::fp32);
  c.vw = 3;
  EXPECT_TRUE(portable_gemm_can_implement(dev, DType::fp32, c).has_value());
  EXPECT_TRUE(portable_gemm_can_implement(dev, DType::fp16, default_gemm_config(dev, DType::fp32)).has_value());
  AttentionConfig a{"x", 64, 16, 24, 16};  // 24 keys do not split into 16 lanes
  const AttentionShape shape{1, 1, 1, 64, 64, 64, false, ""};
  EXPECT_TRUE(portable_attention_can_implement(dev, DType::fp32, shape, a).has_value());
  a = {"x", 64, 16, 32, 1};
  EXPECT_FALSE(portable_attention_can_implement(dev, DType::fp32, shape, a).has_value());
  a.head_dim = 64;
  const AttentionShape wide{1, 1, 1, 64, 64, 128, false, ""};
  EXPECT_TRUE(portable_attention_can_implement(dev, DType::fp32, wide, a).has_value());  // D above the bound
}

TEST(TuneSpace, NeighboursDifferInExactlyOneTunable) {
  const auto space = gemm_search_space(cpu_device(), DType::fp32);
  const auto around = config_neighbours(space, space.front());
  ASSERT_FALSE(around.empty());
  for (std::size_t i : around) {
    int differing = 0;
    for (auto it = space.front().begin(); it != space.front().end(); ++it)
      if (it.key() != "name" && space[i][it.key()] != it.value()) ++differing;
    EXPECT_EQ(differing, 1) << space[i].dump();
  }
}

}  // namespace
}  // namespace suanli
