// RocksDB's info log (the `LOG` file of the database directory, with `LOG.old.<micros>` for the
// logs of earlier opens), written by the store instead of by RocksDB. RocksDB 7.8's own file
// logger goes through WritableFileWriter, which asserts on the write after a failed one, and
// Debian builds the library with assertions on: a disk failing the LOG's writes aborted the
// server (PROTOCOL.md §10 until this). This one ignores write errors: the info log is for
// people reading it, and a line lost on a failing disk is no reason to stop.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <mutex>
#include <string>

namespace parley::storage {

class InfoLog final : public rocksdb::Logger {
 public:
  // Moves an existing `dir`/LOG to LOG.old.<micros>, keeps the newest `keep` old logs, and
  // opens a new LOG. Never fails: without a file, lines are dropped.
  InfoLog(const std::string& dir, std::size_t keep);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Flush() override;
  std::size_t GetLogFileSize() const override;

 private:
  rocksdb::Status CloseImpl() override;

  mutable std::mutex mu_;
  int fd_ = -1;  // O_APPEND: one write(2) per line, no buffer to lose or to flush
  std::size_t size_ = 0;
};

}  // namespace parley::storage
