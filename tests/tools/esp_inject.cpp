// esp_inject: resend an ESP-in-UDP packet taken from a capture, as captured (a replay) or with one
// ciphertext byte flipped and a fresh sequence number (a tamper), to test the receiver's drop counters on the real wire.
//
//   esp_inject CAPTURE.pcap DEST_IP replay|tamper [INDEX]
//
// Picks the INDEX-th (default 0) UDP/4500 datagram to DEST_IP that carries ESP (non-zero SPI).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <tins/tins.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: esp_inject CAPTURE.pcap DEST_IP replay|tamper [INDEX]\n";
    return 2;
  }
  const std::string pcap = argv[1], dest = argv[2], mode = argv[3];
  const int index = argc > 4 ? std::stoi(argv[4]) : 0;
  if (mode != "replay" && mode != "tamper") {
    std::cerr << "esp_inject: mode must be replay or tamper, not '" << mode << "'\n";
    return 2;
  }

  std::vector<uint8_t> payload;
  int seen = 0;
  try {
    Tins::FileSniffer sniffer(pcap);
    sniffer.sniff_loop([&](Tins::PDU& pdu) {
      const auto* ip = pdu.find_pdu<Tins::IP>();
      const auto* udp = pdu.find_pdu<Tins::UDP>();
      const auto* raw = pdu.find_pdu<Tins::RawPDU>();
      if (!ip || !udp || !raw || udp->dport() != 4500 || ip->dst_addr().to_string() != dest) return true;
      const auto& p = raw->payload();
      if (p.size() < 40 || (p[0] | p[1] | p[2] | p[3]) == 0) return true;
      if (seen++ < index) return true;
      payload = p;
      return false;
    });
  } catch (const std::exception& e) {
    std::cerr << "esp_inject: cannot read " << pcap << ": " << e.what() << "\n";
    return 1;
  }
  if (payload.empty()) {
    std::cerr << "esp_inject: no ESP packet to " << dest << " in " << pcap << "\n";
    return 1;
  }
  if (mode == "tamper") {
    // Flip a ciphertext byte, and move the sequence number ahead of the receiver's window: an old
    // sequence number would (rightly) be rejected as a replay before the ICV is even computed.
    payload[payload.size() / 2] ^= 0x5a;
    payload[5] ^= 0x40;
  }

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(4500);
  if (inet_pton(AF_INET, dest.c_str(), &to.sin_addr) != 1) {
    std::cerr << "esp_inject: bad address " << dest << "\n";
    return 2;
  }
  if (sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    std::perror("esp_inject: sendto");
    return 1;
  }
  close(fd);
  std::cout << "esp_inject: sent " << mode << " of ESP packet #" << index << " (" << payload.size() << " bytes, SPI 0x"
            << std::hex << (uint32_t(payload[0]) << 24 | uint32_t(payload[1]) << 16 | uint32_t(payload[2]) << 8 | payload[3])
            << ") to " << dest << ":4500\n";
  return 0;
}
