#include "alloc/failing_allocator.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include <execinfo.h>
#include <unistd.h>

#include <openssl/crypto.h>

namespace sslpp::test::alloc {

namespace {

// Every block carries a header just before the pointer handed out: its size,
// so a free can lower the live-byte count (OpenSSL's free hook and unsized
// delete are not told the size), and a tag saying which family made it, so
// a block freed by the wrong family stops the run instead of skewing counts.
struct alignas(16) header {
  std::size_t size;
  std::uint32_t magic;
  std::uint32_t unused;
};
static_assert(sizeof(header) == 16);

constexpr std::uint32_t magic_openssl = 0x55A1'0551;
constexpr std::uint32_t magic_new = 0x55A1'0C77;
constexpr std::uint32_t magic_freed = 0xDEAD'F7EE;

// All state is constant-initialised: operator new runs during other static
// initialisers and OpenSSL's hooks run from atexit handlers, before and
// after any dynamic initialisation of ours would.
constinit std::atomic<std::uint64_t> allocation_count{0};
constinit std::atomic<std::uint64_t> fail_at{0};  // 0: disarmed
constinit std::atomic<bool> did_fire{false};
constinit std::atomic<std::int64_t> live_bytes{0};
constinit std::atomic<std::int64_t> live_blocks{0};
constinit std::atomic<std::int64_t> openssl_bytes{0};
constinit std::atomic<bool> hooks_installed{false};

// One bit per allocation since record_sources(): set for operator new.
constinit std::atomic<std::uint64_t> record_base{0};
constinit std::uint64_t source_bits[max_recorded / 64] = {};

void note_source(std::uint64_t n, bool operator_new) noexcept {
  const std::uint64_t i = n - record_base.load(std::memory_order_relaxed) - 1;
  if (operator_new && i < max_recorded) {
    source_bits[i / 64] |= std::uint64_t{1} << (i % 64);
  }
}

constexpr int max_frames = 64;
constinit void* failed_frames[max_frames] = {};
constinit int failed_frame_count = 0;

// should_fail counts one allocation and says whether it is the armed one.
bool should_fail(bool operator_new) noexcept {
  const std::uint64_t n = allocation_count.fetch_add(1, std::memory_order_relaxed) + 1;
  note_source(n, operator_new);
  std::uint64_t target = fail_at.load(std::memory_order_relaxed);
  if (target == 0 || n != target || !fail_at.compare_exchange_strong(target, 0)) {
    return false;
  }
  did_fire.store(true, std::memory_order_relaxed);
  failed_frame_count = ::backtrace(failed_frames, max_frames);
  return true;
}

[[noreturn]] void die(const char* why) noexcept {
  static_cast<void>(::write(STDERR_FILENO, why, std::strlen(why)));
  std::abort();
}

void account(std::int64_t bytes, std::int64_t blocks, bool openssl) noexcept {
  live_bytes.fetch_add(bytes, std::memory_order_relaxed);
  live_blocks.fetch_add(blocks, std::memory_order_relaxed);
  if (openssl) {
    openssl_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
}

// offset_for is how far the user pointer sits from the start of the block:
// one header, or one alignment unit when the caller asked for more.
std::size_t offset_for(std::size_t align) noexcept { return std::max(align, sizeof(header)); }

header* header_of(void* user) noexcept { return static_cast<header*>(user) - 1; }

// allocate makes a block of `size` user bytes aligned to `align`, or
// nullptr when the system is out of memory. Not counted: callers count.
void* allocate(std::size_t size, std::size_t align, std::uint32_t magic) noexcept {
  const std::size_t offset = offset_for(align);
  if (size > SIZE_MAX - offset - align) {
    return nullptr;
  }
  void* base = align <= alignof(std::max_align_t)
                   ? std::malloc(offset + size)
                   : std::aligned_alloc(align, (offset + size + align - 1) / align * align);
  if (base == nullptr) {
    return nullptr;
  }
  void* user = static_cast<char*>(base) + offset;
  *header_of(user) = header{size, magic, 0};
  account(static_cast<std::int64_t>(size), 1, magic == magic_openssl);
  return user;
}

void release(void* user, std::size_t align, std::uint32_t magic) noexcept {
  if (user == nullptr) {
    return;
  }
  header* h = header_of(user);
  if (h->magic != magic) {
    die(h->magic == magic_freed ? "failing_allocator: double free\n"
                                : "failing_allocator: block freed by the wrong family or not ours\n");
  }
  account(-static_cast<std::int64_t>(h->size), -1, magic == magic_openssl);
  h->magic = magic_freed;
  std::free(static_cast<char*>(user) - offset_for(align));
}

// -- OpenSSL's hooks ---------------------------------------------------------

void* openssl_malloc(std::size_t num, const char*, int) noexcept {
  if (num == 0) {
    return nullptr;  // as CRYPTO_malloc does, and not an allocation point
  }
  if (should_fail(false)) {
    return nullptr;
  }
  return allocate(num, alignof(std::max_align_t), magic_openssl);
}

void openssl_free(void* ptr, const char*, int) noexcept { release(ptr, alignof(std::max_align_t), magic_openssl); }

// realloc keeps CRYPTO_realloc's contract: null grows from nothing, size 0
// frees, a failure leaves the old block as it was.
void* openssl_realloc(void* ptr, std::size_t num, const char* file, int line) noexcept {
  if (ptr == nullptr) {
    return openssl_malloc(num, file, line);
  }
  if (num == 0) {
    openssl_free(ptr, file, line);
    return nullptr;
  }
  if (should_fail(false)) {
    return nullptr;
  }
  header* old = header_of(ptr);
  if (old->magic != magic_openssl) {
    die("failing_allocator: realloc of a block OpenSSL did not allocate\n");
  }
  const std::size_t old_size = old->size;
  void* base = std::realloc(old, sizeof(header) + num);
  if (base == nullptr) {
    return nullptr;
  }
  auto* h = static_cast<header*>(base);
  h->size = num;
  account(static_cast<std::int64_t>(num) - static_cast<std::int64_t>(old_size), 0, true);
  return h + 1;
}

// Registered first of all: OpenSSL refuses new hooks once it has allocated.
__attribute__((constructor(101))) void install_early() { install(); }

}  // namespace

// -- Public interface --------------------------------------------------------

void install() noexcept {
  if (!hooks_installed.load()) {
    hooks_installed.store(::CRYPTO_set_mem_functions(&openssl_malloc, &openssl_realloc, &openssl_free) == 1);
    // backtrace() loads its unwinder on first use; do it now, not inside
    // the first failing allocation.
    void* frame = nullptr;
    static_cast<void>(::backtrace(&frame, 1));
  }
}

bool installed() noexcept { return hooks_installed.load(); }

Stats stats() noexcept {
  return {allocation_count.load(), live_bytes.load(), live_blocks.load(), openssl_bytes.load()};
}

void arm(std::uint64_t n) noexcept {
  did_fire.store(false);
  fail_at.store(n == 0 ? 0 : allocation_count.load() + n);
}

void disarm() noexcept { fail_at.store(0); }

bool fired() noexcept { return did_fire.load(); }

void record_sources() noexcept {
  std::memset(source_bits, 0, sizeof source_bits);
  record_base.store(allocation_count.load());
}

bool from_operator_new(std::uint64_t n) noexcept {
  const std::uint64_t i = n - 1;
  return n >= 1 && i < max_recorded && (source_bits[i / 64] >> (i % 64) & 1) != 0;
}

void print_failed_stack(std::FILE* out) noexcept {
  std::fflush(out);
  ::backtrace_symbols_fd(failed_frames, failed_frame_count, ::fileno(out));
}

}  // namespace sslpp::test::alloc

// -- Global operator new and delete, every variant ---------------------------
//
// The throwing forms throw std::bad_alloc (without consulting a new-handler:
// the tests install none); the nothrow forms return nullptr. Every form
// counts as one allocation point.

namespace {

using sslpp::test::alloc::allocate;
using sslpp::test::alloc::magic_new;
using sslpp::test::alloc::release;
using sslpp::test::alloc::should_fail;

constexpr std::size_t default_align = alignof(std::max_align_t);

void* new_nothrow(std::size_t size, std::size_t align) noexcept {
  if (should_fail(true)) {
    return nullptr;
  }
  return allocate(std::max<std::size_t>(size, 1), align, magic_new);  // new(0) is a unique pointer
}

void* new_or_throw(std::size_t size, std::size_t align) {
  void* p = new_nothrow(size, align);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}

}  // namespace

// clang-format off
void* operator new(std::size_t n) { return new_or_throw(n, default_align); }
void* operator new[](std::size_t n) { return new_or_throw(n, default_align); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return new_nothrow(n, default_align); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return new_nothrow(n, default_align); }
void* operator new(std::size_t n, std::align_val_t a) { return new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return new_nothrow(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return new_nothrow(n, static_cast<std::size_t>(a)); }

void operator delete(void* p) noexcept { release(p, default_align, magic_new); }
void operator delete[](void* p) noexcept { release(p, default_align, magic_new); }
void operator delete(void* p, std::size_t) noexcept { release(p, default_align, magic_new); }
void operator delete[](void* p, std::size_t) noexcept { release(p, default_align, magic_new); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p, default_align, magic_new); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p, default_align, magic_new); }
void operator delete(void* p, std::align_val_t a) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
void operator delete[](void* p, std::align_val_t a) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
void operator delete[](void* p, std::size_t, std::align_val_t a) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
void operator delete(void* p, std::align_val_t a, const std::nothrow_t&) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
void operator delete[](void* p, std::align_val_t a, const std::nothrow_t&) noexcept { release(p, static_cast<std::size_t>(a), magic_new); }
// clang-format on
