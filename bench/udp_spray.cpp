// Sends small UDP packets as fast as one core can through a raw socket (IP_HDRINCL + sendmmsg),
// spread over many source addresses and ports, to load a NAT with existing or new flows:
//   udp_spray DST DPORT SRC_FIRST SRC_COUNT FLOWS SECONDS [MAX_PACKETS]
// Flow i uses source SRC_FIRST + i % SRC_COUNT and port 1024 + i / SRC_COUNT; packets cycle over
// FLOWS flows (FLOWS larger than what is sent in SECONDS makes every packet a new flow).
// Prints packets sent and the rate. Benchmark tool only: it needs root and sends where it is told.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t(p[i]) << 8 | p[i + 1];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return uint16_t(~s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 && argc != 8) {
    std::fprintf(stderr, "usage: %s DST DPORT SRC_FIRST SRC_COUNT FLOWS SECONDS [MAX_PACKETS]\n", argv[0]);
    return 2;
  }
  in_addr dst{}, first{};
  if (!inet_aton(argv[1], &dst) || !inet_aton(argv[3], &first)) {
    std::fprintf(stderr, "udp_spray: bad address\n");
    return 2;
  }
  const uint16_t dport = uint16_t(std::atoi(argv[2]));
  const uint32_t srcs = uint32_t(std::atoi(argv[4])), flows = uint32_t(std::atol(argv[5]));
  const double seconds = std::atof(argv[6]);
  const uint64_t max_packets = argc == 8 ? std::strtoull(argv[7], nullptr, 10) : UINT64_MAX;
  const int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) { std::perror("udp_spray: raw socket"); return 1; }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  constexpr size_t kBatch = 64, kLen = 20 + 8 + 18;
  std::vector<uint8_t> pkts(kBatch * kLen);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr = dst;
  const uint32_t base = ntohl(first.s_addr);
  uint64_t sent = 0, next = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end && sent < max_packets) {
    const size_t batch = size_t(std::min<uint64_t>(kBatch, max_packets - sent));
    for (size_t b = 0; b < batch; ++b, ++next) {
      const uint32_t flow = uint32_t(next % flows);
      uint8_t* p = &pkts[b * kLen];
      std::memset(p, 0, kLen);
      p[0] = 0x45;
      p[2] = 0, p[3] = kLen;
      p[8] = 64;
      p[9] = 17;
      const uint32_t src = htonl(base + flow % srcs);
      std::memcpy(p + 12, &src, 4);
      std::memcpy(p + 16, &dst.s_addr, 4);
      const uint16_t c = checksum(p, 20);
      p[10] = uint8_t(c >> 8), p[11] = uint8_t(c);
      const uint16_t sport = uint16_t(1024 + (flow / srcs) % 64512);
      p[20] = uint8_t(sport >> 8), p[21] = uint8_t(sport);
      p[22] = uint8_t(dport >> 8), p[23] = uint8_t(dport);
      p[25] = 8 + 18;  // UDP length; checksum 0 (none)
      iov[b] = {p, kLen};
      msgs[b].msg_hdr = {};
      msgs[b].msg_hdr.msg_name = &to;
      msgs[b].msg_hdr.msg_namelen = sizeof to;
      msgs[b].msg_hdr.msg_iov = &iov[b];
      msgs[b].msg_hdr.msg_iovlen = 1;
    }
    const int n = sendmmsg(fd, msgs.data(), unsigned(batch), 0);
    if (n > 0) sent += uint64_t(n);
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu %.3f %.0f\n", (unsigned long long)sent, took, double(sent) / took);
  close(fd);
  return 0;
}
