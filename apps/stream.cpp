#include "apps/stream.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/clock.hpp"
#include "measure/failover_report.hpp"
#include "measure/sequenced_stream.hpp"
#include "measure/udp_spray.hpp"

namespace vpngw {
namespace {

IpAddress need_address(const std::string& text, const char* what) {
  auto a = IpAddress::parse(text);
  if (!a || a->v6) throw std::invalid_argument(std::string(what) + " \"" + text + "\": an IPv4 address");
  return *a;
}

std::vector<measure::Arrival> read_arrivals(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot open");
  std::vector<measure::Arrival> out;
  measure::Arrival a;
  char comma1, comma2;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    if (ls >> a.seq >> comma1 >> a.sent_ns >> comma2 >> a.received_ns) out.push_back(a);
  }
  return out;
}

// LABEL,ARRIVALS_CSV,SENT,FAULT_NS[,DETECT_NS[,RECOVER_NS]]
measure::FailoverReport run_report(const std::string& spec) {
  std::vector<std::string> f;
  std::stringstream ss(spec);
  for (std::string part; std::getline(ss, part, ',');) f.push_back(part);
  if (f.size() < 4 || f.size() > 6)
    throw std::invalid_argument("--run \"" + spec + "\": LABEL,ARRIVALS,SENT,FAULT_NS[,DETECT_NS[,RECOVER_NS]]");
  std::optional<int64_t> detect, recover;
  if (f.size() >= 5 && !f[4].empty()) detect = std::stoll(f[4]);
  if (f.size() == 6 && !f[5].empty()) recover = std::stoll(f[5]);
  return measure::analyze_failover(f[0], read_arrivals(f[1]), std::stoull(f[2]), std::stoll(f[3]), detect, recover);
}

std::string ms(const std::optional<double>& v) {
  char b[32];
  if (!v) return "-";
  std::snprintf(b, sizeof b, "%.0f", *v);
  return b;
}

}  // namespace

void print_stream_report(const std::vector<std::string>& runs, const std::string& json_path, const std::string& svg_path) {
  std::vector<measure::FailoverReport> reports;
  for (const auto& spec : runs) reports.push_back(run_report(spec));
  std::printf("%-28s %8s %8s %6s %5s %7s %10s %11s %9s %8s\n", "run", "sent", "received", "lost", "dup", "reorder",
              "detect ms", "restore ms", "gap ms", "return");
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : reports) {
    std::printf("%-28s %8llu %8llu %6llu %5llu %7llu %10s %11s %9.0f %8s\n", r.label.c_str(), (unsigned long long)r.sent,
                (unsigned long long)r.received, (unsigned long long)r.lost, (unsigned long long)r.duplicates,
                (unsigned long long)r.reordered, ms(r.detect_ms).c_str(), ms(r.restore_ms).c_str(), r.longest_gap_ms,
                r.lost_on_return ? std::to_string(*r.lost_on_return).c_str() : "-");
    j.push_back(measure::to_json(r));
  }
  if (!json_path.empty()) std::ofstream(json_path) << j.dump(2) << "\n";
  if (!svg_path.empty()) std::ofstream(svg_path) << measure::to_svg(reports);
}

std::function<int()> add_stream_command(CLI::App& app) {
  struct Options {
    std::string to, from, bind = "0.0.0.0", out, stop_file, json, svg;
    uint16_t port = 5201;
    uint32_t pps = 1000;
    double seconds = 10;
    std::vector<std::string> runs;
    uint32_t sources = 1, flows = 1;
    uint64_t max_packets = UINT64_MAX;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("stream", "test traffic: a sequenced UDP stream for failover measurements, a UDP spray for NAT load");
  cmd->require_subcommand(1);
  auto* send = cmd->add_subcommand("send", "send DEST at a steady rate; prints how many were sent");
  send->add_option("--to", o->to, "destination IPv4 address")->required();
  send->add_option("--port", o->port, "destination UDP port");
  send->add_option("--from", o->from, "source address");
  send->add_option("--pps", o->pps, "packets per second");
  send->add_option("--seconds", o->seconds, "duration");
  send->add_option("--stop-file", o->stop_file, "stop early once this file exists");
  auto* recv = cmd->add_subcommand("recv", "record arrivals as CSV: seq,sent_ns,received_ns");
  recv->add_option("--bind", o->bind, "local address");
  recv->add_option("--port", o->port, "UDP port");
  recv->add_option("--seconds", o->seconds, "stop after this long");
  recv->add_option("--stop-file", o->stop_file, "stop early once this file exists");
  recv->add_option("-o,--out", o->out, "CSV file")->required();
  auto* report = cmd->add_subcommand("report", "loss, duplicates, reordering and timing per run; JSON and SVG");
  report->add_option("--run", o->runs, "LABEL,ARRIVALS_CSV,SENT,FAULT_NS[,DETECT_NS[,RECOVER_NS]] (repeat)")->required();
  report->add_option("--json", o->json, "write the runs as JSON");
  report->add_option("--svg", o->svg, "write the picture");
  auto* spray = cmd->add_subcommand("spray", "UDP from many sources and ports as fast as one core sends, to load a NAT; prints sent and seconds");
  spray->add_option("--to", o->to, "destination IPv4 address")->required();
  spray->add_option("--port", o->port, "destination UDP port");
  spray->add_option("--from", o->from, "the first source address")->required();
  spray->add_option("--sources", o->sources, "source addresses from --from on");
  spray->add_option("--flows", o->flows, "flows the packets cycle over (more than are sent: every packet a new flow)");
  spray->add_option("--seconds", o->seconds, "duration");
  spray->add_option("--max-packets", o->max_packets, "stop after this many");
  auto* now = cmd->add_subcommand("now", "print CLOCK_MONOTONIC in ns (the clock the stream uses)");

  return [=]() -> int {
    if (!cmd->parsed()) return -1;
    try {
      if (now->parsed()) {
        std::printf("%lld\n", (long long)monotonic_ns());
      } else if (send->parsed()) {
        std::optional<IpAddress> from;
        if (!o->from.empty()) from = need_address(o->from, "--from");
        const auto r = measure::send_stream(need_address(o->to, "--to"), o->port, from, o->pps, o->seconds, o->stop_file);
        std::printf("%llu %llu\n", (unsigned long long)r.sent, (unsigned long long)r.send_errors);
      } else if (recv->parsed()) {
        const auto r = measure::receive_stream(need_address(o->bind, "--bind"), o->port, o->seconds, o->stop_file);
        std::ofstream out(o->out);
        for (const auto& a : r.arrivals) out << a.seq << ',' << a.sent_ns << ',' << a.received_ns << '\n';
        if (!out) throw std::invalid_argument(o->out + ": cannot write");
        std::printf("%zu arrivals, %llu malformed\n", r.arrivals.size(), (unsigned long long)r.malformed);
      } else if (spray->parsed()) {
        const auto r = measure::spray_udp({need_address(o->to, "--to"), need_address(o->from, "--from"), o->port, o->sources,
                                           o->flows, o->seconds, o->max_packets});
        std::printf("%llu %.3f\n", (unsigned long long)r.sent, r.seconds);
      } else if (report->parsed()) {
        print_stream_report(o->runs, o->json, o->svg);
      }
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "vpngw stream: " << e.what() << "\n";
      return 1;
    }
  };
}

}  // namespace vpngw
