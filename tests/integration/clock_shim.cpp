// LD_PRELOAD shim for ResumeChanges.AClientBehindTheRetainedChangesIsToldToReload: the wall clock
// of the process runs PARLEY_CLOCK_OFFSET_S seconds ahead (clock_gettime with CLOCK_REALTIME
// or CLOCK_REALTIME_COARSE, gettimeofday, time), as a server would see it days later.
// Monotonic clocks are untouched.
#include <dlfcn.h>
#include <sys/time.h>
#include <time.h>

#include <cstdlib>

namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

time_t offset_s() {
  static const time_t off = [] {
    const char* v = std::getenv("PARLEY_CLOCK_OFFSET_S");
    return v ? static_cast<time_t>(std::strtoll(v, nullptr, 10)) : time_t{0};
  }();
  return off;
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t id, struct timespec* ts) {
  static auto real = next<int (*)(clockid_t, struct timespec*)>("clock_gettime");
  const int r = real(id, ts);
  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += offset_s();
  return r;
}

int gettimeofday(struct timeval* tv, void* tz) {
  static auto real = next<int (*)(struct timeval*, void*)>("gettimeofday");
  const int r = real(tv, tz);
  if (r == 0) tv->tv_sec += offset_s();
  return r;
}

time_t time(time_t* out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}

}  // extern "C"
