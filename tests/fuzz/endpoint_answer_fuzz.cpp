// Fuzzes the VGW router's reader of a tunnel endpoint's "endpoint state" answer: whatever JSON comes
// back, it is refused with a reason or read with its malformed routes skipped, and what it reads
// writes back to a document it reads again the same.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "gateway/endpoint_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  size_t skipped = 0;
  const auto state = vpngw::parse_endpoint_state(j, &skipped);
  if (!state) return 0;
  const auto again = vpngw::parse_endpoint_state(vpngw::to_json(state.value()));
  if (!again || !(again.value() == state.value())) std::abort();
  return 0;
}
