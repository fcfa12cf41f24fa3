#include "report.hpp"

#include <iomanip>
#include <ostream>

namespace sslpp::soak {

namespace {

nlohmann::json to_json(const Sample& s) {
  return {{"server_fds", s.server_fds}, {"server_rss_kib", s.server_rss_kib}, {"own_fds", s.own_fds}};
}

void print_failures(std::ostream& out, const std::vector<std::string>& failures) {
  out << (failures.empty() ? "  PASS\n" : "  FAIL\n");
  for (const std::string& f : failures) {
    out << "  - " << f << "\n";
  }
}

}  // namespace

nlohmann::json to_json(const ConcurrentReport& r) {
  return {{"connections", r.connections},
          {"waves", r.waves},
          {"min_peak_established", r.min_peak},
          {"completed", r.completed},
          {"failed", r.failed},
          {"bytes_sent", r.bytes_sent},
          {"bytes_received", r.bytes_received},
          {"bytes_mismatched", r.bytes_mismatched},
          {"checksum_mismatches", r.checksum_mismatches},
          {"startup_server_fds", r.startup_server_fds},
          {"baseline", to_json(r.baseline)},
          {"end", to_json(r.end)},
          {"rss_baseline_kib", r.rss_baseline_kib},
          {"max_server_rss_kib", r.max_server_rss_kib},
          {"server_rss_kib_per_wave", r.server_rss_kib_per_wave},
          {"rss_growth_percent", r.rss_growth_percent},
          {"rss_checked", r.rss_checked},
          {"seconds", r.seconds},
          {"passed", r.failures.empty()},
          {"failures", r.failures}};
}

nlohmann::json to_json(const HandshakeReport& r) {
  return {{"handshakes", r.count},
          {"full", r.full},
          {"resumed", r.resumed},
          {"failed", r.failed},
          {"warmup", r.warmup},
          {"seconds", r.seconds},
          {"cpu_seconds", r.cpu_seconds},
          {"per_second", r.per_second},
          {"heap_after_warmup", r.heap_after_warmup},
          {"heap_end", r.heap_end},
          {"heap_growth", r.heap_growth},
          {"heap_growth_limit", heap_growth_limit},
          {"heap_checked", r.heap_checked},
          {"passed", r.failures.empty()},
          {"failures", r.failures}};
}

nlohmann::json to_json(const IdleReport& r) {
  return {{"connections", r.connections},
          {"held", r.held},
          {"open_seconds", r.open_seconds},
          {"open_per_second", r.open_per_second},
          {"open_server_cpu_seconds", r.open_server_cpu_seconds},
          {"baseline_server_rss_kib", r.baseline_server_rss_kib},
          {"held_server_rss_kib", r.held_server_rss_kib},
          {"server_bytes_per_connection", r.server_bytes_per_connection},
          {"held_server_fds", r.held_server_fds},
          {"own_rss_kib", r.own_rss_kib},
          {"extra_handshakes", r.extra_handshakes},
          {"extra_completed", r.extra_completed},
          {"extra_seconds", r.extra_seconds},
          {"extra_per_second", r.extra_per_second},
          {"extra_server_cpu_seconds", r.extra_server_cpu_seconds},
          {"extra_per_server_cpu_second", r.extra_per_server_cpu_second},
          {"echoed", r.echoed},
          {"server_handshake_events", r.server_handshake_events},
          {"server_error_events", r.server_error_events},
          {"seconds", r.seconds},
          {"passed", r.failures.empty()},
          {"failures", r.failures}};
}

void print_text(std::ostream& out, const ConcurrentReport& r) {
  out << std::fixed << std::setprecision(1);
  out << "concurrent: " << r.waves << " waves of " << r.connections << " connections in " << r.seconds << " s\n"
      << "  established at once (smallest wave peak): " << r.min_peak << "\n"
      << "  completed " << r.completed << ", failed " << r.failed << "\n"
      << "  bytes sent " << r.bytes_sent << ", received " << r.bytes_received << ", mismatched "
      << r.bytes_mismatched << "; connections whose checksum differs: " << r.checksum_mismatches << "\n"
      << "  server descriptors: " << r.startup_server_fds << " at startup, " << r.baseline.server_fds
      << " after wave 1, " << r.end.server_fds << " at the end\n"
      << "  soak descriptors: " << r.baseline.own_fds << " after wave 1, " << r.end.own_fds << " at the end\n"
      << "  server VmRSS: " << r.rss_baseline_kib << " KiB after wave " << rss_warmup_waves << ", "
      << r.end.server_rss_kib
      << " KiB at the end (" << std::showpos << r.rss_growth_percent << std::noshowpos << "%, max "
      << r.max_server_rss_kib << " KiB)" << (r.rss_checked ? "" : ", not enforced under AddressSanitizer") << "\n";
  out << "  server VmRSS per wave (KiB):";
  for (const std::size_t kib : r.server_rss_kib_per_wave) {
    out << " " << kib;
  }
  out << "\n";
  print_failures(out, r.failures);
}

void print_text(std::ostream& out, const IdleReport& r) {
  out << std::fixed << std::setprecision(1);
  out << "idle: " << r.held << " of " << r.connections << " connections held at once, in " << r.seconds << " s\n"
      << "  opened in " << r.open_seconds << " s: " << r.open_per_second << " handshakes/s ("
      << r.open_server_cpu_seconds << " s of server CPU)\n"
      << "  server VmRSS: " << r.baseline_server_rss_kib << " KiB before, " << r.held_server_rss_kib
      << " KiB holding them: " << r.server_bytes_per_connection / 1024.0 << " KiB per connection; "
      << r.held_server_fds << " descriptors\n"
      << "  soak VmRSS holding them: " << r.own_rss_kib << " KiB\n"
      << "  while holding: " << r.extra_completed << " of " << r.extra_handshakes << " more handshakes in "
      << r.extra_seconds << " s: " << r.extra_per_second << " handshakes/s, " << r.extra_per_server_cpu_second
      << " per second of server CPU\n"
      << "  echoed at the end: " << r.echoed << "; serve's lines: " << r.server_handshake_events << " handshake, "
      << r.server_error_events << " error\n";
  print_failures(out, r.failures);
}

void print_text(std::ostream& out, const HandshakeReport& r) {
  out << std::fixed << std::setprecision(1);
  out << "sequential: " << r.count << " handshakes (" << r.full << " full, " << r.resumed << " resumed, "
      << r.failed << " failed) in " << r.seconds << " s (" << r.cpu_seconds << " s of CPU), " << r.per_second
      << " handshakes/s\n"
      << "  heap (mallinfo2 uordblks + hblkhd): " << r.heap_after_warmup << " B after " << r.warmup
      << " handshakes, " << r.heap_end << " B at the end, growth " << r.heap_growth << " B (limit "
      << heap_growth_limit << ")" << (r.heap_checked ? "" : ", not enforced under AddressSanitizer") << "\n";
  print_failures(out, r.failures);
}

}  // namespace sslpp::soak
