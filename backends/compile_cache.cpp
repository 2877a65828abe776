#include "backends/compile_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

namespace suanli {
namespace {

// Bumping this invalidates every cached binary (a change to the key layout or file format).
constexpr std::string_view kKeyFormat = "suanli-compile-cache-v1";
// File header: magic, then the key the file was stored under, then the payload length and a
// payload checksum. A truncated, foreign or bit-rotted file is then a miss, never a binary
// handed to a driver.
constexpr std::string_view kFileMagic = "SUANLIKC1\n";

// Two 64-bit lanes with different offset bases and multipliers, each finished with an
// avalanche, give a 128-bit digest. Not cryptographic: it only has to keep honest inputs
// apart, and a wrong kernel would still be caught by verification.
class Digest128 {
 public:
  void bytes(std::string_view data) {
    for (unsigned char c : data) {
      a_ = (a_ ^ c) * kPrimeA;
      b_ = (b_ ^ c) * kPrimeB;
    }
  }
  // Every variable-length part is preceded by its length, so ("ab", "c") != ("a", "bc").
  void part(std::string_view data) {
    length(data.size());
    bytes(data);
  }
  void length(std::uint64_t n) {
    char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<char>((n >> (8 * i)) & 0xffu);
    bytes(std::string_view(le, sizeof le));
  }
  std::string hex() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::uint64_t lane : {finish(a_), finish(b_)}) {
      for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(lane >> shift) & 0xfu]);
    }
    return out;
  }
  std::uint64_t lane_a() const { return finish(a_); }

 private:
  static std::uint64_t finish(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }
  static constexpr std::uint64_t kPrimeA = 0x00000100000001b3ULL;  // FNV-1a 64
  static constexpr std::uint64_t kPrimeB = 0x9e3779b97f4a7c15ULL;  // odd, so invertible
  std::uint64_t a_ = 0xcbf29ce484222325ULL;                          // FNV-1a 64 basis
  std::uint64_t b_ = 0x84222325cbf29ce4ULL;
};

std::uint64_t payload_checksum(const std::vector<unsigned char>& data) {
  Digest128 d;
  d.bytes(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  return d.lane_a();
}

// Keys become file names; anything but [0-9A-Za-z_-] could escape the directory.
bool is_safe_key(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::optional<std::filesystem::path> cache_dir_from_env() {
  const std::string explicit_dir = env_or_empty("SUANLI_CACHE_DIR");
  if (explicit_dir == "off") return std::nullopt;
  if (!explicit_dir.empty()) return std::filesystem::path(explicit_dir);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const std::string xdg = env_or_empty("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg.front() == '/') return std::filesystem::path(xdg) / "suanli" / "kernels";
  const std::string home = env_or_empty("HOME");
  if (!home.empty()) return std::filesystem::path(home) / ".cache" / "suanli" / "kernels";
  return std::nullopt;
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]))
         << (8 * i);
  }
  return v;
}

std::string header_for(const std::string& key, const std::vector<unsigned char>& binary) {
  std::string h(kFileMagic);
  h += key;
  h.push_back('\n');
  put_u64(h, binary.size());
  put_u64(h, payload_checksum(binary));
  return h;
}

}  // namespace

std::string compile_cache_key(const CompileCacheKeyParts& parts) {
  Digest128 d;
  d.part(kKeyFormat);
  d.part(parts.backend);
  d.part(parts.source);
  if (parts.defines) {
    d.length(parts.defines->size());
    for (const Define& def : *parts.defines) {
      d.part(def.name);
      d.part(def.value);
    }
  } else {
    d.length(0);
  }
  d.part(parts.options);
  d.part(parts.device_name);
  d.part(parts.driver_version);
  d.part(parts.compiler_version);
  return d.hex();
}

CompileCache::CompileCache() : dir_(cache_dir_from_env()) {}

CompileCache::CompileCache(std::optional<std::filesystem::path> dir) : dir_(std::move(dir)) {}

std::optional<std::vector<unsigned char>> CompileCache::load(const std::string& key) const {
  if (!dir_ || !is_safe_key(key)) return std::nullopt;
  try {
    std::ifstream in(*dir_ / (key + ".bin"), std::ios::binary);
    if (!in) return std::nullopt;
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    const std::size_t header_len = kFileMagic.size() + key.size() + 1 + 16;
    if (content.size() < header_len) return std::nullopt;
    if (content.compare(0, kFileMagic.size(), kFileMagic) != 0) return std::nullopt;
    if (content.compare(kFileMagic.size(), key.size(), key) != 0) return std::nullopt;
    if (content[kFileMagic.size() + key.size()] != '\n') return std::nullopt;
    const std::uint64_t size = get_u64(content, header_len - 16);
    const std::uint64_t checksum = get_u64(content, header_len - 8);
    if (size != content.size() - header_len) return std::nullopt;
    std::vector<unsigned char> binary(content.begin() + static_cast<std::ptrdiff_t>(header_len),
                                      content.end());
    if (payload_checksum(binary) != checksum) return std::nullopt;
    return binary;
  } catch (...) {
    return std::nullopt;  // an unreadable cache only costs a compile
  }
}

bool CompileCache::store(const std::string& key, const std::vector<unsigned char>& binary) const {
  if (!dir_ || !is_safe_key(key)) return false;
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp;
  try {
    std::error_code ec;
    std::filesystem::create_directories(*dir_, ec);
    if (ec) return false;
    // Unique per process and call, so concurrent workers never write the same temp file; the
    // rename then publishes a complete file or nothing.
    tmp = *dir_ / (key + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return false;
      const std::string header = header_for(key, binary);
      out.write(header.data(), static_cast<std::streamsize>(header.size()));
      out.write(reinterpret_cast<const char*>(binary.data()), static_cast<std::streamsize>(binary.size()));
      out.close();
      if (!out) {
        std::filesystem::remove(tmp, ec);
        return false;
      }
    }
    std::filesystem::rename(tmp, *dir_ / (key + ".bin"), ec);
    if (ec) {
      std::filesystem::remove(tmp, ec);
      return false;
    }
    return true;
  } catch (...) {
    if (!tmp.empty()) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
    }
    return false;
  }
}

}  // namespace suanli
