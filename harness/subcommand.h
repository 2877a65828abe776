// Top-level commands beyond devices / chips / run (compare, history, merge, ...), each in
// its own file. A command adds its CLI11 subcommand and options in add_to(); run_cli()
// calls run() on the one the user chose. run() returns the exit code and throws
// UsageError for bad input (one line, exit 2).
#pragma once

#include <memory>
#include <vector>

namespace CLI {
class App;
}

namespace suanli {

class Subcommand {
 public:
  virtual ~Subcommand() = default;
  // Registers the subcommand on app and returns it (options bind to this object's members).
  virtual CLI::App* add_to(CLI::App& app) = 0;
  virtual int run() = 0;
};

// Factories, one per command file; listed in all_subcommands() (cli.cpp).
std::vector<std::unique_ptr<Subcommand>> all_subcommands();
std::unique_ptr<Subcommand> make_compare_command();  // compare_command.cpp
std::unique_ptr<Subcommand> make_history_command();  // history_command.cpp
std::unique_ptr<Subcommand> make_merge_command();    // merge_command.cpp
std::unique_ptr<Subcommand> make_report_command();   // report_command.cpp
std::unique_ptr<Subcommand> make_tune_command();     // tune_command.cpp

}  // namespace suanli
