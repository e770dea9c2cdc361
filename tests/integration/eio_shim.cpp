// LD_PRELOAD shim for Durability.AFailingDiskRefusesWritesUntilItWorksAgain: while the file
// named by PARLEY_EIO_TRIGGER exists, every write or sync of a RocksDB write-ahead log (a file
// whose path starts with PARLEY_EIO_DIR and ends in ".log") fails with EIO, as on a failing
// disk; with PARLEY_EIO_ALL set, of every file under PARLEY_EIO_DIR (the info LOG, MANIFEST,
// tables, the writer's probe file). Everything else goes to libc untouched.
#include <dlfcn.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

bool failing(int fd) {
  const char* trigger = std::getenv("PARLEY_EIO_TRIGGER");
  const char* dir = std::getenv("PARLEY_EIO_DIR");
  if (trigger == nullptr || dir == nullptr || ::access(trigger, F_OK) != 0) return false;
  char link[64], path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  const std::string p(path, static_cast<std::size_t>(n));
  if (p.rfind(dir, 0) != 0) return false;
  if (std::getenv("PARLEY_EIO_ALL") != nullptr) return true;
  return p.size() > 4 && p.compare(p.size() - 4, 4, ".log") == 0;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd, iov, iovcnt);
}

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  if (failing(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

}  // extern "C"
