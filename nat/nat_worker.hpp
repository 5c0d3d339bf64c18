// The NAT data path on one thread: packets from clients arrive on the TUN device, go through the
// translator and leave through an ENI (TAP); frames on an ENI are answered (ARP, echo) or
// translated back and written to the TUN. The thread owns the translator and the ENIs, so the
// path has no locks; the control thread only reads their counters.
//
//   TUN read batch -> pick the ENI whose subnet holds the destination (else the first) ->
//   Translator::outbound -> Eni::send (ARP if needed) | back to the TUN (hairpin, ICMP 3/13)
//   TAP read batch -> Eni::receive -> Translator::inbound -> TUN write
#pragma once

#include <atomic>
#include <memory>
#include "dataplane/packet_loop.hpp"
#include <vector>

#include "nat/eni.hpp"
#include "nat/translator.hpp"
#include "tun/tun_device.hpp"

namespace vpngw {

class NatWorker {
 public:
  struct Port {
    TunDevice* tap;
    nat::EniConfig eni;
  };
  NatWorker(TunDevice& tun, std::vector<Port> ports, const nat::TranslatorConfig& cfg);
  ~NatWorker();

  void start();
  void stop();

  const nat::Translator& translator() const { return nat_; }
  const nat::Eni& eni(size_t i) const { return *enis_[i]; }
  size_t eni_count() const { return enis_.size(); }

 private:
  class TapOutput;
  void run();

  TunDevice& tun_;
  std::vector<Port> ports_;
  nat::Translator nat_;
  std::vector<std::unique_ptr<TapOutput>> outputs_;
  std::vector<std::unique_ptr<nat::Eni>> enis_;
  PacketLoop loop_;  // last: its thread stops before the members it uses go
};

}  // namespace vpngw
