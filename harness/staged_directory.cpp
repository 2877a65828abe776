#include "harness/staged_directory.h"

#include <unistd.h>

#include <stdexcept>

#include "harness/errors.h"

namespace suanli {

namespace fs = std::filesystem;

StagedDirectory::StagedDirectory(const fs::path& target, std::string option) {
  if (target.empty()) throw UsageError(option + ": empty path");
  // "DIR/" and "." name the directory itself; the staging directory goes beside it.
  target_ = fs::absolute(target).lexically_normal();
  if (!target_.has_filename()) target_ = target_.parent_path();
  const std::string shown = option + " " + target.string();
  std::error_code ec;
  if (fs::exists(target_, ec) && !fs::is_directory(target_, ec)) throw UsageError(shown + ": not a directory");
  staging_ = target_;
  staging_ += ".tmp." + std::to_string(getpid());
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec))
    throw UsageError(shown + ": cannot write there (" + (ec ? ec.message() : "exists") + ")");
}

StagedDirectory::~StagedDirectory() {
  std::error_code ec;
  if (!committed_) fs::remove_all(staging_, ec);
}

void StagedDirectory::commit() {
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    fs::rename(staging_, target_, ec);
    if (ec) throw std::runtime_error("cannot move " + staging_.string() + " to " + target_.string() + ": " + ec.message());
  } else {
    for (const auto& entry : fs::directory_iterator(staging_)) {
      fs::rename(entry.path(), target_ / entry.path().filename(), ec);
      if (ec) throw std::runtime_error("cannot move " + entry.path().string() + " into " + target_.string() + ": " + ec.message());
    }
    fs::remove_all(staging_, ec);
  }
  committed_ = true;
}

}  // namespace suanli
