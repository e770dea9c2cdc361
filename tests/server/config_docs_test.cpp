// docs/CONFIG.md and the code agree, both ways: every key the server knows is in the doc's
// tables and in its "every key at its default" example, every key the doc lists exists, and
// every default the doc states (its first `literal` in the default column, and the example's
// values) is the code's default.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "parley/ops/config.hpp"

namespace {

using parley::server::Config;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A TOML value as comparable text: numbers as doubles, strings unquoted, arrays element-wise.
std::string canon(const toml::node& n) {
  if (auto v = n.value<double>(); v && (n.is_integer() || n.is_floating_point())) {
    std::ostringstream o;
    o << *v;
    return o.str();
  }
  if (auto s = n.value<std::string>()) return *s;
  if (auto b = n.value<bool>()) return *b ? "true" : "false";
  if (const auto* a = n.as_array()) {
    std::string out = "[";
    for (const auto& e : *a) out += canon(e) + ",";
    return out + "]";
  }
  return "?";
}

// section.key -> canonical value, from a TOML document.
std::map<std::string, std::string> flatten(const toml::table& t) {
  std::map<std::string, std::string> out;
  for (const auto& [section, node] : t) {
    const auto* tab = node.as_table();
    if (!tab) continue;
    for (const auto& [key, value] : *tab) {
      out[std::string(section.str()) + "." + std::string(key.str())] = canon(value);
    }
  }
  return out;
}

const std::string kDoc = std::string(PARLEY_SOURCE_DIR) + "/docs/CONFIG.md";

}  // namespace

TEST(ConfigDocs, TablesListEveryKeyWithItsDefault) {
  const auto code = flatten(toml::parse(parley::server::config_toml(Config{})));
  ASSERT_GT(code.size(), 40u);
  std::istringstream doc(read_file(kDoc));
  ASSERT_FALSE(doc.str().empty()) << kDoc;
  std::string line, section;
  std::set<std::string> documented;
  const std::regex heading(R"(^### \[([a-z]+)\]\s*$)");
  const std::regex row(R"(^\| `([a-z_]+)` \| [^|]+ \| ([^|]*) \|)");
  const std::regex literal(R"(`([^`]*)`)");
  std::smatch m;
  while (std::getline(doc, line)) {
    if (line.rfind("## ", 0) == 0) section.clear();  // a new part of the doc: no table section
    if (std::regex_match(line, m, heading)) {
      section = m[1];
      continue;
    }
    if (section.empty() || !std::regex_search(line, m, row)) continue;
    const std::string key = section + "." + std::string(m[1]);
    EXPECT_TRUE(documented.insert(key).second) << key << " is in the tables twice";
    EXPECT_TRUE(code.contains(key)) << key << " is documented but the server has no such key";
    const std::string cell = m[2];
    std::smatch lit;
    if (!code.contains(key) || !std::regex_search(cell, lit, literal)) continue;  // prose default
    toml::table parsed;
    try {
      parsed = toml::parse("v = " + std::string(lit[1]));
    } catch (const toml::parse_error&) {
      continue;  // not a TOML value (e.g. a path description)
    }
    EXPECT_EQ(canon(*parsed.get("v")), code.at(key)) << key << ": the doc says " << lit[1];
  }
  for (const auto& [key, value] : code) {
    EXPECT_TRUE(documented.contains(key))
        << key << " (default " << value << ") is not in docs/CONFIG.md's tables";
  }
}

TEST(ConfigDocs, TheExampleHasEveryKeyAtItsDefault) {
  const auto code = flatten(toml::parse(parley::server::config_toml(Config{})));
  const std::string doc = read_file(kDoc);
  const auto at = doc.find("## Example: every key at its default");
  ASSERT_NE(at, std::string::npos);
  const auto open = doc.find("```toml\n", at);
  const auto close = doc.find("\n```", open + 8);
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  // Keys written commented out ("# key = value") count too: their value is then shown as a
  // comment because writing it would change something (web_root) or it has no value (TLS).
  std::istringstream in(doc.substr(open + 8, close - open - 8));
  std::string line, uncommented;
  const std::regex commented(R"(^# ([a-z_]+) = (.*)$)");
  std::set<std::string> commented_keys;
  std::string section;
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line[0] == '[') section = line.substr(1, line.find(']') - 1);
    if (std::regex_match(line, m, commented)) {
      commented_keys.insert(section + "." + std::string(m[1]));
      continue;
    }
    uncommented += line + "\n";
  }
  const auto example = flatten(toml::parse(uncommented));
  for (const auto& [key, value] : example) {
    ASSERT_TRUE(code.contains(key)) << key << " is in the example but the server has no such key";
    EXPECT_EQ(value, code.at(key)) << key;
  }
  for (const auto& [key, value] : code) {
    EXPECT_TRUE(example.contains(key) || commented_keys.contains(key))
        << key << " (default " << value << ") is missing from the example";
  }
}
