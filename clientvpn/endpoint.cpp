#include "clientvpn/endpoint.hpp"

#include <utility>  // before Asio: Boost 1.74 + GCC 12 in C++20 mode needs std::exchange declared

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/hex.hpp"
#include "runtime/daemon.hpp"
#include "clientvpn/client_policy.hpp"
#include "clientvpn/tcp_relay.hpp"
#include "nat/nat_router.hpp"
#include "proto/openvpn/server_session.hpp"
#include "dataplane/clientvpn_worker.hpp"
#include "tun/netlink.hpp"

namespace vpngw {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kInactivityNs = 60 * kSecond;   // what we push as ping-restart
constexpr uint64_t kTransitionNs = 60 * kSecond;   // old key kept after a renegotiation
// Sessions still in their handshake: each holds a TLS object for up to the 60 s hand window, so a
// flood of hard resets from many addresses must not be able to take every slot.
constexpr size_t kMaxHandshaking = 256;

std::string address_text(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &v4.sin_addr, host, sizeof host);
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof host);
    port = ntohs(v6.sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  RAND_bytes(b.data(), int(b.size()));
  return hex_bytes(b);
}

std::string utc_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// In TCP mode the data plane's UDP socket only talks to the TCP relays, on loopback.
IpAddress udp_bind_address(const ClientVpnConfig& cfg) {
  return cfg.transport == "tcp" ? *IpAddress::parse("127.0.0.1") : cfg.listen;
}

void enable_ip_forwarding() {
  std::ofstream f("/proc/sys/net/ipv4/ip_forward");
  f << "1\n";
  if (!f) throw std::runtime_error("cannot enable IPv4 forwarding in this namespace (/proc/sys/net/ipv4/ip_forward)");
}

}  // namespace

struct Connection {
  std::string id = "cvpn-connection-" + random_hex(9).substr(0, 17);
  sockaddr_storage address{};
  socklen_t address_len = 0;
  std::string address_text;
  std::unique_ptr<ovpn::ServerSession> session;
  std::optional<IpAddress> tunnel_ip;
  std::shared_ptr<ClientKeys> primary, previous;
  uint64_t primary_since_ns = 0;
  std::shared_ptr<ClientCounters> counters = std::make_shared<ClientCounters>();
  std::shared_ptr<const AccessPolicy> access;
  uint64_t started_ns = 0;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  bool established = false;
  std::string end_reason;
};

struct ClientVpnEndpoint::State {
  ClientVpnConfig cfg;
  ovpn::TlsServerContext tls;
  ovpn::SessionConfig session_cfg;
  TunDevice tun;
  NatRouter nat;
  UdpSocket udp;
  ControlInbox inbox;
  Snapshot<ClientTable> table{std::make_unique<ClientTable>()};
  ClientVpnWorker worker;
  AddressPool pool;
  std::map<std::string, std::unique_ptr<Connection>> connections;  // by outside address
  std::set<uint32_t> peer_ids;
  std::ofstream log;
  boost::asio::io_context* io = nullptr;      // set by run()
  std::unique_ptr<TcpRelayServer> tcp;        // transport "tcp" only
  uint64_t control_malformed = 0, control_refused = 0, handshakes = 0, handshake_failures = 0;

  explicit State(ClientVpnConfig c)
      : cfg(std::move(c)),
        tls(cfg.tls),
        tun(cfg.tun, 1),
        nat(cfg.nat_config()),
        udp(udp_bind_address(cfg), cfg.port),
        worker(tun, udp, table, inbox),
        pool(cfg.client_cidr, cfg.max_connections) {
    session_cfg.tls = &tls;
    session_cfg.data_ciphers = cfg.data_ciphers;
    session_cfg.allow_tls_ekm = cfg.tls_ekm;
    if (!cfg.connection_log.empty()) {
      log.open(cfg.connection_log, std::ios::app);
      if (!log) throw std::runtime_error("cannot open the connection log " + cfg.connection_log);
    }
  }

  size_t handshaking() const {
    size_t n = 0;
    for (const auto& [key, c] : connections) n += c->established ? 0 : 1;
    return n;
  }

  uint32_t allocate_peer_id() {
    uint32_t id = 0;
    while (peer_ids.count(id)) ++id;
    peer_ids.insert(id);
    return id;
  }

  void publish() {
    auto t = std::make_unique<ClientTable>();
    for (const auto& [key, c] : connections) {
      if (!c->primary || !c->tunnel_ip) continue;
      auto e = std::make_shared<ClientEntry>();
      e->peer_id = c->session->peer_id();
      e->address = c->address;
      e->address_len = c->address_len;
      e->tunnel_ip = c->tunnel_ip->v4_host_order();
      e->primary = c->primary;
      e->previous = c->previous;
      e->counters = c->counters;
      e->access = c->access;
      t->by_peer_id[e->peer_id] = e;
      t->by_tunnel_ip[e->tunnel_ip] = e;
    }
    table.publish(std::move(t));
  }

  // AWS's connection log record (CloudWatch Logs), one JSON object per line.
  void log_connection(const Connection& c, const std::string& type, const std::string& status,
                      const std::string& failure) {
    if (!log.is_open()) return;
    const auto now = std::chrono::system_clock::now();
    const bool ended = type == "connection-reset";
    const auto& id = c.session->identity();
    const auto colon = c.address_text.rfind(':');
    nlohmann::json j{
        {"connection-log-type", type},
        {"connection-attempt-status", status},
        {"connection-reset-status", "NA"},  // AWS fills it for resets it initiates; we log the reason instead
        {"connection-attempt-failure-reason", failure.empty() ? "NA" : failure},
        {"connection-id", c.id},
        {"client-vpn-endpoint-id", cfg.id},
        {"transport-protocol", cfg.transport},
        {"connection-start-time", utc_time(c.started)},
        {"connection-last-update-time", utc_time(now)},
        {"client-ip", c.tunnel_ip ? c.tunnel_ip->to_string() : "NA"},
        {"common-name", id.common_name.empty() ? "NA" : id.common_name},
        {"device-type", id.peer_info.count("IV_PLAT") ? id.peer_info.at("IV_PLAT") : "NA"},
        {"device-ip", c.address_text.substr(0, colon)},
        {"port", c.address_text.substr(colon + 1)},
        {"ingress-bytes", std::to_string(c.counters->rx_bytes.load())},
        {"egress-bytes", std::to_string(c.counters->tx_bytes.load())},
        {"ingress-packets", std::to_string(c.counters->rx_packets.load())},
        {"egress-packets", std::to_string(c.counters->tx_packets.load())},
        {"connection-end-time", ended ? utc_time(now) : "NA"},
        {"posture-compliance-statuses", "NA"},
        {"username", id.common_name.empty() ? "NA" : id.common_name},
        {"connection-duration-seconds",
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - c.started).count())},
    };
    log << j.dump() << "\n";
    log.flush();
  }

  void send(const Connection& c, const std::vector<uint8_t>& d) {
    ::sendto(udp.fd(), d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&c.address), c.address_len);
  }

  void on_control(std::span<const uint8_t> data, const sockaddr_storage& from, socklen_t from_len) {
    auto p = ovpn::parse_control(data);
    const std::string key = address_text(from);
    if (!p) {
      ++control_malformed;
      spdlog::debug("clientvpn: {} sent a malformed control packet: {}", key, ovpn::wire_error_name(p.error()));
      return;
    }
    const uint64_t now = uint64_t(monotonic_ns());
    auto it = connections.find(key);
    const bool hard_reset = p->opcode == ovpn::Opcode::control_hard_reset_client_v2;
    if (it != connections.end() && hard_reset && p->session_id != it->second->session->remote_sid() &&
        p->acks.empty()) {
      spdlog::info("clientvpn {}: {} reconnects with a new session; ending the old one", cfg.id, key);
      close(it, "the client started a new session");
      it = connections.end();
    }
    if (it == connections.end()) {
      if (!hard_reset) {
        ++control_refused;
        return;  // a packet for a session we do not have (ended, or never started)
      }
      if (handshaking() >= kMaxHandshaking) {
        if (++control_refused % 100 == 1)  // a flood must not flood the log too
          spdlog::warn("clientvpn {}: refusing {}: {} handshakes in progress ({} refused so far)", cfg.id, key,
                       kMaxHandshaking, control_refused);
        return;
      }
      if (connections.size() >= pool.capacity()) {
        if (++control_refused % 100 == 1)
          spdlog::warn("clientvpn {}: refusing {}: {} connections, the client CIDR is full ({} refused so far)",
                       cfg.id, key, connections.size(), control_refused);
        return;
      }
      auto c = std::make_unique<Connection>();
      c->address = from;
      c->address_len = from_len;
      c->address_text = key;
      if (tcp) {
        c->address_text = tcp->client_of(key);
        if (c->address_text.empty()) {
          ++control_refused;  // a loopback datagram that no TCP relay sent
          return;
        }
      }
      c->started_ns = now;
      ovpn::SessionId sid = 0;
      RAND_bytes(reinterpret_cast<uint8_t*>(&sid), sizeof sid);
      c->session = std::make_unique<ovpn::ServerSession>(session_cfg, allocate_peer_id(), sid, now);
      it = connections.emplace(key, std::move(c)).first;
      ++handshakes;
    }
    it->second->session->on_packet(p.value(), now);
    process(it, now);
  }

  void process(std::map<std::string, std::unique_ptr<Connection>>::iterator it, uint64_t now) {
    Connection& c = *it->second;
    bool closed = false;
    std::string reason;
    // Handling an event can raise more (accept() pushes and derives keys at once).
    for (auto events = c.session->take_events(); !events.empty(); events = c.session->take_events()) {
      for (auto& ev : events) {
        switch (ev.kind) {
          case ovpn::SessionEvent::Kind::authenticated: on_authenticated(c); break;
          case ovpn::SessionEvent::Kind::keys_ready: on_keys(c, ev, now); break;
          case ovpn::SessionEvent::Kind::closed:
            closed = true;
            reason = ev.reason;
            break;
        }
      }
    }
    for (const auto& d : c.session->take_datagrams(now)) send(c, d);
    if (closed) close(it, reason);
  }

  void on_authenticated(Connection& c) {
    const auto& id = c.session->identity();
    auto ip = pool.allocate();
    if (!ip) {
      c.session->reject("no address left in the client CIDR");
      return;
    }
    c.tunnel_ip = ip;
    c.access = std::make_shared<const AccessPolicy>(compile_access(cfg, id.group));
    spdlog::info("clientvpn {}: {} authenticated as CN={}{} ({}, {}, {}), address {}", cfg.id, c.address_text,
                 id.common_name, id.group.empty() ? "" : " OU=" + id.group, id.tls_version,
                 ovpn::data_cipher_name(id.cipher),
                 id.peer_info.count("IV_VER") ? "OpenVPN " + id.peer_info.at("IV_VER") : "unknown client",
                 ip->to_string());
    c.session->accept(push_options(cfg, *ip));
  }

  void on_keys(Connection& c, const ovpn::SessionEvent& ev, uint64_t now) {
    const auto& k = *ev.keys;
    auto keys = std::make_shared<ClientKeys>(
        ev.key_id,
        std::make_unique<ovpn::DataKey>(k.cipher, k.encrypt.key, k.encrypt.implicit_iv, AeadDirection::seal),
        std::make_unique<ovpn::DataKey>(k.cipher, k.decrypt.key, k.decrypt.implicit_iv, AeadDirection::open));
    c.previous = c.primary;
    c.primary = keys;
    c.primary_since_ns = now;
    if (!c.established) {
      c.established = true;
      c.counters->last_rx_ns = now;
      log_connection(c, "connection-attempt", "successful", "");
      spdlog::info("clientvpn {}: {} connected ({}), key id {}", cfg.id, c.session->identity().common_name, c.id,
                   ev.key_id);
    } else {
      spdlog::info("clientvpn {}: {} renegotiated, key id {}", cfg.id, c.session->identity().common_name, ev.key_id);
    }
    publish();
  }

  void close(std::map<std::string, std::unique_ptr<Connection>>::iterator it, const std::string& reason) {
    Connection& c = *it->second;
    if (c.established) {
      spdlog::info("clientvpn {}: {} ({}) disconnected: {}", cfg.id, c.session->identity().common_name, c.id, reason);
      log_connection(c, "connection-reset", "NA", "");
    } else {
      ++handshake_failures;
      spdlog::warn("clientvpn {}: connection from {} failed: {}", cfg.id, c.address_text, reason);
      log_connection(c, "connection-attempt", "failed", reason);
    }
    if (c.tunnel_ip) pool.release(*c.tunnel_ip);
    peer_ids.erase(c.session->peer_id());
    const bool had_keys = bool(c.primary);
    if (tcp && io) {
      // End the TCP connection too, once the last frames (RESTART, AUTH_FAILED) had time to leave.
      auto timer = std::make_shared<boost::asio::steady_timer>(*io, std::chrono::seconds(1));
      timer->async_wait([this, timer, relay = it->first](const boost::system::error_code& ec) {
        if (!ec && tcp && !connections.count(relay)) tcp->close(relay);
      });
    }
    connections.erase(it);
    if (had_keys) publish();
  }

  void tick() {
    const uint64_t now = uint64_t(monotonic_ns());
    const uint64_t timeout_ns = uint64_t(cfg.session_timeout_hours) * 3600 * kSecond;
    bool republish = false;
    for (auto it = connections.begin(); it != connections.end();) {
      auto next = std::next(it);
      Connection& c = *it->second;
      c.session->on_timer(now);
      if (c.established) {
        if (c.counters->exit_notified.load()) {
          c.session->disconnect("the client sent an exit notification");
        } else if (const uint64_t last = c.counters->last_rx_ns.load(); last < now && now - last > kInactivityNs) {
          // (the inbound worker may have stamped a packet after `now` was read: not idle)
          c.session->disconnect("inactivity timeout (no packet for 60 s)");
        } else if (now - c.started_ns > timeout_ns) {
          c.session->disconnect("session timeout (" + std::to_string(cfg.session_timeout_hours) + " h)");
        }
        if (c.previous && now - c.primary_since_ns > kTransitionNs) {
          c.previous.reset();
          republish = true;
        }
      }
      process(it, now);
      it = next;
    }
    if (republish) publish();
    table.reclaim();
  }

  nlohmann::json connections_json() const {
    auto arr = nlohmann::json::array();
    for (const auto& [key, c] : connections) {
      const auto& id = c->session->identity();
      arr.push_back({{"ConnectionId", c->id},
                     {"Status", c->established ? "active" : "connecting"},
                     {"CommonName", id.common_name},
                     {"Group", id.group},
                     {"ClientIp", c->tunnel_ip ? c->tunnel_ip->to_string() : ""},
                     {"DeviceIp", c->address_text},
                     {"Cipher", std::string(ovpn::data_cipher_name(id.cipher))},
                     {"TlsVersion", id.tls_version},
                     {"ClientVersion", id.peer_info.count("IV_VER") ? id.peer_info.at("IV_VER") : ""},
                     {"IngressBytes", c->counters->rx_bytes.load()},
                     {"EgressBytes", c->counters->tx_bytes.load()},
                     {"IngressPackets", c->counters->rx_packets.load()},
                     {"EgressPackets", c->counters->tx_packets.load()},
                     {"DroppedUnauthorized", c->counters->drop_unauthorized.load()},
                     {"DroppedSpoofed", c->counters->drop_spoofed.load()},
                     {"ControlRetransmissions", c->session->retransmissions()},
                     {"ConnectionEstablishedTime", utc_time(c->started)}});
    }
    return {{"ClientVpnEndpointId", cfg.id}, {"Connections", arr}};
  }

  nlohmann::json stats() const {
    nlohmann::json j;
    j["endpoint"] = cfg.id;
    j["dns_name"] = cfg.dns_name();
    j["connections"] = connections.size();
    j["handshakes"] = handshakes;
    j["handshake_failures"] = handshake_failures;
    j["control_malformed"] = control_malformed;
    j["control_refused"] = control_refused;
    j["transport"] = cfg.transport;
    if (tcp) j["tcp_connections"] = tcp->connections();
    auto& in = j["inbound"];
    auto& out = j["outbound"];
    for (size_t i = 0; i < kCvpnCounterCount; ++i) {
      const std::string name(kCvpnCounterInfo[i].name);
      if (const uint64_t v = worker.inbound_counters().get(CvpnCounter(i)); v || name.rfind("rx", 0) == 0) in[name] = v;
      if (const uint64_t v = worker.outbound_counters().get(CvpnCounter(i)); v || name.rfind("tx", 0) == 0) out[name] = v;
    }
    j["nat"] = nat.stats();
    return j;
  }
};

ClientVpnEndpoint::ClientVpnEndpoint(ClientVpnConfig cfg) : s_(std::make_unique<State>(std::move(cfg))) {
  const auto& c = s_->cfg;
  enable_ip_forwarding();
  Netlink nl;
  const int idx = Netlink::ifindex(c.tun);
  nl.set_mtu(idx, 1500);
  nl.set_txqueuelen(idx, 4096);
  nl.add_address(idx, IpAddress::v4_from_host_order(c.client_cidr.address.v4_host_order() + 1), c.client_cidr.length);
  nl.set_link_up(idx, true);
  spdlog::info("clientvpn {}: {} on {} {}:{}, clients {} on {}, {} target network(s), {} route(s), {} rule(s), "
               "split tunnel {}",
               c.id, c.dns_name(), c.transport, c.listen.to_string(), c.port, c.client_cidr.to_string(), c.tun,
               c.target_networks.size(), c.routes.size(), c.authorization_rules.size(), c.split_tunnel ? "on" : "off");
}

ClientVpnEndpoint::~ClientVpnEndpoint() {
  s_->worker.stop();
  s_->nat.stop();
}

void ClientVpnEndpoint::run(const std::string& stats_path, const std::string& management_socket) {
  Daemon daemon({"clientvpn " + s_->cfg.id,
                 management_socket.empty() ? ManagementServer::default_path(s_->cfg.id) : management_socket, stats_path});
  auto& io = daemon.io();
  boost::asio::posix::stream_descriptor inbox_fd(io, ::dup(s_->inbox.wakeup_fd()));
  daemon.stats([this] { return s_->stats(); });
  daemon.command("connections", [this](const nlohmann::json&) { return s_->connections_json(); });
  daemon.command("disconnect", [this](const nlohmann::json& req) -> nlohmann::json {
    const std::string id = req.value("connection_id", "");
    for (auto& [key, c] : s_->connections) {
      if (c->id != id) continue;
      c->session->disconnect("terminated by the administrator");
      return {{"ConnectionId", id}, {"Status", "terminating"}};
    }
    throw std::runtime_error("no connection " + id + " (see vpngw ctl connections)");
  });

  std::function<void()> wait_inbox = [&] {
    inbox_fd.async_wait(boost::asio::posix::stream_descriptor::wait_read, [&](const boost::system::error_code& ec) {
      if (ec) return;
      s_->inbox.drain([&](const ControlInbox::Entry& e) { s_->on_control({e.data, e.len}, e.from, e.from_len); });
      wait_inbox();
    });
  };
  // Sessions' retransmissions, hand windows and renegotiation run on a 100 ms tick.
  daemon.every(std::chrono::milliseconds(100), [this] { s_->tick(); });
  daemon.on_shutdown([&] {
    for (auto& [key, c] : s_->connections) c->session->disconnect("the endpoint shut down");
    s_->tick();
    inbox_fd.cancel();
    if (s_->tcp) s_->tcp->stop();
  });
  s_->io = &io;
  daemon.run([&] {
    if (s_->cfg.transport == "tcp") {
      const auto listen = boost::asio::ip::make_address(s_->cfg.listen.to_string());
      s_->tcp = std::make_unique<TcpRelayServer>(io, boost::asio::ip::tcp::endpoint(listen, s_->cfg.port),
                                                 boost::asio::ip::udp::endpoint(boost::asio::ip::address_v4::loopback(), s_->cfg.port));
      s_->tcp->on_closed = [this](const std::string& relay) {
        auto it = s_->connections.find(relay);
        if (it != s_->connections.end()) s_->close(it, "the client closed the TCP connection");
      };
      s_->tcp->start();
    }
    s_->nat.start();
    s_->worker.start();
    wait_inbox();
  });
  s_->worker.stop();
  s_->nat.stop();
  daemon.write_stats();
  s_->io = nullptr;
}

}  // namespace vpngw
