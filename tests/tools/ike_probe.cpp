// Interop probe for the IKE responder: listens on UDP 500 and 4500 at ADDRESS, answers a peer's
// IKE_SA_INIT and IKE_AUTH with vpngw's IkeSa (PSK), then opens ESP packets arriving on
// 4500 with the negotiated inbound Child SA key through the data plane's ESP code. Success, printed
// as "esp ok", means the peer (strongSwan in the test) derived the same keys we did. Rekeyed Child
// SAs (CREATE_CHILD_SA) join the set; liveness checks and DELETEs are answered.
//   ike_probe ADDRESS PSK SECONDS [CHILD_SAS]
// Test tool only; exits 0 once ESP has opened on CHILD_SAS (default 1) different Child SAs.
//   ike_probe --half-open TARGET COUNT LOCAL_ADDRESS
// sends COUNT valid IKE_SA_INIT requests (each a new initiator, AWS's proposals) to TARGET:500
// and never continues them: a half-open flood the responder must meet with cookies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <memory>
#include <string>

#include "common/bytes.hpp"
#include "proto/ike/proposal_select.hpp"
#include "proto/ike/ike_sa.hpp"
#include "dataplane/esp.hpp"

using namespace vpngw;
using namespace vpngw::ike;

namespace {

int bind_udp(uint32_t addr, uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(addr);
  sa.sin_port = htons(port);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    std::perror("ike_probe: bind");
    std::exit(1);
  }
  return fd;
}

IkeConfig probe_config(uint32_t local_ip, const char* psk) {
  IkeConfig cfg;
  cfg.psk = psk;
  cfg.local_id = {id_type::ipv4, {uint8_t(local_ip >> 24), uint8_t(local_ip >> 16), uint8_t(local_ip >> 8), uint8_t(local_ip)}};
  // Every suite AWS accepts, the AWS defaults first.
  for (uint16_t dh : {dh_group::modp2048, dh_group::ecp256, dh_group::ecp384, dh_group::curve25519}) {
    cfg.ike_proposals.push_back(make_ike_proposal(encr_id::aes_gcm_16, 256, prf_id::hmac_sha2_256, integ_id::none, dh));
    cfg.ike_proposals.push_back(make_ike_proposal(encr_id::aes_cbc, 128, prf_id::hmac_sha1, integ_id::hmac_sha1_96, dh));
    cfg.ike_proposals.push_back(make_ike_proposal(encr_id::aes_cbc, 256, prf_id::hmac_sha2_256, integ_id::hmac_sha2_256_128, dh));
  }
  for (bool esn : {true, false}) {
    for (uint16_t bits : {128, 256}) {
      cfg.esp_proposals.push_back(make_esp_proposal(encr_id::aes_gcm_16, bits, integ_id::none, esn));
      // The same with PFS on rekey (AWS's phase 2 DH groups).
      for (uint16_t dh : {dh_group::modp2048, dh_group::ecp256}) {
        Proposal p = make_esp_proposal(encr_id::aes_gcm_16, bits, integ_id::none, esn);
        p.transforms.push_back({transform::dh, dh, {}});
        cfg.esp_proposals.push_back(p);
      }
    }
  }
  return cfg;
}

int half_open_flood(const char* target, int count, const char* local) {
  in_addr to{}, from{};
  if (!inet_aton(target, &to) || !inet_aton(local, &from) || count < 1) return 2;
  const IkeConfig cfg = probe_config(ntohl(from.s_addr), "unused");
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_addr = to;
  dst.sin_port = htons(500);
  for (int i = 0; i < count; ++i) {
    IkeSa sa(cfg, 0xf100d00000000000ull + uint64_t(i) + 1, IkeSa::Role::initiator);
    const auto init = sa.start({ntohl(from.s_addr), ntohl(to.s_addr), 500, 500});
    if (sendto(fd, init.data(), init.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) < 0) std::perror("ike_probe: sendto");
  }
  std::printf("sent %d IKE_SA_INITs\n", count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--half-open") return half_open_flood(argv[2], std::atoi(argv[3]), argv[4]);
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s ADDRESS PSK SECONDS [CHILD_SAS]\n", argv[0]);
    return 2;
  }
  in_addr local{};
  inet_aton(argv[1], &local);
  const uint32_t local_ip = ntohl(local.s_addr);
  const IkeConfig cfg = probe_config(local_ip, argv[2]);
  const size_t want_children = argc == 5 ? size_t(std::atoi(argv[4])) : 1;
  IkeSa ike(cfg, 0x5eed5eed00000001ull);
  std::map<uint32_t, std::unique_ptr<InboundSa>> sas;  // by our inbound SPI
  std::set<uint32_t> opened;
  const int fds[2] = {bind_udp(local_ip, 500), bind_udp(local_ip, 4500)};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
  uint8_t buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    if (poll(p, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(p[i].revents & POLLIN)) continue;
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      const ssize_t n = recvfrom(fds[i], buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n <= 0) continue;
      const bool on_4500 = i == 1;
      if (on_4500 && n >= 4 && load_be32(buf) != 0) {  // ESP
        auto it = sas.find(load_be32(buf));
        if (it == sas.end()) continue;
        auto r = esp_open(*it->second, std::span<uint8_t>(buf, size_t(n)));
        if (r && opened.insert(it->first).second) std::printf("esp ok (spi 0x%08x, %zd bytes)\n", it->first, n);
        if (!r) std::printf("esp refused (spi 0x%08x)\n", it->first);
        std::fflush(stdout);
        if (opened.size() >= want_children) return 0;
        continue;
      }
      const size_t skip = on_4500 ? 4 : 0;  // the non-ESP marker
      IkeSa::Endpoints ep{local_ip, ntohl(from.sin_addr.s_addr), uint16_t(on_4500 ? 4500 : 500), ntohs(from.sin_port)};
      auto out = ike.handle(std::span<const uint8_t>(buf + skip, size_t(n) - skip), ep);
      std::printf("ike: %s\n", out.log.c_str());
      if (!out.reply.empty()) {
        std::string wire(skip, '\0');
        wire.append(reinterpret_cast<const char*>(out.reply.data()), out.reply.size());
        sendto(fds[i], wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
      }
      if (out.child) {
        const auto& c = *out.child;
        const Cipher cipher = c.key_bits == 256 ? Cipher::aes_gcm_256 : Cipher::aes_gcm_128;
        sas[c.spi_in] = std::make_unique<InboundSa>(c.spi_in, cipher, c.encr_in, c.esn, 1024);
        std::printf("child: in 0x%08x out 0x%08x aes-gcm-%u esn %d\n", c.spi_in, c.spi_out, c.key_bits, int(c.esn));
      }
      std::fflush(stdout);
    }
  }
  std::printf("timeout\n");
  return 1;
}
