// One IKE SA with a pre-shared key, from either end. I/O-free: fed whole datagrams, it answers
// with the datagram to send and reports Child SA keys for the data plane.
//
//   responder (AWS's tunnel endpoint with startup action "Add"): answers IKE_SA_INIT, then
//     IKE_AUTH with a PSK, which also creates the first Child SA;
//   initiator (startup action "Start", DPD action "Restart", or vpngw as the customer gateway):
//     start() sends IKE_SA_INIT (retrying with the group INVALID_KE_PAYLOAD asks for and with a
//     COOKIE when the responder demands one), then IKE_AUTH.
//
// Once established both ends answer the peer's CREATE_CHILD_SA (new or rekeyed Child SAs, PFS
// when KE is present) and INFORMATIONAL (liveness checks, DELETE), and send requests of their
// own, one at a time (RFC 7296 2.3 window of 1): liveness checks, Child SA rekeys with PFS, and
// DELETEs, and IKE SA rekeys. A request is kept as bytes and resent unchanged until answered (retransmission timing
// is the caller's). Either side may also rekey the IKE SA itself: a successor IkeSa takes over.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/ike/crypto.hpp"
#include "proto/ike/encrypted_payload.hpp"
#include "proto/ike/message.hpp"

namespace vpngw::ike {

struct IkeConfig {
  std::string psk;
  Identification local_id;  // usually our outside IPv4 address
  std::optional<Identification> remote_id;  // checked when set
  std::vector<Proposal> ike_proposals;  // in preference order (AWS: lowest configured value first)
  std::vector<Proposal> esp_proposals;
  // Our data plane speaks ESP only inside UDP: as responder, send a NAT_DETECTION_SOURCE_IP that
  // cannot match, so the peer believes we are behind NAT and encapsulates (RFC 7296 2.23 allows
  // this; strongSwan calls it encap=yes). As initiator, the same for NAT_DETECTION_SOURCE_IP.
  bool force_udp_encapsulation = true;
};

// Keys for the data plane, from our point of view.
struct ChildSaKeys {
  uint32_t spi_in = 0, spi_out = 0;
  uint16_t encr = 0, key_bits = 0, integ = 0;
  bool esn = false;
  Bytes encr_in, encr_out;  // key plus salt for AES-GCM
  Bytes integ_in, integ_out;
  std::optional<uint32_t> rekeys_spi_in;  // a rekey: our inbound SPI of the Child SA it replaces
  bool we_initiated = false;  // created by our request: the peer already has both directions
};

enum class IkeState { idle, init_done, established, failed };
const char* ike_state_name(IkeState s);  // AWS's words: Negotiating, Established, Down

class IkeSa {
 public:
  enum class Role { initiator, responder };

  // Addresses and ports of the datagram (host order), for the NAT_DETECTION hashes.
  struct Endpoints {
    uint32_t local_ip = 0, remote_ip = 0;
    uint16_t local_port = 500, remote_port = 500;
  };
  struct Outcome {
    std::vector<uint8_t> reply;  // empty: nothing to send
    std::optional<ChildSaKeys> child;
    std::vector<uint32_t> deleted_spis_in;  // Child SAs that are gone (our inbound SPIs)
    std::string log;  // what happened, in AWS's wording where AWS has one
    bool ike_sa_deleted = false;  // the IKE SA is gone (with its Child SAs, unless superseded)
    bool answered = false;  // the datagram answered our own outstanding request
    // An IKE SA rekey (either side asked) created this SA's successor, which now owns every
    // Child SA; the old one lives until its DELETE.
    std::unique_ptr<IkeSa> successor;
  };

  // A responder for an incoming IKE_SA_INIT; `spi` is our (responder) SPI.
  IkeSa(IkeConfig cfg, uint64_t spi);
  // An initiator; `spi` is our (initiator) SPI. Call start() for the first request.
  IkeSa(IkeConfig cfg, uint64_t spi, Role role);

  // Initiator: the IKE_SA_INIT request (also after an INVALID_KE_PAYLOAD or COOKIE answer).
  std::vector<uint8_t> start(const Endpoints& ep);

  Outcome handle(std::span<const uint8_t> datagram, const Endpoints& ep);

  // Our requests after IKE_AUTH. Each returns the bytes to send now, or nothing when another
  // request is outstanding (it is then queued and next_request() hands it out later).
  std::vector<uint8_t> liveness_request();
  // CREATE_CHILD_SA rekeying the Child SA with this inbound SPI (PFS with the first DH group of
  // our ESP proposals); the answer's Outcome carries the new keys with rekeys_spi_in set.
  std::vector<uint8_t> rekey_child_request(uint32_t spi_in);
  // CREATE_CHILD_SA rekeying this IKE SA (PFS with its DH group); the answer's Outcome carries
  // the successor, and the DELETE of this SA follows on its own.
  std::vector<uint8_t> rekey_ike_request();
  // INFORMATIONAL DELETE of one of our Child SAs (after our rekey).
  std::vector<uint8_t> delete_child_request(uint32_t spi_in);
  // An INFORMATIONAL DELETE of the whole IKE SA (we are going away); the SA is Down after it.
  std::vector<uint8_t> delete_request();
  // The next queued request once none is outstanding (empty when there is none).
  std::vector<uint8_t> next_request();

  bool request_outstanding() const { return !our_request_.empty(); }
  const std::vector<uint8_t>& outstanding_request() const { return our_request_; }

  Role role() const { return role_; }
  bool superseded() const { return superseded_; }  // rekeyed: a successor took over
  IkeState state() const { return state_; }
  uint64_t spi_i() const { return spi_i_; }
  uint64_t spi_r() const { return spi_r_; }
  const Proposal& ike_proposal() const { return ike_; }
  // Our inbound SPIs of the live Child SAs, oldest first.
  std::vector<uint32_t> child_spis_in() const;

 private:
  enum class Pending { none, init, auth, rekey, rekey_ike, informational };
  struct Queued {
    enum Kind { liveness, rekey, delete_child, rekey_ike, delete_ike } kind;
    uint32_t spi_in;
  };

  bool initiator() const { return role_ == Role::initiator; }
  uint64_t our_spi() const { return initiator() ? spi_i_ : spi_r_; }
  uint8_t request_flags() const;
  uint8_t response_flags() const;

  // Requests from the peer.
  Outcome on_init(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep);
  std::optional<Message> open_request(const Message& m, std::span<const uint8_t> bytes, std::string& why);
  Outcome on_auth(const Message& m, std::span<const uint8_t> bytes);
  Outcome on_create_child(const Message& m, std::span<const uint8_t> bytes);
  Outcome on_informational(const Message& m, std::span<const uint8_t> bytes);
  // Answers to our requests (ike_sa_initiator.cpp).
  Outcome on_response(const Message& m, std::span<const uint8_t> bytes, const Endpoints& ep);
  Outcome on_init_response(const Message& m, const Endpoints& ep);
  Outcome on_auth_response(const std::vector<Payload>& inner);
  Outcome on_rekey_response(const std::vector<Payload>& inner);
  Outcome on_ike_rekey(const Message& plain, const Header& response_header);
  Outcome on_ike_rekey_response(const std::vector<Payload>& inner);
  // The IKE SA that replaces this one after a rekey; `role`: whoever asked for the rekey is its
  // initiator (RFC 7296 2.18). Child SAs move over.
  std::unique_ptr<IkeSa> make_successor(Role role, uint64_t spi_i, uint64_t spi_r, const Proposal& chosen,
                                        const Bytes& ni, const Bytes& nr, std::span<const uint8_t> secret);
  Outcome on_informational_response(const std::vector<Payload>& inner);
  std::vector<uint8_t> auth_request();
  std::vector<uint8_t> send_request(Exchange ex, const std::vector<Payload>& payloads, Pending what);
  std::vector<uint8_t> build_queued(const Queued& q);
  std::vector<uint8_t> send_or_queue(const Queued& q);

  // Key material after IKE_SA_INIT, either role.
  bool derive_keys(std::span<const uint8_t> shared_secret, std::string& why);
  void use_keys(const IkeKeys& keys);
  // Keys for a chosen ESP proposal; `dh_secret` is g^ir for PFS, else empty. `we_asked`: we
  // sent the request of the exchange that creates it (its Ni is ours), which decides the order.
  ChildSaKeys make_child(const Proposal& chosen, uint32_t spi_in, uint32_t spi_out, std::span<const uint8_t> dh_secret,
                         std::span<const uint8_t> ni, std::span<const uint8_t> nr, bool we_asked);
  Outcome notify_reply(const Header& request, uint16_t type, Bytes data, std::string log, bool encrypted);
  static uint32_t random_spi();

  IkeConfig cfg_;
  Role role_;
  IkeState state_ = IkeState::idle;
  uint64_t spi_i_ = 0, spi_r_ = 0;
  Proposal ike_;  // the chosen IKE proposal
  std::optional<PrfAlg> prf_;
  Bytes ni_, nr_, init_request_, init_response_;
  IkeKeys keys_;
  SkKeys in_keys_, out_keys_;  // what the peer sends us / what we send
  uint32_t next_message_id_ = 0;  // the peer's next request
  std::vector<uint8_t> last_response_;  // answered again when the request is retransmitted
  Bytes last_request_;
  // Our requests: their own message ID sequence, one outstanding, the rest queued.
  uint32_t our_next_message_id_ = 0;
  std::vector<uint8_t> our_request_;
  Pending pending_ = Pending::none;
  std::deque<Queued> queue_;
  // Initiator state between messages.
  std::unique_ptr<DiffieHellman> dh_;
  uint16_t ke_group_ = 0;
  Bytes cookie_;
  uint32_t auth_child_spi_ = 0;  // our SPI offered in IKE_AUTH
  struct RekeyInFlight {
    uint32_t old_spi_in, new_spi_in;
    Bytes ni;
    std::unique_ptr<DiffieHellman> dh;
  };
  std::optional<RekeyInFlight> rekey_;
  struct IkeRekeyInFlight {
    uint64_t new_spi;
    Bytes ni;
    std::unique_ptr<DiffieHellman> dh;
  };
  std::optional<IkeRekeyInFlight> ike_rekey_;
  bool superseded_ = false;
  bool deleting_ike_ = false;  // our outstanding INFORMATIONAL deletes this IKE SA
  std::vector<std::pair<uint32_t, uint32_t>> children_;  // (our inbound SPI, their inbound SPI)
};

}  // namespace vpngw::ike
