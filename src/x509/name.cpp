#include <sslpp/name.hpp>

#include <memory>
#include <string>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include <sslpp/error.hpp>

#include "internal/error_queue.hpp"
#include "x509/x509_text.hpp"

namespace sslpp {

namespace detail {

// openssl_string owns a buffer OpenSSL allocated for us: it is freed even
// when making the std::string from it throws bad_alloc (the
// allocation-failure sweep of an explained verification failure found the
// buffer leaked there).
namespace {
struct openssl_free {
  void operator()(void* p) const noexcept { ::OPENSSL_free(p); }
};
}  // namespace
template <typename T>
using openssl_string = std::unique_ptr<T, openssl_free>;

unique_handle<BIO> new_mem_bio() {
  unique_handle<BIO> bio(::BIO_new(::BIO_s_mem()));
  if (!bio) {
    throw_openssl_error("BIO_new");
  }
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string print_time(const ASN1_TIME* t) {
  auto bio = new_mem_bio();
  ::ASN1_TIME_print(bio.get(), t);
  return bio_text(bio.get());
}

std::string print_serial(const ASN1_INTEGER* serial) {
  auto bio = new_mem_bio();
  ::i2a_ASN1_INTEGER(bio.get(), serial);
  // i2a_ASN1_INTEGER breaks its output with "\\\n" after every 35 bytes
  // (Python passes that on); a serial is one hex string, whatever its length.
  std::string text = bio_text(bio.get());
  std::erase_if(text, [](char c) { return c == '\\' || c == '\n'; });
  return text;
}

std::string asn1_bytes(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)), static_cast<std::size_t>(::ASN1_STRING_length(s))};
}

namespace {
// obj2txt is OBJ_obj2txt for an OID of any length: OpenSSL reports the
// length it needs when the buffer is too small.
std::string obj2txt(const ASN1_OBJECT* obj, int no_name) {
  char buf[128];
  const int len = ::OBJ_obj2txt(buf, sizeof buf, obj, no_name);
  if (len < 0) {
    throw_openssl_error("cannot decode object identifier");
  }
  if (static_cast<std::size_t>(len) < sizeof buf) {
    return std::string(buf, static_cast<std::size_t>(len));
  }
  std::string big(static_cast<std::size_t>(len) + 1, '\0');
  ::OBJ_obj2txt(big.data(), len + 1, obj, no_name);
  big.resize(static_cast<std::size_t>(len));
  return big;
}
}  // namespace

std::string object_long_name(const ASN1_OBJECT* obj) { return obj2txt(obj, 0); }
std::string object_dotted(const ASN1_OBJECT* obj) { return obj2txt(obj, 1); }

std::string object_short_name(const ASN1_OBJECT* obj) {
  const int nid = ::OBJ_obj2nid(obj);
  const char* sn = nid == NID_undef ? nullptr : ::OBJ_nid2sn(nid);
  return sn != nullptr ? std::string(sn) : object_dotted(obj);
}

namespace {
// entry_value is Python's conversion of an attribute to text: whatever the
// ASN.1 string type, UTF-8 out, embedded NULs kept.
std::string entry_value(const X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  const int n = ::ASN1_STRING_to_UTF8(&utf8, ::X509_NAME_ENTRY_get_data(entry));
  if (n < 0) {
    throw_openssl_error("cannot decode name attribute");
  }
  const openssl_string<unsigned char> owned(utf8);
  return std::string(reinterpret_cast<char*>(owned.get()), static_cast<std::size_t>(n));
}
}  // namespace

DistinguishedName decode_name(const X509_NAME* name) {
  // Python's _create_tuple_for_X509_NAME: entries grouped by their RDN set.
  DistinguishedName dn;
  int last_set = -1;
  for (int i = 0; i < ::X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = ::X509_NAME_get_entry(name, i);
    const int set = ::X509_NAME_ENTRY_set(entry);
    if (dn.empty() || set != last_set) {
      dn.emplace_back();
    }
    dn.back().emplace_back(object_long_name(::X509_NAME_ENTRY_get_object(entry)), entry_value(entry));
    last_set = set;
  }
  return dn;
}

}  // namespace detail

void Name::free_name::operator()(X509_NAME* p) const noexcept { ::X509_NAME_free(p); }

Name Name::from_der(std::span<const std::byte> der) {
  detail::clear_stale_errors();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  detail::unique_handle<X509_NAME> name(::d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  if (!name) {
    detail::throw_openssl_error("not a DER distinguished name");
  }
  return Name(name.release());
}

Name Name::from_native(const X509_NAME* name) {
  X509_NAME* copy = ::X509_NAME_dup(name);
  if (copy == nullptr) {
    detail::throw_openssl_error("X509_NAME_dup");
  }
  return Name(copy);
}

std::vector<NameEntry> Name::entries() const {
  std::vector<NameEntry> out;
  const int n = ::X509_NAME_entry_count(name_.get());
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const X509_NAME_ENTRY* entry = ::X509_NAME_get_entry(name_.get(), i);
    const ASN1_OBJECT* obj = ::X509_NAME_ENTRY_get_object(entry);
    out.push_back({detail::object_dotted(obj), detail::object_short_name(obj), detail::object_long_name(obj),
                   detail::entry_value(entry), ::X509_NAME_ENTRY_set(entry)});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Name::get_components() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (NameEntry& e : entries()) {
    out.emplace_back(std::move(e.short_name), std::move(e.value));
  }
  return out;
}

std::optional<std::string> Name::get(std::string_view name) const {
  // OBJ_txt2obj accepts a short name, a long name or a dotted OID.
  detail::clear_stale_errors();
  const std::string text(name);
  ASN1_OBJECT* raw = ::OBJ_txt2obj(text.c_str(), 0);
  if (raw == nullptr) {
    ::ERR_clear_error();
    throw ValueError("unknown attribute type '" + text + "': give a short name (CN), a long name (commonName) or an OID");
  }
  const int index = ::X509_NAME_get_index_by_OBJ(name_.get(), raw, -1);
  ::ASN1_OBJECT_free(raw);
  if (index < 0) {
    return std::nullopt;
  }
  return detail::entry_value(::X509_NAME_get_entry(name_.get(), index));
}

DistinguishedName Name::rdns() const { return detail::decode_name(name_.get()); }

std::string Name::to_string() const {
  auto bio = detail::new_mem_bio();
  // RFC 2253 escaping, but non-ASCII text stays UTF-8 instead of \XX
  // escapes, so people can read it.
  ::X509_NAME_print_ex(bio.get(), name_.get(), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return detail::bio_text(bio.get());
}

std::string Name::oneline() const {
  // X509_NAME_oneline with a null buffer allocates one of the right size.
  const detail::openssl_string<char> text(::X509_NAME_oneline(name_.get(), nullptr, 0));
  if (text == nullptr) {
    detail::throw_openssl_error("X509_NAME_oneline");
  }
  return std::string(text.get());
}

std::vector<std::byte> Name::der() const {
  return detail::i2d_bytes(name_.get(), &::i2d_X509_NAME, "i2d_X509_NAME");
}

unsigned long Name::hash() const {
  int ok = 0;
  const unsigned long h = ::X509_NAME_hash_ex(name_.get(), nullptr, nullptr, &ok);
  if (ok != 1) {
    detail::throw_openssl_error("X509_NAME_hash_ex");
  }
  return h;
}

std::size_t Name::size() const noexcept {
  return static_cast<std::size_t>(::X509_NAME_entry_count(name_.get()));
}

bool operator==(const Name& a, const Name& b) noexcept { return ::X509_NAME_cmp(a.name_.get(), b.name_.get()) == 0; }

std::strong_ordering operator<=>(const Name& a, const Name& b) noexcept {
  const int c = ::X509_NAME_cmp(a.name_.get(), b.name_.get());
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

}  // namespace sslpp
