// The on-disk compile cache shared by the backend plugins (backends/compile_cache.h).
#include "backends/compile_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using suanli::CompileCache;
using suanli::CompileCacheKeyParts;
using suanli::Define;
using suanli::compile_cache_key;

namespace {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "suanli-cache-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct KeyFixture {
  std::vector<Define> defines{{"TILE", "16"}, {"VEC", "4"}};
  std::string backend = "opencl";
  std::string source = "KERNEL void k(GLOBAL float* x) { x[0] = 1; }";
  std::string options = "-cl-std=CL1.2";
  std::string device = "pthread-skylake-avx512";
  std::string driver = "3.1+debian";
  std::string compiler = "OpenCL C 1.2 PoCL";

  CompileCacheKeyParts parts() const {
    CompileCacheKeyParts p;
    p.backend = backend;
    p.source = source;
    p.defines = &defines;
    p.options = options;
    p.device_name = device;
    p.driver_version = driver;
    p.compiler_version = compiler;
    return p;
  }
};

std::vector<unsigned char> sample_binary() {
  std::vector<unsigned char> b;
  for (int i = 0; i < 5000; ++i) b.push_back(static_cast<unsigned char>((i * 131) & 0xff));
  b[10] = 0;  // binaries contain NULs
  return b;
}

std::size_t file_count(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST(CompileCacheKey, IsA128BitHexDigestAndDeterministic) {
  KeyFixture f;
  const std::string key = compile_cache_key(f.parts());
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
  EXPECT_EQ(compile_cache_key(f.parts()), key);
  KeyFixture copy;  // equal content in other storage
  EXPECT_EQ(compile_cache_key(copy.parts()), key);
}

TEST(CompileCacheKey, EveryPartChangesTheKey) {
  const KeyFixture base;
  const std::string base_key = compile_cache_key(base.parts());
  const std::vector<std::pair<const char*, std::function<void(KeyFixture&)>>> changes = {
      {"backend", [](KeyFixture& f) { f.backend = "cuda"; }},
      {"source", [](KeyFixture& f) { f.source += " "; }},
      {"define value", [](KeyFixture& f) { f.defines[0].value = "32"; }},
      {"define name", [](KeyFixture& f) { f.defines[1].name = "VEC2"; }},
      {"define order", [](KeyFixture& f) { std::swap(f.defines[0], f.defines[1]); }},
      {"define added", [](KeyFixture& f) { f.defines.push_back({"EXTRA", ""}); }},
      {"defines removed", [](KeyFixture& f) { f.defines.clear(); }},
      {"options", [](KeyFixture& f) { f.options = "-cl-std=CL2.0"; }},
      {"device", [](KeyFixture& f) { f.device = "pthread-znver3"; }},
      {"driver", [](KeyFixture& f) { f.driver = "3.2"; }},
      {"compiler", [](KeyFixture& f) { f.compiler = "OpenCL C 3.0 PoCL"; }},
  };
  std::set<std::string> seen{base_key};
  for (const auto& [what, change] : changes) {
    KeyFixture f;
    change(f);
    const std::string key = compile_cache_key(f.parts());
    EXPECT_NE(key, base_key) << "changing the " << what << " kept the key";
    EXPECT_TRUE(seen.insert(key).second) << "changing the " << what << " collided with another change";
  }
}

TEST(CompileCacheKey, PartsAreLengthPrefixed) {
  KeyFixture a, b;
  a.backend = "ab";
  a.source = "c";
  b.backend = "a";
  b.source = "bc";
  EXPECT_NE(compile_cache_key(a.parts()), compile_cache_key(b.parts()));

  KeyFixture c, d;  // a define's name/value boundary
  c.defines = {{"AB", "C"}};
  d.defines = {{"A", "BC"}};
  EXPECT_NE(compile_cache_key(c.parts()), compile_cache_key(d.parts()));

  KeyFixture e, g;  // one define vs. two that concatenate to it
  e.defines = {{"A", "B"}, {"C", "D"}};
  g.defines = {{"A", "BCD"}};
  EXPECT_NE(compile_cache_key(e.parts()), compile_cache_key(g.parts()));

  KeyFixture h, i;  // the last parts too
  h.driver = "1";
  h.compiler = "23";
  i.driver = "12";
  i.compiler = "3";
  EXPECT_NE(compile_cache_key(h.parts()), compile_cache_key(i.parts()));
}

TEST(CompileCacheKey, NullDefinesEqualsNoDefines) {
  KeyFixture f;
  f.defines.clear();
  CompileCacheKeyParts with_null = f.parts();
  with_null.defines = nullptr;
  EXPECT_EQ(compile_cache_key(with_null), compile_cache_key(f.parts()));
}

TEST(CompileCache, StoreThenLoadRoundTrips) {
  TempDir dir;
  const CompileCache cache(dir.path() / "nested" / "kernels");  // created on first store
  ASSERT_TRUE(cache.enabled());
  const std::string key = compile_cache_key(KeyFixture{}.parts());
  EXPECT_FALSE(cache.load(key).has_value());

  const std::vector<unsigned char> binary = sample_binary();
  ASSERT_TRUE(cache.store(key, binary));
  const auto loaded = cache.load(key);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, binary);

  // Overwriting replaces the entry; no temp files are left behind.
  const std::vector<unsigned char> other = {1, 2, 3};
  ASSERT_TRUE(cache.store(key, other));
  EXPECT_EQ(cache.load(key).value(), other);
  EXPECT_EQ(file_count(dir.path() / "nested" / "kernels"), 1u);

  // Another key misses; an empty binary round-trips too.
  KeyFixture f;
  f.source = "other";
  const std::string key2 = compile_cache_key(f.parts());
  EXPECT_FALSE(cache.load(key2).has_value());
  ASSERT_TRUE(cache.store(key2, {}));
  EXPECT_EQ(cache.load(key2).value(), std::vector<unsigned char>{});
}

TEST(CompileCache, DamagedEntryIsAMiss) {
  TempDir dir;
  const CompileCache cache(dir.path());
  const std::string key = compile_cache_key(KeyFixture{}.parts());
  ASSERT_TRUE(cache.store(key, sample_binary()));
  ASSERT_EQ(file_count(dir.path()), 1u);
  const fs::path file = fs::directory_iterator(dir.path())->path();

  fs::resize_file(file, fs::file_size(file) - 7);  // truncated by a crash or a full disk
  EXPECT_FALSE(cache.load(key).has_value());

  ASSERT_TRUE(cache.store(key, sample_binary()));
  {
    std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(-100, std::ios::end);
    io.put('\x7f');  // a flipped payload byte
  }
  EXPECT_FALSE(cache.load(key).has_value());

  // A file stored under one key, renamed to another, is not served for it.
  ASSERT_TRUE(cache.store(key, sample_binary()));
  KeyFixture f;
  f.source = "x";
  const std::string key2 = compile_cache_key(f.parts());
  fs::copy_file(file, dir.path() / (key2 + ".bin"));
  EXPECT_FALSE(cache.load(key2).has_value());
}

TEST(CompileCache, KeysThatAreNotFileNamesAreRefused) {
  TempDir dir;
  const CompileCache cache(dir.path() / "c");
  EXPECT_FALSE(cache.store("../escape", {1}));
  EXPECT_FALSE(cache.store("", {1}));
  EXPECT_FALSE(cache.load("../escape").has_value());
  EXPECT_FALSE(fs::exists(dir.path() / "escape.bin"));
}

TEST(CompileCache, DisabledCacheStoresNothing) {
  const CompileCache cache(std::nullopt);
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(cache.dir().has_value());
  const std::string key = compile_cache_key(KeyFixture{}.parts());
  EXPECT_FALSE(cache.store(key, sample_binary()));
  EXPECT_FALSE(cache.load(key).has_value());
}

TEST(CompileCache, UnwritableDirectoryIsNotAnError) {
  TempDir dir;
  const fs::path file = dir.path() / "a-file";
  std::ofstream(file) << "not a directory";
  // A cache "directory" below a regular file can be neither created nor read, even as root.
  const CompileCache cache(file / "kernels");
  const std::string key = compile_cache_key(KeyFixture{}.parts());
  bool stored = true;
  EXPECT_NO_THROW(stored = cache.store(key, sample_binary()));
  EXPECT_FALSE(stored);
  EXPECT_NO_THROW(EXPECT_FALSE(cache.load(key).has_value()));

  if (::geteuid() != 0) {  // root ignores permission bits
    const fs::path locked = dir.path() / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    const CompileCache ro(locked);
    EXPECT_FALSE(ro.store(key, sample_binary()));
    EXPECT_EQ(file_count(locked), 0u);
  }
}

TEST(CompileCache, DirectoryComesFromTheEnvironment) {
  {
    ScopedEnv cache_dir("SUANLI_CACHE_DIR", "off");
    EXPECT_FALSE(CompileCache().enabled());
  }
  {
    ScopedEnv cache_dir("SUANLI_CACHE_DIR", "/tmp/suanli-explicit");
    EXPECT_EQ(CompileCache().dir(), fs::path("/tmp/suanli-explicit"));
  }
  {
    ScopedEnv cache_dir("SUANLI_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", "/tmp/xdg");
    ScopedEnv home("HOME", "/tmp/home");
    EXPECT_EQ(CompileCache().dir(), fs::path("/tmp/xdg/suanli/kernels"));
  }
  {
    ScopedEnv cache_dir("SUANLI_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    ScopedEnv home("HOME", "/tmp/home");
    EXPECT_EQ(CompileCache().dir(), fs::path("/tmp/home/.cache/suanli/kernels"));
  }
  {
    ScopedEnv cache_dir("SUANLI_CACHE_DIR", std::nullopt);
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    ScopedEnv home("HOME", std::nullopt);
    EXPECT_FALSE(CompileCache().enabled());
  }
}
