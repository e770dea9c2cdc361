// rate_shares: how a paced run's --rate is split among the generator's worker threads.
// Pure function, no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <vector>

namespace parley::load {

// The rate each worker's Pacer issues: `rate` split in proportion to the workers' clients
// (clients[i] on worker i), so that a worker with no clients gets 0 and the shares add up to
// `rate`. All zeros when there are no clients.
std::vector<double> rate_shares(double rate, const std::vector<std::size_t>& clients);

}  // namespace parley::load
