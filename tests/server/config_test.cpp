#include "parley/ops/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using parley::server::Config;
using parley::server::load_config_file;

namespace {
std::string write_temp(const std::string& text) {
  static int n = 0;
  auto p = fs::temp_directory_path() /
           ("parley_cfg_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".toml");
  std::ofstream(p) << text;
  return p.string();
}

// The keys of the rules `c` breaks, in order.
std::vector<std::string> keys(const Config& c) {
  std::vector<std::string> out;
  for (const auto& [key, message] : parley::server::config_rule_violations(c)) out.push_back(key);
  return out;
}
}  // namespace

TEST(Config, DefaultsAreDocumentedValues) {
  Config c;
  EXPECT_EQ(c.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.data_dir, "var/data");
  EXPECT_EQ(c.limits.max_frame_bytes, 64u * 1024);
  EXPECT_EQ(c.limits.max_text_chars, 4000u);
  EXPECT_EQ(c.storage.durability, "fsync");
  EXPECT_TRUE(c.search.enabled);
  EXPECT_EQ(c.search.language, "en");
  EXPECT_EQ(c.search.commit_interval_ms, 200u);
  EXPECT_EQ(c.search.max_queue, 65536u);
  EXPECT_EQ(c.search.per_connection_per_min, 60u);
  EXPECT_EQ(c.search.anonymous_per_ip_per_min, 30u);
  std::string err;
  EXPECT_TRUE(parley::server::validate_config(c, &err)) << err;
}

TEST(Config, FileOverridesOnlyGivenKeys) {
  Config c;
  std::string err;
  auto path = write_temp(
      "[server]\nlisten = \"127.0.0.1:9000\"\nthreads = 3\n"
      "[limits]\nmax_text_chars = 100\nrate_per_s = 2.5\n"
      "[storage]\ndurability = \"fast\"\n");
  ASSERT_TRUE(load_config_file(path, c, &err)) << err;
  EXPECT_EQ(c.server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.server.threads, 3u);
  EXPECT_EQ(c.limits.max_text_chars, 100u);
  EXPECT_DOUBLE_EQ(c.limits.rate_per_s, 2.5);
  EXPECT_EQ(c.storage.durability, "fast");
  EXPECT_EQ(c.limits.max_frame_bytes, 64u * 1024);  // untouched
  Config d;
  auto search = write_temp("[search]\nlanguage = \"de\"\nenabled = false\n");
  ASSERT_TRUE(load_config_file(search, d, &err)) << err;
  EXPECT_EQ(d.search.language, "de");
  EXPECT_FALSE(d.search.enabled);
  fs::remove(search);
  fs::remove(path);
}

TEST(Config, RejectsUnknownKeysSectionsAndBadValues) {
  struct Case {
    const char* text;
    const char* needle;
  } cases[] = {
      {"[limits]\nmax_frame_byte = 10\n", "unknown key limits.max_frame_byte"},
      {"[limit]\nmax_frame_bytes = 1000\n", "unknown section [limit]"},
      {"[limits]\nmax_frame_bytes = \"big\"\n", "must be an integer"},
      {"[limits]\nmax_text_chars = 0\n", "between"},
      {"[storage]\ndurability = \"sometimes\"\n", "durability"},
      {"[server\nlisten=1", ":1: "},
      {"[auth]\nsecret = \"short\"\n", "at least 32"},
      {"[moderation]\nfilter_mode = \"shout\"\n", "filter_mode"},
      {"[moderation]\nfilter_words = [\"ok\", 3]\n", "array of non-empty strings"},
      {"[search]\nlanguage = \"klingon\"\n", "search.language must be an ISO 639 code"},
      {"[search]\ncommit_interval_ms = 5\n", "between"},
      {"[search]\nper_connection_per_min = 0\n", "between"},
  };
  for (const auto& tc : cases) {
    Config c;
    std::string err;
    auto path = write_temp(tc.text);
    EXPECT_FALSE(load_config_file(path, c, &err)) << tc.text;
    EXPECT_NE(err.find(tc.needle), std::string::npos) << "error was: " << err;
    fs::remove(path);
  }
}

TEST(Config, CheckReportsEveryProblemInFileOrder) {
  Config c;
  auto path = write_temp(
      "[storage]\ndurability = \"sometimes\"\n[limits]\nmax_frame_bytes = 1000\nhard_frame_bytes = "
      "500\n"
      "max_text_char = 5\n[serverr]\nthreads = 1\n");
  auto problems = parley::server::check_config_file(path, c);
  ASSERT_EQ(problems.size(), 4u);
  // In file order; the rules across keys at their key's line.
  const std::vector<std::pair<int, std::string>> expected = {
      {2, "storage.durability must be \"fsync\" or \"fast\""},
      {5, "limits.hard_frame_bytes must be >= limits.max_frame_bytes"},
      {6, "unknown key limits.max_text_char (did you mean max_text_chars?)"},
      {7, "unknown section [serverr] (did you mean [server]?)"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(problems[i].line, expected[i].first) << i;
    EXPECT_EQ(problems[i].message, expected[i].second) << i;
    EXPECT_EQ(problems[i].file, path);
  }
  EXPECT_EQ(problems[0].key, "storage.durability");
  EXPECT_EQ(parley::server::format_problem(problems[2]), path + ":6: " + expected[2].second);
  // The valid values were read all the same.
  EXPECT_EQ(c.limits.max_frame_bytes, 1000u);
  fs::remove(path);
}

TEST(Config, EffectiveConfigurationReadsBackTheSame) {
  Config c;
  c.limits.max_frame_bytes = 1234;
  c.advocacy.low_water = 0.9;
  c.moderation.filter_words = {"heck", "darn"};
  const std::string text = parley::server::config_toml(c);
  EXPECT_NE(text.find("low_water = 0.9\n"), std::string::npos) << text;
  auto path = write_temp(text);
  Config d;
  EXPECT_TRUE(parley::server::check_config_file(path, d).empty()) << text;
  EXPECT_EQ(parley::server::config_toml(d), text);
  EXPECT_EQ(d.limits.max_frame_bytes, 1234u);
  EXPECT_EQ(d.moderation.filter_words, (std::vector<std::string>{"heck", "darn"}));
  fs::remove(path);
}

TEST(Config, EmailNeedsASenderAndAServerUrlAndChecksThem) {
  Config c;  // email off: nothing required
  EXPECT_TRUE(keys(c).empty());
  c.email.smtp_url = "smtp://127.0.0.1:2525";
  EXPECT_EQ(keys(c), (std::vector<std::string>{"email.from", "email.server_url"}));
  c.email.from = "Lamp Help <help@example.com>";
  c.knowledge.base_url = "https://help.example.com";  // the server_url by default
  EXPECT_TRUE(keys(c).empty());
  for (const char* from : {"help@example.com", "\"Lamp\" <x@y.z>", "Zoë <zoe@example.com>"}) {
    c.email.from = from;
    EXPECT_EQ(parley::server::email_address_of(from).has_value(), keys(c).empty()) << from;
  }
  EXPECT_EQ(parley::server::email_address_of("Lamp Help <help@example.com>"), "help@example.com");
  EXPECT_EQ(parley::server::email_address_of("help@example.com"), "help@example.com");
  for (const char* from :
       {"help", "Lamp <help>", "<help@example.com", "Lamp\r\n <a@b.co>", "a@b.co>"}) {
    c.email.from = from;
    EXPECT_EQ(keys(c), std::vector<std::string>{"email.from"}) << from;
  }
  c.email.from = "help@example.com";
  c.email.smtp_url = "http://mail.example.com";
  EXPECT_EQ(keys(c), std::vector<std::string>{"email.smtp_url"});
  c.email.smtp_url = "smtps://mail.example.com";
  c.email.server_url = "https://chat.example.com/";
  EXPECT_EQ(keys(c), std::vector<std::string>{"email.server_url"});
  c.email.server_url = "https://chat.example.com";
  c.email.widget_url = "https://shop.example/#x";
  EXPECT_EQ(keys(c), std::vector<std::string>{"email.widget_url"});
  c.email.widget_url = "https://shop.example/support";
  EXPECT_TRUE(keys(c).empty());
}

TEST(Config, ClusterNeedsANodeIdAndANatsUrl) {
  Config c;  // single node: nothing required
  EXPECT_TRUE(keys(c).empty());
  c.cluster.nats_url = "nats://127.0.0.1:4222";
  EXPECT_EQ(keys(c), std::vector<std::string>{"cluster.node_id"});
  for (std::string id : {std::string("n1"), std::string("eu-west_2"), std::string(64, 'a')}) {
    c.cluster.node_id = id;
    EXPECT_TRUE(keys(c).empty()) << id;
  }
  for (std::string id : {std::string(), std::string("n.1"), std::string("n 1"), std::string("n1*"),
                         std::string(65, 'a')}) {
    c.cluster.node_id = id;
    EXPECT_EQ(keys(c), std::vector<std::string>{"cluster.node_id"}) << id;
  }
  c.cluster.node_id = "n1";
  c.cluster.nats_url = "http://127.0.0.1:4222";
  EXPECT_EQ(keys(c), std::vector<std::string>{"cluster.nats_url"});
  c.cluster.nats_url = "tls://nats.example.com:4222";
  c.cluster.advertise = std::string(201, 'x');
  EXPECT_EQ(keys(c), std::vector<std::string>{"cluster.advertise"});
}
