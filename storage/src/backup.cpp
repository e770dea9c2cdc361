// Store backups through RocksDB's BackupEngine (store.hpp, "Backups").
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <filesystem>
#include <memory>
#include <shared_mutex>

#include "store_impl.hpp"

namespace parley::storage {
namespace {

Store::BackupInfo info_of(const rocksdb::BackupInfo& b) {
  Store::BackupInfo out;
  out.id = b.backup_id;
  out.created_s = b.timestamp;
  out.size_bytes = b.size;
  out.files = b.number_files;
  out.metadata = b.app_metadata;
  return out;
}

}  // namespace

std::optional<Store::BackupInfo> Store::create_backup(const std::string& dir,
                                                      const std::string& metadata,
                                                      std::uint32_t keep, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create " + dir + ": " + ec.message();
    return std::nullopt;
  }
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::BackupEngineOptions opts(dir);
  opts.sync = true;  // a backup that was reported done survives a power loss
  if (auto s = rocksdb::BackupEngine::Open(opts, rocksdb::Env::Default(), &raw); !s.ok()) {
    *error = "cannot open the backup directory " + dir + ": " + s.ToString();
    return std::nullopt;
  }
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::BackupID id = 0;
  {
    std::shared_lock lock(impl_->db_mu);
    if (impl_->db == nullptr) {
      *error = "the store is closed";
      return std::nullopt;
    }
    rocksdb::CreateBackupOptions co;
    co.flush_before_backup = true;  // the memtables too: everything committed so far
    if (auto s = engine->CreateNewBackupWithMetadata(co, impl_->db, metadata, &id); !s.ok()) {
      *error = "backup failed: " + s.ToString();
      return std::nullopt;
    }
  }
  if (keep > 0) {
    if (auto s = engine->PurgeOldBackups(keep); !s.ok()) {
      *error = "backup " + std::to_string(id) +
               " was made, but pruning old ones failed: " + s.ToString();
      return std::nullopt;
    }
  }
  rocksdb::BackupInfo b;
  if (auto s = engine->GetBackupInfo(id, &b); !s.ok()) {
    *error = "backup " + std::to_string(id) + " was made, but cannot be read back: " + s.ToString();
    return std::nullopt;
  }
  return info_of(b);
}

std::optional<std::vector<Store::BackupInfo>> Store::list_backups(const std::string& dir,
                                                                  std::string* error) {
  std::vector<BackupInfo> out;
  if (!std::filesystem::exists(dir)) return out;
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  if (auto s = rocksdb::BackupEngineReadOnly::Open(rocksdb::BackupEngineOptions(dir),
                                                   rocksdb::Env::Default(), &raw);
      !s.ok()) {
    *error = "cannot open the backup directory " + dir + ": " + s.ToString();
    return std::nullopt;
  }
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> all;
  engine->GetBackupInfo(&all);
  for (const auto& b : all) out.push_back(info_of(b));
  return out;
}

bool Store::restore_backup(const std::string& dir, std::uint32_t id, const std::string& db_path,
                           std::string* error) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  if (auto s = rocksdb::BackupEngineReadOnly::Open(rocksdb::BackupEngineOptions(dir),
                                                   rocksdb::Env::Default(), &raw);
      !s.ok()) {
    *error = "cannot open the backup directory " + dir + ": " + s.ToString();
    return false;
  }
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> all;
  engine->GetBackupInfo(&all);
  if (all.empty()) {
    *error = "no backup in " + dir;
    return false;
  }
  const rocksdb::BackupID which = id == 0 ? all.back().backup_id : id;
  if (auto s = engine->VerifyBackup(which, /*verify_with_checksum=*/true); !s.ok()) {
    *error = "backup " + std::to_string(which) + " in " + dir +
             " is missing or damaged: " + s.ToString();
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(db_path, ec);
  if (auto s = engine->RestoreDBFromBackup(which, db_path, db_path); !s.ok()) {
    *error = "restoring backup " + std::to_string(which) + " failed: " + s.ToString();
    return false;
  }
  return true;
}

}  // namespace parley::storage
