#include "rate_shares.hpp"

namespace parley::load {

std::vector<double> rate_shares(double rate, const std::vector<std::size_t>& clients) {
  std::size_t total = 0;
  for (std::size_t n : clients) total += n;
  std::vector<double> shares(clients.size(), 0.0);
  if (total == 0) return shares;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    shares[i] = rate * static_cast<double>(clients[i]) / static_cast<double>(total);
  }
  return shares;
}

}  // namespace parley::load
