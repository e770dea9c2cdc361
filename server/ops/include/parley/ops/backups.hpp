// Backup names and where a backup's secret lives: shared by POST /api/admin/backup and the
// `parleyd backup` / `parleyd restore` commands (parley/server/admin.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::server {

// A backup subdirectory name (POST /api/admin/backup "name", parleyd backup --name): a plain
// name inside storage.backup_dir, never a path: 1-64 of A-Z a-z 0-9 . _ -, not starting with
// . or -. kBadBackupName says so.
bool valid_backup_name(std::string_view name);
inline constexpr const char* kBadBackupName =
    "\"name\" must be a plain directory name inside storage.backup_dir (1-64 of A-Z a-z 0-9 . _ -, "
    "not starting with . or -)";
// Where the JWT secret saved with backup `id` of `dir` lives: <dir>/secrets/<id>.key.
std::string backup_secret_path(const std::string& dir, std::uint32_t id);

}  // namespace parley::server
