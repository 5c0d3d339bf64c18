#include "measure/spread.hpp"

#include <gtest/gtest.h>

namespace vpngw::measure {

TEST(Spread, MedianOfOddAndEvenRunsWithMinAndMax) {
  const auto odd = spread_of({5, 1, 9});
  ASSERT_TRUE(odd);
  EXPECT_DOUBLE_EQ(odd->median, 5);
  EXPECT_DOUBLE_EQ(odd->min, 1);
  EXPECT_DOUBLE_EQ(odd->max, 9);
  EXPECT_EQ(odd->runs, 3u);
  EXPECT_DOUBLE_EQ(spread_of({4, 1, 2, 100})->median, 3);  // one outlier does not move it far
}

TEST(Spread, NoRunsIsNoNumber) { EXPECT_FALSE(spread_of({})); }

}  // namespace vpngw::measure
