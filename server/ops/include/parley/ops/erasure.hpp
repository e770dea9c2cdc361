// Erasure of a user's personal data (DESIGN §12; PROTOCOL.md §9.8): DELETE /api/users/ID.
//
// An erasure is one EraseUser start (the user record anonymised, read markers and mentions
// gone, reports redacted, the erasure listed as pending; audited `erase_user`), then a
// DeleteMessage with author_name for every message the user wrote, in every channel and DM
// (tombstoned as "Deleted user": live clients get `deleted`, the search index drops them, and
// knowledge pages with them go), a trim of the change log of each channel where one of them had
// been edited (the `edited` events carried their text), and an EraseUser finish. Each step is
// idempotent, so an erasure interrupted by a crash simply runs again from the start when the
// server starts (the store lists it as pending).
//
// While an erasure is pending the user's sessions are closed and their tokens refused; after
// it, only tokens issued after it began are accepted (the company's login system decides
// whether the person may come back; if so, they start afresh).
//
// Threading: one worker thread runs the erasures (it blocks on storage reads and waits for its
// writes); every public method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "parley/net/http.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;
class ShardSet;

class Erasures {
 public:
  // What an erased user's name becomes, everywhere.
  static constexpr const char* kName = "Deleted user";
  // Erasures pending at once; DELETE answers 503 beyond.
  static constexpr std::size_t kMaxPending = 1000;

  Erasures(Core& core, ShardSet& shards);
  ~Erasures();
  Erasures(const Erasures&) = delete;
  Erasures& operator=(const Erasures&) = delete;

  // Loads every erasure from the store and starts the worker, which resumes the pending ones.
  // Call after the store is open.
  void start();
  // Stops the worker between two steps (a pending erasure resumes at the next start).
  // Idempotent.
  void stop();

  // Why a token of this user may not be used now: their erasure is running, or it was issued
  // (iat) before their last erasure began. nullopt: fine.
  std::optional<std::string> refuses(const protocol::Claims& claims) const;

  // DELETE /api/users/ID (the caller checked the admin role).
  void http_erase(const std::string& user, const std::string& actor, Respond respond);
  // The user's last erasure, if any (GET /api/users/ID).
  std::optional<storage::Store::Erasure> last(const std::string& user) const;
  // The erasure as JSON members, without braces: "status","by","started","finished".
  static std::string fields(const storage::Store::Erasure& e);

  // Storage writer thread, for every committed batch: an EraseUser committed (before the
  // batch's events go out, so auth refuses the user before their sessions are closed).
  void on_committed(std::vector<storage::Committed>& batch);

  struct Stats {
    std::uint64_t pending = 0, finished = 0, messages = 0;
  };
  Stats stats() const;

 private:
  void run();
  // One erasure, start to finish; false when stopped, or when a write failed (it is retried).
  bool erase(const std::string& user);
  bool erase_channel(const std::string& user, const std::string& channel);
  // Submits each request and waits for all of their results; false when stopping or when
  // one failed.
  bool write_all(std::vector<storage::WriteRequest> reqs);
  // Waits until every shard has handled what was posted to it so far and every write queued
  // so far has committed: after the start, nothing the user's closed sessions sent is left.
  bool settle();
  bool stopping() const;

  void committed(const storage::EraseUser& op);

  Core& core_;
  ShardSet& shards_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, storage::Store::Erasure> known_;  // user -> last erasure
  std::set<std::string> starting_;                        // DELETE accepted, start not committed
  std::deque<std::string> queue_;                         // pending, in order
  std::uint64_t finished_ = 0, messages_ = 0;
  bool stop_ = false;
  std::atomic<bool> any_{false};  // known_ is not empty: auth checks take the lock only then
  std::thread worker_;
};

}  // namespace parley::server
