#include "measure/failover_report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_set>

namespace vpngw::measure {

FailoverReport analyze_failover(std::string label, const std::vector<Arrival>& arrivals, uint64_t sent, int64_t fault_ns,
                                std::optional<int64_t> detect_ns, std::optional<int64_t> recover_ns) {
  FailoverReport r;
  r.label = std::move(label);
  r.sent = sent;
  r.fault_ns = fault_ns;
  if (detect_ns) r.detect_ms = double(*detect_ns - fault_ns) / 1e6;
  std::unordered_set<uint64_t> seen;
  uint64_t highest = 0;
  bool any = false;
  int64_t last_arrival = 0;
  for (const auto& a : arrivals) {  // in arrival order
    if (a.seq >= sent) continue;    // not from this stream
    if (!seen.insert(a.seq).second) {
      ++r.duplicates;
      continue;
    }
    if (any && a.seq < highest) ++r.reordered;
    highest = any ? std::max(highest, a.seq) : a.seq;
    any = true;
    // Restored when the longest silence after the fault ends with a packet sent after it (a
    // stopped endpoint may later release packets it held: those arrive late, not restored).
    if (a.received_ns > fault_ns) {
      const int64_t from = std::max(last_arrival, fault_ns);
      const double gap = double(a.received_ns - from) / 1e6;
      if (gap > r.longest_gap_ms) {
        r.longest_gap_ms = gap;
        if (a.sent_ns >= fault_ns) r.restore_ms = double(a.received_ns - fault_ns) / 1e6;
      }
      if (!r.restore_ms && a.sent_ns >= fault_ns) r.restore_ms = double(a.received_ns - fault_ns) / 1e6;
    }
    last_arrival = std::max(last_arrival, a.received_ns);
  }
  r.received = seen.size();
  r.lost = sent - r.received;
  if (recover_ns && arrivals.size() >= 2) {
    // The stream is paced: the sequence number sent at recover_ns follows from the send times of
    // the first and last arrivals, and every number from there on counts.
    const Arrival* lo = &arrivals.front();
    const Arrival* hi = &arrivals.front();
    for (const auto& a : arrivals) {
      if (a.seq >= sent) continue;
      if (a.seq < lo->seq) lo = &a;
      if (a.seq > hi->seq) hi = &a;
    }
    if (hi->seq > lo->seq) {
      const double period = double(hi->sent_ns - lo->sent_ns) / double(hi->seq - lo->seq);
      const double offset = double(*recover_ns - lo->sent_ns) / period;
      const uint64_t first = offset <= 0 ? lo->seq : std::min<uint64_t>(sent, lo->seq + uint64_t(offset + 0.999));
      uint64_t got = 0;
      for (uint64_t s : seen) got += s >= first;
      r.lost_on_return = (sent - first) - got;
    }
  }
  // Bins from 1 s before the fault to 1 s after the restoration (or the last arrival).
  r.bins_start_ns = fault_ns - 1'000'000'000;
  const int64_t end = r.restore_ms ? fault_ns + int64_t(*r.restore_ms * 1e6) + 1'000'000'000 : last_arrival;
  if (end > r.bins_start_ns) r.bins.assign(size_t((end - r.bins_start_ns) / FailoverReport::kBinNs + 1), 0);
  for (const auto& a : arrivals) {
    if (a.received_ns < r.bins_start_ns || a.received_ns > end) continue;
    ++r.bins[size_t((a.received_ns - r.bins_start_ns) / FailoverReport::kBinNs)];
  }
  return r;
}

nlohmann::json to_json(const FailoverReport& r) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"label", r.label},           {"sent", r.sent},
          {"received", r.received},     {"lost", r.lost},
          {"duplicates", r.duplicates}, {"reordered", r.reordered},
          {"detect_ms", opt(r.detect_ms)}, {"restore_ms", opt(r.restore_ms)},
          {"lost_on_return", r.lost_on_return ? nlohmann::json(*r.lost_on_return) : nlohmann::json(nullptr)},
          {"longest_gap_ms", r.longest_gap_ms}, {"bin_ms", FailoverReport::kBinNs / 1'000'000},
          {"bins_start_ms_from_fault", double(r.bins_start_ns - r.fault_ns) / 1e6}, {"delivered_per_bin", r.bins}};
}

std::string to_svg(const std::vector<FailoverReport>& reports) {
  const int width = 900, panel = 150, top = 30, left = 60, plot_w = width - left - 20;
  std::ostringstream s;
  const int height = top + int(reports.size()) * panel + 10;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\" font-size=\"14\">Packets delivered per 10 ms around the fault "
    << "(red: fault, orange: detected)</text>\n";
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    const int y0 = top + int(i) * panel, plot_h = panel - 40;
    const uint32_t peak = std::max<uint32_t>(1, r.bins.empty() ? 1 : *std::max_element(r.bins.begin(), r.bins.end()));
    const double bw = r.bins.empty() ? 1 : double(plot_w) / double(r.bins.size());
    char head[256];
    std::snprintf(head, sizeof head, "%s: lost %llu, restored %s ms, detected %s ms", r.label.c_str(),
                  (unsigned long long)r.lost, r.restore_ms ? std::to_string(int64_t(*r.restore_ms)).c_str() : "never",
                  r.detect_ms ? std::to_string(int64_t(*r.detect_ms)).c_str() : "?");
    std::string escaped;
    for (char c : std::string(head)) escaped += c == '<' ? "&lt;" : c == '&' ? "&amp;" : std::string(1, c);
    s << "<text x=\"" << left << "\" y=\"" << y0 + 14 << "\">" << escaped << "</text>\n";
    s << "<line x1=\"" << left << "\" y1=\"" << y0 + 20 + plot_h << "\" x2=\"" << left + plot_w << "\" y2=\""
      << y0 + 20 + plot_h << "\" stroke=\"#444\"/>\n";
    s << "<text x=\"" << left - 6 << "\" y=\"" << y0 + 30 << "\" text-anchor=\"end\">" << peak << "</text>\n";
    for (size_t b = 0; b < r.bins.size(); ++b) {
      if (!r.bins[b]) continue;
      const double h = double(r.bins[b]) / peak * plot_h;
      s << "<rect x=\"" << left + b * bw << "\" y=\"" << y0 + 20 + plot_h - h << "\" width=\"" << std::max(bw, 1.0)
        << "\" height=\"" << h << "\" fill=\"#3572b0\"/>\n";
    }
    auto mark = [&](double ms, const char* colour) {
      const double x = left + (ms * 1e6 - double(r.bins_start_ns - r.fault_ns)) / FailoverReport::kBinNs * bw;
      s << "<line x1=\"" << x << "\" y1=\"" << y0 + 20 << "\" x2=\"" << x << "\" y2=\"" << y0 + 20 + plot_h
        << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n";
    };
    mark(0, "red");
    if (r.detect_ms) mark(*r.detect_ms, "orange");
    s << "<text x=\"" << left << "\" y=\"" << y0 + panel - 4 << "\" fill=\"#666\">-1 s</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace vpngw::measure
