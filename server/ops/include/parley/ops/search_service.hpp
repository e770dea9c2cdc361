// The `search` op and GET /api/search (DESIGN §9): who may search what (permissions.cpp's
// search_scope), the query run on the reader pool, and the reply's fields. Also the threads
// staff took off the knowledge pages (`publish_thread`, GET /api/knowledge): kept in the
// store's key/value space as "k\0<channel>\0<seq>" and in memory here.
//
// Thread-safety: every method may be called from any thread; `done` runs on a reader-pool
// thread (search) or the storage writer's (publish_thread).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/actions.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/search/index.hpp"

namespace parley::server {

struct Core;

class SearchService {
 public:
  // `index`: the search index, or nullptr when [search] enabled is off.
  SearchService(Core& core, search::SearchIndex* index) : core_(core), index_(index) {}

  // Runs `c` for `who` (nullopt: an anonymous reader). On success `done` gets the ok fields
  // `"results":[…]` and, when there is a next page, `"cursor":"…"`; else not_found (search is
  // disabled, or an unknown `channel`), forbidden (a `channel` the caller may not read),
  // bad_request (the query, limit or cursor; the message says which) or internal.
  void search(const std::optional<Identity>& who, const protocol::SearchCmd& c, Done done);

  // Reads the unpublished threads from the store (at start, before serving).
  void load();
  // The threads staff unpublished: left out of every anonymous search, listing and page.
  std::vector<search::ThreadRef> hidden_threads() const;
  bool hidden(const std::string& channel, std::uint64_t seq) const;
  // `publish_thread` (staff): ok {channel, seq, publish}; not_found (no such channel or
  // question, or a deleted one), bad_request (not a support channel, or a reply), forbidden.
  void publish_thread(const Identity& who, const protocol::PublishThreadCmd& c, Done done);
  // GET /api/knowledge (staff): the solved threads of every support channel, newest first,
  // `limit` after `offset`, each with whether its page is live. `respond` gets the JSON body.
  // Requires the index (constructed with one).
  void knowledge(std::uint32_t offset, std::uint32_t limit,
                 std::function<void(std::string body)> respond);

 private:
  Core& core_;
  search::SearchIndex* index_;
  mutable std::mutex hidden_mu_;
  std::set<search::ThreadRef> hidden_;  // guarded by hidden_mu_
};

}  // namespace parley::server
