// The store's own RocksDB info log (storage/src/info_log.hpp): the LOG of the database
// directory, rotated like RocksDB's. (That its write errors are ignored is checked black-box:
// Durability.AFailingDiskRefusesWritesUntilItWorksAgain fails every file of the database.)
#include "info_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

namespace fs = std::filesystem;
using testing::Collector;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int old_logs(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().filename().string().rfind("LOG.old.", 0) == 0;
  return n;
}

TEST(InfoLog, RotatesTheLogOfTheLastOpenAndKeepsTheNewestOldOnes) {
  TempDir dir;
  const fs::path root = dir.db();
  fs::create_directories(root);
  for (int i = 0; i < 12; ++i)
    std::ofstream(root / ("LOG.old.17000000000000" + std::to_string(10 + i))) << "old " << i;
  std::ofstream(root / "LOG") << "the last open\n";
  {
    InfoLog log(root, 10);
    rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, &log, "compaction %d done", 7);
    rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, &log, "a warning");
    rocksdb::Log(rocksdb::InfoLogLevel::DEBUG_LEVEL, &log, "below the level");
    EXPECT_GT(log.GetLogFileSize(), 0u);
  }
  const std::string now = slurp(root / "LOG");
  EXPECT_NE(now.find("compaction 7 done\n"), std::string::npos) << now;
  EXPECT_NE(now.find("[WARN] a warning\n"), std::string::npos) << now;
  EXPECT_EQ(now.find("below the level"), std::string::npos) << now;
  EXPECT_EQ(now.find("the last open"), std::string::npos) << "moved to LOG.old.*";
  EXPECT_EQ(old_logs(root), 10);
  // The oldest two planted ones went; the last open's LOG is among the kept.
  EXPECT_FALSE(fs::exists(root / "LOG.old.1700000000000010"));
  EXPECT_FALSE(fs::exists(root / "LOG.old.1700000000000011"));
  bool last_kept = false;
  for (const auto& e : fs::directory_iterator(root))
    last_kept = last_kept || slurp(e.path()) == "the last open\n";
  EXPECT_TRUE(last_kept);
}

TEST(InfoLog, TheStoreWritesRocksDbsLogThroughIt) {
  TempDir dir;
  for (int round = 0; round < 2; ++round) {
    Collector c;
    auto store = testing::open_or_fail(testing::options_for(dir), c);
    ASSERT_TRUE(store);
    store->close();
  }
  const std::string log = slurp(fs::path(dir.db()) / "LOG");
  EXPECT_NE(log.find("RocksDB version"), std::string::npos) << log.substr(0, 500);
  EXPECT_EQ(old_logs(dir.db()), 1) << "the first open's log";
}

}  // namespace
}  // namespace parley::storage
