#include "proto/openvpn/key_method.hpp"

#include <charconv>
#include <cstring>

#include "common/bytes.hpp"

namespace vpngw::ovpn {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  bool take(void* out, size_t n) {
    if (d_.size() - at_ < n) return false;
    std::memcpy(out, d_.data() + at_, n);
    at_ += n;
    return true;
  }
  // OpenVPN strings: u16 length including the NUL; length 0 is the empty string.
  Result<std::string, KeyMethodError> string() {
    uint8_t len_be[2];
    if (!take(len_be, 2)) return Unexpected(KeyMethodError::truncated);
    const size_t len = load_be16(len_be);
    if (len == 0) return std::string{};
    if (d_.size() - at_ < len) return Unexpected(KeyMethodError::truncated);
    const char* p = reinterpret_cast<const char*>(d_.data() + at_);
    if (p[len - 1] != '\0') return Unexpected(KeyMethodError::bad_string);
    at_ += len;
    return std::string(p, strnlen(p, len - 1));
  }
  bool at_end() const { return at_ == d_.size(); }
  size_t position() const { return at_; }

 private:
  std::span<const uint8_t> d_;
  size_t at_ = 0;
};

void put_string(std::vector<uint8_t>& out, std::string_view s) {
  const size_t len = s.size() + 1;
  out.push_back(uint8_t(len >> 8));
  out.push_back(uint8_t(len));
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
}

void put_empty_string(std::vector<uint8_t>& out) {
  out.push_back(0);
  out.push_back(0);
}

std::map<std::string, std::string> parse_peer_info(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t eq = line.find('=');
    if (eq != std::string::npos && eq > 0) out[line.substr(0, eq)] = line.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string_view key_method_error_name(KeyMethodError e) {
  switch (e) {
    case KeyMethodError::truncated: return "truncated key method 2 message";
    case KeyMethodError::nonzero_prefix: return "key method message does not start with 4 zero bytes";
    case KeyMethodError::unsupported_key_method: return "key method other than 2";
    case KeyMethodError::bad_string: return "string without its terminating NUL";
  }
  return "?";
}

Result<ClientKeyMessage, KeyMethodError> parse_client_key_message(std::span<const uint8_t> data, size_t* consumed) {
  Reader r(data);
  uint8_t prefix[4], method = 0;
  if (!r.take(prefix, 4) || !r.take(&method, 1)) return Unexpected(KeyMethodError::truncated);
  if (load_be32(prefix) != 0) return Unexpected(KeyMethodError::nonzero_prefix);
  if ((method & 0x0f) != 2) return Unexpected(KeyMethodError::unsupported_key_method);
  ClientKeyMessage m;
  if (!r.take(m.source.pre_master.data(), kPreMasterLen) || !r.take(m.source.random1.data(), kRandomLen) ||
      !r.take(m.source.random2.data(), kRandomLen)) {
    return Unexpected(KeyMethodError::truncated);
  }
  auto options = r.string();
  if (!options) return Unexpected(options.error());
  m.options = options.value();
  // Username, password and peer info are optional at the end (older clients stop early).
  if (!r.at_end()) {
    auto user = r.string();
    if (!user) return Unexpected(user.error());
    auto pass = r.string();
    if (!pass) return Unexpected(pass.error());
    m.username = user.value();
    m.password = pass.value();
  }
  if (!r.at_end()) {
    auto info = r.string();
    if (!info) return Unexpected(info.error());
    m.peer_info = parse_peer_info(info.value());
  }
  if (consumed) *consumed = r.position();
  return m;
}

std::vector<uint8_t> serialize_server_key_message(const KeySource& source, std::string_view options) {
  std::vector<uint8_t> out{0, 0, 0, 0, 2};
  out.insert(out.end(), source.random1.begin(), source.random1.end());
  out.insert(out.end(), source.random2.begin(), source.random2.end());
  put_string(out, options);
  put_empty_string(out);  // username
  put_empty_string(out);  // password
  put_empty_string(out);  // peer info
  return out;
}

std::vector<uint8_t> serialize_client_key_message(const KeySource& source, std::string_view options,
                                                  std::string_view peer_info) {
  std::vector<uint8_t> out{0, 0, 0, 0, 2};
  out.insert(out.end(), source.pre_master.begin(), source.pre_master.end());
  out.insert(out.end(), source.random1.begin(), source.random1.end());
  out.insert(out.end(), source.random2.begin(), source.random2.end());
  put_string(out, options);
  put_empty_string(out);  // username
  put_empty_string(out);  // password
  if (peer_info.empty()) {
    put_empty_string(out);
  } else {
    put_string(out, peer_info);
  }
  return out;
}

uint32_t iv_proto(const ClientKeyMessage& m) {
  auto it = m.peer_info.find("IV_PROTO");
  if (it == m.peer_info.end()) return 0;
  uint32_t v = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return v;
}

std::vector<std::string> iv_ciphers(const ClientKeyMessage& m) {
  std::vector<std::string> out;
  auto it = m.peer_info.find("IV_CIPHERS");
  if (it == m.peer_info.end()) return out;
  const std::string& s = it->second;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace vpngw::ovpn
