// Replays files through a fuzz target without libFuzzer, so any compiler can run the corpus
// and the regression inputs as an ordinary test (ctest: fuzz_*_replay).
//
//   <target>_replay [--expect-failure] PATH...
//
// Each PATH is a file or a directory (its regular files, sorted, not recursive; a missing
// directory is skipped). Without --expect-failure a broken invariant aborts, exactly as under
// libFuzzer. With it, every input must trip a FUZZ_CHECK (tests/fuzz/known/: open bugs that
// stay reproducible); an input that passes fails the run, so a fix cannot go unnoticed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> collect(int argc, char** argv, int first) {
  std::vector<fs::path> files;
  for (int i = first; i < argc; ++i) {
    const fs::path p(argv[i]);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in_dir;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && name != "README.md" && name[0] != '.') {
          in_dir.push_back(entry.path());
        }
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    }
  }
  return files;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run(const std::string& bytes) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  const bool expect_failure = argc > 1 && std::strcmp(argv[1], "--expect-failure") == 0;
  const std::vector<fs::path> files = collect(argc, argv, expect_failure ? 2 : 1);
  parley::fuzz::throw_on_failure() = expect_failure;
  if (files.empty()) {
    std::fprintf(stderr, "no input files found (paths wrong?)\n");
    return 1;
  }

  int unexpected = 0;
  for (const fs::path& f : files) {
    const std::string bytes = read_file(f);
    if (!expect_failure) {
      std::fprintf(stderr, "replay %s (%zu bytes)\n", f.c_str(), bytes.size());
      run(bytes);
      continue;
    }
    try {
      run(bytes);
      std::fprintf(stderr, "FIXED? %s no longer fails: move it to regressions/\n", f.c_str());
      ++unexpected;
    } catch (const parley::fuzz::CheckFailed& e) {
      std::fprintf(stderr, "still fails as expected: %s\n  %s\n", f.c_str(), e.what());
    }
  }
  std::fprintf(stderr, "%zu input(s) replayed%s\n", files.size(),
               unexpected ? ", some unexpectedly passed" : "");
  return unexpected == 0 ? 0 : 1;
}
