#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parley/server/server.hpp"

namespace parley::server {

namespace fs = std::filesystem;

namespace {
bool read_secret(const fs::path& p, std::string* secret) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() < 32) return false;
  *secret = std::move(s);
  return true;
}
}  // namespace

bool load_or_create_secret(const std::string& data_dir, std::string* secret, std::string* error) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    *error = "cannot create data directory " + data_dir + ": " + ec.message();
    return false;
  }
  fs::path path = fs::path(data_dir) / "secret.key";
  if (fs::exists(path, ec)) {
    if (read_secret(path, secret)) return true;
    *error = path.string() + " is unreadable or shorter than 32 characters";
    return false;
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    *error = "no randomness for the secret";
    return false;
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  hex.push_back('\n');
  // Write a private temp file, then link() it into place: link fails if another process won
  // the race, and nobody ever sees a half-written secret.
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write " + tmp.string();
    return false;
  }
  bool ok =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (ok) ::link(tmp.c_str(), path.c_str());  // EEXIST: someone else's secret stands
  ::unlink(tmp.c_str());
  if (!ok || !read_secret(path, secret)) {
    *error = "cannot create " + path.string();
    return false;
  }
  return true;
}

}  // namespace parley::server
