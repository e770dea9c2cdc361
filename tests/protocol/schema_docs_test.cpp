// PROTOCOL.md checked against the machine-readable protocol (protocol/schema/*.schema.json):
//  - every example frame (`> {…}` client, `< {…}` server lines of the code blocks) and every
//    JSON body of a `$ curl` example validates, an `ok` against the reply of its request;
//  - every field table of a client op (`| field | type | rule |`) names exactly the fields of
//    that op's schema, "optional" exactly where the schema does not require the field;
//  - every frame signature in the prose (`{"op":"ok","id"?,"channel","seq"}`) lists exactly the
//    members of its schema, `?` exactly where the schema does not require them.
// The black-box tests check the server's own frames against the same files (tests/integration).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "protocol_schema.hpp"

#ifndef PARLEY_PROTOCOL_MD
#error "PARLEY_PROTOCOL_MD must name protocol/PROTOCOL.md"
#endif

namespace json = boost::json;
using parley::test::ProtocolSchema;

namespace {

struct Line {
  int number;  // 1-based, in PROTOCOL.md
  std::string text;
  std::string section;  // the innermost heading above, without the #s
  std::string chapter;  // the "## N." heading above
  bool in_code;         // inside a ``` block
  int block;            // index of the code block (-1 outside)
};

std::vector<Line> read_doc() {
  std::ifstream in(PARLEY_PROTOCOL_MD);
  EXPECT_TRUE(in) << "cannot read " << PARLEY_PROTOCOL_MD;
  std::vector<Line> out;
  std::string text, section, chapter;
  bool code = false;
  int block = -1, n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.rfind("```", 0) == 0) {
      code = !code;
      if (code) ++block;
      continue;
    }
    if (!code && text.rfind("#", 0) == 0) {
      auto start = text.find_first_not_of('#');
      section = text.substr(text.find_first_not_of(' ', start));
      if (text.rfind("## ", 0) == 0) chapter = section;
    }
    out.push_back({n, text, section, chapter, code, code ? block : -1});
  }
  return out;
}

// The JSON value at the start of `s` and what follows it, or nullopt.
std::optional<std::pair<json::value, std::string>> json_prefix(const std::string& s) {
  json::parser p;
  boost::system::error_code ec;
  std::size_t n = p.write_some(s.data(), s.size(), ec);
  if (ec) return std::nullopt;
  return std::make_pair(p.release(), s.substr(n));
}

bool is_comment(std::string rest) {
  auto b = rest.find_first_not_of(" \t");
  if (b == std::string::npos) return true;
  rest = rest.substr(b);
  return rest[0] == '(' || rest[0] == '[';
}

std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string where(const Line& l) {
  return "PROTOCOL.md:" + std::to_string(l.number) + " (" + l.section + ")";
}

// A WebSocket example frame of a code block.
struct Frame {
  const Line* line;
  char dir;  // '>' client, '<' server
  json::object value;
  std::string comment;  // what follows the JSON
};

std::vector<std::vector<Frame>> example_frames(const std::vector<Line>& doc) {
  // "[ann] < {…}" (whose connection), "bad_request   < {…}" (§5: the code shown)
  static const std::regex start(R"(^\s*(\[[^\]]*\]\s*|[a-z_]+\s+)?([<>]) (\{.*)$)");
  static const std::regex more(R"(^\s+(\{.*)$)");
  std::vector<std::vector<Frame>> blocks;
  char dir = 0;
  int block = -1;
  for (const auto& l : doc) {
    if (!l.in_code) continue;
    if (l.block != block) {
      block = l.block;
      blocks.emplace_back();
      dir = 0;
    }
    std::smatch m;
    std::string body;
    if (std::regex_match(l.text, m, start)) {
      dir = m[2].str()[0];
      body = m[3].str();
    } else if (dir && std::regex_match(l.text, m, more)) {
      body = m[1].str();
    } else {
      if (l.text.rfind("$ ", 0) == 0) dir = 0;
      continue;
    }
    auto parsed = json_prefix(body);
    if (!parsed || !parsed->first.is_object() || !is_comment(parsed->second)) {
      ADD_FAILURE() << where(l) << ": an example frame that is not one JSON object followed by "
                    << "nothing or a (comment): " << l.text;
      continue;
    }
    blocks.back().push_back({&l, dir, parsed->first.as_object(), parsed->second});
  }
  return blocks;
}

TEST(SchemaDocs, EveryExampleFrameIsOneTheSchemaDescribes) {
  auto doc = read_doc();
  const auto& schema = ProtocolSchema::get();
  int client = 0, server = 0;
  for (const auto& block : example_frames(doc)) {
    // The requests of the block by serialized id (the latest first), and those without one.
    std::map<std::string, const Frame*> by_id;
    const Frame* last_without_id = nullptr;
    // Requests a validation error answers (bad_request, too_large) are invalid on purpose.
    std::set<const Frame*> refused;
    for (const auto& f : block) {
      if (f.dir == '>') {
        if (auto id = f.value.if_contains("id"))
          by_id[json::serialize(*id)] = &f;
        else
          last_without_id = &f;
        continue;
      }
      auto op = str(f.value.if_contains("op"));
      const Frame* request = nullptr;
      if (op == "ok" || op == "error" || op == "welcome" || op == "pong") {
        if (auto id = f.value.if_contains("id")) {
          auto it = by_id.find(json::serialize(*id));
          if (it != by_id.end()) request = it->second;
        } else {
          request = last_without_id;
        }
      }
      if (op == "error" && request) {
        auto code = str(f.value.if_contains("code"));
        if (code == "bad_request" || code == "too_large") refused.insert(request);
      }
      ++server;
      std::string err = schema.check_server(
          f.value, request ? str(request->value.if_contains("op")) : std::string());
      EXPECT_EQ(err, "") << where(*f.line) << ": " << f.line->text;
    }
    for (const auto& f : block) {
      if (f.dir != '>' || refused.count(&f)) continue;
      // A frame shown to make a point about tolerance ("(… ignored)") is outside the schema,
      // which describes what a conforming client sends: it must fail.
      if (f.comment.find("ignored") != std::string::npos) {
        EXPECT_NE(schema.check_client(f.value), "") << where(*f.line) << ": " << f.line->text;
        continue;
      }
      ++client;
      EXPECT_EQ(schema.check_client(f.value), "") << where(*f.line) << ": " << f.line->text;
    }
  }
  // The reference is full of examples: a parser that finds none is broken.
  EXPECT_GT(client, 150);
  EXPECT_GT(server, 300);
}

// --- `$ curl` examples ---------------------------------------------------------------------

std::vector<std::string> shell_words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size())
        cur += s[++i];
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      any = true;
    } else if (c == ' ' || c == '\t') {
      if (any || !cur.empty()) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

struct Curl {
  std::string method = "GET";
  std::string target;
  bool has_data = false;
};

std::optional<Curl> parse_curl(const std::string& command) {
  auto words = shell_words(command.substr(2));
  if (words.empty() || words[0] != "curl") return std::nullopt;
  Curl c;
  std::optional<std::string> explicit_method;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto& w = words[i];
    if (w == "|" || w == "(" || w.rfind("(", 0) == 0) break;
    if ((w == "-X" || w == "--request") && i + 1 < words.size()) {
      explicit_method = words[++i];
    } else if (w == "-I" || w == "--head") {
      explicit_method = "HEAD";
    } else if (w == "-d" || w.rfind("--data", 0) == 0) {
      c.has_data = true;
      ++i;
    } else if (w == "-H" || w == "-o" || w == "-D" || w == "-u" || w == "--cacert" ||
               w == "--cert" || w == "--key" || w == "-w") {
      ++i;
    } else if (w.find("://") != std::string::npos || w.rfind("localhost", 0) == 0 ||
               w.rfind("127.0.0.1", 0) == 0) {
      auto scheme = w.find("://");
      auto rest = scheme == std::string::npos ? w : w.substr(scheme + 3);
      auto slash = rest.find('/');
      c.target = slash == std::string::npos ? "/" : rest.substr(slash);
    }
  }
  if (c.target.empty()) return std::nullopt;
  c.method = explicit_method ? *explicit_method : (c.has_data ? "POST" : "GET");
  return c;
}

int success_status(const ProtocolSchema& schema, const std::string& method,
                   const std::string& target) {
  const json::object* e = schema.endpoint(method, target);
  if (!e) return 200;
  for (const auto& kv : e->at("responses").as_object()) {
    std::string k(kv.key());
    if (k.size() == 3 && k[0] == '2') return std::stoi(k);
  }
  return 200;
}

TEST(SchemaDocs, EveryCurlExampleAnswersWithTheDocumentedBody) {
  auto doc = read_doc();
  const auto& schema = ProtocolSchema::get();
  int checked = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& l = doc[i];
    if (!l.in_code || l.text.rfind("$ curl", 0) != 0) continue;
    auto curl = parse_curl(l.text);
    if (!curl) continue;
    // The answer: the lines up to the next command or the end of the block.
    std::vector<const Line*> answer;
    for (std::size_t j = i + 1; j < doc.size() && doc[j].in_code && doc[j].block == l.block &&
                                doc[j].text.rfind("$ ", 0) != 0;
         ++j)
      answer.push_back(&doc[j]);
    std::optional<int> status;
    std::string content_type;
    std::size_t body_from = 0;
    if (!answer.empty() && answer[0]->text.rfind("HTTP/1.1 ", 0) == 0) {
      status = std::stoi(answer[0]->text.substr(9, 3));
      std::size_t k = 1;
      for (; k < answer.size() && !answer[k]->text.empty(); ++k) {
        std::string h = answer[k]->text;
        for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (h.rfind("content-type:", 0) == 0) content_type = h.substr(13);
      }
      body_from = k + 1;
    }
    if (curl->method == "HEAD") continue;
    for (std::size_t k = body_from; k < answer.size(); ++k) {
      const auto& text = answer[k]->text;
      if (text.empty() || (text[0] != '{' && text[0] != '[')) continue;
      if (!content_type.empty() && content_type.find("application/json") == std::string::npos)
        continue;  // NDJSON lines and the like
      auto parsed = json_prefix(text);
      if (!parsed || !is_comment(parsed->second)) {
        ADD_FAILURE() << where(*answer[k]) << ": a response body that is not JSON: " << text;
        continue;
      }
      bool error = parsed->first.is_object() && parsed->first.as_object().contains("error");
      // Without a status line: the endpoint's success status (201, 202 where it has one).
      int st = status ? *status : (error ? 0 : success_status(schema, curl->method, curl->target));
      std::string err = st == 0 ? schema.check_definition("http", "error_body", parsed->first)
                                : schema.check_http(curl->method, curl->target, st, parsed->first);
      EXPECT_EQ(err, "") << where(*answer[k]) << ": " << l.text << "\n" << text;
      ++checked;
      break;  // one body per command
    }
  }
  EXPECT_GT(checked, 40);
}

// --- field tables and signatures -------------------------------------------------------------

const json::object* definition(const json::object& doc, const std::string& name) {
  auto defs = doc.if_contains("definitions");
  if (!defs || !defs->is_object()) return nullptr;
  auto d = defs->as_object().if_contains(name);
  return d && d->is_object() ? &d->as_object() : nullptr;
}

// `s` with its $refs followed.
const json::object* resolve(const json::object& doc, const json::object* s) {
  for (int hops = 0; s && hops < 16; ++hops) {
    auto ref = s->if_contains("$ref");
    if (!ref || !ref->is_string()) return s;
    std::string r(ref->as_string());
    s = definition(doc, r.substr(r.rfind('/') + 1));
  }
  return s;
}

// The object schemas a value of `s` may have: `s` itself, or each branch of its anyOf/oneOf.
std::vector<const json::object*> alternatives(const json::object& doc, const json::object* s) {
  std::vector<const json::object*> out;
  s = resolve(doc, s);
  if (!s) return out;
  for (const char* k : {"anyOf", "oneOf"}) {
    if (auto a = s->if_contains(k); a && a->is_array()) {
      for (const auto& b : a->as_array())
        for (auto* x : alternatives(doc, &b.as_object())) out.push_back(x);
      return out;
    }
  }
  out.push_back(s);
  return out;
}

std::set<std::string> keys_of(const json::object& s, const char* member) {
  std::set<std::string> out;
  auto p = s.if_contains(member);
  if (p && p->is_object())
    for (const auto& kv : p->as_object()) out.insert(std::string(kv.key()));
  if (p && p->is_array())
    for (const auto& v : p->as_array()) out.insert(std::string(v.as_string()));
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return "{" + out + "}";
}

// The client ops a §3 heading documents ("react / unreact" → react, unreact).
std::vector<std::string> heading_ops(const std::string& section, const json::object& client) {
  std::vector<std::string> out;
  std::string words = section;
  for (char& c : words)
    if (c == ',' || c == '/') c = ' ';
  std::stringstream ss(words);
  std::string word;
  while (ss >> word)
    if (definition(client, word)) out.push_back(word);
  return out;
}

TEST(SchemaDocs, EveryFieldTableOfAClientOpListsExactlyItsSchema) {
  auto doc = read_doc();
  const auto& client = ProtocolSchema::get().client();
  static const std::regex row(R"(^\| *`([a-z_]+)` *\| *([^|]*)\|)");
  std::set<std::string> documented;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    if (doc[i].in_code || doc[i].text.rfind("| field | type | rule |", 0) != 0) continue;
    if (doc[i].chapter.rfind("3.", 0) != 0 && doc[i].chapter.rfind("2.", 0) != 0) continue;
    auto ops = heading_ops(doc[i].section, client);
    if (ops.empty()) {
      ADD_FAILURE() << where(doc[i]) << ": a field table under a heading that names no op";
      continue;
    }
    // A table shared by two ops ("mute / unmute") marks a field of one of them "`mute` only".
    std::map<std::string, std::string> only;  // field → the op it belongs to
    std::set<std::string> all_fields, all_optional;
    for (std::size_t j = i + 2; j < doc.size() && doc[j].text.rfind("|", 0) == 0; ++j) {
      std::smatch m;
      if (!std::regex_search(doc[j].text, m, row)) {
        ADD_FAILURE() << where(doc[j]) << ": a row without one `field` name: " << doc[j].text;
        continue;
      }
      all_fields.insert(m[1]);
      if (m[2].str().find("optional") != std::string::npos) all_optional.insert(m[1]);
      for (const auto& op : ops)
        if (doc[j].text.find("`" + op + "` only") != std::string::npos) only[m[1]] = op;
    }
    for (const auto& op : ops) {
      documented.insert(op);
      std::set<std::string> fields, optional;
      for (const auto& f : all_fields)
        if (!only.count(f) || only[f] == op) fields.insert(f);
      for (const auto& f : all_optional)
        if (fields.count(f)) optional.insert(f);
      const json::object* s = resolve(client, definition(client, op));
      ASSERT_NE(s, nullptr);
      auto props = keys_of(*s, "properties");
      props.erase("op");
      props.erase("id");
      auto required = keys_of(*s, "required");
      std::set<std::string> not_required;
      for (const auto& p : props)
        if (!required.count(p)) not_required.insert(p);
      EXPECT_EQ(join(fields), join(props))
          << where(doc[i]) << ": the table of `" << op << "` and its schema list other fields";
      EXPECT_EQ(join(optional), join(not_required))
          << where(doc[i]) << ": `" << op << "`: fields marked optional in the table, vs fields "
          << "the schema does not require";
    }
  }
  // Every op with fields besides op and id has its table.
  for (const auto& kv : client.at("definitions").as_object()) {
    std::string op(kv.key());
    const json::object* s = resolve(client, &kv.value().as_object());
    if (!s || !s->contains("properties") || !s->at("properties").as_object().contains("op"))
      continue;  // a shared piece, not an op
    auto props = keys_of(*s, "properties");
    props.erase("op");
    props.erase("id");
    if (!props.empty()) {
      EXPECT_TRUE(documented.count(op)) << "PROTOCOL.md has no field table for `" << op << "`";
    }
  }
}

// Every name a value of `s` may hold, at any depth (through properties, items, anyOf, $ref).
void collect_names(const json::object& doc, const json::object* s, std::set<std::string>& out,
                   std::set<const json::object*>& seen, int depth = 0) {
  s = resolve(doc, s);
  if (!s || depth > 8 || !seen.insert(s).second) return;
  if (auto p = s->if_contains("properties"); p && p->is_object()) {
    for (const auto& kv : p->as_object()) {
      out.insert(std::string(kv.key()));
      if (kv.value().is_object()) collect_names(doc, &kv.value().as_object(), out, seen, depth + 1);
    }
  }
  if (auto i = s->if_contains("items"); i && i->is_object())
    collect_names(doc, &i->as_object(), out, seen, depth + 1);
  if (auto a = s->if_contains("additionalProperties"); a && a->is_object())
    collect_names(doc, &a->as_object(), out, seen, depth + 1);
  for (const char* k : {"anyOf", "oneOf", "allOf"}) {
    if (auto a = s->if_contains(k); a && a->is_array())
      for (const auto& b : a->as_array())
        if (b.is_object()) collect_names(doc, &b.as_object(), out, seen, depth + 1);
  }
}

// The descriptive tables ("| field | meaning |", PATCH's "| member | type | same as |") name
// only members the schema of their section has: a §4 push, the reply of a §3 op, or the body of
// the §9 endpoint in the heading (its request body for a "member" table).
TEST(SchemaDocs, EveryDescriptiveTableNamesOnlyMembersOfItsSchema) {
  auto doc = read_doc();
  const auto& schema = ProtocolSchema::get();
  const auto& client = schema.client();
  const auto& server = schema.server();
  const auto& http = schema.http();
  static const std::regex header(R"(^\| (field \| (meaning|what)|member \| type \| same as) \|)");
  static const std::regex endpoint_heading(R"(^(GET|POST|PATCH|DELETE) (/\S+)$)");
  static const std::regex name(R"(`([a-z_][a-z_0-9.]*)`)");
  int tables = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    std::smatch hm;
    if (doc[i].in_code || !std::regex_search(doc[i].text, hm, header)) continue;
    const json::object* file = &server;
    std::vector<const json::object*> roots;
    std::smatch em;
    if (std::regex_match(doc[i].section, em, endpoint_heading)) {
      file = &http;
      const json::object* e = schema.endpoint(em[1].str(), em[2].str());
      ASSERT_NE(e, nullptr) << where(doc[i]) << ": no endpoint in http.schema.json";
      std::vector<std::string> refs;
      if (hm[1].str().rfind("member", 0) == 0) {
        if (auto r = e->if_contains("request"); r && r->is_string())
          refs.emplace_back(r->as_string());
      } else {
        for (const auto& kv : e->at("responses").as_object()) {
          std::string k(kv.key());
          auto j = kv.value().as_object().if_contains("json");
          if (k.size() == 3 && k[0] == '2' && j && j->is_string())
            refs.emplace_back(j->as_string());
        }
      }
      for (const auto& r : refs) roots.push_back(definition(http, r.substr(r.rfind('/') + 1)));
    } else if (auto d = definition(server,
                                   doc[i].section.substr(0, doc[i].section.find_first_of(" ,")))) {
      roots.push_back(d);  // "### message", "### report, report_resolved (staff only)"
      if (doc[i].section.find("report_resolved") != std::string::npos)
        roots.push_back(definition(server, "report_resolved"));
    } else {
      for (const auto& op : heading_ops(doc[i].section, client))
        roots.push_back(definition(server, "reply_" + op));
    }
    roots.erase(std::remove(roots.begin(), roots.end(), nullptr), roots.end());
    if (roots.empty()) {
      ADD_FAILURE() << where(doc[i]) << ": a table whose section has no schema";
      continue;
    }
    std::set<std::string> names;
    std::set<const json::object*> seen;
    for (auto* r : roots) collect_names(*file, r, names, seen);
    ++tables;
    for (std::size_t j = i + 2; j < doc.size() && doc[j].text.rfind("|", 0) == 0; ++j) {
      std::string first = doc[j].text.substr(1, doc[j].text.find('|', 1) - 1);
      int found = 0;
      for (std::sregex_iterator it(first.begin(), first.end(), name), end; it != end; ++it) {
        ++found;
        std::string n = (*it)[1];
        std::stringstream parts(n);
        std::string part;
        while (std::getline(parts, part, '.'))
          EXPECT_TRUE(names.count(part))
              << where(doc[j]) << ": the table names `" << n << "`, which its schema does not have";
      }
      EXPECT_GT(found, 0) << where(doc[j]) << ": a row without a `name`: " << doc[j].text;
    }
  }
  EXPECT_GE(tables, 12);
}

// A frame signature of the prose: `{"op":"ok","id"?,"channel","from":{"id","name"},"text"?}`.
struct Signature {
  std::map<std::string, bool> members;  // name → optional
  std::map<std::string, Signature> nested;
  std::string op;     // the value of "op"
  bool open = false;  // "…" somewhere: only the members shown are checked
};

// Parses a signature at s[i] (a '{'); false when it is not one.
bool parse_signature(const std::string& s, std::size_t& i, Signature& out) {
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  auto read_string = [&](std::string& v) {
    if (i >= s.size() || s[i] != '"') return false;
    auto end = s.find('"', i + 1);
    if (end == std::string::npos) return false;
    v = s.substr(i + 1, end - i - 1);
    i = end + 1;
    return true;
  };
  auto skip_value = [&] {  // up to the next , or } at this depth
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        auto end = s.find('"', i + 1);
        if (end == std::string::npos) return;
        i = end + 1;
        continue;
      }
      if (c == '[' || c == '{') ++depth;
      if ((c == ']' || c == '}') && depth-- == 0) return;
      if (c == ',' && depth == 0) return;
      ++i;
    }
  };
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && s[i] == '}') {
      ++i;
      return true;
    }
    std::string key;
    if (!read_string(key)) {  // "…same fields…" and the like
      out.open = true;
      skip_value();
      if (i < s.size() && s[i] == ',') ++i;
      continue;
    }
    bool optional = false;
    if (i < s.size() && s[i] == '?') {
      optional = true;
      ++i;
    }
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (i < s.size() && s[i] == '{') {
        Signature inner;
        if (!parse_signature(s, i, inner)) return false;
        out.nested[key] = inner;
      } else if (key == "op") {
        std::string v;
        if (!read_string(v)) return false;
        out.op = v;
      } else {
        skip_value();
      }
      if (i < s.size() && s[i] == '?') {
        optional = true;
        ++i;
      }
    }
    out.members[key] = optional;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return false;
}

// "" when the signature and one of the object schemas `alts` agree.
std::string compare(const json::object& doc, const Signature& sig,
                    const std::vector<const json::object*>& alts) {
  std::string why;
  for (const auto* s : alts) {
    auto props = keys_of(*s, "properties");
    auto required = keys_of(*s, "required");
    std::set<std::string> names, optional, not_required;
    for (const auto& [k, opt] : sig.members) {
      names.insert(k);
      if (opt) optional.insert(k);
    }
    for (const auto& p : props)
      if (!required.count(p)) not_required.insert(p);
    std::string diff;
    if (sig.open) {
      for (const auto& n : names)
        if (!props.count(n)) diff += " no member " + n + ";";
    } else {
      if (names != props) diff += " members " + join(names) + " vs " + join(props) + ";";
      if (optional != not_required)
        diff += " optional " + join(optional) + " vs " + join(not_required) + ";";
    }
    for (const auto& [k, inner] : sig.nested) {
      auto p = s->if_contains("properties");
      auto ps = p && p->is_object() ? p->as_object().if_contains(k) : nullptr;
      if (!ps || !ps->is_object()) continue;
      std::string e = compare(doc, inner, alternatives(doc, &ps->as_object()));
      if (!e.empty()) diff += " in " + k + ": " + e;
    }
    if (diff.empty()) return "";
    why += "\n  schema alternative:" + diff;
  }
  return why.empty() ? "no schema" : why;
}

TEST(SchemaDocs, EveryFrameSignatureListsExactlyItsSchema) {
  auto doc = read_doc();
  const auto& client = ProtocolSchema::get().client();
  const auto& server = ProtocolSchema::get().server();
  static const std::regex sig_re(R"(`(\{"op":"[a-z_]+"[^`]*\})`)");
  int checked = 0;
  for (const auto& l : doc) {
    if (l.in_code) continue;
    for (std::sregex_iterator it(l.text.begin(), l.text.end(), sig_re), end; it != end; ++it) {
      std::string text = (*it)[1];
      Signature sig;
      std::size_t i = 0;
      if (!parse_signature(text, i, sig) || i != text.size()) {
        ADD_FAILURE() << where(l) << ": a frame signature that does not parse: " << text;
        continue;
      }
      // Which schema: an ok is the reply of the heading's op(s); in §3 an op of the heading's
      // name is the client frame; anything else is the server frame of that name.
      std::vector<const json::object*> alts;  // of the server's file
      std::string err;
      bool in_ops = l.chapter.rfind("3.", 0) == 0 || l.chapter.rfind("2.", 0) == 0;
      auto ops = heading_ops(l.section, client);
      if (sig.op == "ok" && ops.empty()) {
        alts = alternatives(server, definition(server, "ok"));  // any reply
      } else if (sig.op == "ok") {
        for (const auto& op : ops) {
          for (auto* a : alternatives(server, definition(server, "reply_" + op))) alts.push_back(a);
        }
      } else {
        alts = alternatives(server, definition(server, sig.op));
      }
      // In §3 a signature of the heading's op may be the request written out
      // (`{"op":"auth","token":"<JWT>"}`) or a push of the same name: either may match.
      // Outside an op's own section (§2 shows `auth`), a client op's name is the request.
      bool named = std::find(ops.begin(), ops.end(), sig.op) != ops.end() ||
                   (ops.empty() && !definition(server, sig.op));
      auto requests = in_ops && named ? alternatives(client, definition(client, sig.op))
                                      : std::vector<const json::object*>{};
      if (alts.empty() && requests.empty()) {
        ADD_FAILURE() << where(l) << ": no schema for the signature " << text;
        continue;
      }
      if (!requests.empty()) err = compare(client, sig, requests);
      if (requests.empty() || (!err.empty() && !alts.empty())) err = compare(server, sig, alts);
      EXPECT_EQ(err, "") << where(l) << ": " << text;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
