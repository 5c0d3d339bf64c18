// The responder side of one IKE SA, as AWS's tunnel endpoint is with startup action "Add" (the
// customer gateway initiates): IKE_SA_INIT, then IKE_AUTH with a pre-shared key, which also
// creates the first Child SA. I/O-free: fed whole datagrams, it answers with the datagram to send
// and, once IKE_AUTH succeeds, the Child SA's keys for the data plane.
//
// After that it answers CREATE_CHILD_SA for new or rekeyed Child SAs (with PFS when the request
// carries KE) and INFORMATIONAL (liveness checks, DELETE of Child SAs or of the IKE SA).
// It also sends liveness checks of its own for dead-peer detection.
// Not yet here: IKE SA rekey, other requests of our own, cookies.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/ike/crypto.hpp"
#include "control/ike/encrypted_payload.hpp"
#include "control/ike/message.hpp"

namespace vpngw::ike {

struct ResponderConfig {
  std::string psk;
  Identification local_id;  // usually our outside IPv4 address
  std::optional<Identification> remote_id;  // checked when set
  // Our data plane speaks ESP only inside UDP: send a NAT_DETECTION_SOURCE_IP that cannot match,
  // so the peer believes we are behind NAT and encapsulates (RFC 7296 2.23 allows this; strongSwan
  // calls it encap=yes).
  bool force_udp_encapsulation = true;
  std::vector<Proposal> ike_proposals;  // in preference order (AWS: lowest configured value first)
  std::vector<Proposal> esp_proposals;
};

// Keys for the data plane, from our point of view.
struct ChildSaKeys {
  uint32_t spi_in = 0, spi_out = 0;
  uint16_t encr = 0, key_bits = 0, integ = 0;
  bool esn = false;
  Bytes encr_in, encr_out;  // key plus salt for AES-GCM
  Bytes integ_in, integ_out;
  std::optional<uint32_t> rekeys_spi_in;  // CREATE_CHILD_SA with REKEY_SA: our inbound SPI it replaces
};

enum class IkeState { idle, init_done, established, failed };
const char* ike_state_name(IkeState s);  // AWS's words: Negotiating, Established, Down

class IkeSaResponder {
 public:
  IkeSaResponder(ResponderConfig cfg, uint64_t spi_r);

  // Addresses and ports of the datagram (host order), for the NAT_DETECTION hashes.
  struct Endpoints {
    uint32_t local_ip = 0, remote_ip = 0;
    uint16_t local_port = 500, remote_port = 500;
  };
  struct Outcome {
    std::vector<uint8_t> reply;  // empty: nothing to send
    std::optional<ChildSaKeys> child;
    std::vector<uint32_t> deleted_spis_in;  // Child SAs the peer deleted (our inbound SPIs)
    std::string log;  // what happened, in AWS's wording where AWS has one
    bool ike_sa_deleted = false;  // the peer deleted the IKE SA (and with it every Child SA)
    bool answered = false;  // the datagram answered our own outstanding request
  };
  Outcome handle(std::span<const uint8_t> datagram, const Endpoints& ep);

  // Our own requests (we are the IKE SA's responder, but either side may ask). One at a time: a
  // liveness check (an empty INFORMATIONAL, RFC 7296 1.4) for dead-peer detection, resent as
  // the same bytes until answered.
  std::vector<uint8_t> liveness_request();
  // An INFORMATIONAL DELETE of the whole IKE SA (we are going away); the SA is Down after it.
  std::vector<uint8_t> delete_request();
  bool request_outstanding() const { return !our_request_.empty(); }
  const std::vector<uint8_t>& outstanding_request() const { return our_request_; }

  IkeState state() const { return state_; }
  uint64_t spi_i() const { return spi_i_; }
  uint64_t spi_r() const { return spi_r_; }

 private:
  Outcome on_init(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep);
  std::optional<Message> open_request(const Message& m, std::span<const uint8_t> bytes, std::string& why);
  Outcome on_auth(const Message& m, std::span<const uint8_t> bytes);
  Outcome on_create_child(const Message& m, std::span<const uint8_t> bytes);
  Outcome on_informational(const Message& m, std::span<const uint8_t> bytes);
  // Keys and our answer for a chosen ESP proposal; `dh_secret` is g^ir for PFS, else empty.
  ChildSaKeys make_child(const Proposal& ours, const Proposal& theirs, std::span<const uint8_t> dh_secret,
                         std::span<const uint8_t> ni, std::span<const uint8_t> nr, Proposal& answer);
  std::vector<uint8_t> informational_request(const std::vector<Payload>& payloads);
  Outcome on_response(const Message& m, std::span<const uint8_t> bytes);
  Outcome notify_reply(const Header& request, uint16_t type, Bytes data, std::string log, bool encrypted);

  ResponderConfig cfg_;
  IkeState state_ = IkeState::idle;
  uint64_t spi_i_ = 0, spi_r_;
  Proposal ike_;  // the chosen IKE proposal
  std::optional<PrfAlg> prf_;
  Bytes ni_, nr_, init_request_, init_response_;
  IkeKeys keys_;
  SkKeys from_initiator_, to_initiator_;
  uint32_t next_message_id_ = 0;
  std::vector<uint8_t> last_response_;  // answered again when the request is retransmitted
  Bytes last_request_;
  uint32_t our_next_message_id_ = 0;  // our requests have their own message ID sequence
  std::vector<uint8_t> our_request_;  // outstanding, empty when none
  std::vector<std::pair<uint32_t, uint32_t>> children_;  // (our inbound SPI, their inbound SPI)
};

}  // namespace vpngw::ike
