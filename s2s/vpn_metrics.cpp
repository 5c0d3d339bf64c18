#include "s2s/vpn_metrics.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace vpngw::s2s {
namespace {

// Label values escape backslash, quote and newline (exposition format 0.0.4).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string render_vpn_metrics(const nlohmann::json& s) {
  struct Metric {
    const char* name;
    const char* key;
    const char* type;
    const char* help;
  };
  static constexpr Metric kMetrics[] = {
      {"aws_vpn_tunnel_state", "TunnelState", "gauge", "TunnelState: 1 when the tunnel's BGP session is established (IPsec up for static VPNs)"},
      {"aws_vpn_tunnel_data_in_bytes_total", "TunnelDataIn", "counter", "TunnelDataIn: bytes received through the tunnel, after decryption"},
      {"aws_vpn_tunnel_data_out_bytes_total", "TunnelDataOut", "counter", "TunnelDataOut: bytes sent through the tunnel, before encryption"},
  };
  std::ostringstream os;
  const std::string gateway = s.value("name", "");
  for (const auto& m : kMetrics) {
    os << "# HELP " << m.name << " " << m.help << "\n# TYPE " << m.name << " " << m.type << "\n";
    if (!s.contains("tunnels")) continue;
    for (const auto& t : s["tunnels"]) {
      if (t.value("kind", "") == "dx_vif") continue;  // the Direct Connect endpoint reports its VIFs (AWS/DX)
      os << m.name << "{gateway=\"" << label(gateway) << "\",tunnel=\"" << label(t.value("name", ""))
         << "\",tunnel_ip_address=\"" << label(t.value("tunnel_ip_address", "")) << "\"} "
         << t.value(m.key, uint64_t(0)) << "\n";
    }
  }
  os << "# HELP vpngw_gateway_route_changes_total Kernel route changes the gateway router made\n"
     << "# TYPE vpngw_gateway_route_changes_total counter\n"
     << "vpngw_gateway_route_changes_total{gateway=\"" << label(gateway) << "\"} " << s.value("route_changes", uint64_t(0)) << "\n";
  return os.str();
}

}  // namespace vpngw::s2s
