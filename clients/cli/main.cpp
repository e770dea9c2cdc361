// parley-cli: a terminal client for Parley.
//
//   parley-cli --token JWT [--host 127.0.0.1] [--port 8080] [--channel help]
//
// Joins the channel and prints every frame from the server. Lines typed on stdin:
//   /join CH [SINCE]   /leave CH   /history [CH] [BEFORE]   /dm USER TEXT   /ping
//   {"op":…}           sent as-is (any protocol frame)
//   anything else      sent as a message to the current channel
#include <CLI/CLI.hpp>

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <random>
#include <sstream>

#include "ws_client.hpp"

namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string new_client_msg_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << "cli-" << std::hex << rng();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parley-cli: talk to a Parley server from the terminal"};
  std::string host = "127.0.0.1", token, channel = "help";
  std::uint16_t port = 8080;
  app.add_option("--host", host, "Server host (default 127.0.0.1)");
  app.add_option("--port", port, "Server port (default 8080)");
  app.add_option("--token", token, "JWT (mint one with `parleyd token`)")->required();
  app.add_option("--channel", channel, "Channel to join first (default help)");
  CLI11_PARSE(app, argc, argv);

  parley::client::WsClient ws;
  std::string error;
  if (!ws.connect(host, port, &error)) {
    std::cerr << "parley-cli: " << error << "\n";
    return 1;
  }
  ws.send("{\"op\":\"auth\",\"token\":" + quote(token) + "}");
  ws.send("{\"op\":\"join\",\"channel\":" + quote(channel) + "}");
  std::cerr << "connected; type a message, /join CH, /history, /dm USER TEXT, or a JSON frame\n";

  std::string line;
  for (;;) {
    while (auto frame = ws.recv(std::chrono::milliseconds(50))) std::cout << *frame << std::endl;
    if (ws.closed()) {
      std::cerr << "closed by server: " << ws.close_code() << " " << ws.close_reason() << "\n";
      return 1;
    }
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string frame;
    if (line[0] == '{') {
      frame = line;
    } else if (cmd == "/join" || cmd == "/leave") {
      std::string ch;
      std::string since;
      in >> ch >> since;
      if (cmd == "/join") channel = ch;
      frame = "{\"op\":\"" + cmd.substr(1) + "\",\"channel\":" + quote(ch) +
              (since.empty() ? "" : ",\"since\":" + since) + "}";
    } else if (cmd == "/history") {
      std::string ch = channel, before;
      in >> ch >> before;
      frame = "{\"op\":\"history\",\"channel\":" + quote(ch) +
              (before.empty() ? "" : ",\"before\":" + before) + "}";
    } else if (cmd == "/dm") {
      std::string to, text;
      in >> to;
      std::getline(in >> std::ws, text);
      frame = "{\"op\":\"dm\",\"to\":" + quote(to) + ",\"text\":" + quote(text) +
              ",\"client_msg_id\":" + quote(new_client_msg_id()) + "}";
    } else if (cmd == "/ping") {
      frame = "{\"op\":\"ping\"}";
    } else {
      frame = "{\"op\":\"send\",\"channel\":" + quote(channel) + ",\"text\":" + quote(line) +
              ",\"client_msg_id\":" + quote(new_client_msg_id()) + "}";
    }
    if (!ws.send(frame)) {
      std::cerr << "parley-cli: connection lost\n";
      return 1;
    }
  }
  ws.close();
  return 0;
}
