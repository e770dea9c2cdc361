// The socket.io framing adapter against the packets socketio-peer.js (socket.io 4.8, Engine.IO
// v4) really sends, copied from a session with it.
#include "socketio_framing.hpp"

#include <gtest/gtest.h>

#include "frame_scan.hpp"

using parley::load::Frame;
using parley::load::scan_frame;
using parley::load::SocketIoFraming;
using Kind = SocketIoFraming::Kind;

namespace {

constexpr const char* kOpen =
    R"(0{"sid":"SIu8oskPCKQyrmwRAAAA","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":65536})";
constexpr const char* kConnected = R"(40{"sid":"iVeX8LnvbKGD06cNAAAA"})";

// A framing that has gone through the handshake.
SocketIoFraming connected() {
  SocketIoFraming f;
  EXPECT_EQ(f.on_message(kOpen).kind, Kind::reply);
  EXPECT_EQ(f.on_message(kConnected).kind, Kind::opened);
  return f;
}

}  // namespace

TEST(SocketIoFraming, HandshakeAnswersOpenThenOpensOnConnect) {
  SocketIoFraming f;
  EXPECT_FALSE(f.connected());
  auto s = f.on_message(kOpen);
  EXPECT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.data, "40");
  EXPECT_FALSE(f.connected());
  s = f.on_message(kConnected);
  EXPECT_EQ(s.kind, Kind::opened);
  EXPECT_TRUE(f.connected());
}

TEST(SocketIoFraming, PingIsAnsweredWithPongInEveryState) {
  SocketIoFraming f;
  auto s = f.on_message("2");
  EXPECT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.data, "3");
  auto g = connected();
  s = g.on_message("2");
  EXPECT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.data, "3");
  EXPECT_EQ(g.on_message("3").kind, Kind::ignore);
  EXPECT_EQ(g.on_message("6").kind, Kind::ignore);
}

TEST(SocketIoFraming, EventUnwrapsToTheObjectTheFrameScannerReads) {
  auto f = connected();
  const std::string msg =
      R"(42["parley",{"op":"message","channel":"general","seq":1,"ts":1795366467463,"from":{"id":"anon1","name":"anon1","role":"customer","advocate":false},"text":"hi ] \"x\""}])";
  auto s = f.on_message(msg);
  ASSERT_EQ(s.kind, Kind::payload);
  EXPECT_EQ(s.data.front(), '{');
  EXPECT_EQ(s.data.back(), '}');
  Frame fr;
  ASSERT_TRUE(scan_frame(s.data, fr));
  EXPECT_EQ(fr.op, "message");
  EXPECT_EQ(fr.channel, "general");
  EXPECT_EQ(fr.seq, 1u);
  EXPECT_EQ(fr.text, R"(hi ] \"x\")");
}

TEST(SocketIoFraming, WrapIsTheInverseOfUnwrap) {
  const std::string frame = R"({"op":"send","channel":"general","text":"a,b]","id":3})";
  const std::string wrapped = SocketIoFraming::wrap(frame);
  EXPECT_EQ(wrapped, R"(42["parley",{"op":"send","channel":"general","text":"a,b]","id":3}])");
  auto f = connected();
  auto s = f.on_message(wrapped);
  ASSERT_EQ(s.kind, Kind::payload);
  EXPECT_EQ(s.data, frame);
}

TEST(SocketIoFraming, OtherEventNamesAndAcksAreIgnored) {
  auto f = connected();
  EXPECT_EQ(f.on_message(R"(42["other",{"op":"x"}])").kind, Kind::ignore);
  EXPECT_EQ(f.on_message(R"(42["a",1])").kind, Kind::ignore);
  EXPECT_EQ(f.on_message(R"(42["parleyx",{}])").kind, Kind::ignore);
  EXPECT_EQ(f.on_message(R"(43[])").kind, Kind::ignore);
}

TEST(SocketIoFraming, ServerSideEndsFail) {
  auto f = connected();
  EXPECT_EQ(f.on_message("41").kind, Kind::fail);
  EXPECT_EQ(f.on_message("1").kind, Kind::fail);
  SocketIoFraming g;
  g.on_message(kOpen);
  auto s = g.on_message(R"(44{"message":"Invalid namespace"})");
  EXPECT_EQ(s.kind, Kind::fail);
  EXPECT_FALSE(s.data.empty());
}

TEST(SocketIoFraming, WhatThePeerNeverSendsFailsLoudly) {
  auto f = connected();
  EXPECT_EQ(f.on_message("").kind, Kind::fail);
  EXPECT_EQ(f.on_message("4").kind, Kind::fail);
  EXPECT_EQ(f.on_message("5").kind, Kind::fail);                             // upgrade
  EXPECT_EQ(f.on_message(R"(42["parley","{\"op\":1}"])").kind, Kind::fail);  // string payload
  EXPECT_EQ(f.on_message(R"(42["parley"])").kind, Kind::fail);               // no argument
  EXPECT_EQ(f.on_message(R"(42/chat,["parley",{}])").kind, Kind::fail);      // namespace
  EXPECT_EQ(f.on_message(R"(4217["parley",{}])").kind, Kind::fail);          // ack id
  EXPECT_EQ(f.on_message(R"(451-["parley",{}])").kind, Kind::fail);          // binary
  EXPECT_EQ(f.on_message("42parley").kind, Kind::fail);
  EXPECT_EQ(f.on_message(kOpen).kind, Kind::fail);  // second open
}

TEST(SocketIoFraming, EventsBeforeConnectFail) {
  SocketIoFraming f;
  EXPECT_EQ(f.on_message(R"(42["parley",{"op":"ok"}])").kind, Kind::fail);
  SocketIoFraming g;
  EXPECT_EQ(g.on_message(kConnected).kind, Kind::fail);  // CONNECT before open
}
