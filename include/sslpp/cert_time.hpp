/// \file
/// Python's ssl.cert_time_to_seconds: a certificate's notBefore / notAfter text
/// as seconds since the Epoch.
#pragma once

#include <string_view>

#include <sslpp/export.hpp>

namespace sslpp {

/// cert_time_to_seconds converts "notBefore" / "notAfter" text in the
/// "%b %d %H:%M:%S %Y GMT" form ("Jan  5 09:34:43 2018 GMT") to seconds since
/// the Epoch, accepting exactly what Python 3.11's ssl.cert_time_to_seconds
/// accepts. Python's strptime is lenient, and so is this:
/// - the month is the first three characters, in any case ("jan", "JAN");
/// - each space stands for one or more whitespace characters (tabs too);
/// - day, hour, minute and second may have one digit or two; the day may
///   also be written " 5" after the separating whitespace;
/// - the day is only checked to be 1..31, whatever the month: "Feb 30 2019"
///   is March 2nd, as Python's calendar.timegm counts it;
/// - seconds 60 and 61 are accepted and carried into the next minute;
/// - the year is exactly four digits, 0001..9999;
/// - "GMT" is matched in any case; nothing may follow it;
/// - digits may be any Unicode decimal digits (UTF-8), as Python's regular
///   expression `\d` allows.
/// Throws ValueError, with Python's message, for anything else.
SSLPP_API long long cert_time_to_seconds(std::string_view cert_time);

}  // namespace sslpp
