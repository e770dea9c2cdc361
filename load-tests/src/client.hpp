// Client: a WsConn that speaks the Parley handshake — auth, then optionally join one channel —
// and hands the scenario only what it needs: ok/error replies by request id, and message
// events. Error frames and unexpected closes are tallied on the worker, never ignored.
//
// Request id 0 is reserved for the join; scenarios use ids from 1.
//
// Threading: lives on one Worker; every method runs on that worker's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "frame_scan.hpp"
#include "runtime.hpp"
#include "ws_conn.hpp"

namespace parley::load {

class Client : public WsConn {
 public:
  // `n` numbers the client across the run (picks the source address).
  Client(Worker& w, std::size_t n, std::string user, std::string join_channel = {});

  void start();     // connects (called by the worker's admission control)
  void shutdown();  // graceful close; aborts a connection still being set up

  bool ready() const { return state_ == State::ready; }
  const std::string& user() const { return user_; }
  std::size_t number() const { return n_; }

 protected:
  virtual void on_ready() {}
  virtual void on_ok(std::int64_t id, const Frame& f) {}
  virtual void on_error_reply(std::int64_t id, const Frame& f) {}
  virtual void on_message(const Frame& f) {}
  virtual void on_lost() {}  // the connection closed while ready, and not by us

  Worker& w_;
  Runtime& rt_;
  std::uint64_t joined_last_seq_ = 0;  // from the join reply

 private:
  enum class State : std::uint8_t { idle, connecting, authing, joining, ready, failed, closed };

  void on_open() final;
  void on_object(std::string_view json) final;
  void on_closed(const CloseInfo& info) final;
  void setup_failed(const char* why);
  void become_ready();

  std::size_t n_;
  std::string user_;
  std::string join_;
  State state_ = State::idle;
  Clock::time_point started_at_;
};

}  // namespace parley::load
