// The Origin rule shared by /api and the /ws upgrade (server/src/http_api.hpp).
#include <gtest/gtest.h>

#include "parley/api/http_api.hpp"

namespace parley::server {
namespace {

TEST(OriginPermitted, NoOriginIsNotABrowserAndPasses) {
  EXPECT_TRUE(origin_permitted({}, "", "chat.example"));
  EXPECT_TRUE(origin_permitted({}, "", ""));
}

TEST(OriginPermitted, TheServersOwnOriginAlwaysPasses) {
  EXPECT_TRUE(origin_permitted({}, "http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(origin_permitted({}, "https://chat.example", "chat.example"));
  // Another port, host or a longer name is another origin.
  EXPECT_FALSE(origin_permitted({}, "http://127.0.0.1:8081", "127.0.0.1:8080"));
  EXPECT_FALSE(origin_permitted({}, "http://chat.example.evil", "chat.example"));
  EXPECT_FALSE(origin_permitted({}, "ftp://chat.example", "chat.example"));
  EXPECT_FALSE(origin_permitted({}, "http://", ""));
}

TEST(OriginPermitted, ListedOriginsExactlyOrAnyWithStar) {
  const std::vector<std::string> list = {"https://shop.example", "https://shop.example:8443"};
  EXPECT_TRUE(origin_permitted(list, "https://shop.example", "chat.example"));
  EXPECT_TRUE(origin_permitted(list, "https://shop.example:8443", "chat.example"));
  EXPECT_FALSE(origin_permitted(list, "http://shop.example", "chat.example"));
  EXPECT_FALSE(origin_permitted(list, "https://shop.example/", "chat.example"));
  EXPECT_FALSE(origin_permitted(list, "https://evil.example", "chat.example"));
  EXPECT_FALSE(origin_permitted(list, "null", "chat.example"));
  EXPECT_TRUE(origin_permitted({"*"}, "https://evil.example", "chat.example"));
  EXPECT_TRUE(origin_permitted({"*"}, "null", "chat.example"));
}

}  // namespace
}  // namespace parley::server
