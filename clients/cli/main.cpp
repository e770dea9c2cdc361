// parley-cli: a terminal client for Parley.
//
//   parley-cli --token JWT [--host 127.0.0.1] [--port 8080] [--channel help]
//
// Joins the channel and prints every frame from the server. Lines typed on stdin:
//   /join CH [SINCE]   /leave CH   /history [CH] [BEFORE]   /dm USER TEXT   /ping
//   /search QUERY      search what the user may read (protocol/PROTOCOL.md §3.6)
//   /read [CH] SEQ     mark CH (default: the current channel) read up to SEQ (§3.7)
//   /channels          the user's conversations with unread counts (§3.7)
//   {"op":…}           sent as-is (any protocol frame)
//   anything else      sent as a message to the current channel
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
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
  std::cerr << "connected; type a message, /join CH, /history, /dm USER TEXT, /search QUERY, "
               "/read [CH] SEQ, /channels, or a JSON frame\n";

  // stdin is read with read(2) into our own buffer, never through std::cin: lines a buffered
  // stream has taken from the descriptor would not make poll(2) report it readable again, and
  // a second line pasted (or piped) at once would sit unsent.
  std::string input;
  bool input_done = false;
  for (;;) {
    while (auto frame = ws.recv(std::chrono::milliseconds(50))) std::cout << *frame << std::endl;
    if (ws.closed()) {
      std::cerr << "closed by server: " << ws.close_code() << " " << ws.close_reason() << "\n";
      return 1;
    }
    std::size_t nl = input.find('\n');
    if (nl == std::string::npos && !input_done) {
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        input_done = true;  // end of input (or an error): what is left is the last line
        if (!input.empty()) input.push_back('\n');
      } else {
        input.append(buf, static_cast<std::size_t>(n));
      }
      nl = input.find('\n');
    }
    if (nl == std::string::npos) {
      if (input_done) break;
      continue;
    }
    std::string line = input.substr(0, nl);
    input.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
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
    } else if (cmd == "/search") {
      std::string query;
      std::getline(in >> std::ws, query);
      frame = "{\"op\":\"search\",\"query\":" + quote(query) + "}";
    } else if (cmd == "/read") {
      std::string a, b;
      in >> a >> b;
      const std::string& ch = b.empty() ? channel : a;
      const std::string& seq = b.empty() ? a : b;
      if (seq.empty() || seq.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << "usage: /read [CHANNEL] SEQ\n";
        continue;
      }
      frame = "{\"op\":\"read\",\"channel\":" + quote(ch) + ",\"seq\":" + seq + "}";
    } else if (cmd == "/channels") {
      frame = "{\"op\":\"channels\"}";
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
