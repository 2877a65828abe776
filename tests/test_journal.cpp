// The run journal: what is written is durable line by line, and reading it back accepts a
// torn last line but names the file and line of anything else that is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "harness/case_spec.h"
#include "harness/errors.h"
#include "harness/journal.h"
#include "tests/test_util.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

nlohmann::json header(int case_count) {
  nlohmann::json cases = nlohmann::json::array();
  for (int i = 0; i < case_count; ++i) {
    CaseSpec c;
    c.id = i;
    c.shape.m = c.shape.n = c.shape.k = 64;
    cases.push_back(to_json(c));
  }
  return {{"type", "header"},  {"journal_version", kJournalVersion}, {"created_utc", "2025-01-01T00:00:00Z"},
          {"command", {"run"}}, {"out", "r.json"}, {"options", nlohmann::json::object()}, {"backend", "fake"},
          {"devices", {{{"id", "fake:0"}, {"index", 0}}, {{"id", "fake:1"}, {"index", 1}}}}, {"cases", cases}};
}

nlohmann::json case_line(const std::string& device, int id) {
  return {{"type", "case"}, {"device", device}, {"record", {{"id", id}, {"status", "ok"}}}};
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

std::string error_of(const fs::path& p) {
  try {
    read_journal(p);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Journal, WrittenEntriesReadBack) {
  test::TempDir dir;
  const auto path = journal_path_for(dir / "r.json");
  EXPECT_EQ(path.filename(), "r.json.journal.jsonl");
  {
    auto w = JournalWriter::create(path, header(3));
    w->append({{"type", "device"}, {"device", "fake:1"}, {"info", {{"name", "X"}}}});
    w->append(case_line("fake:1", 2));
    w->append(case_line("fake:0", 0));
  }
  const auto j = read_journal(path);
  EXPECT_EQ(j.header["backend"], "fake");
  ASSERT_EQ(j.cases.size(), 2u);
  EXPECT_EQ(j.cases[0]["record"]["id"], 2);
  EXPECT_EQ(j.devices.size(), 1u);
  EXPECT_FALSE(j.note);
  EXPECT_EQ(j.valid_bytes, fs::file_size(path));
  // Never overwrite the journal of an interrupted run.
  EXPECT_THROW(JournalWriter::create(path, header(3)), UsageError);
}

TEST(Journal, ConcurrentAppendsStayWholeLines) {
  test::TempDir dir;
  const auto path = dir / "j.jsonl";
  auto w = JournalWriter::create(path, header(50));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) w->append(case_line("fake:" + std::to_string(t), i));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(read_journal(path).cases.size(), 100u);
}

TEST(Journal, TornLastLineIsIgnoredWithANoteAndCutOnReopen) {
  test::TempDir dir;
  const auto path = dir / "j.jsonl";
  JournalWriter::create(path, header(3))->append(case_line("fake:0", 0));
  const auto whole = fs::file_size(path);
  const std::string torn = case_line("fake:0", 1).dump();
  write_text(path, slurp(path) + torn.substr(0, torn.size() / 2));

  const auto j = read_journal(path);
  EXPECT_EQ(j.cases.size(), 1u);
  ASSERT_TRUE(j.note);
  EXPECT_NE(j.note->find(path.string() + ":3: ignored a truncated last line"), std::string::npos) << *j.note;
  EXPECT_EQ(j.valid_bytes, whole);

  JournalWriter::reopen(path, j.valid_bytes)->append(case_line("fake:0", 1));
  const auto again = read_journal(path);
  EXPECT_EQ(again.cases.size(), 2u);
  EXPECT_FALSE(again.note);
}

TEST(Journal, CorruptionNamesFileAndLine) {
  test::TempDir dir;
  const auto path = dir / "j.jsonl";
  const std::string head = header(3).dump() + "\n";
  const std::string good = case_line("fake:0", 0).dump() + "\n";
  struct Bad {
    std::string text, line, words;
  };
  const std::vector<Bad> bad = {
      {head + "{not json\n" + good, ":2:", "not valid JSON"},
      {head + good + "[1,2]\n", ":3:", "without a type"},
      {head + good + case_line("fake:0", 0).dump() + "\n", ":3:", "appears twice"},
      {head + case_line("fake:9", 0).dump() + "\n", ":2:", "not one of the run's devices"},
      {head + case_line("fake:1", 3).dump() + "\n", ":2:", "case id 3"},
      {head + R"({"type":"surprise","device":"fake:0"})" + "\n", ":2:", "unknown entry type"},
      {good, ":1:", "no header"},
      {"", ":1:", "no header"},
  };
  for (const auto& b : bad) {
    write_text(path, b.text);
    const std::string e = error_of(path);
    EXPECT_NE(e.find(path.string() + b.line), std::string::npos) << b.text << " -> " << e;
    EXPECT_NE(e.find(b.words), std::string::npos) << b.text << " -> " << e;
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 0) << e;
  }
  nlohmann::json other = header(1);
  other["journal_version"] = kJournalVersion + 1;
  write_text(path, other.dump() + "\n");
  EXPECT_NE(error_of(path).find("journal version"), std::string::npos);
  EXPECT_NE(error_of(dir / "missing.jsonl").find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace suanli
