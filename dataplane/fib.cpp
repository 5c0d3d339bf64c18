#include "dataplane/fib.hpp"

#include <algorithm>

namespace vpngw {
namespace {

template <typename Key>
Key mask_for(uint8_t length) {
  constexpr unsigned bits = sizeof(Key) * 8;
  return length == 0 ? Key(0) : Key(~Key(0)) << (bits - length);
}

}  // namespace

template <typename Key>
void Fib::insert(std::vector<Level<Key>>& levels, uint8_t length, Key mask, Key key, TunnelId tunnel) {
  auto it = std::find_if(levels.begin(), levels.end(), [&](const Level<Key>& l) { return l.length == length; });
  if (it == levels.end()) {
    levels.push_back(Level<Key>{length, mask, {}});
    it = levels.end() - 1;
  }
  it->entries.emplace_back(key, tunnel);
}

Fib::Fib(const std::vector<FibRoute>& routes) {
  for (const auto& r : routes) {
    TunnelId target = r.tunnel;
    if (r.multipath.size() >= 2) {
      target = kGroupBit | TunnelId(groups_.size());
      groups_.push_back(r.multipath);
    }
    if (r.prefix.address.v6) {
      const auto m = mask_for<unsigned __int128>(r.prefix.length);
      insert(v6_, r.prefix.length, m, r.prefix.address.v6_host_order() & m, target);
    } else {
      const auto m = mask_for<uint32_t>(r.prefix.length);
      insert(v4_, r.prefix.length, m, r.prefix.address.v4_host_order() & m, target);
    }
  }
  auto finish = [this](auto& levels) {
    std::sort(levels.begin(), levels.end(), [](const auto& a, const auto& b) { return a.length > b.length; });
    for (auto& l : levels) {
      // Stable sort keeps insertion order among equal keys; keep the last one of each run.
      std::stable_sort(l.entries.begin(), l.entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      // In place, without a second copy: a full table is a million entries.
      size_t out = 0;
      for (size_t i = 0; i < l.entries.size(); ++i) {
        if (out > 0 && l.entries[out - 1].first == l.entries[i].first) l.entries[out - 1] = l.entries[i];
        else l.entries[out++] = l.entries[i];
      }
      l.entries.resize(out);
      l.entries.shrink_to_fit();
      size_ += l.entries.size();
    }
  };
  finish(v4_);
  finish(v6_);
}

template <typename Key>
std::optional<TunnelId> Fib::lookup(const std::vector<Level<Key>>& levels, Key dst) {
  for (const auto& l : levels) {
    const Key key = dst & l.mask;
    auto it = std::lower_bound(l.entries.begin(), l.entries.end(), key,
                               [](const auto& e, Key k) { return e.first < k; });
    if (it != l.entries.end() && it->first == key) return it->second;
  }
  return std::nullopt;
}

std::optional<TunnelId> Fib::lookup(const IpAddress& dst) const {
  return dst.v6 ? lookup_v6(dst.v6_host_order()) : lookup_v4(dst.v4_host_order());
}

}  // namespace vpngw
