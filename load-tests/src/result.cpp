#include "result.hpp"

#include <cmath>
#include <cstdio>

namespace parley::load {

namespace {

constexpr std::pair<const char*, double> kPercentiles[] = {
    {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99_9", 99.9}};

std::string fmt_double(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string us(std::uint64_t ns) { return fmt_double(static_cast<double>(ns) / 1000.0, 1); }

std::string value_text(const Value& v, bool json) {
  struct V {
    bool json;
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt_double(d, 3); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const {
      if (!json) return s;
      std::string out = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') {
          out.push_back('\\');
          out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
      }
      return out + "\"";
    }
  };
  return std::visit(V{json}, v);
}

std::string quoted(const std::string& s) { return value_text(Value(s), true); }

}  // namespace

std::uint64_t Result::error_total() const {
  std::uint64_t n = 0;
  for (auto& [k, v] : errors) n += v;
  return n;
}

void print_table(const Result& r, std::ostream& out) {
  auto line = [&](const std::string& k, const std::string& v) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-30s %s\n", k.c_str(), v.c_str());
    out << buf;
  };
  out << "== parley-load " << r.scenario << " ==\n";
  out << "parameters\n";
  for (auto& [k, v] : r.params) line(k, value_text(v, false));
  out << "results (measured " << fmt_double(r.measured_s, 2) << " s)\n";
  for (auto& [k, v] : r.counts) line(k, std::to_string(v));
  for (auto& [k, v] : r.rates) line(k + " /s", fmt_double(v, 1));
  for (auto& [k, v] : r.info) line(k, value_text(v, false));
  if (!r.latencies.empty()) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "latency (us)  %-14s %10s %10s %10s %10s %10s %10s %10s\n", "",
                  "count", "p50", "p90", "p99", "p99.9", "max", "mean");
    out << buf;
    for (auto& [k, h] : r.latencies) {
      std::snprintf(buf, sizeof buf, "              %-14s %10llu %10s %10s %10s %10s %10s %10s\n",
                    k.c_str(), static_cast<unsigned long long>(h.count()),
                    us(h.percentile(50)).c_str(), us(h.percentile(90)).c_str(),
                    us(h.percentile(99)).c_str(), us(h.percentile(99.9)).c_str(),
                    us(h.max()).c_str(), fmt_double(h.mean() / 1000.0, 1).c_str());
      out << buf;
    }
  }
  out << "errors: " << r.error_total() << (r.timed_out ? " (run hit its hard timeout)" : "")
      << "\n";
  for (auto& [k, v] : r.errors) line(k, std::to_string(v));
  for (auto& n : r.notes) out << "note: " << n << "\n";
  out << "status: " << (r.ok() ? "OK" : "FAILED") << " (" << r.work_name << " = " << r.work
      << ")\n";
}

std::string to_json(const Result& r) {
  std::string j = "{";
  j += "\"scenario\":" + quoted(r.scenario);
  j += ",\"ok\":" + std::string(r.ok() ? "true" : "false");
  j += ",\"timed_out\":" + std::string(r.timed_out ? "true" : "false");
  j += ",\"measured_s\":" + fmt_double(r.measured_s, 3);
  j += ",\"work\":{\"name\":" + quoted(r.work_name) + ",\"count\":" + std::to_string(r.work) + "}";
  auto object = [&](const char* name, auto& items, auto&& fmt) {
    j += ",\"" + std::string(name) + "\":{";
    bool first = true;
    for (auto& [k, v] : items) {
      if (!first) j += ",";
      first = false;
      j += quoted(k) + ":" + fmt(v);
    }
    j += "}";
  };
  object("parameters", r.params, [](const Value& v) { return value_text(v, true); });
  object("counts", r.counts, [](std::uint64_t v) { return std::to_string(v); });
  object("rates_per_s", r.rates, [](double v) { return fmt_double(v, 1); });
  object("latency_us", r.latencies, [](const Histogram& h) {
    std::string o = "{\"count\":" + std::to_string(h.count());
    o += ",\"min\":" + us(h.min());
    for (auto& [name, q] : kPercentiles)
      o += ",\"" + std::string(name) + "\":" + us(h.percentile(q));
    o += ",\"max\":" + us(h.max());
    o += ",\"mean\":" + fmt_double(h.mean() / 1000.0, 1);
    o += ",\"saturated\":" + std::to_string(h.saturated()) + "}";
    return o;
  });
  object("info", r.info, [](const Value& v) { return value_text(v, true); });
  j += ",\"errors\":{\"total\":" + std::to_string(r.error_total());
  j += ",\"by_kind\":{";
  bool first = true;
  for (auto& [k, v] : r.errors) {
    if (!first) j += ",";
    first = false;
    j += quoted(k) + ":" + std::to_string(v);
  }
  j += "}}";
  j += ",\"notes\":[";
  for (std::size_t i = 0; i < r.notes.size(); ++i) j += (i ? "," : "") + quoted(r.notes[i]);
  j += "]}\n";
  return j;
}

}  // namespace parley::load
