// The `search` op and GET /api/search (DESIGN §9): who may search what (permissions.cpp's
// search_scope), the query run on the reader pool, and the reply's fields.
//
// Thread-safety: search() may be called from any thread; `done` runs on a reader-pool thread.
#pragma once

#include <optional>

#include "actions.hpp"
#include "parley/protocol/commands.hpp"
#include "session.hpp"

namespace parley::server {

class Hub;

class SearchService {
 public:
  explicit SearchService(Hub& hub) : hub_(hub) {}

  // Runs `c` for `who` (nullopt: an anonymous reader). On success `done` gets the ok fields
  // `"results":[…]` and, when there is a next page, `"cursor":"…"`; else not_found (search is
  // disabled, or an unknown `channel`), forbidden (a `channel` the caller may not read),
  // bad_request (the query, limit or cursor; the message says which) or internal.
  void search(const std::optional<Identity>& who, const protocol::SearchCmd& c, Done done);

 private:
  Hub& hub_;
};

}  // namespace parley::server
