#include "apps/ctl.hpp"

#include <cstdio>
#include <chrono>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "runtime/management_server.hpp"

namespace vpngw {
namespace {

std::string duration(const nlohmann::json& seconds) {
  if (!seconds.is_number()) return "-";
  const int64_t s = seconds.get<int64_t>();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
  return buf;
}

}  // namespace

void print_summary(const nlohmann::json& j) {
  std::printf("BGP AS %s, router ID %s, %s prefixes in the Loc-RIB\n\n", j["asn"].dump().c_str(),
              j["router_id"].get<std::string>().c_str(), j["loc_rib_prefixes"].dump().c_str());
  std::printf("%-16s %-11s %-12s %-9s %9s %9s %6s %6s  %s\n", "Neighbor", "AS", "State", "Up", "Announced",
              "Accepted", "Sent", "Flaps", "Last error");
  for (const auto& n : j["neighbors"]) {
    std::string state = n["state"];
    if (n.value("idle_after_max_prefix", false)) state = "Idle(PfxCt)";
    std::printf("%-16s %-11s %-12s %-9s %9s %9s %6s %6s  %s\n", n["address"].get<std::string>().c_str(),
                n["remote_asn"].dump().c_str(), state.c_str(), duration(n["uptime_s"]).c_str(),
                n["prefixes_announced_total"].dump().c_str(), n["prefixes_accepted"].dump().c_str(),
                n["prefixes_exported"].dump().c_str(), n["flaps"].dump().c_str(),
                n["last_error"].get<std::string>().c_str());
  }
}

namespace {

void print_routes(const nlohmann::json& j) {
  std::printf("%-3s %-20s %-16s %-14s %-12s %-10s %-6s %s\n", "", "Prefix", "Next hop", "Neighbor", "Tunnel",
              "Origin", "MED", "AS path / communities");
  for (const auto& r : j["routes"]) {
    for (const auto& p : r["paths"]) {
      std::string tail = p["as_path"];
      for (const auto& c : p["communities"]) tail += " [" + c.get<std::string>() + "]";
      std::printf("%-3s %-20s %-16s %-14s %-12s %-10s %-6s %s\n", p["best"].get<bool>() ? "*>" : "*",
                  r["prefix"].get<std::string>().c_str(), p["next_hop"].get<std::string>().c_str(),
                  p["neighbor"].get<std::string>().c_str(), p["tunnel"].get<std::string>().c_str(),
                  p["origin"].get<std::string>().c_str(), p["med"].is_null() ? "-" : p["med"].dump().c_str(),
                  tail.c_str());
    }
  }
  const size_t shown = j["routes"].size();
  if (j["total"].get<size_t>() > shown) std::printf("(%zu of %s prefixes shown; --limit raises it)\n", shown, j["total"].dump().c_str());
}

}  // namespace

// One line per IKE-keyed tunnel, in AWS's state words, then each tunnel's recent IKE log.
void print_ike(const nlohmann::json& j, bool with_log) {
  std::printf("%-12s %-16s %-12s %-12s %-10s %-10s %6s %6s\n", "Tunnel", "Peer", "Phase1", "Phase2", "SPI in",
              "SPI out", "Rekeys", "DPD");
  for (const auto& t : j["tunnels"]) {
    const auto child = t.value("child_sa", nlohmann::json::object());
    std::printf("%-12s %-16s %-12s %-12s %-10s %-10s %6s %6s\n", t["name"].get<std::string>().c_str(),
                t["peer"].get<std::string>().c_str(), t["TunnelIKEPhase1State"].get<std::string>().c_str(),
                t["TunnelIKEPhase2State"].get<std::string>().c_str(), child.value("spi_in", "-").c_str(),
                child.value("spi_out", "-").c_str(), t["child_sa_rekeys"].dump().c_str(), t["dpd_timeouts"].dump().c_str());
  }
  for (const auto& t : j["tunnels"]) {
    if (!with_log) break;
    std::printf("\n%s:\n", t["name"].get<std::string>().c_str());
    for (const auto& line : t["log"]) std::printf("  %s\n", line.get<std::string>().c_str());
  }
}

// The AWS gateway's view (vpngw s2s vgw): CloudWatch's per-tunnel metrics and its routes.
void print_vgw(const nlohmann::json& j) {
  std::printf("%s (%s)\n", j.value("name", "").c_str(), j.value("kind", "").c_str());
  std::printf("%-18s %-11s %-6s %-6s %-11s %14s %14s %7s\n", "tunnel", "TunnelState", "ipsec", "bgp", "answering",
              "TunnelDataIn", "TunnelDataOut", "routes");
  for (const auto& t : j["tunnels"])
    std::printf("%-18s %-11d %-6s %-6s %-11s %14llu %14llu %7zu\n", t.value("name", "").c_str(), t.value("TunnelState", 0),
                t.value("ipsec_up", false) ? "up" : "down", t.value("bgp_up", false) ? "up" : "down",
                t.value("reachable", false) ? "yes" : "no", (unsigned long long)t.value("TunnelDataIn", uint64_t(0)),
                (unsigned long long)t.value("TunnelDataOut", uint64_t(0)), t.value("routes_learned", size_t(0)));
  std::printf("\nroutes towards on-prem:\n");
  for (const auto& r : j["routes"]) {
    std::string via;
    for (const auto& v : r["via"]) via += (via.empty() ? "" : " + ") + v.get<std::string>();
    std::printf("  %-20s via %s\n", r.value("prefix", "").c_str(), via.c_str());
  }
}

// AWS's end of Direct Connect (vpngw dx serve): connections with CloudWatch's AWS/DX view, VIFs
// with their BGP state and the routes the Direct Connect gateway learned on each.
void print_dx(const nlohmann::json& j) {
  std::printf("%s: Direct Connect, AWS-side ASN %s\n\n", j.value("name", "").c_str(), j["amazon_side_asn"].dump().c_str());
  std::printf("%-14s %-6s %-9s %-10s %-6s %12s %12s %10s %10s %9s\n", "connection", "device", "type", "bandwidth", "state",
              "BpsIngress", "BpsEgress", "PpsIngress", "PpsEgress", "policed");
  for (const auto& c : j["connections"]) {
    const auto& k = c["counters"];
    std::printf("%-14s %-6s %-9s %-10s %-6s %12.0f %12.0f %10.0f %10.0f %9llu\n", c.value("id", "").c_str(), c.value("device", "").c_str(),
                c.value("type", "").c_str(), c.value("bandwidth", "").c_str(), c.value("ConnectionState", 0) ? "up" : "down",
                c.value("ConnectionBpsIngress", 0.0), c.value("ConnectionBpsEgress", 0.0), c.value("ConnectionPpsIngress", 0.0),
                c.value("ConnectionPpsEgress", 0.0),
                (unsigned long long)(k.value("drop_policed_from_link", uint64_t(0)) + k.value("drop_policed_to_link", uint64_t(0))));
  }
  std::printf("\n%-14s %-8s %-14s %5s %-10s %-12s %-19s %-19s %6s %6s %12s %12s\n", "VIF", "type", "connection", "VLAN", "state", "BGP",
              "amazon", "customer", "pfx in", "out", "bytes in", "bytes out");
  for (const auto& v : j["vifs"])
    std::printf("%-14s %-8s %-14s %5s %-10s %-12s %-19s %-19s %6s %6s %12llu %12llu\n", v.value("id", "").c_str(), v.value("type", "").c_str(),
                v.value("connection", "").c_str(), v["vlan"].dump().c_str(), v.value("state", "").c_str(),
                v.value("bgp_state", "").c_str(), v.value("amazon_address", "").c_str(), v.value("customer_address", "").c_str(),
                v["prefixes_accepted"].dump().c_str(), v["prefixes_exported"].dump().c_str(),
                (unsigned long long)v.value("bytes_in", uint64_t(0)), (unsigned long long)v.value("bytes_out", uint64_t(0)));
  std::printf("\nDirect Connect gateway routes (learned on the VIFs):\n");
  for (const auto& v : j["vifs"])
    for (const auto& r : v.value("routes", nlohmann::json::array())) std::printf("  %-34s from %s\n", r.get<std::string>().c_str(), v.value("id", "").c_str());
}

namespace {

// Starts a tunnel replacement and prints its steps until it ends.
int follow_replacement(const std::string& path, const nlohmann::json& req) {
  nlohmann::json answer = management_request(path, req);
  size_t printed = 0;
  while (true) {
    if (answer.contains("error")) {
      std::cerr << "vpngw ctl: " << answer["error"].get<std::string>() << "\n";
      return 1;
    }
    const auto& m = answer["maintenance"];
    for (; printed < m["log"].size(); ++printed) std::printf("%s\n", m["log"][printed].get<std::string>().c_str());
    std::fflush(stdout);
    const std::string phase = m.value("phase", "");
    if (phase == "done") return 0;
    if (phase == "failed") return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    answer = management_request(path, {{"command", "vgw"}});
  }
}

}  // namespace

void print_connections(const nlohmann::json& a) {
  std::printf("%s: %zu connection(s)\n", a.value("ClientVpnEndpointId", "").c_str(), a["Connections"].size());
  std::printf("%-34s %-10s %-14s %-12s %-15s %-22s %12s %12s\n", "ConnectionId", "Status", "CommonName", "Group",
              "ClientIp", "DeviceIp", "IngressBytes", "EgressBytes");
  for (const auto& c : a["Connections"]) {
    std::printf("%-34s %-10s %-14s %-12s %-15s %-22s %12llu %12llu\n", c.value("ConnectionId", "").c_str(),
                c.value("Status", "").c_str(), c.value("CommonName", "").c_str(), c.value("Group", "").c_str(),
                c.value("ClientIp", "").c_str(), c.value("DeviceIp", "").c_str(),
                (unsigned long long)c.value("IngressBytes", uint64_t(0)),
                (unsigned long long)c.value("EgressBytes", uint64_t(0)));
  }
}

std::function<int()> add_ctl_command(CLI::App& app) {
  struct Options {
    std::string socket, gateway = "vpngw", neighbor, med, vif;
    bool json = false;
    size_t limit = 1000;
  };
  auto opt = std::make_shared<Options>();
  auto* ctl = app.add_subcommand("ctl", "ask a running gateway (management socket, root only)");
  ctl->add_option("-s,--socket", opt->socket, "management socket path (default /run/vpngw/<gateway>.sock)");
  ctl->add_option("-g,--gateway", opt->gateway, "gateway name, for the default socket path");
  ctl->add_flag("--json", opt->json, "print the JSON answer");
  ctl->require_subcommand(1);
  auto* stats = ctl->add_subcommand("stats", "counters, tunnels, FIB and BGP state");
  auto* ike = ctl->add_subcommand("ike", "IKE tunnels: phase 1/2 states, SPIs, rekeys, DPD, recent log");
  auto* esp_sa = ctl->add_subcommand("ike-esp-sa", "Wireshark's ESP SA table (keys included) for the recent Child SAs");
  esp_sa->add_option("tunnel", opt->neighbor, "only this tunnel (default: all)");
  auto* endpoint_state = ctl->add_subcommand("endpoint-state", "what a gateway reports to the VGW/TGW router (versioned JSON)");
  auto* vgw = ctl->add_subcommand("vgw", "an AWS gateway router (vpngw s2s vgw): TunnelState, TunnelDataIn/Out, routes");
  auto* tunnel = ctl->add_subcommand("tunnel", "AWS-side tunnel operations (on a vpngw s2s vgw socket)");
  auto* replace = tunnel->add_subcommand("replace", "replace a tunnel endpoint as AWS maintenance does: steer by MED, drain, restart");
  replace->add_option("tunnel", opt->neighbor, "tunnel endpoint name, e.g. vpn-1-tunnel1")->required();
  endpoint_state->add_option("--vif", opt->vif, "a Direct Connect VIF's (on a vpngw dx serve socket)");
  tunnel->require_subcommand(1);
  auto* dx = ctl->add_subcommand("dx", "Direct Connect (on a vpngw dx serve socket): connections, VIFs, BGP, the DX gateway's routes");
  auto* vif = ctl->add_subcommand("vif", "Direct Connect VIF operations (on a vpngw dx serve socket)");
  auto* vif_down = vif->add_subcommand("down", "delete the VIF as AWS would: Cease, and nothing crosses its VLAN");
  auto* vif_up = vif->add_subcommand("up", "bring a deleted VIF back");
  vif->require_subcommand(1);
  vif_down->add_option("vif", opt->neighbor, "the VIF's id, e.g. dxvif-a")->required();
  vif_up->add_option("vif", opt->neighbor, "the VIF's id, e.g. dxvif-a")->required();
  auto* bfd = ctl->add_subcommand("bfd", "BFD sessions");
  auto* connections = ctl->add_subcommand("connections", "Client VPN connections (on a vpngw clientvpn serve socket)");
  auto* disconnect = ctl->add_subcommand("disconnect", "terminate a Client VPN connection");
  disconnect->add_option("connection_id", opt->neighbor, "cvpn-connection-... (see ctl connections)")->required();
  auto* bgp = ctl->add_subcommand("bgp", "BGP sessions and routes");
  bgp->require_subcommand(1);
  auto* summary = bgp->add_subcommand("summary", "one line per neighbour");
  auto* routes = bgp->add_subcommand("routes", "Loc-RIB routes with their attributes");
  routes->add_option("--limit", opt->limit, "print at most this many prefixes");
  auto* reset = bgp->add_subcommand("reset", "restart a session, or leave Idle after a max-prefix trip");
  reset->add_option("neighbor", opt->neighbor, "neighbour name or address")->required();
  auto* med = bgp->add_subcommand("med", "the MED announced to a neighbour from now on (announced again at once)");
  med->add_option("neighbor", opt->neighbor, "neighbour name")->required();
  med->add_option("value", opt->med, "0-4294967295, or none to announce no MED")->required();

  return [=]() -> int {
    if (!ctl->parsed()) return -1;
    const std::string path = opt->socket.empty() ? ManagementServer::default_path(opt->gateway) : opt->socket;
    nlohmann::json req;
    if (stats->parsed()) req = {{"command", "stats"}};
    else if (ike->parsed()) req = {{"command", "ike"}};
    else if (vgw->parsed()) req = {{"command", "vgw"}};
    else if (endpoint_state->parsed()) {
      req = {{"command", "endpoint state"}};
      if (!opt->vif.empty()) req["vif"] = opt->vif;
    }
    else if (dx->parsed()) req = {{"command", "dx"}};
    else if (vif_down->parsed()) req = {{"command", "vif down"}, {"vif", opt->neighbor}};
    else if (vif_up->parsed()) req = {{"command", "vif up"}, {"vif", opt->neighbor}};
    else if (bfd->parsed()) req = {{"command", "bfd"}};
    else if (summary->parsed()) req = {{"command", "bgp summary"}};
    else if (routes->parsed()) req = {{"command", "bgp routes"}, {"limit", opt->limit}};
    else if (reset->parsed()) req = {{"command", "bgp reset"}, {"neighbor", opt->neighbor}};
    else if (med->parsed()) {
      req = {{"command", "bgp med"}, {"neighbor", opt->neighbor}, {"med", nullptr}};
      if (opt->med != "none") {
        const bool digits = !opt->med.empty() && opt->med.size() <= 10 && opt->med.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoull(opt->med) > UINT32_MAX) {
          std::cerr << "vpngw ctl bgp med: \"" << opt->med << "\": 0-4294967295 or none\n";
          return 2;
        }
        req["med"] = std::stoull(opt->med);
      }
    }
    else if (replace->parsed()) req = {{"command", "tunnel replace"}, {"tunnel", opt->neighbor}};
    else if (connections->parsed()) req = {{"command", "connections"}};
    else if (esp_sa->parsed()) req = {{"command", "ike esp-sa"}, {"tunnel", opt->neighbor}};
    else if (disconnect->parsed()) req = {{"command", "disconnect"}, {"connection_id", opt->neighbor}};
    try {
      if (replace->parsed()) return follow_replacement(path, req);
      const nlohmann::json answer = management_request(path, req);
      if (answer.contains("error")) {
        std::cerr << "vpngw ctl: " << answer["error"].get<std::string>() << "\n";
        return 1;
      }
      if (opt->json || stats->parsed() || reset->parsed() || med->parsed() || endpoint_state->parsed() || bfd->parsed())
        std::cout << answer.dump(2) << "\n";
      else if (dx->parsed() || vif->parsed()) print_dx(answer);
      else if (summary->parsed()) print_summary(answer);
      else if (ike->parsed()) print_ike(answer);
      else if (vgw->parsed()) print_vgw(answer);
      else if (connections->parsed()) print_connections(answer);
      else if (esp_sa->parsed()) std::cout << answer.value("esp_sa", "");
      else if (disconnect->parsed()) std::cout << answer.dump(2) << "\n";
      else print_routes(answer);
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "vpngw ctl: " << e.what() << "\n";
      return 1;
    }
  };
}

}  // namespace vpngw
