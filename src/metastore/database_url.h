// Database URLs as users write them ("sqlite:state/freshet.db",
// "postgres://user:secret@host:5432/db?sslmode=require"), and how to show one
// without its secrets.
#pragma once

#include <string>
#include <string_view>

namespace freshet {

// The scheme of `url`, lower-cased, without ":" or "://": "sqlite",
// "postgres". Empty if `url` has none.
std::string UrlScheme(std::string_view url);

// `url` with every password replaced by "***": the password of the user info
// ("postgres://user:***@host/db") and the value of any "password" query
// parameter ("?password=***"). When in doubt (an '@' inside the password, a
// malformed URL), more is hidden rather than less. URLs without a password
// come back unchanged. Safe to show in errors and logs.
std::string RedactUrl(std::string_view url);

// The password of the user info exactly as written in `url` (still
// percent-encoded), empty if none: what to scrub from messages. Never show it.
std::string_view UrlUserInfoPassword(std::string_view url);

}  // namespace freshet
