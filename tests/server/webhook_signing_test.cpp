// The pure parts of webhooks: Standard Webhooks signatures (the spec's own test vector),
// secrets, which addresses a target may have, and the retry schedule.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <set>
#include <string>

#include "parley/ops/webhooks.hpp"

namespace parley::server::webhook {
namespace {

TEST(WebhookSigning, MatchesTheStandardWebhooksTestVector) {
  // From the Standard Webhooks reference libraries' tests (checked with the npm package).
  EXPECT_EQ(sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Anything else changes it.
  EXPECT_NE(sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                 1614265331, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Malformed secrets sign nothing.
  EXPECT_EQ(sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}"), "");
  EXPECT_EQ(sign("whsec_not base64!", "m", 1, "{}"), "");
  EXPECT_EQ(sign("whsec_", "m", 1, "{}"), "");
}

TEST(WebhookSigning, SecretsAreWhsecAnd32RandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const std::string s = new_secret();
    ASSERT_EQ(s.rfind("whsec_", 0), 0u) << s;
    EXPECT_EQ(s.size(), 6u + 44u) << s;  // base64 of 32 bytes
    EXPECT_FALSE(sign(s, "msg_1", 1, "{}").empty());
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 20u);
}

bool public_v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
  return is_public_address(reinterpret_cast<const sockaddr*>(&a));
}
bool public_v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
  return is_public_address(reinterpret_cast<const sockaddr*>(&a));
}

TEST(WebhookTargets, OnlyPublicAddresses) {
  for (const char* a : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1",
                        "255.255.255.255", "192.0.0.8", "198.18.0.1"}) {
    EXPECT_FALSE(public_v4(a)) << a;
  }
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "93.184.216.34", "100.128.0.1"}) {
    EXPECT_TRUE(public_v4(a)) << a;
  }
  for (const char* a : {"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
                        "::ffff:127.0.0.1", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(public_v6(a)) << a;
  }
  for (const char* a : {"2606:4700:4700::1111", "::ffff:8.8.8.8"}) EXPECT_TRUE(public_v6(a)) << a;
}

TEST(WebhookTargets, UrlRules) {
  EXPECT_TRUE(check_target("http://127.0.0.1:9/hook", {"127.0.0.1"}).ok);
  EXPECT_TRUE(check_target("http://[::1]:9/hook", {"::1"}).ok);
  auto t = check_target("http://127.0.0.1:9/hook", {});
  EXPECT_FALSE(t.ok);
  EXPECT_NE(t.error.find("allow_hosts"), std::string::npos) << t.error;
  EXPECT_FALSE(check_target("http://localhost:9/", {}).ok);  // resolves to loopback
  EXPECT_TRUE(check_target("http://LOCALHOST:9/", {"localhost"}).ok);
  EXPECT_FALSE(check_target("http://[::ffff:127.0.0.1]/", {}).ok);
  EXPECT_FALSE(check_target("http://169.254.169.254/latest/meta-data", {}).ok);
  t = check_target("ftp://example.com/x", {});
  EXPECT_FALSE(t.ok);
  EXPECT_NE(t.error.find("http"), std::string::npos);
  EXPECT_FALSE(check_target("not a url", {}).ok);
  EXPECT_FALSE(check_target("http://" + std::string(3000, 'a') + ".com/", {}).ok);
  // A public IP literal needs no lookup and no pin; it is allowed.
  t = check_target("https://93.184.216.34/hook", {});
  EXPECT_TRUE(t.ok) << t.error;
  EXPECT_TRUE(t.pin.empty());
}

TEST(WebhookRetries, TheScheduleWithJitter) {
  EXPECT_EQ(retry_delay_ms(1, 0), 5000);
  EXPECT_EQ(retry_delay_ms(2, 0), 300000);
  EXPECT_EQ(retry_delay_ms(3, 0), 1800000);
  EXPECT_EQ(retry_delay_ms(4, 0), 7200000);
  EXPECT_EQ(retry_delay_ms(5, 0), 18000000);
  EXPECT_EQ(retry_delay_ms(6, 0), 36000000);
  EXPECT_EQ(retry_delay_ms(7, 0), 36000000);
  EXPECT_EQ(retry_delay_ms(8, 0), std::nullopt);  // 8 attempts in all
  EXPECT_EQ(retry_delay_ms(0, 0), std::nullopt);
  EXPECT_EQ(retry_delay_ms(1, 1), 6000);
  EXPECT_EQ(retry_delay_ms(1, -1), 4000);
  EXPECT_EQ(retry_delay_ms(1, 7), 6000);  // clamped
}

TEST(WebhookRetries, Iso8601) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1614265330123), "2021-02-25T15:02:10.123Z");
}

}  // namespace
}  // namespace parley::server::webhook
