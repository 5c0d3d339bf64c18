// One BGP instance as a process runs it, shared by the gateway and the router: the speaker, the
// route installer (kernel routes, and for a gateway the FIB rebuild), BFD with the neighbours that
// ask for it (Down ends their BGP session at once), and the `bgp ...` and `bfd` management
// commands. Its shutdown steps (Cease to every peer, then BFD AdminDown) join the daemon's.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "proto/bgp/config.hpp"
#include "proto/bgp/route_installer.hpp"
#include "proto/bgp/speaker.hpp"
#include "runtime/daemon.hpp"

namespace vpngw::bfd { class Service; }

namespace vpngw::bgp {

struct InstanceHooks {
  std::function<void()> rebuild_fib;  // empty: no data plane
  int tun_ifindex = -1;               // where tunnel routes go in the kernel (-1: no TUN)
  std::function<uint32_t(const std::string&)> tunnel_ids;  // tunnel name -> data-plane id
};

class Instance {
 public:
  Instance(Daemon& daemon, const BgpConfig& cfg, uint32_t router_id, InstanceHooks hooks);
  ~Instance();

  void start();  // throws when a socket cannot be opened
  Speaker& speaker() { return *speaker_; }
  const Speaker& speaker() const { return *speaker_; }
  const RouteInstaller& installer() const { return installer_; }
  // The speaker's summary (BGP only; bfd_summary() has the BFD sessions).
  nlohmann::json summary() const;
  nlohmann::json bfd_summary() const;  // null without BFD

  // The names of the management commands an instance adds (a product without BGP answers them
  // with an error of its own).
  static const std::vector<std::string>& command_names();

 private:
  RouteInstaller installer_;
  std::unique_ptr<Speaker> speaker_;
  std::unique_ptr<bfd::Service> bfd_;
};

}  // namespace vpngw::bgp
