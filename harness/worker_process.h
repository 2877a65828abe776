// Parent side of a worker: a child process of this same binary with a pipe each way.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace suanli {

class WorkerProcess {
 public:
  // Starts `/proc/self/exe args...`; stderr is inherited. Throws std::runtime_error.
  explicit WorkerProcess(const std::vector<std::string>& args);
  ~WorkerProcess();  // kills the child if it still runs
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Writes one line to the child's stdin; false when the child is gone.
  bool send_line(const std::string& line);
  void close_input();

  enum class ReadStatus { line, eof, timeout };
  // Waits up to `timeout_s` for one line from the child's stdout.
  ReadStatus read_line(std::string& line, double timeout_s);

  void kill_now();
  // Waits for exit; returns a description like "exit code 1" or "killed by signal 9 (Killed)".
  std::string wait_exit();
  int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

}  // namespace suanli
