#include "harness/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace suanli {

WorkerProcess::WorkerProcess(const std::vector<std::string>& args) {
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe for the worker: ") + std::strerror(errno));
  // A worker that dies while we write must not kill the parent with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::vector<char*> argv;
  static char exe_name[] = "suanli";
  argv.push_back(exe_name);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("cannot start a worker: ") + std::strerror(errno));
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_ && pid_ > 0) {
    kill_now();
    wait_exit();
  }
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
}

bool WorkerProcess::send_line(const std::string& line) {
  if (to_child_ < 0) return false;
  std::string data = line + "\n";
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t w = write(to_child_, data.data() + off, data.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(w);
  }
  return true;
}

void WorkerProcess::close_input() {
  if (to_child_ >= 0) close(to_child_);
  to_child_ = -1;
}

WorkerProcess::ReadStatus WorkerProcess::read_line(std::string& line, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return ReadStatus::line;
    }
    if (from_child_ < 0) return ReadStatus::eof;
    const auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return ReadStatus::timeout;
    pollfd p{from_child_, POLLIN, 0};
    const int ms = static_cast<int>(std::min(left * 1000.0 + 1.0, 1e9));
    const int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;  // re-checks the deadline
    char chunk[65536];
    const ssize_t got = read(from_child_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      close(from_child_);
      from_child_ = -1;
      if (!buffer_.empty()) {  // a last line without its newline
        line.swap(buffer_);
        buffer_.clear();
        return ReadStatus::line;
      }
      return ReadStatus::eof;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

void WorkerProcess::kill_now() {
  if (pid_ > 0 && !reaped_) ::kill(pid_, SIGKILL);
}

std::string WorkerProcess::wait_exit() {
  if (pid_ <= 0) return "not started";
  int status = 0;
  if (!reaped_) {
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    if (WIFEXITED(status)) {
      exit_code_ = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      exit_code_ = 128 + WTERMSIG(status);
    }
  }
  if (exit_code_ >= 128) {
    const int sig = exit_code_ - 128;
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exit code " + std::to_string(exit_code_);
}

}  // namespace suanli
