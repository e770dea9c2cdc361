// The machine-readable protocol (protocol/schema/*.schema.json, JSON Schema draft-07) as a test
// helper: checks a client frame, a server frame or an HTTP JSON body against it with valijson.
// The black-box tests check every frame and JSON body the server sends (tests/integration
// harness), and tests/protocol/schema_docs_test.cpp checks PROTOCOL.md's examples and field
// lists against it.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace parley::test {

// False when the environment says PARLEY_SCHEMA_CHECK=off (for debugging a test by hand; CI
// never sets it): the black-box tests then skip their schema checks.
bool schema_check_enabled();

class ProtocolSchema {
 public:
  // The schemas of `dir` (default: the source tree's protocol/schema), loaded once.
  static const ProtocolSchema& get();
  explicit ProtocolSchema(const std::string& dir);
  ~ProtocolSchema();
  ProtocolSchema(const ProtocolSchema&) = delete;
  ProtocolSchema& operator=(const ProtocolSchema&) = delete;

  // Each check returns "" when the value conforms, else the validator's errors, one per line.
  std::string check_client(const boost::json::value& frame) const;
  // `request_op`: the op of the request an `ok` answers when known ("" otherwise): the ok is
  // then checked against `reply_<op>`, else against any reply.
  std::string check_server(const boost::json::value& frame, std::string_view request_op = {}) const;
  // The JSON body of an HTTP response (`target` may carry a query string). An endpoint or
  // status that http.schema.json does not list is an error too.
  std::string check_http(std::string_view method, std::string_view target, int status,
                         const boost::json::value& body) const;
  // Against one definition of a file ("client", "server" or "http"); an unknown one is an error.
  std::string check_definition(std::string_view file, std::string_view definition,
                               const boost::json::value& value) const;

  // The parsed schema documents.
  const boost::json::object& client() const;
  const boost::json::object& server() const;
  const boost::json::object& http() const;

  // The x-endpoints entry of http.schema.json serving `method` `target` (the most literal
  // match), or nullptr.
  const boost::json::object* endpoint(std::string_view method, std::string_view target) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::test
