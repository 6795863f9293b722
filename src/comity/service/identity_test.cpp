#include "comity/service/identity.hpp"

#include <gtest/gtest.h>

namespace comity {
namespace {

TEST(LoginRateBucket, IPv4AsItIsIPv6ByItsSlash64) {
  EXPECT_EQ(login_rate_bucket("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(login_rate_bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  // Every address of one /64, however written, is one bucket.
  EXPECT_EQ(login_rate_bucket("2001:0db8:0001:0002::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(login_rate_bucket("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(login_rate_bucket("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(login_rate_bucket("::1"), "::/64");
  EXPECT_EQ(login_rate_bucket(""), "");
  EXPECT_EQ(login_rate_bucket("not an address"), "not an address");
}

}  // namespace
}  // namespace comity
