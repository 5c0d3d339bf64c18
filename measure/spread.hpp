// What a benchmark reports for repeated runs: the median with its spread (min and max), never a
// mean (one slow run from a noisy neighbour must not move the headline number). I/O-free.
#pragma once

#include <optional>
#include <vector>

namespace vpngw::measure {

struct Spread {
  double median = 0, min = 0, max = 0;
  size_t runs = 0;
};

// Empty input: nullopt (a path that never carried traffic has no number, not a zero).
std::optional<Spread> spread_of(std::vector<double> samples);

}  // namespace vpngw::measure
