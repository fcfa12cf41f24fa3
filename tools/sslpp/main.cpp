// sslpp: the command-line program (issue 6).
#include <cstdio>

int main() {
  std::fputs("sslpp: not yet implemented\n", stderr);
  return 2;
}
