#include "harness/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "harness/case_spec.h"
#include "harness/errors.h"

namespace suanli {
namespace {

// Makes the new directory entry itself durable, not only the file's contents.
void sync_parent_dir(const std::filesystem::path& file) {
  const auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

[[noreturn]] void bad(const std::filesystem::path& path, std::size_t line, const std::string& problem) {
  throw UsageError(path.string() + ":" + std::to_string(line) + ": " + problem);
}

void check_header(const std::filesystem::path& path, const nlohmann::json& h) {
  if (!h.is_object() || h.value("type", "") != "header") bad(path, 1, "not a suanli run journal (no header line)");
  if (!h.contains("journal_version") || !h["journal_version"].is_number_integer())
    bad(path, 1, "header has no journal_version");
  if (h["journal_version"].get<int>() != kJournalVersion)
    bad(path, 1, "journal version " + h["journal_version"].dump() + ", this suanli reads version " + std::to_string(kJournalVersion));
  for (const char* key : {"backend", "out"})
    if (!h.contains(key) || !h[key].is_string()) bad(path, 1, std::string("header has no ") + key);
  if (!h.contains("options") || !h["options"].is_object()) bad(path, 1, "header has no options");
  if (!h.contains("command") || !h["command"].is_array()) bad(path, 1, "header has no command");
  if (!h.contains("devices") || !h["devices"].is_array() || h["devices"].empty()) bad(path, 1, "header has no devices");
  for (const auto& d : h["devices"])
    if (!d.is_object() || !d.contains("id") || !d["id"].is_string() || !d.contains("index") || !d["index"].is_number_integer())
      bad(path, 1, "header: a device without id and index");
  if (!h.contains("cases") || !h["cases"].is_array()) bad(path, 1, "header has no cases");
  for (std::size_t i = 0; i < h["cases"].size(); ++i) {
    try {
      if (case_spec_from_json(h["cases"][i]).id != static_cast<int>(i)) bad(path, 1, "header: case " + std::to_string(i) + " has another id");
    } catch (const nlohmann::json::exception& e) {
      bad(path, 1, "header: case " + std::to_string(i) + " is not a case: " + e.what());
    }
  }
}

}  // namespace

std::filesystem::path journal_path_for(const std::filesystem::path& out) {
  std::filesystem::path p = out;
  p += ".journal.jsonl";
  return p;
}

std::unique_ptr<JournalWriter> JournalWriter::create(const std::filesystem::path& path, const nlohmann::json& header) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      throw UsageError("journal " + path.string() + " exists from an interrupted run: continue it with --resume " + path.string() +
                       ", or delete it");
    throw UsageError("cannot create the journal " + path.string() + ": " + std::strerror(errno));
  }
  std::unique_ptr<JournalWriter> w(new JournalWriter(path, fd));
  w->append(header);
  sync_parent_dir(path);
  return w;
}

std::unique_ptr<JournalWriter> JournalWriter::reopen(const std::filesystem::path& path, std::uint64_t valid_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw UsageError("cannot write the journal " + path.string() + ": " + std::strerror(errno));
  if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw UsageError("cannot cut the torn last line of " + path.string() + ": " + why);
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(path, fd));
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const nlohmann::json& entry) {
  const std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) throw std::runtime_error("journal " + path_.string() + " is closed");
  std::size_t off = 0;
  while (off < line.size()) {
    const ssize_t w = ::write(fd_, line.data() + off, line.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("writing the journal " + path_.string() + ": " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(w);
  }
  if (::fsync(fd_) != 0) throw std::runtime_error("syncing the journal " + path_.string() + ": " + std::strerror(errno));
}

void JournalWriter::remove() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

JournalContents read_journal(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError(path.string() + ": cannot read the journal (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();

  JournalContents out;
  std::set<std::string> device_ids;
  std::set<std::pair<std::string, int>> seen;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      // Killed in the middle of writing this line: it never counted as written.
      out.note = path.string() + ":" + std::to_string(line_no) + ": ignored a truncated last line (" +
                 std::to_string(text.size() - pos) + " bytes; the run was killed while writing it)";
      break;
    }
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) bad(path, line_no, "not valid JSON");
    if (line_no == 1) {
      check_header(path, j);
      out.header = j;
      for (const auto& d : j["devices"]) device_ids.insert(d["id"].get<std::string>());
    } else {
      if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) bad(path, line_no, "an entry without a type");
      if (!j.contains("device") || !j["device"].is_string()) bad(path, line_no, "an entry without a device");
      const std::string device = j["device"].get<std::string>();
      if (!device_ids.count(device)) bad(path, line_no, "device " + device + " is not one of the run's devices");
      const std::string type = j["type"].get<std::string>();
      if (type == "device") {
        if (!j.contains("info") || !j["info"].is_object()) bad(path, line_no, "a device entry without info");
        out.devices.push_back(j);
      } else if (type == "case") {
        if (!j.contains("record") || !j["record"].is_object()) bad(path, line_no, "a case entry without a record");
        const auto& rec = j["record"];
        if (!rec.contains("id") || !rec["id"].is_number_integer()) bad(path, line_no, "a case record without an id");
        const int id = rec["id"].get<int>();
        if (id < 0 || id >= static_cast<int>(out.header["cases"].size()))
          bad(path, line_no, "case id " + std::to_string(id) + " is not one of the run's " + std::to_string(out.header["cases"].size()) + " cases");
        if (!seen.insert({device, id}).second) bad(path, line_no, "case " + std::to_string(id) + " on " + device + " appears twice");
        out.cases.push_back(j);
      } else {
        bad(path, line_no, "unknown entry type '" + type + "'");
      }
    }
    out.valid_bytes = pos;
  }
  if (out.header.is_null()) throw UsageError(path.string() + ":1: no header line (the run was killed before it started?)");
  return out;
}

}  // namespace suanli
