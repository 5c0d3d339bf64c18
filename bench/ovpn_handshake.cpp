// OpenVPN handshake load generator: COUNT complete client handshakes (hard reset, TLS 1.3 with a
// client certificate, key method 2, PUSH_REQUEST until PUSH_REPLY, then EXIT) against a server,
// CONCURRENCY at a time, each from its own UDP port. Prints handshakes/s and the median and 90th
// percentile handshake time. Works against vpngw and OpenVPN's own server alike (give the latter
// --duplicate-cn, since every handshake uses the same certificate).
//
// Usage: ovpn_handshake SERVER_IP PORT CA CERT KEY COUNT CONCURRENCY
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/tools/ovpn_test_client.hpp"

using namespace vpngw::ovpn;

namespace {

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

struct Attempt {
  int fd = -1;
  std::unique_ptr<OvpnTestClient> client;
  uint64_t started = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s SERVER_IP PORT CA CERT KEY COUNT CONCURRENCY\n", argv[0]);
    return 2;
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(uint16_t(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
    std::fprintf(stderr, "bad server address %s\n", argv[1]);
    return 2;
  }
  const std::string ca = argv[3], cert = argv[4], key = argv[5];
  const int count = std::atoi(argv[6]), concurrency = std::atoi(argv[7]);
  const uint64_t give_up_ns = 30'000'000'000;

  // Runs back to back must not reuse each other's ports either.
  const int port_base = 10000 + int(now_ns() / 1000 % 30000);
  std::vector<Attempt> active;
  std::vector<double> times_ms;
  int started = 0, failed = 0;
  const uint64_t t0 = now_ns();
  while (int(times_ms.size()) + failed < count) {
    while (int(active.size()) < concurrency && started < count) {
      Attempt a;
      a.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      // A fresh source port per handshake: the kernel reuses freed ephemeral ports soon, and a
      // server still holding the old session for that address refuses the new one for a while.
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = htons(uint16_t(port_base + started % 20000));
      if (a.fd < 0 || ::bind(a.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
          ::connect(a.fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
        std::perror("socket");
        return 1;
      }
      a.client = std::make_unique<OvpnTestClient>(ca, cert, key);
      a.started = now_ns();
      active.push_back(std::move(a));
      ++started;
    }
    const uint64_t now = now_ns();
    std::vector<pollfd> fds;
    for (auto& a : active) {
      for (auto& d : a.client->datagrams(now)) ::send(a.fd, d.data(), d.size(), 0);
      fds.push_back({a.fd, POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), 50);
    uint8_t buf[4096];
    for (size_t i = 0; i < active.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (;;) {
        const ssize_t n = ::recv(active[i].fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) break;
        active[i].client->receive({buf, size_t(n)});
      }
    }
    const uint64_t after = now_ns();
    for (auto it = active.begin(); it != active.end();) {
      const bool done = it->client->pushed();
      const bool expired = after - it->started > give_up_ns;
      if (!done && !expired) {
        ++it;
        continue;
      }
      if (done) {
        times_ms.push_back(double(after - it->started) / 1e6);
        it->client->send_control_message("EXIT");  // lets the server free the session at once
        for (auto& d : it->client->datagrams(after)) ::send(it->fd, d.data(), d.size(), 0);
      } else {
        ++failed;
      }
      ::close(it->fd);
      it = active.erase(it);
    }
  }
  const double secs = double(now_ns() - t0) / 1e9;
  std::sort(times_ms.begin(), times_ms.end());
  const auto pct = [&](double p) { return times_ms.empty() ? 0.0 : times_ms[size_t(p * double(times_ms.size() - 1))]; };
  std::printf("handshakes %zu failed %d seconds %.3f per_second %.1f median_ms %.1f p90_ms %.1f\n", times_ms.size(),
              failed, secs, double(times_ms.size()) / secs, pct(0.5), pct(0.9));
  return failed == 0 ? 0 : 1;
}
