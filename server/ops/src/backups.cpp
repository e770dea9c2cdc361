#include "parley/ops/backups.hpp"

#include <cctype>
#include <filesystem>

namespace parley::server {

namespace fs = std::filesystem;

bool valid_backup_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n.front() == '.' || n.front() == '-') return false;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

std::string backup_secret_path(const std::string& dir, std::uint32_t id) {
  return (fs::path(dir) / "secrets" / (std::to_string(id) + ".key")).string();
}

}  // namespace parley::server
