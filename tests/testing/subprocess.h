// Runs a program and captures its standard output and exit code, for tests of the command line.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace custodian::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // standard output; standard error is appended when capture_stderr
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    size_t start = 0;
    while (start < out.size()) {
      size_t nl = out.find('\n', start);
      if (nl == std::string::npos) nl = out.size();
      v.push_back(out.substr(start, nl - start));
      start = nl + 1;
    }
    return v;
  }
  std::string last_line() const {
    auto v = lines();
    return v.empty() ? "" : v.back();
  }
};

// `command` is run by /bin/sh; quote arguments that need it.
inline RunResult Run(const std::string& command, bool capture_stderr = false) {
  RunResult r;
  std::string full = command + (capture_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The custodian binary under test (set by CTest; see custodian_test in CMakeLists.txt).
inline std::string CustodianBin() {
  const char* bin = std::getenv("CUSTODIAN_BIN");
  return bin ? bin : "custodian";
}

}  // namespace custodian::testing
