// valijson 1.0 (Debian libvalijson-dev) validates; Boost.JSON reads the schema files. See
// protocol_schema.hpp.
#include "protocol_schema.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#ifndef PARLEY_SCHEMA_DIR
#error "PARLEY_SCHEMA_DIR must name protocol/schema"
#endif

namespace json = boost::json;

namespace parley::test {

namespace {

json::value load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = json::parse(ss.str(), ec);
  if (ec || !v.is_object()) throw std::runtime_error(path + " is not a JSON object");
  return v;
}

// One path template of x-endpoints ("/api/users/{id}/export", "/sitemap-{n}.xml") as a regex:
// a parameter is one non-empty path segment or part of one.
struct Route {
  std::string method;
  std::regex re;
  std::size_t literal = 0;  // characters outside parameters: the most literal match wins
  const json::object* entry = nullptr;
};

Route make_route(const json::object& e) {
  Route r;
  r.method = std::string(e.at("method").as_string());
  std::string path(e.at("path").as_string());
  std::string re = "^";
  for (std::size_t i = 0; i < path.size();) {
    if (path[i] == '{') {
      auto close = path.find('}', i);
      if (close == std::string::npos) throw std::runtime_error("bad path template " + path);
      re += "[^/]+";
      i = close + 1;
      continue;
    }
    if (std::string_view("\\^$.|?*+()[]{}").find(path[i]) != std::string_view::npos) re += '\\';
    re += path[i];
    ++r.literal;
    ++i;
  }
  re += '$';
  r.re = std::regex(re);
  r.entry = &e;
  return r;
}

}  // namespace

bool schema_check_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("PARLEY_SCHEMA_CHECK");
    return !(v && std::string_view(v) == "off");
  }();
  return on;
}

struct ProtocolSchema::Impl {
  std::map<std::string, json::value, std::less<>> docs;  // "client", "server", "http"
  std::vector<Route> routes;
  mutable std::mutex mu;  // guards `compiled`
  mutable std::map<std::string, std::unique_ptr<valijson::Schema>, std::less<>> compiled;

  const json::object& doc(std::string_view file) const {
    auto it = docs.find(file);
    if (it == docs.end()) throw std::runtime_error("no schema file " + std::string(file));
    return it->second.as_object();
  }

  // The schema of a whole file (definition "") or of one of its definitions, compiled once.
  const valijson::Schema* schema(std::string_view file, std::string_view definition,
                                 std::string& error) const {
    std::string key = std::string(file) + "#" + std::string(definition);
    std::lock_guard lock(mu);
    if (auto it = compiled.find(key); it != compiled.end()) return it->second.get();
    const auto& d = doc(file);
    json::value root;
    if (definition.empty()) {
      root = d;
    } else {
      auto defs = d.if_contains("definitions");
      if (!defs || !defs->is_object() || !defs->as_object().contains(definition)) {
        error = std::string(file) + ".schema.json has no definition \"" + std::string(definition) +
                "\"";
        return nullptr;
      }
      root = json::object{{"$ref", "#/definitions/" + std::string(definition)},
                          {"definitions", *defs}};
    }
    auto s = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::BoostJsonAdapter adapter(root);
    parser.populateSchema(adapter, *s);
    return compiled.emplace(key, std::move(s)).first->second.get();
  }

  std::string validate(std::string_view file, std::string_view definition,
                       const json::value& v) const {
    std::string error;
    const valijson::Schema* s = schema(file, definition, error);
    if (!s) return error;
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::BoostJsonAdapter target(v);
    if (validator.validate(*s, target, &results)) return "";
    std::string out;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
      std::string where;
      for (const auto& c : e.context) where += c;
      out += (definition.empty() ? std::string(file) : std::string(definition)) + ": " + where +
             ": " + e.description + "\n";
    }
    return out.empty() ? "invalid\n" : out;
  }
};

ProtocolSchema::ProtocolSchema(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  for (const char* f : {"client", "server", "http"})
    impl_->docs.emplace(f, load(dir + "/" + f + ".schema.json"));
  if (auto eps = http().if_contains("x-endpoints"); eps && eps->is_array())
    for (const auto& e : eps->as_array()) impl_->routes.push_back(make_route(e.as_object()));
}

ProtocolSchema::~ProtocolSchema() = default;

const ProtocolSchema& ProtocolSchema::get() {
  static const ProtocolSchema instance(PARLEY_SCHEMA_DIR);
  return instance;
}

const json::object& ProtocolSchema::client() const { return impl_->doc("client"); }
const json::object& ProtocolSchema::server() const { return impl_->doc("server"); }
const json::object& ProtocolSchema::http() const { return impl_->doc("http"); }

namespace {

// The definition a frame's `op` names in `doc`, or "" (then the whole file is checked, which
// reports the unknown op). Checking one definition is what the file's if/then chain does for a
// known op, without trying every other op's condition: the black-box tests check every frame.
std::string op_definition(const json::object& doc, const json::value& frame) {
  if (!frame.is_object()) return "";
  auto op = frame.as_object().if_contains("op");
  if (!op || !op->is_string()) return "";
  auto defs = doc.if_contains("definitions");
  std::string name(op->as_string());
  return defs && defs->is_object() && defs->as_object().contains(name) ? name : "";
}

}  // namespace

std::string ProtocolSchema::check_client(const json::value& frame) const {
  return impl_->validate("client", op_definition(client(), frame), frame);
}

std::string ProtocolSchema::check_server(const json::value& frame,
                                         std::string_view request_op) const {
  std::string def = op_definition(server(), frame);
  // An ok whose request is known is checked against that request's reply only.
  if (def == "ok" && !request_op.empty()) def = "reply_" + std::string(request_op);
  return impl_->validate("server", def, frame);
}

std::string ProtocolSchema::check_definition(std::string_view file, std::string_view definition,
                                             const json::value& value) const {
  return impl_->validate(file, definition, value);
}

const json::object* ProtocolSchema::endpoint(std::string_view method,
                                             std::string_view target) const {
  std::string path(target.substr(0, target.find('?')));
  if (method == "HEAD") method = "GET";
  const Route* best = nullptr;
  for (const auto& r : impl_->routes) {
    if (r.method != method || !std::regex_match(path, r.re)) continue;
    if (!best || r.literal > best->literal) best = &r;
  }
  return best ? best->entry : nullptr;
}

std::string ProtocolSchema::check_http(std::string_view method, std::string_view target, int status,
                                       const json::value& body) const {
  const json::object* e = endpoint(method, target);
  if (!e)
    return "http.schema.json lists no endpoint for " + std::string(method) + " " +
           std::string(target) + "\n";
  const auto& responses = e->at("responses").as_object();
  const json::value* r = responses.if_contains(std::to_string(status));
  if (!r) r = responses.if_contains("default");
  if (!r)
    return "http.schema.json lists no status " + std::to_string(status) + " for " +
           std::string(method) + " " + std::string(e->at("path").as_string()) + "\n";
  auto ref = r->as_object().if_contains("json");
  if (!ref || !ref->is_string())
    return "http.schema.json says " + std::string(method) + " " +
           std::string(e->at("path").as_string()) + " " + std::to_string(status) + " is not JSON\n";
  std::string_view name = ref->as_string();
  constexpr std::string_view prefix = "#/definitions/";
  if (name.substr(0, prefix.size()) != prefix) return "bad reference " + std::string(name) + "\n";
  return impl_->validate("http", name.substr(prefix.size()), body);
}

}  // namespace parley::test
