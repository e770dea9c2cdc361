#include "socketio_framing.hpp"

namespace parley::load {

namespace {

using Step = SocketIoFraming::Step;
using Kind = SocketIoFraming::Kind;

Step fail(std::string_view why) { return {Kind::fail, why}; }

}  // namespace

std::string SocketIoFraming::wrap(std::string_view frame) {
  std::string out;
  out.reserve(frame.size() + kEvent.size() + 7);
  out += "42[\"";
  out += kEvent;
  out += "\",";
  out += frame;
  out += ']';
  return out;
}

Step SocketIoFraming::on_message(std::string_view msg) {
  if (msg.empty()) return fail("empty Engine.IO packet");
  const std::string_view rest = msg.substr(1);
  switch (msg.front()) {
    case '0':  // open
      if (state_ != State::wait_open) return fail("Engine.IO open packet after the handshake");
      state_ = State::wait_connect;
      return {Kind::reply, "40"};
    case '1':
      return fail("server closed the Engine.IO session");
    case '2':  // ping: answered at once, whatever the state
      return {Kind::reply, "3"};
    case '3':  // pong
    case '6':  // noop
      return {};
    case '4':  // message: a socket.io packet follows
      return on_socketio(rest);
    default:
      return fail("unexpected Engine.IO packet type");
  }
}

Step SocketIoFraming::on_socketio(std::string_view p) {
  if (p.empty()) return fail("empty socket.io packet");
  const char type = p.front();
  p.remove_prefix(1);
  switch (type) {
    case '0':  // CONNECT: "40{"sid":...}" for the main namespace
      if (state_ != State::wait_connect) return fail("socket.io CONNECT out of order");
      if (!p.empty() && p.front() == '/') return fail("socket.io namespaces are not supported");
      state_ = State::connected;
      return {Kind::opened, {}};
    case '1':
      return fail("server disconnected the socket.io socket");
    case '4':
      return fail("socket.io connect_error");
    case '2':  // EVENT
      break;
    case '3':  // ACK: the peer never asks for one
      return {};
    default:
      return fail("socket.io binary packets are not supported");
  }
  if (state_ != State::connected) return fail("socket.io event before CONNECT");
  if (!p.empty() && (p.front() == '/' || (p.front() >= '0' && p.front() <= '9'))) {
    return fail("socket.io namespaces and acks are not supported");
  }
  // ["<event>",<value>]: only our event name, with exactly one object argument.
  if (p.size() < 2 || p.front() != '[' || p.back() != ']') return fail("malformed socket.io event");
  p = p.substr(1, p.size() - 2);
  if (p.empty() || p.front() != '"') return fail("malformed socket.io event");
  if (p.size() < kEvent.size() + 2 || p.substr(1, kEvent.size()) != kEvent ||
      p[kEvent.size() + 1] != '"') {
    return {};  // another event name
  }
  p.remove_prefix(kEvent.size() + 2);
  if (p.empty() || p.front() != ',') return fail("socket.io event without an argument");
  p.remove_prefix(1);
  if (p.empty() || p.front() != '{') return fail("socket.io event argument is not an object");
  // A second argument would follow the object's closing brace; the frame scanner rejects it.
  return {Kind::payload, p};
}

}  // namespace parley::load
