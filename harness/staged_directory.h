// An output directory written all at once: files go into a staging directory beside the
// target (TARGET.tmp.<pid>), and commit() moves them into TARGET (created if missing;
// files of the same name replaced). Destroyed without commit, the staging directory is
// removed: a failed report leaves nothing behind, not even a half-written one.
#pragma once

#include <filesystem>
#include <string>

namespace suanli {

class StagedDirectory {
 public:
  // Throws UsageError (naming `option`) when the target is a file, or its parent
  // directory is missing or not writable.
  explicit StagedDirectory(const std::filesystem::path& target, std::string option = "--out");
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  const std::filesystem::path& staging() const { return staging_; }
  const std::filesystem::path& target() const { return target_; }
  void commit();  // throws std::runtime_error

 private:
  std::filesystem::path target_, staging_;
  bool committed_ = false;
};

}  // namespace suanli
