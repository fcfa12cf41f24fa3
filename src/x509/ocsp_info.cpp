// describe_ocsp_response: an OCSP response in words, for a person to read
// (`sslpp connect --status`). Nothing here is checked; ocsp_check.cpp is
// where a response is judged.
#include <sslpp/ocsp.hpp>

#include <climits>

#include <openssl/ocsp.h>

#include "internal/error_queue.hpp"
#include "internal/handle.hpp"
#include "x509/ocsp_check.hpp"
#include "x509/x509_text.hpp"

namespace sslpp {

namespace {

std::optional<std::string> optional_time(const ASN1_GENERALIZEDTIME* t) {
  return t == nullptr ? std::nullopt : std::optional<std::string>(detail::print_time(t));
}

OcspCertStatus describe_single(OCSP_SINGLERESP* single) {
  OcspCertStatus out;
  ASN1_INTEGER* serial = nullptr;
  if (::OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, const_cast<OCSP_CERTID*>(::OCSP_SINGLERESP_get0_id(single))) == 1 &&
      serial != nullptr) {
    out.serial_number = detail::print_serial(serial);
  }
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  const int status = ::OCSP_single_get0_status(single, &reason, &revoked, &this_update, &next_update);
  out.status = ::OCSP_cert_status_str(status);
  out.this_update = this_update == nullptr ? std::string() : detail::print_time(this_update);
  out.next_update = optional_time(next_update);
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    out.revocation_time = optional_time(revoked);
    if (reason >= 0) {
      out.revocation_reason = ::OCSP_crl_reason_str(reason);
    }
  }
  return out;
}

}  // namespace

OcspResponseInfo describe_ocsp_response(std::span<const std::byte> der) {
  const detail::unique_handle<OCSP_RESPONSE> response = detail::parse_ocsp_response(der);
  if (!response) {
    detail::throw_value_error("not a DER OCSP response");
  }
  OcspResponseInfo info;
  const int status = ::OCSP_response_status(response.get());
  info.response_status = ::OCSP_response_status_str(status);
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return info;
  }
  const detail::unique_handle<OCSP_BASICRESP> basic(::OCSP_response_get1_basic(response.get()));
  if (!basic) {
    ::ERR_clear_error();
    detail::throw_value_error("the OCSP response is successful but holds no basic response");
  }
  info.produced_at = optional_time(::OCSP_resp_get0_produced_at(basic.get()));
  const int count = ::OCSP_resp_count(basic.get());
  for (int i = 0; i < count; ++i) {
    info.certificates.push_back(describe_single(::OCSP_resp_get0(basic.get(), i)));
  }
  return info;
}

}  // namespace sslpp
