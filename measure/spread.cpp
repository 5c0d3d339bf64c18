#include "measure/spread.hpp"

#include <algorithm>

namespace vpngw::measure {

std::optional<Spread> spread_of(std::vector<double> samples) {
  if (samples.empty()) return std::nullopt;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  const double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return Spread{median, samples.front(), samples.back(), n};
}

}  // namespace vpngw::measure
