// parley-load: the Parley load generator. See load-tests/README.md.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "options.hpp"
#include "runtime.hpp"
#include "scenarios.hpp"

using namespace parley::load;

namespace {

std::string read_secret(const Options& o, std::string* error) {
  std::string path = o.secret_file.empty() ? o.data_dir + "/secret.key" : o.secret_file;
  std::ifstream in(path);
  std::string s;
  if (!in || !std::getline(in, s)) {
    *error = "cannot read the secret from " + path;
    return "";
  }
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) *error = path + " is empty";
  return s;
}

// Thousands of sockets: lift the soft descriptor limit to the hard one.
void raise_fd_limit(std::size_t want) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want + 64) {
    std::fprintf(stderr, "parley-load: warning: descriptor limit %llu is below %zu connections\n",
                 static_cast<unsigned long long>(rl.rlim_cur), want);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool exit_now = false;
  int rc = parse_options(argc, argv, o, &exit_now);
  if (exit_now) return rc;

  std::string error;
  std::string secret = read_secret(o, &error);
  if (!error.empty()) {
    std::cerr << "parley-load: " << error << "\n";
    return 2;
  }
  std::size_t conns = o.scenario == "fanout" ? o.members : o.connections + 4;
  raise_fd_limit(conns);

  Result r;
  {
    Runtime rt(o, secret);
    if (o.scenario == "throughput")
      r = run_throughput(rt);
    else if (o.scenario == "fanout")
      r = run_fanout(rt);
    else if (o.scenario == "idle")
      r = run_idle(rt);
    else
      r = run_history(rt);
  }
  print_table(r, std::cout);
  std::cout.flush();
  if (!o.json_file.empty()) {
    std::ofstream out(o.json_file);
    out << to_json(r);
    if (!out) {
      std::cerr << "parley-load: cannot write " << o.json_file << "\n";
      return 2;
    }
  }
  return r.ok() ? 0 : 1;
}
