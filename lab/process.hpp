// The lab's processes: started in a node, logged to a file, tracked by the PID the start returned
// (never found again by name: this machine runs other work). A lab keeps its processes in
// WORK/processes ("NAME PID" per line) and WORK/NAME.pid; `vpngw lab down` stops them by those.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vpngw::lab {

struct Launch {
  std::string netns;               // the node's namespace (PREFIX-node)
  std::string name;                // what the lab calls it: its log is WORK/NAME.log
  std::vector<std::string> argv;   // argv[0] is looked up in PATH
};

// Starts it in its own session with stdin from /dev/null and stdout and stderr to WORK/NAME.log,
// records its PID, and returns it. Throws when the namespace or the program cannot be entered
// (the child reports exec's errno through a pipe, so a typo fails here, not later).
pid_t start_process(const std::filesystem::path& work, const Launch& launch);

// Replaces this process with argv in the node, as `ip netns exec` does (`vpngw lab exec`).
[[noreturn]] void exec_in_node(const std::string& netns, const std::vector<std::string>& argv);

// A command run to its end in a node (`netns` empty: here), its stdout and stderr kept apart.
struct CommandResult {
  int exit_status = -1;  // 128+N when signal N ended it
  std::string out, err;
};
CommandResult run_in_node(const std::string& netns, const std::vector<std::string>& argv);
// The same, and a std::runtime_error naming the command and quoting its stderr when it fails.
std::string run_in_node_or_throw(const std::string& netns, const std::vector<std::string>& argv);

// Polls `ready` every 100 ms until `limit` (an exception from it counts as "not yet"). A watched
// process (name, PID) that exits meanwhile ends the wait at once with the end of WORK/NAME.log.
void wait_for_ready(std::chrono::milliseconds limit, const std::string& what, const std::function<bool()>& ready,
                    const std::vector<std::pair<std::string, pid_t>>& watched, const std::filesystem::path& work);

// Field N (from 3, the state) of /proc/PID/stat; empty when the process is gone.
std::string stat_field(pid_t pid, int n);
// The PID a WORK/NAME.pid file holds; throws naming the file when it holds none.
pid_t read_pid(const std::filesystem::path& file);

// Whether a child of ours still runs (reaps it if it ended).
bool child_running(pid_t pid);

// SIGTERM to every process WORK/processes lists, then, after `grace`, SIGKILL to those left.
// Forgets them. A PID that is gone is fine.
void stop_processes(const std::filesystem::path& work, std::chrono::milliseconds grace);

}  // namespace vpngw::lab
