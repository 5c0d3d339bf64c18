#include "measure/sequenced_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/sockaddr.hpp"

namespace vpngw::measure {
namespace {

constexpr uint8_t kMagic[4] = {'V', 'P', 'S', 'Q'};

int udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  return fd;
}

void bind_to(int fd, const IpAddress& a, uint16_t port) {
  const sockaddr_in s = to_sockaddr_v4(a, port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&s), sizeof s) < 0)
    throw std::system_error(errno, std::generic_category(), "bind " + a.to_string() + ":" + std::to_string(port));
}

}  // namespace

void encode_probe(uint64_t seq, int64_t sent_ns, std::span<uint8_t, kProbeSize> out) {
  std::memset(out.data(), 0, out.size());
  std::memcpy(out.data(), kMagic, 4);
  store_be64(out.data() + 4, seq);
  store_be64(out.data() + 12, uint64_t(sent_ns));
}

std::optional<Arrival> decode_probe(std::span<const uint8_t> d, int64_t received_ns) {
  if (d.size() != kProbeSize || std::memcmp(d.data(), kMagic, 4) != 0) return std::nullopt;
  return Arrival{load_be64(d.data() + 4), int64_t(load_be64(d.data() + 12)), received_ns};
}

SendResult send_stream(const IpAddress& destination, uint16_t port, std::optional<IpAddress> source, uint32_t pps,
                       double seconds, const std::string& stop_file) {
  if (pps == 0 || pps > 1'000'000) throw std::invalid_argument("packets per second must be 1-1000000");
  const int fd = udp_socket();
  if (source) bind_to(fd, *source, 0);
  const sockaddr_in to = to_sockaddr_v4(destination, port);
  const int64_t period_ns = 1'000'000'000 / pps;
  const uint64_t total = uint64_t(seconds * pps);
  const int64_t start = monotonic_ns();
  SendResult r;
  std::array<uint8_t, kProbeSize> buf;
  for (uint64_t seq = 0; seq < total; ++seq) {
    if (!stop_file.empty() && seq % pps == 0 && std::filesystem::exists(stop_file)) break;
    // Absolute deadlines: a late wake-up does not shift the rest of the stream.
    const int64_t due = start + int64_t(seq) * period_ns;
    timespec ts{time_t(due / 1'000'000'000), long(due % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    encode_probe(seq, monotonic_ns(), buf);
    if (::sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) ++r.send_errors;
    ++r.sent;
  }
  ::close(fd);
  return r;
}

ReceiveResult receive_stream(const IpAddress& bind, uint16_t port, double seconds, const std::string& stop_file) {
  const int fd = udp_socket();
  const int rcvbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  bind_to(fd, bind, port);
  timeval tv{0, 100'000};  // wake up to check the deadline and the stop file
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const int64_t end = monotonic_ns() + int64_t(seconds * 1e9);
  ReceiveResult r;
  std::array<uint8_t, 2048> buf;
  int64_t next_check = 0;
  while (true) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    const int64_t now = monotonic_ns();
    if (n >= 0) {
      if (auto a = decode_probe(std::span<const uint8_t>(buf.data(), size_t(n)), now)) r.arrivals.push_back(*a);
      else ++r.malformed;
    }
    if (now >= end) break;
    if (now >= next_check) {
      if (!stop_file.empty() && std::filesystem::exists(stop_file)) break;
      next_check = now + 100'000'000;
    }
  }
  ::close(fd);
  return r;
}

}  // namespace vpngw::measure
