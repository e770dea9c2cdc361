// The fixture of the moderation tests (moderation_test.cpp, moderation_actions_test.cpp,
// moderation_reports_test.cpp): a real parleyd with fast durability, clients of every role.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"
#include "http_client.hpp"

namespace parley::test {

class ModerationTest : public ::testing::Test {
 protected:
  // Every role the permission matrices try: customer, guest, bot, staff, admin, and a customer
  // who is a member of the private channel "team".
  struct Who {
    std::string name, role;
    bool guest;
  };
  const std::vector<Who> roles = {{"cust", "customer", false}, {"Gus", "customer", true},
                                  {"robo", "bot", false},      {"stef", "staff", false},
                                  {"ada", "admin", false},     {"mia", "customer", false}};

  void SetUp() override { start(""); }
  void start(const std::string& extra_config) {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data", std::vector<std::string>{"--durability", "fast", "--config",
                                                      fast_config(dir_.path, extra_config)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer",
                                  bool guest = false) {
    auto c = std::make_unique<Client>(server_->port());
    std::string token = guest ? guest_token(user) : server_->token(user, role);
    EXPECT_TRUE(c->auth(token)) << user;
    return c;
  }
  std::string guest_token(const std::string& name) {
    auto r = http(server_->port(), "POST", "/api/guest", "{\"name\":\"" + name + "\"}");
    return std::string(json::parse(r.body).as_object().at("token").as_string());
  }
  static json::object ok(Client& c, json::object frame) {
    auto r = c.request(std::move(frame));
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    return r;
  }
  static std::int64_t post(Client& c, const std::string& ch, const std::string& text) {
    static int n = 0;
    auto r = c.request({{"op", "send"},
                        {"channel", ch},
                        {"text", text},
                        {"client_msg_id", "p" + std::to_string(++n)}});
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    return r.contains("seq") ? num(r.at("seq")) : -1;
  }
  json::object last_audit() {
    auto r =
        http(server_->port(), "GET", "/api/audit?limit=1", "", server_->token("boss", "admin"));
    auto v = json::parse(r.body).as_object();
    return v.at("entries").as_array().at(0).as_object();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace parley::test
