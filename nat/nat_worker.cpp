#include "nat/nat_worker.hpp"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "common/bytes.hpp"

namespace vpngw {
namespace {

constexpr size_t kBatch = 64;
constexpr size_t kSlot = 2048;  // ENI MTU 1500 + Ethernet header, and room for ICMP errors

uint32_t seconds_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint32_t(ts.tv_sec);
}

}  // namespace

class NatWorker::TapOutput : public nat::EniOutput {
 public:
  explicit TapOutput(TunDevice& tap) : tap_(tap) {}
  void write_frame(std::span<const uint8_t> frame) override {
    PacketView v{const_cast<uint8_t*>(frame.data()), frame.size()};
    tap_.write_batch(0, std::span<const PacketView>(&v, 1));
  }

 private:
  TunDevice& tap_;
};

NatWorker::NatWorker(TunDevice& tun, std::vector<Port> ports, const nat::TranslatorConfig& cfg)
    : tun_(tun), ports_(std::move(ports)), nat_(cfg) {
  for (auto& p : ports_) {
    outputs_.push_back(std::make_unique<TapOutput>(*p.tap));
    enis_.push_back(std::make_unique<nat::Eni>(p.eni, *outputs_.back()));
  }
}

NatWorker::~NatWorker() { stop(); }

void NatWorker::start() { loop_.spawn([this] { run(); }); }

void NatWorker::stop() { loop_.stop(); }

void NatWorker::run() {
  // fds[0] the TUN (clients), fds[1 + e] ENI e's TAP (the VPC).
  std::vector<pollfd> fds;
  fds.push_back({tun_.fd(0), POLLIN, 0});
  for (auto& p : ports_) fds.push_back({p.tap->fd(0), POLLIN, 0});
  std::vector<std::array<uint8_t, kSlot>> slots(kBatch);
  std::array<PacketView, kBatch> views;
  uint32_t last_expire = seconds_now();
  for (;;) {
    if (loop_.wait(fds, 1000) == Wake::stop) break;
    const uint32_t now = seconds_now();
    if (now != last_expire) {
      nat_.expire(now);
      last_expire = now;
    }
    // Clients -> VPC. Packets are read after the room an Ethernet header needs.
    if (fds[0].revents & POLLIN) {
      for (size_t i = 0; i < kBatch; ++i) views[i] = {slots[i].data() + nat::kEthHeader, kSlot - nat::kEthHeader};
      const size_t n = tun_.read_batch(0, views);
      for (size_t i = 0; i < n; ++i) {
        std::span<uint8_t> pkt(slots[i].data() + nat::kEthHeader, kSlot - nat::kEthHeader);
        uint8_t eni = 0;
        if (views[i].len >= 20) {
          const uint32_t dst = load_be32(pkt.data() + 16);
          for (size_t e = 0; e < enis_.size(); ++e)
            if (enis_[e]->contains(dst)) { eni = uint8_t(e); break; }
        }
        const nat::Verdict v = nat_.outbound(pkt, views[i].len, eni, now);
        if (v.action == nat::Action::to_outside) {
          enis_[v.eni]->send(std::span<uint8_t>(slots[i].data(), kSlot), v.len, now);
        } else if (v.action == nat::Action::to_inside || v.action == nat::Action::reply) {
          PacketView out{pkt.data(), v.len};
          tun_.write_batch(0, std::span<const PacketView>(&out, 1));
        }
      }
    }
    // VPC -> clients.
    for (size_t e = 0; e < enis_.size(); ++e) {
      if (!(fds[1 + e].revents & POLLIN)) continue;
      for (size_t i = 0; i < kBatch; ++i) views[i] = {slots[i].data(), kSlot};
      const size_t n = ports_[e].tap->read_batch(0, views);
      for (size_t i = 0; i < n; ++i) {
        std::span<uint8_t> ip = enis_[e]->receive(std::span<uint8_t>(slots[i].data(), views[i].len), now);
        if (ip.empty()) continue;
        std::span<uint8_t> room(ip.data(), kSlot - nat::kEthHeader);
        const nat::Verdict v = nat_.inbound(room, ip.size(), uint8_t(e), now);
        if (v.action == nat::Action::to_inside) {
          PacketView out{ip.data(), v.len};
          tun_.write_batch(0, std::span<const PacketView>(&out, 1));
        }
      }
    }
  }
}

}  // namespace vpngw
