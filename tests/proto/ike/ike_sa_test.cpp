// The IKE responder driven by a minimal initiator written here from the RFC 7296 formulas: both
// sides must agree on every key, each must verify the other's AUTH, and the refusals AWS logs
// (No Proposal Match Found, AUTHENTICATION_FAILED, TS_UNACCEPTABLE, INVALID_KE_PAYLOAD) come back
// as the right notify.
#include <gtest/gtest.h>

#include "common/bytes.hpp"
#include "proto/ike/proposal_select.hpp"
#include "proto/ike/ike_sa.hpp"

namespace vpngw::ike {
namespace {

const IkeSa::Endpoints kEp{0xc6336401, 0xc6336402, 500, 500};  // 198.51.100.1 <- .2

IkeConfig aws_side() {
  IkeConfig c;
  c.psk = "aws_psk.example_0123";
  c.local_id = {id_type::ipv4, {198, 51, 100, 1}};
  c.ike_proposals = {make_ike_proposal(encr_id::aes_cbc, 128, prf_id::hmac_sha1, integ_id::hmac_sha1_96, dh_group::modp2048),
                     make_ike_proposal(encr_id::aes_gcm_16, 256, prf_id::hmac_sha2_256, integ_id::none, dh_group::ecp256)};
  c.esp_proposals = {make_esp_proposal(encr_id::aes_gcm_16, 128, integ_id::none, true),
                     make_esp_proposal(encr_id::aes_cbc, 256, integ_id::hmac_sha2_256_128, false)};
  return c;
}

// The customer gateway's half, enough to drive one IKE_SA_INIT + IKE_AUTH.
struct Initiator {
  std::string psk = "aws_psk.example_0123";
  Proposal ike = make_ike_proposal(encr_id::aes_gcm_16, 256, prf_id::hmac_sha2_256, integ_id::none, dh_group::ecp256);
  Proposal esp = make_esp_proposal(encr_id::aes_gcm_16, 128, integ_id::none, true);
  std::vector<TrafficSelector> ts{TrafficSelector::any_v4()};
  uint16_t ke_group = dh_group::ecp256;
  uint64_t spi_i = 0x0a0b0c0d0e0f1011;
  std::unique_ptr<DiffieHellman> dh = DiffieHellman::create(dh_group::ecp256);
  Bytes ni = Bytes(32, 0x5a), nr, init_request, init_response;
  uint64_t spi_r = 0;
  IkeKeys keys;
  SkKeys out, in;
  PrfAlg prf = PrfAlg::hmac_sha256;
  Bytes esp_spi{0xc0, 0x01, 0x02, 0x03};

  Bytes sa_init() {
    Header h;
    h.spi_i = spi_i;
    h.flags = kFlagInitiator;
    auto group_dh = DiffieHellman::create(ke_group);
    if (ke_group != dh->group()) dh = std::move(group_dh);
    init_request = encode_message(h, {{payload::sa, false, encode_sa({ike})},
                                      {payload::ke, false, encode_ke({ke_group, dh->public_value()})},
                                      {payload::nonce, false, ni},
                                      {payload::notify, false, encode_notify({Protocol::ike, {}, notify::nat_detection_source_ip, Bytes(20, 1)})}});
    return init_request;
  }

  // Returns the notify type if the answer is one, else 0 after deriving keys.
  uint16_t take_init_response(const Bytes& r) {
    auto m = parse_message(r);
    EXPECT_TRUE(m);
    if (auto* n = m->find(payload::notify); n && !m->find(payload::sa)) return parse_notify(n->body)->type;
    init_response = r;
    spi_r = m->header.spi_r;
    nr = m->find(payload::nonce)->body;
    auto secret = dh->shared_secret(parse_ke(m->find(payload::ke)->body)->data);
    EXPECT_TRUE(secret);
    keys = derive_ike_keys(prf, ni, nr, secret.value(), spi_i, spi_r, 0, 36);
    out = SkKeys{encr_id::aes_gcm_16, integ_id::none, keys.sk_ei, {}};
    in = SkKeys{encr_id::aes_gcm_16, integ_id::none, keys.sk_er, {}};
    return 0;
  }

  Bytes auth() {
    const Bytes idi = encode_id({id_type::ipv4, {198, 51, 100, 2}});
    Proposal p = esp;
    p.spi = esp_spi;
    Header h;
    h.spi_i = spi_i;
    h.spi_r = spi_r;
    h.exchange = Exchange::ike_auth;
    h.flags = kFlagInitiator;
    h.message_id = 1;
    return seal_message(h, {{payload::idi, false, idi},
                            {payload::auth, false, encode_auth({kAuthSharedKey, psk_auth(prf, psk, init_request, nr, keys.sk_pi, idi)})},
                            {payload::sa, false, encode_sa({p})},
                            {payload::tsi, false, encode_ts(ts)},
                            {payload::tsr, false, encode_ts(ts)}},
                        out);
  }

  // The decrypted IKE_AUTH response.
  std::vector<Payload> open(const Bytes& r) {
    auto m = parse_message(r);
    EXPECT_TRUE(m);
    auto inner = open_message(r, m.value(), in);
    EXPECT_TRUE(inner) << (inner ? "" : inner.error());
    return inner ? inner.value() : std::vector<Payload>{};
  }
};

const Payload* find(const std::vector<Payload>& ps, uint8_t type) {
  for (const auto& p : ps)
    if (p.type == type) return &p;
  return nullptr;
}

TEST(IkeResponder, PskHandshakeAgreesOnEveryKey) {
  IkeSa aws(aws_side(), 0x1111222233334444);
  Initiator cgw;
  auto init = aws.handle(cgw.sa_init(), kEp);
  ASSERT_FALSE(init.reply.empty()) << init.log;
  ASSERT_EQ(cgw.take_init_response(init.reply), 0);
  EXPECT_EQ(aws.state(), IkeState::init_done);
  // The responder chose our second IKE proposal, the only one the initiator offers.
  auto chosen = parse_sa(parse_message(init.reply)->find(payload::sa)->body);
  EXPECT_EQ(chosen->at(0).transforms, cgw.ike.transforms);

  const Bytes auth_request = cgw.auth();
  auto auth = aws.handle(auth_request, kEp);
  ASSERT_TRUE(auth.child) << auth.log;
  EXPECT_EQ(aws.state(), IkeState::established);
  const auto inner = cgw.open(auth.reply);
  // The responder's AUTH verifies with our formula.
  const Payload* idr = find(inner, payload::idr);
  ASSERT_TRUE(idr);
  EXPECT_EQ(parse_auth(find(inner, payload::auth)->body)->data,
            psk_auth(cgw.prf, cgw.psk, cgw.init_response, cgw.ni, cgw.keys.sk_pr, idr->body));
  // Child SA keys: the initiator's outbound is the responder's inbound.
  Bytes nonces = cgw.ni;
  nonces.insert(nonces.end(), cgw.nr.begin(), cgw.nr.end());
  const Bytes km = prf_plus(cgw.prf, cgw.keys.sk_d, nonces, 2 * 20);
  EXPECT_EQ(auth.child->encr_in, Bytes(km.begin(), km.begin() + 20));
  EXPECT_EQ(auth.child->encr_out, Bytes(km.begin() + 20, km.end()));
  EXPECT_EQ(auth.child->spi_out, 0xc0010203u);
  auto sar = parse_sa(find(inner, payload::sa)->body);
  EXPECT_EQ(load_be32(sar->at(0).spi.data()), auth.child->spi_in);
  EXPECT_TRUE(auth.child->esn);

  // A retransmitted IKE_AUTH gets the same answer, and no second Child SA.
  auto again = aws.handle(auth_request, kEp);
  EXPECT_EQ(again.reply, auth.reply);
  EXPECT_FALSE(again.child);
  // A new request with an old message ID is dropped.
  EXPECT_TRUE(aws.handle(cgw.auth(), kEp).reply.empty());
}

// After IKE_AUTH: the initiator's later requests, sealed like the real ones.
Bytes sealed_request(Initiator& cgw, Exchange ex, uint32_t id, const std::vector<Payload>& inner) {
  Header h;
  h.spi_i = cgw.spi_i;
  h.spi_r = cgw.spi_r;
  h.exchange = ex;
  h.flags = kFlagInitiator;
  h.message_id = id;
  return seal_message(h, inner, cgw.out);
}

TEST(IkeResponder, RekeyWithPfsLivenessAndDelete) {
  IkeConfig cfg = aws_side();
  Proposal pfs = make_esp_proposal(encr_id::aes_gcm_16, 128, integ_id::none, true);
  pfs.transforms.push_back({transform::dh, dh_group::ecp256, {}});
  cfg.esp_proposals = {pfs};
  IkeSa aws(cfg, 7);
  Initiator cgw;
  ASSERT_EQ(cgw.take_init_response(aws.handle(cgw.sa_init(), kEp).reply), 0);
  auto first = aws.handle(cgw.auth(), kEp);  // the DH transform does not count in IKE_AUTH
  ASSERT_TRUE(first.child) << first.log;

  // CREATE_CHILD_SA rekeying the first Child SA with PFS (ECP-256).
  auto dh = DiffieHellman::create(dh_group::ecp256);
  Proposal offer = pfs;
  offer.spi = {0xc0, 0x0f, 0xfe, 0xe0};
  const Bytes ni2(32, 0x77);
  Bytes old_spi(4);
  store_be32(old_spi.data(), first.child->spi_out);
  auto rekey = aws.handle(sealed_request(cgw, Exchange::create_child_sa, 2,
                                         {{payload::notify, false, encode_notify({Protocol::esp, old_spi, notify::rekey_sa, {}})},
                                          {payload::sa, false, encode_sa({offer})},
                                          {payload::nonce, false, ni2},
                                          {payload::ke, false, encode_ke({dh_group::ecp256, dh->public_value()})},
                                          {payload::tsi, false, encode_ts({TrafficSelector::any_v4()})},
                                          {payload::tsr, false, encode_ts({TrafficSelector::any_v4()})}}),
                          kEp);
  ASSERT_TRUE(rekey.child) << rekey.log;
  EXPECT_NE(rekey.log.find("with PFS (rekeys"), std::string::npos) << rekey.log;
  const auto answer = cgw.open(rekey.reply);
  const Bytes nr2 = find(answer, payload::nonce)->body;
  auto secret = dh->shared_secret(parse_ke(find(answer, payload::ke)->body)->data);
  ASSERT_TRUE(secret);
  Bytes seed = secret.value();
  seed.insert(seed.end(), ni2.begin(), ni2.end());
  seed.insert(seed.end(), nr2.begin(), nr2.end());
  const Bytes km = prf_plus(cgw.prf, cgw.keys.sk_d, seed, 40);
  EXPECT_EQ(rekey.child->encr_in, Bytes(km.begin(), km.begin() + 20)) << "KEYMAT = prf+(SK_d, g^ir | Ni | Nr)";
  EXPECT_EQ(rekey.child->spi_out, 0xc00ffee0u);
  EXPECT_EQ(rekey.child->rekeys_spi_in, first.child->spi_in) << "REKEY_SA names the old SA by our outbound SPI";

  // A liveness check is an empty INFORMATIONAL, answered empty.
  auto dpd = aws.handle(sealed_request(cgw, Exchange::informational, 3, {}), kEp);
  EXPECT_TRUE(cgw.open(dpd.reply).empty());
  EXPECT_EQ(dpd.log, "liveness check answered");

  // Deleting the old Child SA is answered with the DELETE of our paired SA.
  auto del = aws.handle(sealed_request(cgw, Exchange::informational, 4,
                                       {{payload::del, false, encode_delete({Protocol::esp, {old_spi}})}}),
                        kEp);
  ASSERT_EQ(del.deleted_spis_in, std::vector<uint32_t>{first.child->spi_in});
  auto ours = parse_delete(find(cgw.open(del.reply), payload::del)->body);
  ASSERT_EQ(ours->spis.size(), 1u);
  EXPECT_EQ(load_be32(ours->spis[0].data()), first.child->spi_in);

  // A KE of the wrong group is refused with the group we want.
  auto wrong = DiffieHellman::create(dh_group::modp2048);
  auto bad = aws.handle(sealed_request(cgw, Exchange::create_child_sa, 5,
                                       {{payload::sa, false, encode_sa({offer})},
                                        {payload::nonce, false, ni2},
                                        {payload::ke, false, encode_ke({dh_group::modp2048, wrong->public_value()})},
                                        {payload::tsi, false, encode_ts({TrafficSelector::any_v4()})},
                                        {payload::tsr, false, encode_ts({TrafficSelector::any_v4()})}}),
                        kEp);
  EXPECT_FALSE(bad.child);
  auto n = parse_notify(find(cgw.open(bad.reply), payload::notify)->body);
  EXPECT_EQ(n->type, notify::invalid_ke_payload);
  EXPECT_EQ(n->data, (Bytes{0, dh_group::ecp256}));
}

// Our own requests: a liveness check the initiator answers (the response carries its I flag), and
// the DELETE of the IKE SA when we go away.
TEST(IkeResponder, OwnLivenessCheckAndDelete) {
  IkeSa aws(aws_side(), 7);
  Initiator cgw;
  EXPECT_TRUE(aws.liveness_request().empty()) << "no request before the IKE SA exists";
  ASSERT_EQ(cgw.take_init_response(aws.handle(cgw.sa_init(), kEp).reply), 0);
  ASSERT_TRUE(aws.handle(cgw.auth(), kEp).child);

  const Bytes req = aws.liveness_request();
  ASSERT_FALSE(req.empty());
  EXPECT_TRUE(aws.liveness_request().empty()) << "one request at a time";
  EXPECT_EQ(aws.outstanding_request(), req) << "a retransmission is the same bytes";
  auto m = parse_message(req);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.flags, 0) << "the original responder's request has neither I nor R";
  EXPECT_EQ(m->header.message_id, 0u) << "our requests have their own message IDs";
  EXPECT_TRUE(cgw.open(req).empty());

  Header h = m->header;
  h.flags = kFlagInitiator | kFlagResponse;
  h.message_id = 1;  // not the ID we asked with
  EXPECT_FALSE(aws.handle(seal_message(h, {}, cgw.out), kEp).answered);
  h.message_id = 0;
  auto answer = aws.handle(seal_message(h, {}, cgw.out), kEp);
  EXPECT_TRUE(answer.answered) << answer.log;
  EXPECT_FALSE(aws.request_outstanding());
  EXPECT_EQ(parse_message(aws.liveness_request())->header.message_id, 1u);

  const Bytes del = aws.delete_request();
  auto inner = cgw.open(del);
  ASSERT_EQ(inner.size(), 1u);
  EXPECT_EQ(parse_delete(inner[0].body)->protocol, Protocol::ike);
  EXPECT_EQ(aws.state(), IkeState::idle);
}

TEST(IkeResponder, RefusalsCarryTheRightNotify) {
  {
    IkeSa aws(aws_side(), 1);
    Initiator cgw;
    cgw.ike = make_ike_proposal(encr_id::aes_cbc, 256, prf_id::hmac_sha2_512, integ_id::hmac_sha2_512_256, dh_group::modp8192);
    auto r = aws.handle(cgw.sa_init(), kEp);
    EXPECT_EQ(cgw.take_init_response(r.reply), notify::no_proposal_chosen);
    EXPECT_NE(r.log.find("No Proposal Match Found"), std::string::npos);
  }
  {
    IkeSa aws(aws_side(), 2);
    Initiator cgw;
    cgw.ke_group = dh_group::curve25519;  // proposes ECP-256 but sends a Curve25519 KE
    auto r = aws.handle(cgw.sa_init(), kEp);
    ASSERT_FALSE(r.reply.empty());
    auto m = parse_message(r.reply);
    auto n = parse_notify(m->find(payload::notify)->body);
    EXPECT_EQ(n->type, notify::invalid_ke_payload);
    EXPECT_EQ(n->data, (Bytes{0, dh_group::ecp256}));
    EXPECT_EQ(m->header.spi_r, 0u);
  }
  {
    IkeSa aws(aws_side(), 3);
    Initiator cgw;
    cgw.psk = "not_the_key";
    ASSERT_EQ(cgw.take_init_response(aws.handle(cgw.sa_init(), kEp).reply), 0);
    auto r = aws.handle(cgw.auth(), kEp);
    EXPECT_FALSE(r.child);
    EXPECT_EQ(parse_notify(find(cgw.open(r.reply), payload::notify)->body)->type, notify::authentication_failed);
    EXPECT_EQ(aws.state(), IkeState::failed);
  }
  {
    IkeSa aws(aws_side(), 4);
    Initiator cgw;
    TrafficSelector narrow = TrafficSelector::any_v4();
    narrow.end = IpAddress::v4_from_host_order(0x0a0000ff);
    cgw.ts = {narrow};
    ASSERT_EQ(cgw.take_init_response(aws.handle(cgw.sa_init(), kEp).reply), 0);
    auto r = aws.handle(cgw.auth(), kEp);
    EXPECT_FALSE(r.child);
    EXPECT_EQ(parse_notify(find(cgw.open(r.reply), payload::notify)->body)->type, notify::ts_unacceptable);
  }
  {
    IkeSa aws(aws_side(), 5);
    Initiator cgw;
    ASSERT_EQ(cgw.take_init_response(aws.handle(cgw.sa_init(), kEp).reply), 0);
    auto sealed = cgw.auth();
    sealed[sealed.size() - 3] ^= 1;  // inside the ICV
    auto r = aws.handle(sealed, kEp);
    EXPECT_TRUE(r.reply.empty()) << "a message failing its ICV is dropped silently";
    EXPECT_EQ(aws.state(), IkeState::init_done);
  }
}

}  // namespace
}  // namespace vpngw::ike

namespace vpngw::ike {
namespace {

// vpngw against vpngw, I/O-free: one IkeSa as initiator (the customer gateway side, or AWS with
// startup action Start), one as responder, exchanging byte buffers.
struct Pair {
  IkeConfig cgw_cfg = aws_side(), aws_cfg = aws_side();
  std::unique_ptr<IkeSa> cgw, aws;
  IkeSa::Endpoints to_aws{0xc6336402, 0xc6336401, 500, 500}, to_cgw{0xc6336401, 0xc6336402, 500, 500};
  std::optional<ChildSaKeys> cgw_child, aws_child;
  std::vector<std::string> log;

  // Delivers `bytes` to `to` and everything that follows from it, until nobody has anything to say.
  std::unique_ptr<IkeSa> old_cgw, old_aws;  // superseded by an IKE SA rekey, until deleted

  // Sends to the side's current SA, or to its superseded one when the SPIs say so.
  IkeSa& target(bool to_aws_side, std::span<const uint8_t> bytes) {
    auto& cur = to_aws_side ? aws : cgw;
    auto& old = to_aws_side ? old_aws : old_cgw;
    auto h = parse_header(bytes);
    if (old && h && h->spi_i == old->spi_i() && h->spi_r == old->spi_r()) return *old;
    return *cur;
  }

  void run(std::vector<uint8_t> bytes, bool to_aws_side) {
    for (int hops = 0; !bytes.empty() && hops < 20; ++hops) {
      IkeSa& peer = target(to_aws_side, bytes);
      auto out = peer.handle(bytes, to_aws_side ? to_aws : to_cgw);
      log.push_back(out.log);
      if (out.child) (to_aws_side ? aws_child : cgw_child) = out.child;
      if (out.successor) {
        (to_aws_side ? old_aws : old_cgw) = std::move(to_aws_side ? aws : cgw);
        (to_aws_side ? aws : cgw) = std::move(out.successor);
      }
      bytes = !out.reply.empty() ? out.reply : peer.next_request();
      to_aws_side = !to_aws_side;
      if (bytes.empty()) break;
    }
  }

  void establish() {
    cgw = std::make_unique<IkeSa>(cgw_cfg, 0x1111, IkeSa::Role::initiator);
    aws = std::make_unique<IkeSa>(aws_cfg, 0x2222);
    run(cgw->start(to_aws), true);
  }
};

void expect_paired(const ChildSaKeys& a, const ChildSaKeys& b) {
  EXPECT_EQ(a.spi_out, b.spi_in);
  EXPECT_EQ(a.spi_in, b.spi_out);
  EXPECT_EQ(a.encr_out, b.encr_in);
  EXPECT_EQ(a.encr_in, b.encr_out);
  EXPECT_EQ(a.integ_out, b.integ_in);
  EXPECT_NE(a.encr_in, a.encr_out);
}

TEST(IkeSaPair, InitiatorAndResponderAgreeOnEveryKey) {
  Pair p;
  p.establish();
  ASSERT_EQ(p.cgw->state(), IkeState::established) << testing::PrintToString(p.log);
  ASSERT_EQ(p.aws->state(), IkeState::established);
  ASSERT_TRUE(p.cgw_child && p.aws_child);
  expect_paired(*p.cgw_child, *p.aws_child);
  EXPECT_TRUE(p.cgw_child->we_initiated);
  EXPECT_EQ(p.cgw->spi_r(), 0x2222u);
}

TEST(IkeSaPair, InitiatorRetriesWithTheGroupTheResponderAsksFor) {
  Pair p;
  // The initiator leads with MODP-2048; the responder only takes ECP-256.
  p.cgw_cfg.ike_proposals = {make_ike_proposal(encr_id::aes_gcm_16, 256, prf_id::hmac_sha2_256, integ_id::none, dh_group::modp2048),
                             make_ike_proposal(encr_id::aes_gcm_16, 256, prf_id::hmac_sha2_256, integ_id::none, dh_group::ecp256)};
  p.aws_cfg.ike_proposals = {p.cgw_cfg.ike_proposals[1]};
  p.establish();
  EXPECT_EQ(p.cgw->state(), IkeState::established) << testing::PrintToString(p.log);
  EXPECT_NE(std::find_if(p.log.begin(), p.log.end(), [](const std::string& l) { return l.find("asked for DH group 19") != std::string::npos; }),
            p.log.end());
}

TEST(IkeSaPair, WrongPskFailsOnBothSides) {
  Pair p;
  p.cgw_cfg.psk = "not_the_key_000";
  p.establish();
  EXPECT_EQ(p.aws->state(), IkeState::failed);
  EXPECT_EQ(p.cgw->state(), IkeState::failed) << testing::PrintToString(p.log);
  EXPECT_FALSE(p.cgw_child);
}

TEST(IkeSaPair, EitherSideRekeysWithPfsThenDeletesTheOldSa) {
  Pair p;
  Proposal pfs = make_esp_proposal(encr_id::aes_cbc, 256, integ_id::hmac_sha2_256_128, false);
  pfs.transforms.push_back({transform::dh, dh_group::ecp256, {}});
  p.cgw_cfg.esp_proposals = p.aws_cfg.esp_proposals = {pfs};
  p.establish();
  ASSERT_TRUE(p.aws_child);
  const auto first_aws = *p.aws_child, first_cgw = *p.cgw_child;

  // The responder side (AWS) rekeys: AWS performs the rekey.
  p.run(p.aws->rekey_child_request(first_aws.spi_in), false);
  ASSERT_TRUE(p.aws_child && p.aws_child->spi_in != first_aws.spi_in) << testing::PrintToString(p.log);
  EXPECT_EQ(p.aws_child->rekeys_spi_in, first_aws.spi_in);
  EXPECT_TRUE(p.aws_child->we_initiated);
  EXPECT_EQ(p.cgw_child->rekeys_spi_in, first_cgw.spi_in);
  expect_paired(*p.cgw_child, *p.aws_child);
  EXPECT_NE(p.aws_child->encr_in, first_aws.encr_in);
  // The old SA was deleted on both sides after the rekey (make before break).
  EXPECT_EQ(p.aws->child_spis_in(), std::vector<uint32_t>{p.aws_child->spi_in});
  EXPECT_EQ(p.cgw->child_spis_in(), std::vector<uint32_t>{p.cgw_child->spi_in});

  // And the initiator side rekeys the new one.
  const auto second_cgw = *p.cgw_child;
  p.run(p.cgw->rekey_child_request(second_cgw.spi_in), true);
  EXPECT_EQ(p.cgw_child->rekeys_spi_in, second_cgw.spi_in);
  expect_paired(*p.cgw_child, *p.aws_child);
  EXPECT_EQ(p.cgw->child_spis_in().size(), 1u);

  // Liveness checks both ways.
  p.run(p.cgw->liveness_request(), true);
  p.run(p.aws->liveness_request(), false);
  EXPECT_FALSE(p.cgw->request_outstanding());
  EXPECT_FALSE(p.aws->request_outstanding());
}

TEST(IkeSaPair, InitiatorSendsTheCookieBackFirst) {
  Pair p;
  p.cgw = std::make_unique<IkeSa>(p.cgw_cfg, 0x1111, IkeSa::Role::initiator);
  p.aws = std::make_unique<IkeSa>(p.aws_cfg, 0x2222);
  const auto first = p.cgw->start(p.to_aws);
  Header h = parse_header(first).value();
  h.flags = kFlagResponse;
  const Bytes cookie(33, 0xc0);
  auto out = p.cgw->handle(encode_message(h, {{payload::notify, false, encode_notify({Protocol::ike, {}, notify::cookie, cookie})}}),
                           p.to_cgw);
  ASSERT_FALSE(out.reply.empty()) << out.log;
  auto again = parse_message(out.reply);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->payloads.front().type, payload::notify) << "RFC 7296 2.6: the COOKIE comes first";
  EXPECT_EQ(parse_notify(again->payloads.front().body)->data, cookie);
  p.run(out.reply, true);
  EXPECT_EQ(p.cgw->state(), IkeState::established) << testing::PrintToString(p.log);
}

TEST(IkeSaPair, IkeSaRekeyMovesChildSasToTheSuccessorAndDeletesTheOld) {
  Pair p;
  p.establish();
  const auto child = *p.aws_child;
  const uint64_t old_spi_i = p.cgw->spi_i();

  // AWS (the IKE SA's responder) rekeys the IKE SA: it becomes the new SA's initiator.
  p.run(p.aws->rekey_ike_request(), false);
  ASSERT_TRUE(p.old_aws && p.old_cgw) << testing::PrintToString(p.log);
  EXPECT_TRUE(p.old_aws->superseded());
  EXPECT_EQ(p.old_aws->state(), IkeState::idle) << "the old IKE SA is deleted after the rekey";
  EXPECT_EQ(p.old_cgw->state(), IkeState::idle);
  EXPECT_EQ(p.aws->role(), IkeSa::Role::initiator);
  EXPECT_EQ(p.cgw->role(), IkeSa::Role::responder);
  EXPECT_NE(p.cgw->spi_i(), old_spi_i);
  EXPECT_EQ(p.aws->spi_i(), p.cgw->spi_i());
  EXPECT_EQ(p.aws->child_spis_in(), std::vector<uint32_t>{child.spi_in}) << "Child SAs move to the successor";

  // The successors work: both sides' requests open with the new keys.
  p.run(p.cgw->rekey_child_request(p.cgw_child->spi_in), true);
  EXPECT_EQ(p.aws_child->rekeys_spi_in, child.spi_in) << testing::PrintToString(p.log);
  expect_paired(*p.cgw_child, *p.aws_child);
  p.run(p.aws->liveness_request(), false);
  EXPECT_FALSE(p.aws->request_outstanding());

  // And the customer gateway side rekeys it again.
  p.run(p.cgw->rekey_ike_request(), true);
  EXPECT_EQ(p.cgw->role(), IkeSa::Role::initiator);
  EXPECT_EQ(p.aws->state(), IkeState::established);
  p.run(p.aws->liveness_request(), false);
  EXPECT_FALSE(p.aws->request_outstanding()) << testing::PrintToString(p.log);
}

}  // namespace
}  // namespace vpngw::ike
