#include "apps/bench.hpp"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/data_files.hpp"
#include "apps/guarded.hpp"
#include "apps/stream.hpp"
#include "bench/compare/comparison.hpp"
#include "bench/compare/data_paths.hpp"
#include "lab/failover.hpp"
#include "lab/process.hpp"

namespace vpngw {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  bool quick = false, failover = true;
  std::string out;
  std::vector<std::string> paths;
  unsigned reps = 3, seconds = 5;
};

std::string required_data_file(const std::string& relative) {
  const std::string path = find_data_file(relative);
  if (path.empty())
    throw std::runtime_error(relative + " not found next to the binary (PREFIX/share/vpngw) nor in the source tree (set VPNGW_DATA_DIR)");
  return path;
}

// Writes to the terminal and to a file: the tables are the run's record as well as its output.
class Tee : public std::stringbuf {
 public:
  explicit Tee(const fs::path& file) : file_(file) {}
  int sync() override {
    std::cout << str() << std::flush;
    file_ << str() << std::flush;
    str("");
    return 0;
  }

 private:
  std::ofstream file_;
};

int run_bench(BenchOptions b) {
  if (::geteuid() != 0) throw std::runtime_error("vpngw bench: needs root (namespaces)");
  if (b.quick) b.reps = 1, b.seconds = 2;
  if (b.out.empty()) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    b.out = (fs::current_path() / (std::string("vpngw-bench-") + stamp)).string();
  }
  const fs::path out = fs::absolute(b.out);
  fs::create_directories(out);
  const fs::path self = fs::read_symlink("/proc/self/exe");

  bench::ComparisonOptions c;
  c.paths = b.paths;
  c.reps = b.reps;
  c.seconds = b.seconds;
  c.find_data_file = find_data_file;
  c.work = out / "dataplane";
  c.vpngw = self;
  std::cout << "== data plane: no tunnel, vpngw, wireguard-go, OpenVPN, strongSwan (kernel-libipsec), fastd, Nebula; NAT:\n"
               "   vpngw nat, nftables masquerade; Client VPN: vpngw, OpenVPN's server; "
            << c.reps << " x " << c.seconds << " s per test after a first second left out" << std::endl;
  const auto comparison = bench::run_comparison(c, std::cout);
  {
    Tee tee(out / "dataplane.txt");
    std::ostream table(&tee);
    table << "\n";
    bench::print_comparison(comparison, table);
    table.flush();
  }
  std::ofstream(out / "dataplane.json") << bench::comparison_json(comparison).dump(2) << "\n";

  if (b.failover) {
    lab::FailoverSeries series;
    series.methods = b.quick ? std::vector<std::string>{"bfd"} : std::vector<std::string>{"bfd", "bgp"};
    series.faults = {"kill"};
    series.topology = required_data_file("lab/topologies/s2s.toml");
    const fs::path dir = out / "failover";
    std::cout << "\n== failover: the Site-to-Site lab, active endpoint killed, detection by "
              << (b.quick ? "bfd" : "bfd and bgp") << std::endl;
    lab::LabOptions o;
    o.prefix = "bench";
    o.work = dir;
    o.vpngw = self;
    const auto runs = lab::run_failovers(series, o, std::cout);
    std::cout << "\n";
    print_stream_report(runs, (dir / "failover.json").string(), (dir / "failover.svg").string());
  }
  const auto chart = lab::run_in_node("", {"python3", required_data_file("bench/chart.py"), out.string()});
  std::cout << chart.out;
  if (chart.exit_status != 0) throw std::runtime_error("bench/chart.py: " + chart.err);
  std::cout << "\nwritten: " << (out / "bench.json").string() << " " << (out / "bench.svg").string()
            << " (and dataplane.json, dataplane.txt, failover/)\n";
  return 0;
}

}  // namespace

std::function<int()> add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "data plane against no tunnel, wireguard-go, OpenVPN, strongSwan, fastd, Nebula, nftables; failover: table, JSON, picture");
  auto b = std::make_shared<BenchOptions>();
  cmd->footer(
      "Each data path runs in a lab of its own: the tunnels in a two-gateway lab (lab/topologies/bare/two-gateways.toml),\n"
      "the NAT paths in the Client VPN egress lab (client-vpc.toml). iperf3 TCP with 1 and 4 streams and UDP with 64-byte\n"
      "payloads, median [min-max] of the runs and the ratio to vpngw, and the rate per core of the daemons' CPU; the NAT\n"
      "paths' flow rates. Then the Site-to-Site lab's failover with the active endpoint killed. Needs root.\n"
      "Compare numbers only within one run on one machine.");
  cmd->add_flag("--quick", b->quick, "1 run of 2 s per test, failover by BFD only (a smoke run: numbers are rough)");
  cmd->add_option("--out", b->out, "where bench.json, bench.svg, dataplane.* and failover/ go (default ./vpngw-bench-*)");
  cmd->add_flag("!--no-failover", b->failover, "the data plane only");
  cmd->add_option("--paths", b->paths, "only these data paths")->delimiter(',')->check(CLI::IsMember(bench::data_path_names()));
  cmd->add_option("--reps", b->reps, "runs per test")->capture_default_str()->check(CLI::Range(1u, 100u));
  cmd->add_option("--seconds", b->seconds, "seconds measured per run")->capture_default_str()->check(CLI::Range(1u, 600u));
  return [cmd, b]() -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] { return run_bench(*b); });
  };
}

}  // namespace vpngw
