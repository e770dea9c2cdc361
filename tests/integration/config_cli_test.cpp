// `parleyd check-config` and `parleyd serve --config` against the real binary: every problem
// of a file with its line, the same messages from both, exit status 2; --print.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

using namespace parley::test;

namespace {

const std::string kParleyd = std::string(PARLEY_BIN_DIR) + "/parleyd";

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A file with two bad values and a typo'd key, on lines 2, 3 and 6.
const char* kBad =
    "[limits]\n"
    "max_text_chars = 0\n"
    "max_fram_bytes = 1000\n"
    "\n"
    "[storage]\n"
    "durability = \"sometimes\"\n";

TEST(ConfigCli, CheckConfigReportsEveryProblemWithItsLine) {
  TempDir dir;
  const std::string bad = write(dir, "bad.toml", kBad);
  auto r = run_command(kParleyd + " check-config " + bad);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(bad + ":2: limits.max_text_chars must be between 1 and 1048576"),
            std::string::npos)
      << r.output;
  EXPECT_NE(
      r.output.find(bad + ":3: unknown key limits.max_fram_bytes (did you mean max_frame_bytes?)"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(bad + ":6: storage.durability must be \"fsync\" or \"fast\""),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("3 problems in " + bad), std::string::npos) << r.output;

  // serve runs the same check: the same three messages, exit 2, never listening.
  auto s = run_command(kParleyd + " serve --listen 127.0.0.1:0 --data-dir " + dir.path +
                       "/data --config " + bad);
  EXPECT_EQ(s.status, 2) << s.output;
  for (const char* line : {":2: limits.max_text_chars", ":3: unknown key limits.max_fram_bytes",
                           ":6: storage.durability"}) {
    EXPECT_NE(s.output.find("event=config_error error=\"" + bad + line), std::string::npos)
        << s.output;
  }
  EXPECT_EQ(s.output.find("event=listening"), std::string::npos) << s.output;

  // A syntax error: reported with its line, and nothing else can be read.
  const std::string broken = write(dir, "broken.toml", "[server]\nlisten = \"x\"\n[limits\n");
  auto b = run_command(kParleyd + " check-config " + broken);
  EXPECT_EQ(b.status, 2) << b.output;
  EXPECT_NE(b.output.find(broken + ":3: "), std::string::npos) << b.output;
  EXPECT_NE(b.output.find("1 problem in"), std::string::npos) << b.output;
}

TEST(ConfigCli, CheckConfigPrintsTheEffectiveConfiguration) {
  TempDir dir;
  const std::string good = write(dir, "good.toml",
                                 "[limits]\nmax_frame_bytes = 1000\n[auth]\n"
                                 "secret = \"0123456789abcdef0123456789abcdef\"\n");
  auto ok = run_command(kParleyd + " check-config " + good);
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("is valid"), std::string::npos) << ok.output;

  auto p = run_command(kParleyd + " check-config --print " + good);
  ASSERT_EQ(p.status, 0) << p.output;
  EXPECT_NE(p.output.find("max_frame_bytes = 1000"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("max_text_chars = 4000"), std::string::npos)
      << "defaults too: " << p.output;
  EXPECT_NE(p.output.find("[knowledge]"), std::string::npos) << p.output;
  EXPECT_EQ(p.output.find("0123456789abcdef"), std::string::npos) << "the secret is not printed";
  EXPECT_NE(p.output.find("secret = '<redacted>'"), std::string::npos) << p.output;

  // Without a secret, what --print writes is a valid file that prints the same again.
  const std::string plain = write(dir, "plain.toml", "[search]\nlanguage = \"de\"\n");
  auto first = run_command(kParleyd + " check-config --print " + plain);
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string again = write(dir, "again.toml", first.output);
  auto second = run_command(kParleyd + " check-config --print " + again);
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(second.output, first.output);
  EXPECT_NE(first.output.find("language = 'de'"), std::string::npos) << first.output;

  // A file that cannot be read is a problem like the others.
  auto missing = run_command(kParleyd + " check-config " + dir.path + "/missing.toml");
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find(dir.path + "/missing.toml: "), std::string::npos) << missing.output;
}

}  // namespace
