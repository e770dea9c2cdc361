#include "client.hpp"

namespace parley::load {

Client::Client(Worker& w, std::size_t n, std::string user, std::string join_channel)
    : WsConn(w.ioc),
      w_(w),
      rt_(w.rt),
      n_(n),
      user_(std::move(user)),
      join_(std::move(join_channel)) {}

void Client::start() {
  state_ = State::connecting;
  started_at_ = Clock::now();
  connect(rt_.connect_spec(n_));
}

void Client::shutdown() {
  if (state_ == State::idle) {
    // Never admitted: no on_closed() will come.
    state_ = State::closed;
    rt_.closed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (state_ == State::closed) return;
  close();
}

void Client::on_open() {
  state_ = State::authing;
  send("{\"op\":\"auth\",\"token\":\"" + rt_.token(user_) + "\"}");
}

void Client::become_ready() {
  state_ = State::ready;
  w_.setup_latency.record(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_at_).count());
  w_.setup_finished();
  rt_.ready.fetch_add(1, std::memory_order_relaxed);
  on_ready();
}

void Client::setup_failed(const char* why) {
  w_.errors.add(why);
  state_ = State::failed;
  w_.setup_finished();
  rt_.setup_failed.fetch_add(1, std::memory_order_relaxed);
  close();
}

void Client::on_object(std::string_view json) {
  ++w_.objects_in;
  Frame f;
  if (!scan_frame(json, f)) {
    w_.errors.add("bad_frame");
    return;
  }
  const std::string_view op = f.op;
  if (op == "message") return on_message(f);
  if (op == "ok") {
    if (f.id == 0 && state_ == State::joining) {
      joined_last_seq_ = f.last_seq;
      return become_ready();
    }
    return on_ok(f.id, f);
  }
  if (op == "error") {
    w_.errors.add("error:" + std::string(f.code.empty() ? "?" : f.code));
    if (state_ == State::authing) return setup_failed("auth_failed");
    if (state_ == State::joining && f.id == 0) return setup_failed("join_failed");
    return on_error_reply(f.id, f);
  }
  if (op == "welcome") {
    if (state_ != State::authing) return;
    if (join_.empty()) return become_ready();
    state_ = State::joining;
    send("{\"op\":\"join\",\"channel\":\"" + join_ + "\",\"id\":0}");
    return;
  }
  if (op == "presence") {
    ++w_.presence_events;
    return;
  }
  ++w_.other_events;
}

void Client::on_closed(const CloseInfo& info) {
  State was = state_;
  state_ = State::closed;
  if (!info.by_us) {
    switch (info.stage) {
      case CloseInfo::Stage::connect:
        w_.errors.add("connect_failed: " + info.reason);
        break;
      case CloseInfo::Stage::handshake:
        w_.errors.add("handshake_failed: " + info.reason);
        break;
      case CloseInfo::Stage::open:
        w_.errors.add(info.code ? "close:" + std::to_string(info.code) + " " + info.reason
                                : "disconnected: " + info.reason);
        break;
    }
  }
  if (was == State::connecting || was == State::authing || was == State::joining) {
    w_.setup_finished();
    // A set-up we aborted ourselves (at the end of the run) is not a failure of the server's.
    if (!info.by_us) rt_.setup_failed.fetch_add(1, std::memory_order_relaxed);
  }
  if (was == State::ready && !info.by_us) {
    rt_.lost.fetch_add(1, std::memory_order_relaxed);
    on_lost();
  }
  rt_.closed.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace parley::load
