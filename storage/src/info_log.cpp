#include "info_log.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <vector>

namespace parley::storage {

namespace fs = std::filesystem;

namespace {

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

InfoLog::InfoLog(const std::string& dir, std::size_t keep)
    : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
  std::error_code ec;
  const fs::path log = fs::path(dir) / "LOG";
  if (fs::exists(log, ec)) {
    fs::rename(log, fs::path(dir) / ("LOG.old." + std::to_string(now_micros())), ec);
  }
  // The oldest old logs go: their names sort by the micros they carry.
  std::vector<fs::path> old;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("LOG.old.", 0) == 0) old.push_back(e.path());
  }
  std::sort(old.begin(), old.end(), [](const fs::path& a, const fs::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  for (std::size_t i = 0; i + keep < old.size(); ++i) fs::remove(old[i], ec);
  fd_ = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

InfoLog::~InfoLog() {
  if (!closed_) CloseImpl().PermitUncheckedError();
}

rocksdb::Status InfoLog::CloseImpl() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return rocksdb::Status::OK();
}

void InfoLog::Logv(const char* format, va_list ap) {
  char line[2048];
  const auto micros = now_micros();
  const std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06d %lx ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, static_cast<int>(micros % 1000000),
                        static_cast<unsigned long>(::syscall(SYS_gettid)));
  if (n < 0) return;
  std::size_t len = static_cast<std::size_t>(n);
  va_list copy;
  va_copy(copy, ap);
  n = std::vsnprintf(line + len, sizeof line - len, format, copy);
  va_end(copy);
  if (n < 0) return;
  len = std::min(len + static_cast<std::size_t>(n), sizeof line - 2);  // long lines are cut
  if (line[len - 1] != '\n') line[len++] = '\n';
  std::lock_guard lock(mu_);
  if (fd_ < 0) return;
  // A failed or short write is ignored on purpose (see the header): the next line is tried
  // again. Never synced: RocksDB's logger does not sync its info log either.
  const ssize_t w = ::write(fd_, line, len);
  if (w > 0) size_ += static_cast<std::size_t>(w);
}

void InfoLog::Flush() {}  // every line is written at once

std::size_t InfoLog::GetLogFileSize() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace parley::storage
