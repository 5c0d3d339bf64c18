#include "lab/collect.hpp"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "lab/netns.hpp"
#include "lab/process.hpp"
#include "runtime/management_server.hpp"

namespace vpngw::lab {
namespace {

namespace fs = std::filesystem;

// Records in a classic pcap file: a 24-byte file header, then per packet a 16-byte header whose
// third word is the captured length. A truncated file counts what is whole.
size_t pcap_packets(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char header[24];
  if (!in.read(header, sizeof header)) return 0;
  size_t n = 0;
  for (char rec[16]; in.read(rec, sizeof rec); ++n) {
    uint32_t captured;
    std::memcpy(&captured, rec + 8, 4);  // tcpdump writes in this host's byte order
    if (captured > (1u << 18) || !in.seekg(captured, std::ios::cur)) break;
  }
  return n;
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Capture capture_tunnel(const Topology& t, const std::string& prefix, const std::string& tunnel, unsigned seconds,
                       const fs::path& out) {
  if (!t.s2s) throw std::invalid_argument("the lab up has no VPN connection");
  std::string peer;
  if (tunnel == "tunnel1") peer = kTunnel1Outside;
  else if (tunnel == "tunnel2") peer = kTunnel2Outside;
  else throw std::invalid_argument("tunnel \"" + tunnel + "\": tunnel1 or tunnel2 (the Site-to-Site lab's tunnels)");
  fs::create_directories(out);
  Capture c;
  c.pcap = out / (tunnel + ".pcap");
  c.esp_sa = out / "esp_sa";
  c.decode = out / "decode.sh";
  const pid_t pid = start_process(out, {prefix + "-cgw", "tcpdump-" + tunnel,
                                        {"tcpdump", "-U", "-ni", "out0", "-w", c.pcap.string(), "udp port 4500 and host " + peer}});
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  ::kill(pid, SIGINT);  // tcpdump writes what it has and exits
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  fs::remove(out / "processes");  // tcpdump was ours alone; nothing for `lab down` to stop
  fs::remove(out / ("tcpdump-" + tunnel + ".pid"));
  c.packets = pcap_packets(c.pcap);

  const auto answer = management_request(ManagementServer::default_path(t.s2s->customer_gateway),
                                         {{"command", "ike esp-sa"}, {"tunnel", tunnel}});
  if (answer.contains("error")) throw std::runtime_error("the customer gateway: " + answer["error"].get<std::string>());
  const std::string table = answer.value("esp_sa", "");
  std::ofstream(c.esp_sa) << table;
  std::ostringstream script;
  script << "#!/bin/sh\n# Decrypts the capture with the SAs vpngw exported (needs tshark). Extra arguments go to tshark.\n"
         << "exec tshark -r " << shell_quoted(c.pcap.string()) << " -o esp.enable_encryption_decode:TRUE";
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    script << " -o " << shell_quoted("uat:esp_sa:" + line);
    ++c.sas;
  }
  script << " \"$@\"\n";
  std::ofstream(c.decode) << script.str();
  fs::permissions(c.decode, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  return c;
}

std::string vpc_router_metrics(const std::string& prefix, uint16_t port) {
  int fd;
  {
    EnterNetns in(prefix + "-vgw");
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string get = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, get.data(), get.size(), MSG_NOSIGNAL) == ssize_t(get.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, size_t(n));
    }
  }
  ::close(fd);
  std::string metrics;
  std::istringstream lines(reply);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("aws_vpn", 0) == 0) metrics += line + "\n";
  return metrics;
}

}  // namespace vpngw::lab
