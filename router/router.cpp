#include "router/router.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "proto/bgp/instance.hpp"
#include "runtime/daemon.hpp"

namespace vpngw {

void run_router(const RouterConfig& cfg, const std::string& stats_path) {
  Daemon daemon({"router " + cfg.name,
                 cfg.management_socket.empty() ? ManagementServer::default_path(cfg.name) : cfg.management_socket,
                 stats_path, std::chrono::seconds(1), 0, std::chrono::seconds(2)});
  bgp::Instance bgp(daemon, cfg.bgp, cfg.bgp.router_id->v4_host_order(), bgp::InstanceHooks{});
  daemon.stats([&] {
    nlohmann::json j;
    j["router"] = cfg.name;
    j["bgp"] = bgp.summary();
    if (auto bfd = bgp.bfd_summary(); !bfd.is_null()) j["bfd"] = std::move(bfd);
    const auto& st = bgp.installer().stats();
    j["kernel_routes"] = {{"changes", st.kernel_changes}, {"errors", st.kernel_errors}, {"last_error", st.last_kernel_error}};
    return j;
  });
  spdlog::info("router {}: AS {}, {} neighbour(s)", cfg.name, cfg.bgp.asn, cfg.bgp.neighbors.size());
  daemon.run([&] { bgp.start(); });
}

}  // namespace vpngw
