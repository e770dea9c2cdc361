#include "pacer.hpp"

#include <algorithm>

namespace parley::load {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

Pacer::Pacer(asio::io_context& ioc, double per_second, std::function<std::size_t(std::size_t)> fire)
    : timer_(ioc),
      per_second_(per_second),
      tick_(std::clamp<std::chrono::nanoseconds::rep>(
          per_second > 0 ? static_cast<std::chrono::nanoseconds::rep>(1e9 / per_second) : 1000000,
          100000, 1000000)),
      fire_(std::move(fire)) {}

void Pacer::start() {
  start_ = Clock::now();
  issued_ = 0;
  arm();
}

void Pacer::arm() {
  timer_.expires_after(tick_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    double earned = elapsed * per_second_ - issued_;
    double cap = std::max(1.0, per_second_ * 0.05);
    if (earned > cap) {
      issued_ += earned - cap;
      earned = cap;
    }
    if (earned >= 1.0) issued_ += static_cast<double>(fire_(static_cast<std::size_t>(earned)));
    arm();
  });
}

}  // namespace parley::load
