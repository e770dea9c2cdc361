// Direct RocksDB access to a closed store's database, to plant data the store itself would
// never write and to look at what it did write.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace parley::storage::testing {

// Opens the database with every column family it has, runs fn(db, handle of `cf`) and closes.
template <typename Fn>
void with_raw_db(const std::string& path, const std::string& cf, Fn&& fn) {
  rocksdb::DBOptions db_options;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(db_options, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::size_t target = names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    descriptors.emplace_back(names[i], rocksdb::ColumnFamilyOptions());
    if (names[i] == cf) target = i;
  }
  ASSERT_LT(target, names.size()) << "no column family " << cf;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(db_options, path, descriptors, &handles, &db).ok());
  fn(*db, handles[target]);
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(db->Close().ok());
  delete db;
}

inline void raw_put(const std::string& path, const std::string& cf, const std::string& key,
                    const std::string& value) {
  with_raw_db(path, cf, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    EXPECT_TRUE(db.Put(rocksdb::WriteOptions(), h, key, value).ok());
  });
}

// Every key of one column family, ascending.
inline std::vector<std::string> raw_keys(const std::string& path, const std::string& cf) {
  std::vector<std::string> keys;
  with_raw_db(path, cf, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    EXPECT_TRUE(it->status().ok());
  });
  return keys;
}

inline std::vector<std::string> column_families(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  return names;
}

// Creates a database as the version before moderation left it: only its column families,
// the schema marker and the given (cf, key, value) records.
inline void make_old_db(
    const std::string& path,
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>>& puts) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, "channels", "messages",
                                          "idempotency", "meta"};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(db_options, path, descriptors, &handles, &db).ok());
  auto handle = [&](const std::string& cf) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == cf) return handles[i];
    }
    ADD_FAILURE() << "no column family " << cf;
    return handles[0];
  };
  EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), handle("meta"), "schema", "\x01").ok());
  for (const auto& [cf, kv] : puts) {
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), handle(cf), kv.first, kv.second).ok());
  }
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(db->Close().ok());
  delete db;
}

}  // namespace parley::storage::testing
