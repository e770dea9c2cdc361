// Process statistics from /proc (Linux): resident memory and CPU time.
//
// Thread-safety: plain functions.
#pragma once

namespace parley::load {

// -1 when unavailable.
long rss_kb(int pid);
double process_cpu_s(int pid);  // user + system seconds
double self_cpu_s();            // this process

}  // namespace parley::load
