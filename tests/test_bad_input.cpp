// The bad-input catalogue: every row of the table in docs/BAD_INPUT.md is run through the
// suanli binary and must give exit code 2, exactly one line on stderr that starts with
// "suanli: " and contains the row's expected text, and no output: the output directory the
// row writes into stays empty. The doc is the test's data, so the two cannot drift apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;
using test::run_suanli;
using test::TempDir;

struct Row {
  int line = 0;
  std::string id, what, command, env, expected;
};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A cell's content without its `code` quotes.
std::string unquote(std::string cell) {
  cell = trim(cell);
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`') cell = cell.substr(1, cell.size() - 2);
  return cell;
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {  // skip the leading '|'
    const char c = line[i];
    if (c == '`') in_code = !in_code;
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (c == '|' && !in_code) {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  return cells;
}

std::vector<Row> catalogue() {
  std::ifstream in(std::string(SUANLI_TEST_SOURCE_DIR) + "/docs/BAD_INPUT.md");
  std::vector<Row> rows;
  std::string line;
  bool inside = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find("<!-- catalogue:begin -->") != std::string::npos) inside = true;
    if (line.find("<!-- catalogue:end -->") != std::string::npos) inside = false;
    if (!inside || line.rfind("| ", 0) != 0 || line.rfind("| #", 0) == 0) continue;
    const auto cells = split_cells(line);
    if (cells.size() < 5) {
      ADD_FAILURE() << "docs/BAD_INPUT.md:" << number << ": row has " << cells.size() << " cells, want 5";
      continue;
    }
    rows.push_back({number, trim(cells[0]), trim(cells[1]), unquote(cells[2]), unquote(cells[3]), unquote(cells[4])});
  }
  return rows;
}

// Whitespace-separated words; 'single quotes' keep spaces inside one word.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  bool quoted = false, any = false;
  for (char c : text) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if ((c == ' ' || c == '\t') && !quoted) {
      if (any) out.push_back(word);
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) out.push_back(word);
  return out;
}

std::string substitute(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [key, value] : vars) {
    for (std::size_t pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos + value.size()))
      s.replace(pos, key.size(), value);
  }
  return s;
}

TEST(BadInputCatalogue, HasAtLeastFortyRowsWithUniqueIds) {
  const auto rows = catalogue();
  EXPECT_GE(rows.size(), 40u);
  std::map<std::string, int> seen;
  for (const auto& r : rows) EXPECT_EQ(seen[r.id]++, 0) << "duplicate id " << r.id;
}

TEST(BadInputCatalogue, EveryRowIsOneLineExitTwoAndNoOutput) {
  const std::string fixtures = std::string(SUANLI_TEST_SOURCE_DIR) + "/tests/fixtures/bad_input";
  for (const Row& row : catalogue()) {
    SCOPED_TRACE("docs/BAD_INPUT.md:" + std::to_string(row.line) + " row " + row.id + " (" + row.what + ")");
    TempDir dir;
    const fs::path out_dir = dir / "out";
    fs::create_directories(out_dir);
    const std::map<std::string, std::string> vars = {
        {"{out}", (out_dir / "r.json").string()}, {"{outdir}", out_dir.string()}, {"{fx}", fixtures}};
    std::map<std::string, std::string> env = {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR},
                                              {"SUANLI_CACHE_DIR", (dir / "cache").string()},
                                              {"SUANLI_HISTORY_DB", (out_dir / "history.sqlite").string()}};
    for (const auto& word : words_of(substitute(row.env, vars))) {
      const auto eq = word.find('=');
      ASSERT_NE(eq, std::string::npos) << "env cell word '" << word << "' is not NAME=VALUE";
      env[word.substr(0, eq)] = word.substr(eq + 1);
    }
    const auto r = run_suanli(words_of(substitute(row.command, vars)), env);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("suanli: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr must be exactly one line:\n" << r.err;
    EXPECT_NE(r.err.find(substitute(row.expected, vars)), std::string::npos)
        << "stderr: " << r.err << "want: " << row.expected;
    std::vector<std::string> left;
    for (const auto& entry : fs::recursive_directory_iterator(out_dir)) left.push_back(entry.path().string());
    EXPECT_TRUE(left.empty()) << "left behind: " << (left.empty() ? "" : left.front());
  }
}

// The good path of --shape-file, so the catalogue's shape-file rows are not the only use:
// every line becomes a case, with its label, verified on PoCL.
TEST(ShapeFileRun, EveryLineIsACase) {
  TempDir dir;
  std::ofstream(dir / "shapes.txt") << "# two small gemms\n8x8x8\n16x8x4 name=thin  # a label\n";
  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape-file", (dir / "shapes.txt").string(),
                             "--min-samples", "3", "--max-time", "0.1", "--out", (dir / "r.json").string()},
                            {{"SUANLI_CACHE_DIR", (dir / "cache").string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cases = test::read_json(dir / "r.json")["cases"];
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[1]["shape"]["m"], 16);
  EXPECT_EQ(cases[1]["shape"]["k"], 4);
  EXPECT_EQ(cases[1]["shape_label"], "thin");
  for (const auto& c : cases) EXPECT_EQ(c["status"], "ok");
}

}  // namespace
}  // namespace suanli
