#include "serve/http_address.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(HttpAddressTest, LoopbackUnlessAHostIsGiven) {
  auto a = ParseHttpAddress("8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(ParseHttpAddress(":0")->host, "127.0.0.1");
  EXPECT_EQ(ParseHttpAddress(":0")->port, 0);
  EXPECT_EQ(ParseHttpAddress("0.0.0.0:9464")->host, "0.0.0.0");
  EXPECT_EQ(ParseHttpAddress("[::1]:8080")->host, "::1");
}

TEST(HttpAddressTest, RejectsBadPortsNamingTheText) {
  for (const char* bad : {"", "host:", "host:http", "host:70000", "host:-1", "8080x"}) {
    auto a = ParseHttpAddress(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().message(), std::string("address '") + bad +
                                        "': expected HOST:PORT, :PORT or PORT (port 0 to 65535)");
  }
}

}  // namespace
}  // namespace freshet
