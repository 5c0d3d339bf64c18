#include "proto/bgp/session.hpp"

#include <algorithm>

namespace vpngw::bgp {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;
// RFC 6608 subcodes for "unexpected message in state X".
constexpr uint8_t fsm_subcode(State s) {
  return s == State::open_sent ? 1 : s == State::open_confirm ? 2 : s == State::established ? 3 : 0;
}

}  // namespace

const char* state_name(State s) {
  switch (s) {
    case State::idle: return "Idle";
    case State::connect: return "Connect";
    case State::active: return "Active";
    case State::open_sent: return "OpenSent";
    case State::open_confirm: return "OpenConfirm";
    case State::established: return "Established";
  }
  return "?";
}

void Session::connected(int64_t now) {
  Open o;
  o.my_as = uint16_t(cfg_.local_as > 0xffff ? kAsTrans : cfg_.local_as);
  o.hold_time = cfg_.hold_time;
  o.bgp_id = cfg_.router_id;
  o.caps.as4 = cfg_.local_as;
  o.caps.route_refresh = true;
  o.caps.families = cfg_.families;
  state_ = State::open_sent;
  outgoing_.push_back(encode_open(o));
  hold_at_ = now + kOpenSentHoldNs;
}

void Session::receive(std::span<const uint8_t> bytes, int64_t now) {
  if (state_ == State::idle) return;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t at = 0;
  while (state_ != State::idle) {
    auto framed = frame_length(std::span<const uint8_t>(buffer_).subspan(at));
    if (!framed) { fail(framed.error()); break; }
    if (framed.value() == 0) break;
    auto parsed = parse_message(std::span<const uint8_t>(buffer_).subspan(at, framed.value()), codec());
    at += framed.value();
    if (!parsed) { fail(parsed.error()); break; }
    handle(std::move(parsed.value()), now);
  }
  if (state_ == State::idle) buffer_.clear();
  else buffer_.erase(buffer_.begin(), buffer_.begin() + long(at));
}

void Session::handle(Message&& m, int64_t now) {
  if (auto* n = std::get_if<Notification>(&m)) {
    last_error_ = "received: " + error_name(n->code, n->subcode);
    finish("peer sent NOTIFICATION " + error_name(n->code, n->subcode));
    return;
  }
  if (state_ == State::open_confirm || state_ == State::established) restart_hold(now);
  const auto unexpected = [&](const char* what) {
    fail(BgpError{ErrorCode::fsm, fsm_subcode(state_), {},
                  std::string(what) + " in state " + state_name(state_)});
  };
  switch (state_) {
    case State::open_sent:
      if (auto* o = std::get_if<Open>(&m)) on_open(*o, now);
      else unexpected(std::holds_alternative<Keepalive>(m) ? "KEEPALIVE" : "UPDATE or ROUTE-REFRESH");
      break;
    case State::open_confirm:
      if (std::holds_alternative<Keepalive>(m)) {
        state_ = State::established;
        events_.push_back(SessionUp{neg_});
      } else {
        unexpected(std::holds_alternative<Open>(m) ? "OPEN" : "UPDATE or ROUTE-REFRESH");
      }
      break;
    case State::established:
      if (auto* u = std::get_if<Update>(&m)) {
        refuse_own_next_hop(*u);
        events_.push_back(UpdateReceived{std::move(*u)});
      }
      else if (auto* rr = std::get_if<RouteRefresh>(&m)) {
        if (neg_.route_refresh && std::find(neg_.families.begin(), neg_.families.end(), rr->family) != neg_.families.end())
          events_.push_back(RefreshRequested{rr->family});
      } else if (std::holds_alternative<Open>(m)) {
        unexpected("OPEN");
      }
      break;
    default:
      break;
  }
}

void Session::refuse_own_next_hop(Update& u) const {
  const auto& self = cfg_.local_address;
  if (!self || u.treat_as_withdraw) return;
  const bool v4 = !u.nlri.empty() && u.attrs.next_hop && *u.attrs.next_hop == *self;
  const bool mp = u.mp_reach && !u.mp_reach->nlri.empty() && u.mp_reach->next_hop == *self;
  if (!v4 && !mp) return;
  u.treat_as_withdraw = true;
  u.warnings.push_back("treat-as-withdraw: NEXT_HOP " + self->to_string() + " is this router's own address (RFC 4271 5.1.3)");
}

void Session::on_open(const Open& o, int64_t now) {
  const uint32_t asn = o.asn();
  if (asn != cfg_.remote_as) {
    fail(BgpError{ErrorCode::open, open_sub::bad_peer_as, {},
                  "peer AS " + std::to_string(asn) + ", configured " + std::to_string(cfg_.remote_as)});
    return;
  }
  neg_.remote_as = asn;
  neg_.remote_id = o.bgp_id;
  neg_.hold_time = std::min(cfg_.hold_time, o.hold_time);
  neg_.keepalive = neg_.hold_time == 0 ? 0 : std::min<uint16_t>(cfg_.keepalive ? cfg_.keepalive : neg_.hold_time / 3,
                                                                  uint16_t(neg_.hold_time / 3));
  neg_.as4 = o.caps.as4.has_value();
  neg_.route_refresh = o.caps.route_refresh;
  // Without multiprotocol capabilities a speaker carries IPv4 unicast only (RFC 4760 8).
  const std::vector<Family> theirs = o.caps.families.empty() ? std::vector<Family>{Family{}} : o.caps.families;
  neg_.families.clear();
  for (const auto& f : cfg_.families)
    if (std::find(theirs.begin(), theirs.end(), f) != theirs.end()) neg_.families.push_back(f);
  if (check_ && !check_(o)) return;
  state_ = State::open_confirm;
  outgoing_.push_back(encode_keepalive());
  hold_at_ = kNever;
  restart_hold(now);
  restart_keepalive(now);
}

void Session::update_timers(int64_t now) {
  if (state_ == State::idle) return;
  if (now >= hold_at_) {
    shutdown(ErrorCode::hold_timer, 0, "hold timer expired (" + std::to_string(neg_.hold_time) + " s without a message)");
    return;
  }
  if (now >= keepalive_at_ && (state_ == State::open_confirm || state_ == State::established)) {
    outgoing_.push_back(encode_keepalive());
    restart_keepalive(now);
  }
}

void Session::send_established(std::vector<uint8_t> bytes, int64_t now) {
  if (state_ != State::established) return;
  outgoing_.push_back(std::move(bytes));
  restart_keepalive(now);
}

void Session::fail(const BgpError& e) {
  shutdown(e.code, e.subcode, e.reason, e.data);
}

void Session::shutdown(ErrorCode code, uint8_t subcode, const std::string& reason, std::vector<uint8_t> data) {
  if (state_ == State::idle) return;
  last_error_ = "sent: " + error_name(code, subcode);
  outgoing_.push_back(encode_notification(Notification{code, subcode, std::move(data)}));
  finish("sent NOTIFICATION " + error_name(code, subcode) + ": " + reason);
}

void Session::connection_lost(const std::string& why) {
  if (state_ == State::idle) return;
  last_error_ = "connection lost: " + why;  // status shows why, as it does for NOTIFICATIONs
  finish(last_error_);
}

void Session::finish(const std::string& reason) {
  state_ = State::idle;
  hold_at_ = keepalive_at_ = kNever;
  events_.push_back(SessionDown{reason});
}

void Session::restart_hold(int64_t now) {
  if (neg_.hold_time) hold_at_ = now + int64_t(neg_.hold_time) * kSecondNs;
}

// RFC 4271 10: keepalives jittered by up to 25 % (0.75-1.0 of the interval).
void Session::restart_keepalive(int64_t now) {
  if (!neg_.keepalive) {
    keepalive_at_ = kNever;
    return;
  }
  std::uniform_real_distribution<double> jitter(0.75, 1.0);
  keepalive_at_ = now + int64_t(double(neg_.keepalive) * kSecondNs * jitter(jitter_));
}

}  // namespace vpngw::bgp
