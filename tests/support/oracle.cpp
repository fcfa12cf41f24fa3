#include "support/oracle.hpp"

#include <cstdio>
#include <memory>

namespace sslpp::test {

std::string command_output(const std::string& shell_command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(shell_command.c_str(), "r"), &::pclose);
  std::string out;
  char buf[4096];
  while (pipe && std::fgets(buf, sizeof buf, pipe.get()) != nullptr) {
    out += buf;
  }
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

std::string python_ssl(const std::string& code, const std::string& args) {
  return command_output(std::string(SSLPP_PYTHON3) + " -c 'import ssl, json, sys\n" + code + "' " + args);
}

std::string python_decode_json(const std::filesystem::path& pem) {
  return python_ssl("print(json.dumps(ssl._ssl._test_decode_cert(sys.argv[1]), ensure_ascii=False))", pem.string());
}

}  // namespace sslpp::test
