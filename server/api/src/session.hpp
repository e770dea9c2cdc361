// Session: one client connection's protocol state machine (auth, joins, sends, history).
//
// Transport-neutral: it talks to its connection through a Transport (parley/net/transport.hpp)
// and is called by it as a FrameHandler; ws_session.cpp puts a session and its WebSocket
// connection in one object. This file and session*.cpp include no Asio socket or Beast header.
//
// Threading: a session lives on one shard. Every method runs on that shard's thread; results
// from the storage writer and the reader pool are post()ed back to it, holding shared_from_this
// so the session outlives every pending operation.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parley/fanout/payload.hpp"
#include "parley/fanout/subscriber.hpp"
#include "parley/net/transport.hpp"
#include "parley/ops/rate_limit.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/protocol/types.hpp"

namespace parley::server {

class Shard;
struct ApiContext;
struct Outcome;
struct Posted;

// A small map from channel name to V kept as a vector sorted by name: a connection joins a few
// channels (limits.max_joined_channels, 100 by default), and an unordered_map would allocate a
// bucket array besides every node (~200 bytes for each idle connection with one channel).
// Lookups are binary searches; joins and leaves move the entries after the one changed.
template <class V>
class ChannelMap {
 public:
  using value_type = std::pair<std::string, V>;
  using iterator = typename std::vector<value_type>::iterator;

  iterator begin() { return v_.begin(); }
  iterator end() { return v_.end(); }
  std::size_t size() const { return v_.size(); }
  iterator find(std::string_view key) {
    auto it = lower(key);
    return it != v_.end() && it->first == key ? it : v_.end();
  }
  bool contains(std::string_view key) { return find(key) != v_.end(); }
  // The entry for `key`, value-initialized if it was absent.
  V& operator[](const std::string& key) {
    auto it = lower(key);
    if (it != v_.end() && it->first == key) return it->second;
    return v_.emplace(it, key, V{})->second;
  }
  std::size_t erase(std::string_view key) {
    auto it = find(key);
    if (it == v_.end()) return 0;
    v_.erase(it);
    if (v_.empty()) std::vector<value_type>().swap(v_);
    return 1;
  }

 private:
  iterator lower(std::string_view key) {
    return std::lower_bound(v_.begin(), v_.end(), key,
                            [](const value_type& e, std::string_view k) { return e.first < k; });
  }
  std::vector<value_type> v_;
};

class Session : public Subscriber,
                public FrameHandler,
                public std::enable_shared_from_this<Session> {
 public:
  // `transport` must outlive the session's use of it: the session never calls it after
  // on_closed() (ws_session.cpp keeps both in one object).
  Session(ApiContext& ctx, Shard& shard, Transport& transport, std::string remote_ip);
  ~Session() override;

  const std::string& remote_ip() const { return remote_ip_; }

  // --- Transport side (FrameHandler; see parley/net/transport.hpp). ---

  // The socket is open. `bearer` is a token from the upgrade's Authorization header, if any.
  void on_open(std::optional<std::string> bearer) override;
  // One complete client frame.
  void on_frame(std::string_view data, bool binary) override;
  // Resumes paused replays.
  void on_writable() override;
  // The transport is gone: unregister everywhere. Idempotent.
  void on_closed() override;

  // --- Fan-out side (Subscriber; see parley/fanout/subscriber.hpp). ---

  bool deliver(const std::string& channel, std::uint64_t seq, const Payload& p) override;
  bool deliver_change(const std::string& channel, std::uint64_t change, const Payload& p) override;
  void deliver_direct(const Payload& p) override { push(p); }
  void kicked(const std::string& channel, const Payload& p) override;
  void complete_write(const WriteAck& ack) override;
  void begin_drain() override { draining_ = true; }
  // Enforces the auth deadline, then the transport's own (pings, idle, close handshake).
  void on_sweep(std::chrono::steady_clock::time_point now) override;
  void close(std::uint16_t code, std::string_view reason) override {
    transport_.close(code, reason);
  }

 private:
  // One numbered stream of a subscription (messages by seq, changes by change number): what
  // was sent, and the live items held back while stored ones are read (see session_join.cpp).
  struct Stream {
    std::uint64_t delivered = 0;  // highest number sent to the client (or skipped)
    bool replaying = true;        // reading stored items; live ones are buffered
    bool overflowed = false;      // live buffer overflowed during replay: read again
    // A vector, not a deque: libstdc++'s deque allocates ~580 bytes on construction, and every
    // joined channel of every idle connection has two of these. Released after each replay.
    std::vector<std::pair<std::uint64_t, Payload>> buffer;

    enum class Live { held, duplicate, hole, next };
    // A live item numbered `n`: held back (replaying), already sent, the first after a hole
    // (held back, replaying again: read the missing ones), or the next one (send it).
    Live offer(std::uint64_t n, const Payload& p);
    // After the stored items: whether live ones were lost meanwhile (then read on).
    bool lost() const {
      return overflowed || (!buffer.empty() && buffer.front().first > delivered + 1);
    }
    // Ends the replay: the held-back items after `delivered`, in order, through `send`.
    template <class F>
    void drain(F&& send) {
      for (auto& [n, p] : buffer) {
        if (n <= delivered) continue;
        send(p);
        delivered = n;
      }
      std::vector<std::pair<std::uint64_t, Payload>>().swap(buffer);
      replaying = false;
    }
  };
  struct Subscription {
    Stream messages;  // by seq
    // Changes (edited, deleted, reaction, solved, helpful; join `changes_since`), by the same
    // rules: held back until the join's message replay and then its change replay are done.
    Stream changes;
    bool changes_pending = true;   // the join's change replay starts after its message replay
    bool replay_changes = false;   // that replay reads stored changes (else it only drains)
    std::uint64_t generation = 0;  // distinguishes a re-join from stale reads
  };

  void push(const Payload& p);
  void push(std::string frame) { push(make_payload(std::move(frame))); }
  void reply_error(std::string_view id_json, protocol::ErrorCode code, std::string_view message,
                   std::int64_t retry_after_ms = -1);
  bool take_token();

  void handle_auth(std::string_view id_json, const std::string& token);
  void handle(const std::string& id_json, protocol::JoinCmd& c);
  void handle(const std::string& id_json, protocol::LeaveCmd& c);
  void handle(const std::string& id_json, protocol::SendCmd& c);
  void handle(const std::string& id_json, protocol::DmCmd& c);
  void handle(const std::string& id_json, protocol::HistoryCmd& c);
  void handle(const std::string& id_json, protocol::TypingCmd& c);
  void handle(const std::string& id_json, protocol::PingCmd& c);
  void handle(const std::string& id_json, protocol::AuthCmd& c);
  void handle(const std::string& id_json, protocol::HelpfulCmd& c);
  void handle(const std::string& id_json, protocol::SolveCmd& c);
  void handle(const std::string& id_json, protocol::UnsolveCmd& c);
  void handle(const std::string& id_json, protocol::SetAdvocateCmd& c);
  void handle(const std::string& id_json, protocol::SearchCmd& c);
  void handle(const std::string& id_json, protocol::SetPreferencesCmd& c);
  void handle(const std::string& id_json, protocol::DeflectedCmd& c);
  void handle(const std::string& id_json, protocol::PublishThreadCmd& c);
  void handle(const std::string& id_json, protocol::ReadCmd& c);
  void handle(const std::string& id_json, protocol::ChannelsCmd& c);
  // Slash commands (bot_commands.cpp).
  void handle(const std::string& id_json, protocol::RegisterCommandsCmd& c);
  void handle(const std::string& id_json, protocol::CommandsCmd& c);
  void handle(const std::string& id_json, protocol::CommandCmd& c);
  void handle(const std::string& id_json, protocol::ReplyCommandCmd& c);
  void handle(const std::string& id_json, protocol::ActionCmd& c);
  // After auth: the welcome, once its unread total is read; then the frames that came meanwhile.
  void send_welcome(const std::string& id_json, std::uint64_t unread_total,
                    const std::string& preferences);
  void handle_frame(std::string_view data, bool binary);
  // A Done that posts the outcome back to this session's thread as the reply to id_json.
  std::function<void(Outcome)> reply_later(const std::string& id_json);
  // Everything Actions implements (edit, delete, react, report, moderation, channels).
  template <class Cmd>
  void handle(const std::string& id_json, Cmd& c);
  void reply_outcome(const std::string& id_json, const Outcome& o);

  // Access check for reading/joining a channel: empty optional = allowed.
  std::optional<std::pair<protocol::ErrorCode, std::string>> check_read(const std::string& ch);
  // A message submitted by ops (Actions::send, send_dm) waits for its ack under the cookie it
  // was given; a refused one is answered at once.
  void accept_post(const std::string& id_json, Posted posted);
  void replay_step(const std::string& channel, std::uint64_t generation);
  void replay_done(const std::string& channel, Subscription& sub);
  void changes_step(const std::string& channel, std::uint64_t generation);
  enum class Replay : std::uint8_t { messages, changes };
  void replay_stored(const std::string& channel, std::uint64_t generation, Replay what);
  void changes_done(const std::string& channel, Subscription& sub);
  void drop_subscription(const std::string& channel);
  Payload presence_event(const std::string& channel, std::string_view state) const;

  ApiContext& ctx_;
  Transport& transport_;
  std::string remote_ip_;
  std::chrono::steady_clock::time_point opened_at_;
  bool closed_ = false;
  bool draining_ = false;
  bool ip_counted_ = false;

  ChannelMap<Subscription> subs_;
  std::uint64_t sub_generation_ = 0;
  struct PausedReplay {
    std::string channel;
    std::uint64_t generation = 0;
    Replay what = Replay::messages;
  };
  std::vector<PausedReplay> paused_replays_;  // waiting for the client to read (on_writable)

  std::uint64_t next_cookie_ = 1;
  struct PendingWrite {
    std::string id_json;
    std::string masked_text;  // the text as stored, when the word filter masked it (else "")
  };
  std::unordered_map<std::uint64_t, PendingWrite> pending_writes_;  // by cookie

  // Between a good auth and its welcome (the unread total is being read): frames that arrive
  // meanwhile wait here, in order, and run right after the welcome. Bounded.
  bool welcome_pending_ = false;
  std::vector<std::pair<std::string, bool>> early_frames_;  // (data, binary)

  double tokens_;
  std::chrono::steady_clock::time_point tokens_at_;
  TokenBucket search_tokens_;  // [search] per_connection_per_min
};

}  // namespace parley::server
