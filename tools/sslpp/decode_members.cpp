#include "decode_members.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <climits>
#include <new>
#include <optional>
#include <sslpp/error.hpp>

namespace sslpp::cli {

namespace {

// PemKind is how one supported PEM label is read.
struct PemKind {
  std::string_view label;
  Member (*read)(BIO* bio);
};

// holding is a member (number and place still to be filled) that owns
// `object`, which is null when parsing failed.
// no_password refuses the passphrase of an encrypted PEM block at once:
// OpenSSL's default would prompt on the terminal, and decode never decrypts.
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

template <typename Owned, typename T>
Member holding(T* object) {
  Member m;
  m.object = Owned(object);
  return m;
}

Member read_pem_x509(BIO* bio) { return holding<owned_x509>(::PEM_read_bio_X509(bio, nullptr, no_password, nullptr)); }
// A TRUSTED CERTIFICATE carries OpenSSL's trust settings after the
// certificate; the _AUX reader expects and skips them.
Member read_pem_trusted(BIO* bio) {
  return holding<owned_x509>(::PEM_read_bio_X509_AUX(bio, nullptr, no_password, nullptr));
}
Member read_pem_request(BIO* bio) {
  return holding<owned_request>(::PEM_read_bio_X509_REQ(bio, nullptr, no_password, nullptr));
}
Member read_pem_crl(BIO* bio) {
  return holding<owned_crl>(::PEM_read_bio_X509_CRL(bio, nullptr, no_password, nullptr));
}

constexpr std::array<PemKind, 6> kPemKinds{{
    {"CERTIFICATE", read_pem_x509},
    {"X509 CERTIFICATE", read_pem_x509},
    {"TRUSTED CERTIFICATE", read_pem_trusted},
    {"CERTIFICATE REQUEST", read_pem_request},
    {"NEW CERTIFICATE REQUEST", read_pem_request},
    {"X509 CRL", read_pem_crl},
}};

bool parsed(const Member& m) {
  return std::visit([](const auto& p) { return p != nullptr; }, m.object);
}

// openssl_reason is the first error OpenSSL queued (the cause, where the
// later ones say which structure contained it), then the queue is emptied.
std::string openssl_reason() {
  const unsigned long e = ::ERR_get_error();
  ::ERR_clear_error();
  if (e == 0) {
    return "no reason given by OpenSSL";
  }
  const char* lib = ::ERR_lib_error_string(e);
  const char* reason = ::ERR_reason_error_string(e);
  return std::string(lib != nullptr ? lib : "OpenSSL") + ": " + (reason != nullptr ? reason : "unknown error");
}

[[noreturn]] void bad_member(std::string_view file, const Member& m, const std::string& why) {
  throw ValueError(std::string(file) + ": " + m.position() + ": " + why);
}

// trim_line drops a line's newline, CR and trailing blanks, so CRLF files and
// "-----END X-----  " match as OpenSSL's PEM reader matches them.
std::string_view trim_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line;
}

// begin_label is the label of a "-----BEGIN LABEL-----" line, empty otherwise.
std::string_view begin_label(std::string_view line) {
  constexpr std::string_view begin = "-----BEGIN ";
  constexpr std::string_view dashes = "-----";
  line = trim_line(line);
  if (!line.starts_with(begin) || !line.ends_with(dashes) || line.size() < begin.size() + dashes.size()) {
    return {};
  }
  return line.substr(begin.size(), line.size() - begin.size() - dashes.size());
}

const PemKind* find_kind(std::string_view label) {
  for (const PemKind& k : kPemKinds) {
    if (k.label == label) {
      return &k;
    }
  }
  return nullptr;
}

// parse_block reads one whole PEM block (BEGIN to END line) as `kind`.
Member parse_block(std::string_view block, const PemKind& kind, Member header, std::string_view file) {
  ::ERR_clear_error();
  owned<BIO, BIO_free_all> bio(::BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  if (!bio) {
    throw std::bad_alloc();
  }
  Member m = kind.read(bio.get());
  m.number = header.number;
  m.label = std::move(header.label);
  m.where = std::move(header.where);
  if (!parsed(m)) {
    bad_member(file, m, "not a valid " + m.label + " (" + openssl_reason() + ")");
  }
  return m;
}

// OpenBlock is a PEM block whose BEGIN line has been seen, not its END line.
struct OpenBlock {
  const PemKind* kind;  // null: a block decode skips (a key, parameters)
  std::string end_line;
  std::size_t start;  // offset of the BEGIN line
  Member header;      // number, label and place, for the member and its errors
};

// read_pem walks the lines once: a BEGIN line opens a block, its END line
// closes it, and each closed block of a kind decode reads is parsed whole.
// Lines inside any block are never taken for BEGIN lines, so nothing in a
// skipped key is mistaken for a member, and no input makes this quadratic.
std::vector<Member> read_pem(std::string_view data, std::string_view file) {
  std::vector<Member> members;
  std::optional<OpenBlock> open;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t start = pos;
    const std::size_t eol = data.find('\n', pos);
    pos = eol == std::string_view::npos ? data.size() : eol + 1;
    ++line_no;
    const std::string_view line = data.substr(start, pos - start);
    if (!open) {
      const std::string_view label = begin_label(line);
      if (!label.empty()) {
        open = OpenBlock{find_kind(label), "-----END " + std::string(label) + "-----", start, Member{}};
        open->header.number = members.size() + 1;
        open->header.label = label;
        open->header.where = "line " + std::to_string(line_no);
      }
      continue;
    }
    if (trim_line(line) != open->end_line) {
      continue;
    }
    if (open->kind != nullptr) {
      members.push_back(
          parse_block(data.substr(open->start, pos - open->start), *open->kind, std::move(open->header), file));
    }
    open.reset();
  }
  if (open && open->kind != nullptr) {
    bad_member(file, open->header, "no " + open->end_line + " line");
  }
  return members;
}

// read_der_one parses the DER object at `*p` as the first of certificate,
// request and CRL that fits, advancing `*p` past it.
Member read_der_one(const unsigned char** p, long len) {
  const unsigned char* q = *p;
  if (X509* x = ::d2i_X509(nullptr, &q, len)) {
    *p = q;
    return holding<owned_x509>(x);
  }
  q = *p;
  if (X509_REQ* r = ::d2i_X509_REQ(nullptr, &q, len)) {
    *p = q;
    return holding<owned_request>(r);
  }
  q = *p;
  X509_CRL* c = ::d2i_X509_CRL(nullptr, &q, len);
  if (c != nullptr) {
    *p = q;
  }
  return holding<owned_crl>(c);
}

std::vector<Member> read_der(std::string_view data, std::string_view file) {
  std::vector<Member> members;
  const auto* begin = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* p = begin;
  const unsigned char* const end = begin + data.size();
  while (p < end) {
    const std::size_t offset = static_cast<std::size_t>(p - begin);
    ::ERR_clear_error();
    Member m = read_der_one(&p, static_cast<long>(end - p));
    m.number = members.size() + 1;
    m.label = "DER";
    m.where = "byte " + std::to_string(offset);
    if (!parsed(m)) {
      bad_member(file, m, "not a DER certificate, certificate request or CRL (" + openssl_reason() + ")");
    }
    ::ERR_clear_error();  // the kinds tried before the one that fitted
    members.push_back(std::move(m));
  }
  return members;
}

}  // namespace

std::string Member::position() const {
  return "member " + std::to_string(number) + " (" + label + " at " + where + ")";
}

std::vector<Member> read_members(std::string_view data, bool der, std::string_view file) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) {
    throw ValueError(std::string(file) + ": too large to decode (over 2 GiB)");
  }
  std::vector<Member> members = der ? read_der(data, file) : read_pem(data, file);
  if (members.empty()) {
    throw ValueError(std::string(file) + (der ? ": empty" : ": no CERTIFICATE, CERTIFICATE REQUEST or X509 CRL block"));
  }
  return members;
}

}  // namespace sslpp::cli
