// Reading result files back: every malformed input names the file and the problem, and
// case identity ignores the kernel config but not the shape, dtype or device.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "harness/result_file.h"

namespace suanli {
namespace {

nlohmann::json sample_case() {
  return {{"workload", "gemm"},    {"backend", "opencl"},  {"device_name", "dev"},
          {"tier", "portable"},    {"dtype", "fp32"},      {"shape", {{"m", 64}, {"n", 32}, {"k", 16}}},
          {"status", "ok"},        {"hot", false},         {"samples_s", {1e-3, 2e-3}},
          {"kernel", {{"config", {{"name", "a"}}}}}};
}

nlohmann::json sample_doc() { return {{"schema_version", 1}, {"cases", {sample_case()}}}; }

std::string error_of(const nlohmann::json& doc) {
  try {
    validate_result_document(doc, "f.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ResultFile, AcceptsAValidDocumentAndAnyMinorVersion) {
  EXPECT_EQ(validate_result_document(sample_doc(), "f.json").schema_minor, 0);
  auto doc = sample_doc();
  doc["schema_minor"] = 7;
  EXPECT_EQ(validate_result_document(doc, "f.json").schema_minor, 7);
}

TEST(ResultFile, RejectsMalformedDocumentsNamingTheProblem) {
  EXPECT_EQ(error_of(nlohmann::json::array()), "f.json: not a suanli results document (top level is not an object)");
  auto doc = sample_doc();
  doc.erase("schema_version");
  EXPECT_EQ(error_of(doc), "f.json: not a suanli results document (no schema_version)");
  doc = sample_doc();
  doc["schema_version"] = 2;
  EXPECT_EQ(error_of(doc), "f.json: unsupported schema_version 2 (this build reads 1)");
  doc = sample_doc();
  doc["schema_minor"] = -1;
  EXPECT_NE(error_of(doc).find("schema_minor -1"), std::string::npos);
  doc = sample_doc();
  doc["cases"][0].erase("dtype");
  EXPECT_EQ(error_of(doc), "f.json: case 0 has no \"dtype\"");
  doc = sample_doc();
  doc["cases"][0]["samples_s"] = {1e-3, -1};
  EXPECT_NE(error_of(doc).find("samples_s"), std::string::npos);
  doc = sample_doc();
  doc["cases"] = "x";
  EXPECT_EQ(error_of(doc), "f.json: no \"cases\" array");
}

// Found by fuzz.result_json: an "h_kv" of 2 followed by 82 zeros, which JSON parses as a
// double, reached the shape text's int64 conversion (undefined behaviour).
TEST(ResultFile, ShapeMembersMustBeSizesFlagsOrNames) {
  auto doc = sample_doc();
  doc["cases"][0]["shape"]["k"] = nlohmann::json::parse("2" + std::string(82, '0'));
  EXPECT_EQ(error_of(doc), "f.json: case 0: shape \"k\" is 2e+82 (want a size: an integer from 0 to 2^63 - 1)");
  doc["cases"][0]["shape"]["k"] = 16.5;
  EXPECT_NE(error_of(doc).find("shape \"k\" is 16.5 (want a size"), std::string::npos);
  doc["cases"][0]["shape"]["k"] = -1;
  EXPECT_NE(error_of(doc).find("shape \"k\" is -1"), std::string::npos);
  doc["cases"][0]["shape"]["k"] = nlohmann::json(std::uint64_t{1} << 63);
  EXPECT_NE(error_of(doc).find("shape \"k\" is 9223372036854775808"), std::string::npos);
  doc["cases"][0]["shape"]["k"] = INT64_MAX;
  EXPECT_EQ(error_of(doc), "");
  doc = sample_doc();
  doc["cases"][0]["shape"]["causal"] = 1;
  EXPECT_EQ(error_of(doc), "f.json: case 0: shape \"causal\" is 1 (want true or false)");
  doc["cases"][0]["shape"]["causal"] = true;
  doc["cases"][0]["shape"]["op"] = 3;
  EXPECT_EQ(error_of(doc), "f.json: case 0: shape \"op\" is 3 (want an operation's name)");
  doc = sample_doc();
  doc["cases"][0]["hot"] = "yes";
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"hot\" is \"yes\" (want true or false)");
}

// Counters are added up as integers when runs are folded (load_run_set): a float there, or a
// negative count, would be an out-of-range conversion, so the file is refused by name.
TEST(ResultFile, CountersMustBeCountsAndWorkANumber) {
  auto doc = sample_doc();
  doc["cases"][0]["throttled_samples"] = nlohmann::json::parse("2" + std::string(82, '0'));
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"throttled_samples\" is 2e+82 (want a count: an integer from 0 to 2^31 - 1)");
  doc["cases"][0]["throttled_samples"] = nullptr;  // not known: allowed
  EXPECT_EQ(error_of(doc), "");
  doc["cases"][0]["throttled_samples"] = 3;
  doc["cases"][0]["state_reads"] = -2;
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"state_reads\" is -2 (want a count: an integer from 0 to 2^31 - 1)");
  doc["cases"][0]["state_reads"] = INT32_MAX;
  EXPECT_EQ(error_of(doc), "");
  doc["cases"][0]["stats"] = {{"n", 2.5}};
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"stats.n\" is 2.5 (want a count: an integer from 0 to 2^31 - 1)");
  doc["cases"][0]["stats"]["n"] = std::int64_t{INT32_MAX} + 1;
  EXPECT_NE(error_of(doc).find("\"stats.n\" is 2147483648"), std::string::npos);
  doc = sample_doc();
  doc["cases"][0]["flops"] = "x";
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"flops\" is \"x\" (want a number >= 0)");
  doc["cases"][0]["flops"] = 2e9;
  doc["cases"][0]["bytes"] = -1.0;
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"bytes\" is -1.0 (want a number >= 0)");
  doc = sample_doc();
  doc["cases"][0]["energy"] = nullptr;  // no counter: allowed
  EXPECT_EQ(error_of(doc), "");
  doc["cases"][0]["energy"] = {{"joules", 12.5}, {"window_s", "2"}};
  EXPECT_EQ(error_of(doc), "f.json: case 0: energy \"window_s\" is \"2\" (want a number >= 0)");
  doc["cases"][0]["energy"] = {{"window_s", 2.0}};
  EXPECT_EQ(error_of(doc), "f.json: case 0: energy \"joules\" is missing (want a number >= 0)");
  doc["cases"][0]["energy"] = 5;
  EXPECT_EQ(error_of(doc), "f.json: case 0: \"energy\" is 5 (want an object or null)");
  doc = sample_doc();
  doc["schema_version"] = (std::int64_t{1} << 32) + 1;  // not version 1, whatever its low 32 bits
  EXPECT_NE(error_of(doc).find("unsupported schema_version"), std::string::npos);
}

TEST(ResultFile, TruncatedAndMissingFilesNameTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("suanli_rf_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "cut.json").string();
  const std::string text = sample_doc().dump();
  std::ofstream(path) << text.substr(0, text.size() / 2);
  try {
    load_result_file(path);
    ADD_FAILURE() << "truncated file accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": not valid JSON", 0), 0u) << e.what();
  }
  EXPECT_THROW(load_result_file((dir / "absent.json").string()), UsageError);
  std::filesystem::remove_all(dir);
}

TEST(ResultFile, CaseKeyIgnoresKernelConfigButNotIdentity) {
  auto a = sample_case(), b = sample_case();
  b["kernel"]["config"]["name"] = "b";
  b["samples_s"] = {5e-3};
  EXPECT_EQ(case_key(a), case_key(b));
  for (const char* field : {"dtype", "tier", "device_name", "backend", "workload"}) {
    auto c = sample_case();
    c[field] = "other";
    EXPECT_NE(case_key(a), case_key(c)) << field;
  }
  auto c = sample_case();
  c["shape"]["k"] = 17;
  EXPECT_NE(case_key(a), case_key(c));
  c = sample_case();
  c["hot"] = true;
  EXPECT_NE(case_key(a), case_key(c));
  EXPECT_EQ(case_label(a), "gemm fp32 portable 64x32x16 opencl dev");
}

TEST(ResultFile, SamplesOnlyFromOkCases) {
  auto c = sample_case();
  EXPECT_EQ(case_samples(c).size(), 2u);
  c["status"] = "failed";
  EXPECT_TRUE(case_samples(c).empty());
}

}  // namespace
}  // namespace suanli
