// The outcome of one scenario run: parameters, counts, rates, latency histograms and errors,
// printed as a table and written as JSON (every number, nothing hidden).
//
// Thread-safety: a plain value, assembled on the main thread after the workers stopped.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "histogram.hpp"

namespace parley::load {

using Value = std::variant<std::int64_t, double, std::string, bool>;

struct Result {
  std::string scenario;
  std::vector<std::pair<std::string, Value>> params;
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  std::vector<std::pair<std::string, double>> rates;  // per second
  std::vector<std::pair<std::string, Histogram>> latencies;
  std::vector<std::pair<std::string, Value>> info;  // RSS, CPU, ... (units in the key name)
  std::map<std::string, std::uint64_t> errors;      // by kind: "error:<code>", "close:<code>", ...
  std::vector<std::string> notes;                   // human remarks (e.g. why it stopped)
  double measured_s = 0;
  std::uint64_t work = 0;  // the scenario's main count; 0 means nothing was measured
  std::string work_name;   // what `work` counts
  bool timed_out = false;  // the hard timeout cut the run short

  std::uint64_t error_total() const;
  bool ok() const { return work > 0 && error_total() == 0 && !timed_out; }

  template <class T>
  void param(std::string key, T v) {
    params.emplace_back(std::move(key), Value(v));
  }
  void count(std::string key, std::uint64_t v) { counts.emplace_back(std::move(key), v); }
  void rate(std::string key, double v) { rates.emplace_back(std::move(key), v); }
};

void print_table(const Result& r, std::ostream& out);
std::string to_json(const Result& r);

}  // namespace parley::load
